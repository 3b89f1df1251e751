"""Sends are spread to Telegram's limits with token buckets: a chat gets a short burst at once,
then one message a second; the bot as a whole its own rate; a chat that must wait holds up nobody."""
from __future__ import annotations

import pytest

from bot.pacing import TELEGRAM_LIMITS, ClaimRunsOut, Limits, Pacer, book
from tests.virtual_time import VirtualTime


def pacer_on(time: VirtualTime, **limits: float) -> Pacer:
    interval, overall = limits.pop("per_chat_interval", 1.0), limits.pop("global_interval", 0.01)
    return Pacer(interval, overall, clock=time, sleep=time.sleep,
                 chat_burst=int(limits.get("chat_burst", 1)), global_burst=int(limits.get("global_burst", 1)))


async def sends(pacer: Pacer, time: VirtualTime, chats: str) -> list[float]:
    """When each send leaves, seconds after the first."""
    started, at = time.now, []
    for chat in chats:
        await pacer.wait(chat)
        at.append(round(time.now - started, 3))
    return at


async def test_a_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    time = VirtualTime()
    pacer = pacer_on(time, chat_burst=4, global_burst=30)
    assert await sends(pacer, time, "aaaaaa") == [0, 0, 0, 0, 1, 2]
    time.now += 10  # a quiet while fills the bucket again
    assert await sends(pacer, time, "aaaa") == [0, 0, 0, 0]


async def test_without_a_burst_one_chat_waits_its_turn_and_another_chat_does_not() -> None:
    time = VirtualTime()
    pacer = pacer_on(time, global_interval=0.25)
    assert await sends(pacer, time, "aaa") == [0, 1, 2]
    assert await sends(pacer, time, "b") == [0.25], "chat b waits only for the overall limit, not for chat a"


async def test_the_whole_bot_is_held_to_its_own_rate_across_chats() -> None:
    time = VirtualTime()
    pacer = pacer_on(time, global_interval=0.1, chat_burst=4, global_burst=3)
    assert await sends(pacer, time, "abcdef") == [0, 0, 0, 0.1, 0.2, 0.3], "three at once, then one every 0.1 s"


def test_a_chat_waiting_for_its_second_does_not_book_the_bots_capacity() -> None:
    time = VirtualTime()
    pacer = pacer_on(time, global_interval=0.1, global_burst=2)
    assert (pacer.chat_delay("a"), pacer.bot_delay()) == (0, 0)
    assert pacer.chat_delay("a") == 1.0, "chat a's next message must wait a second"
    assert (pacer.chat_delay("b"), pacer.bot_delay()) == (0, 0), "chat b goes now, not after chat a's slot"


def test_telegram_limits_stay_under_its_flood_control() -> None:
    assert TELEGRAM_LIMITS.chat_burst < 5 and TELEGRAM_LIMITS.per_chat_interval >= 1.0
    assert TELEGRAM_LIMITS.global_burst < 30 and 1 / TELEGRAM_LIMITS.global_interval < 30


@pytest.mark.parametrize("chat_burst", [1, 4])
async def test_a_quiet_chat_sends_at_once(chat_burst: int) -> None:
    time = VirtualTime()
    pacer = pacer_on(time, chat_burst=chat_burst)
    await sends(pacer, time, "a")
    time.now += 5
    assert await sends(pacer, time, "a") == [0]


def sends_alone(pacer: Pacer, time: VirtualTime, chats: str) -> list[float]:
    """Absolute send times of one worker sending `chats` as fast as its pacer lets it."""
    at = []
    for chat in chats:
        time.now += pacer.chat_delay(chat)
        time.now += pacer.bot_delay()
        at.append(time.now)
    return at


def allowed(times: list[float], interval: float, tolerance: float) -> bool:
    """Would one bucket of the platform have taken sends at these times?"""
    tat = 0.0
    for at in sorted(times):
        start, tat = book(at, tat, interval, tolerance)
        if start > at + 1e-9:
            return False
    return True


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_workers_pacing_alone_to_their_share_stay_within_the_platforms_limits(workers: int) -> None:
    chats = "".join(chr(0x4E00 + n) for n in range(80))

    def together(limits: Limits, sent: str) -> list[float]:   # each alone: none knows when the others send
        times: list[float] = []
        for _ in range(workers):
            clock = VirtualTime()
            times += sends_alone(Pacer.for_limits(limits, clock=clock), clock, sent)
        return times

    share = TELEGRAM_LIMITS.shared_by(workers)
    assert allowed(together(share, "a" * 12), TELEGRAM_LIMITS.per_chat_interval, TELEGRAM_LIMITS.chat_tolerance)
    assert allowed(together(share, chats), TELEGRAM_LIMITS.global_interval, TELEGRAM_LIMITS.global_tolerance)
    full = together(TELEGRAM_LIMITS, "a" * 12)
    assert not allowed(full, TELEGRAM_LIMITS.per_chat_interval, TELEGRAM_LIMITS.chat_tolerance), "each at the full limits"


@pytest.mark.parametrize("spent_until", [100.0, 102.5])
def test_a_pacer_whose_bot_bucket_starts_spent_has_no_burst_until_then(spent_until: float) -> None:
    warm, cold = VirtualTime(), VirtualTime()
    chats = "".join(chr(0x4E00 + n) for n in range(10))
    assert sends_alone(Pacer.for_limits(TELEGRAM_LIMITS, clock=warm), warm, chats) == [100.0] * 10, "a warm one bursts"
    times = sends_alone(Pacer.for_limits(TELEGRAM_LIMITS, clock=cold, spent_until=spent_until), cold, chats)
    gaps = [round(b - a, 4) for a, b in zip([spent_until, *times], times, strict=False)]
    assert gaps == [round(TELEGRAM_LIMITS.global_interval, 4)] * 10, "one every interval, from the first"


def test_recalled_sends_count_against_the_buckets() -> None:
    time = VirtualTime()
    pacer = Pacer.for_limits(TELEGRAM_LIMITS, clock=time)
    pacer.recall([("a", 0.5)] * 4 + [("b", 30.0)])
    assert pacer.chat_delay("a") == pytest.approx(0.5), "a's burst was spent half a second ago"
    assert pacer.chat_delay("b") == 0, "b's send is long past"


async def test_a_send_woken_late_by_a_stalled_loop_books_its_slot_again() -> None:
    """A stall wakes every send booked during it at once; booked apart, they must still leave apart."""
    time = VirtualTime()
    stalls = [0.5]

    async def stalling_sleep(seconds: float) -> None:   # the first sleep overruns by half a second
        time.now += seconds + (stalls.pop() if stalls else 0.0)

    pacer = Pacer(1.0, 0.1, clock=time, sleep=stalling_sleep)
    at = []
    for chat in "abc":
        await pacer.wait(chat)
        at.append(round(time.now - 100, 3))
    assert at == [0, 0.6, 0.7], "the late one goes when it wakes; the next keeps its distance"


@pytest.mark.parametrize(("chat_sent", "bot_booked", "stall", "until", "leaves_at"), [
    (False, 0, 0.0, 0.5, 0.0),     # its slot is now: it goes
    (True, 0, 0.0, 0.5, None),     # the chat's next slot is a second away, after the claim ends
    (False, 3, 0.0, 0.25, None),   # the bot's next slot (0.3 s) is after the claim ends
    (False, 3, 0.0, 0.3, 0.3),     # ... and just within it
    (False, 1, 0.5, 0.3, None),    # booked within the claim (0.1 s), but a stalled loop woke it at 0.6 s
])
async def test_a_send_never_leaves_after_its_claim_ends(chat_sent: bool, bot_booked: int, stall: float,
                                                        until: float, leaves_at: float | None) -> None:
    """A sender's claim on a message ends at its lease; past it another worker may send the same
    message. The last word is the pacer's, just before the platform is called: a slot (or a late
    wake-up) after `until` raises instead of sending, without sleeping for a slot it cannot use."""
    time = VirtualTime()
    stalls = [stall]

    async def sleep(seconds: float) -> None:
        time.now += seconds + (stalls.pop() if stalls else 0.0)

    pacer = Pacer(1.0, 0.1, clock=time, sleep=sleep)
    if chat_sent:
        pacer.chat_delay("a")
    for _ in range(bot_booked):   # other chats' sends booked the bot's next slots
        pacer.bot_delay()
    started = time.now
    if leaves_at is None:
        with pytest.raises(ClaimRunsOut):
            await pacer.wait("a", until=started + until)
        assert time.now - started <= until + stall, "it slept no longer than the stall made it"
        if not stall:   # the slot it could not use was not booked: the next send gets it
            await pacer.wait("a" if chat_sent else "b")
            assert round(time.now - started, 3) == (1.0 if chat_sent else 0.3)
    else:
        await pacer.wait("a", until=started + until)
        assert round(time.now - started, 3) == leaves_at


def test_a_monotonic_deadline_lands_on_the_limiters_own_clock() -> None:
    """The sender's claim ends on `time.monotonic()`; a limiter on another clock (virtual time in
    tests) must see the same seconds left, not a deadline from another clock."""
    import time as real

    virtual = VirtualTime()
    pacer = pacer_on(virtual)
    assert pacer.from_monotonic(real.monotonic() + 2.0) == pytest.approx(virtual.now + 2.0, abs=0.05)
    assert pacer.from_monotonic(None) is None
