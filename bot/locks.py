"""Per-chat locks: the one base, and the in-process implementation (Redis's is in bot/redis_coord.py)."""
from __future__ import annotations

import asyncio
import contextlib
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator


class ChatLocks(ABC):
    """One lock per chat: a citizen's updates, which platforms deliver concurrently, reach the core
    one at a time and in order; a chat's outgoing messages leave one at a time.
    `async with locks(chat_id): ...`. `LocalChatLocks` holds within this process;
    `bot.redis_coord.RedisChatLocks` across every worker."""

    @abstractmethod
    def __call__(self, chat_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """The lock of one chat, as an async context manager."""


class LocalChatLocks(ChatLocks):
    """An asyncio.Lock per chat, alive only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, chat_id: str) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    @contextlib.asynccontextmanager
    async def __call__(self, chat_id: str) -> AsyncIterator[None]:
        async with self.lock(chat_id):
            yield
