"""Wake-ups for the channel senders after a commit that queued something for them.

In one process an asyncio.Event is enough; senders also poll the outbox on a timer, so a change
committed by another worker (or the staff console in another process) is delivered as well.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable


class OutboxSignal:
    def __init__(self) -> None:
        self._events: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def wake(self, channels: Iterable[str]) -> None:
        for channel in channels:
            self._events[channel].set()

    async def wait(self, channel: str, timeout: float) -> None:
        event = self._events[channel]
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        event.clear()
