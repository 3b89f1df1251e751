"""What the workers of one installation share, behind one base each (as aiogram keeps every storage
behind one base): wake-ups after commit (`handlers.Signal`), per-chat locks (`ChatLocks`), the
platform rate limits (`RateLimiter`) and who runs the timed jobs (`Leadership`).

`local_coordination()` keeps all of it in this process: right for `make run` (SQLite, one
process). `bot.redis_coord.redis_coordination(url)` keeps it in Redis for `langnghe run --workers N`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from bot.locks import ChatLocks, LocalChatLocks
from bot.pacing import Limits, Pacer, RateLimiter
from handlers import OutboxSignal, Signal
from handlers.live import InProcessBus, LiveBus


class Leadership(ABC):
    """One worker at a time runs the timed jobs (escalation, retention)."""

    @abstractmethod
    async def lead(self) -> bool:
        """Take or keep the lead for a while; True when this worker holds it now."""

    async def resign(self) -> None:  # noqa: B027 (optional: most leaderships just lapse)
        """Give the lead up at once (a clean stop), so another worker need not wait for it to lapse."""


class SoleLeader(Leadership):
    """The only process there is."""

    async def lead(self) -> bool:
        return True


class Coordination(ABC):
    signal: Signal
    leader: Leadership
    live: LiveBus    # pages told of committed changes (handlers/live.py)

    @abstractmethod
    def locks(self, name: str) -> ChatLocks:
        """Per-chat locks of one purpose ("telegram-in": updates, "telegram-out": deliveries)."""

    @abstractmethod
    def pacer(self, name: str, limits: Limits) -> RateLimiter:
        """The rate limiter of one bot (its buckets shared by every worker of that bot)."""

    async def start(self) -> None:  # noqa: B027 (optional: only shared ones listen)
        """Start listening (a shared signal) once the event loop runs."""

    async def close(self) -> None:
        await self.signal.close()


@dataclass
class LocalCoordination(Coordination):
    signal: Signal = field(default_factory=OutboxSignal)
    leader: Leadership = field(default_factory=SoleLeader)
    live: LiveBus = field(default_factory=InProcessBus)

    def locks(self, name: str) -> ChatLocks:
        return LocalChatLocks()

    def pacer(self, name: str, limits: Limits) -> RateLimiter:
        return Pacer.for_limits(limits)


def local_coordination() -> Coordination:
    return LocalCoordination()
