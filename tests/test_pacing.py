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
