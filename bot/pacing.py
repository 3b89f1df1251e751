"""Pacing sends to a platform's published limits (Telegram: ~1 message a second to one chat,
~30 a second overall), so bursts are smoothed here instead of bounced back as 429s."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(self, per_chat_interval: float, global_interval: float,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        # clock and sleep are parameters so tests can run the same pacing on virtual time
        self.per_chat_interval, self.global_interval, self.clock = per_chat_interval, global_interval, clock
        self.sleep = sleep
        self._next_chat: dict[str, float] = {}
        self._next_global = 0.0

    def delay(self, chat_id: str) -> float:
        """Seconds to wait before the next send to `chat_id`, booking the slot."""
        now = self.clock()
        start = max(now, self._next_global, self._next_chat.get(chat_id, 0.0))
        self._next_global = start + self.global_interval
        self._next_chat[chat_id] = start + self.per_chat_interval
        if len(self._next_chat) > 10_000:  # forget chats that have been quiet
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        return start - now

    async def wait(self, chat_id: str) -> None:
        if (pause := self.delay(chat_id)) > 0:
            await self.sleep(pause)
