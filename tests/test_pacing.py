"""Sends are spread to Telegram's limits: one chat is paced, other chats are not held up by it."""
from __future__ import annotations

import pytest

from bot.pacing import Pacer
from tests.virtual_time import VirtualTime


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("sends, expected", [
    (["a", "a", "a"], [0.0, 1.0, 2.0]),
    (["a", "b", "c"], [0.0, 0.5, 1.0]),
    (["a", "b", "a"], [0.0, 0.5, 1.0]),
])
def test_pacer_books_slots_per_chat_and_overall(sends: list[str], expected: list[float]) -> None:
    pacer = Pacer(per_chat_interval=1.0, global_interval=0.5, clock=FakeClock())
    assert [pacer.delay(chat) for chat in sends] == expected


def test_pacer_lets_a_quiet_chat_send_at_once() -> None:
    clock = FakeClock()
    pacer = Pacer(per_chat_interval=1.0, global_interval=0.1, clock=clock)
    assert pacer.delay("a") == 0.0
    clock.now += 5
    assert pacer.delay("a") == 0.0


async def test_a_burst_to_one_chat_waits_its_turn_and_another_chat_does_not() -> None:
    time = VirtualTime()
    pacer = Pacer(per_chat_interval=1.0, global_interval=0.25, clock=time, sleep=time.sleep)
    for chat in ["a", "a", "a"]:
        await pacer.wait(chat)
    assert time.slept == [1.0, 1.0] and time.now == 102.0
    await pacer.wait("b")
    assert time.slept == [1.0, 1.0, 0.25], "another chat waits only for the overall limit, not for chat a"


def test_a_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    clock = FakeClock()
    pacer = Pacer(per_chat_interval=1.0, global_interval=0.01, clock=clock, chat_burst=4, global_burst=30)
    assert [pacer.delay("a") for _ in range(6)] == pytest.approx([0.0, 0.0, 0.0, 0.0, 1.0, 2.0])
    clock.now += 10  # a quiet while fills the bucket again
    assert [pacer.delay("a") for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.0])


def test_the_whole_bot_is_held_to_its_own_rate_across_chats() -> None:
    clock = FakeClock()
    pacer = Pacer(per_chat_interval=1.0, global_interval=0.1, clock=clock, chat_burst=4, global_burst=3)
    delays = [pacer.delay(chat) for chat in "abcdef"]
    assert delays == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2, 0.3]), "three at once, then one every 0.1 s"


def test_telegram_limits_stay_under_its_flood_control() -> None:
    from bot.pacing import TELEGRAM_LIMITS

    assert TELEGRAM_LIMITS.chat_burst < 5 and TELEGRAM_LIMITS.per_chat_interval >= 1.0
    assert TELEGRAM_LIMITS.global_burst < 30 and 1 / TELEGRAM_LIMITS.global_interval < 30
