"""Sends are spread to Telegram's limits with token buckets: a chat gets a short burst at once,
then one message a second; the bot as a whole its own rate; a chat that must wait holds up nobody."""
from __future__ import annotations

import pytest

from bot.pacing import TELEGRAM_LIMITS, Pacer
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
