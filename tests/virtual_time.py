"""Virtual time for code that paces itself: sleeping moves the clock forward and returns at once."""
from __future__ import annotations


class VirtualTime:
    def __init__(self, start: float = 100.0) -> None:
        self.now, self.slept = start, []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
