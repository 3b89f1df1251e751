"""Server push: what changed, told to open pages (web chat, console) only after it is committed.

A page must never be told about something the database does not know yet, so events are collected
while a transaction flushes (`after_flush`, every new message and case event, whoever wrote it;
messages written by a statement of their own are noted by `note_message`) and published by the
caller once the transaction has committed (`publish_committed`). Events are only wake-ups: a page
re-reads the database on each one, so a lost event costs a little delay, never data.

`LiveBus` is the seam: `InProcessBus` serves one worker; `bot.redis_coord.RedisLiveBus` implements the
same two methods over Redis pub/sub when there are several workers (REDIS_URL).
"""
from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage import Case, CaseEvent, Database, Message

ALL_CASES = "cases"           # every case event, for roles that see every unit
QUEUE_SIZE = 256


def chat_topic(conversation_id: int) -> str:
    return f"chat:{conversation_id}"


def unit_topic(unit_id: int) -> str:
    return f"unit:{unit_id}"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    topic: str
    kind: str                                   # "message", or a case event kind ("created", ...)
    data: dict[str, Any] = field(default_factory=dict)


class Subscription(ABC):
    @abstractmethod
    async def next(self, timeout: float) -> LiveEvent | None:
        """The next event of the subscribed topics, or None after `timeout` seconds without one."""


class LiveBus(ABC):
    """Publish committed changes; subscribe to topics. Implementations must not block the loop."""

    @abstractmethod
    async def publish(self, events: Sequence[LiveEvent]) -> None: ...

    @abstractmethod
    def subscribe(self, topics: Iterable[str]) -> AbstractAsyncContextManager[Subscription]: ...


class _QueueSubscription(Subscription):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, item: LiveEvent) -> None:
        if self.queue.full():      # a stalled page loses its oldest wake-ups, never blocks publishers
            self.queue.get_nowait()
        self.queue.put_nowait(item)

    async def next(self, timeout: float) -> LiveEvent | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class InProcessBus(LiveBus):
    """One worker: subscribers are queues in this process."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[_QueueSubscription]] = {}

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        for item in events:
            for sub in tuple(self._subscribers.get(item.topic, ())):
                sub.offer(item)

    def subscribe(self, topics: Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        return self._subscription(tuple(topics))

    @asynccontextmanager
    async def _subscription(self, topics: tuple[str, ...]) -> AsyncIterator[Subscription]:
        sub = _QueueSubscription()
        for topic in topics:
            self._subscribers.setdefault(topic, set()).add(sub)
        try:
            yield sub
        finally:
            for topic in topics:
                subscribers = self._subscribers.get(topic)
                if subscribers is not None:
                    subscribers.discard(sub)
                    if not subscribers:
                        del self._subscribers[topic]


# --- collecting what a transaction changed --------------------------------------------------------

_PENDING, _COMMITTED = "live.pending", "live.committed"


@dataclass
class _Changes:
    conversations: set[int] = field(default_factory=set)
    case_events: list[tuple[int, str]] = field(default_factory=list)

    def merge(self, other: _Changes) -> None:
        self.conversations |= other.conversations
        self.case_events += other.case_events


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    changes: _Changes = session.info.setdefault(_PENDING, _Changes())
    for obj in session.new:
        if isinstance(obj, Message) and obj.conversation_id is not None:
            changes.conversations.add(obj.conversation_id)
        elif isinstance(obj, CaseEvent) and obj.case_id is not None:
            changes.case_events.append((obj.case_id, obj.kind))


def note_message(session: AsyncSession, conversation_id: int) -> None:
    """A message written by a statement of its own, not by a flush: its chat is told after commit all the same."""
    session.sync_session.info.setdefault(_PENDING, _Changes()).conversations.add(conversation_id)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending: _Changes | None = session.info.pop(_PENDING, None)
    if pending is not None:
        session.info.setdefault(_COMMITTED, _Changes()).merge(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)   # what never happened is never told


def _take(session: Any) -> _Changes:
    """What the session committed and nobody was told yet; `session` is an AsyncSession or a Session."""
    info = session.info if hasattr(session, "info") else session.sync_session.info
    changes: _Changes | None = info.pop(_COMMITTED, None)
    return changes or _Changes()


async def publish_committed(bus: LiveBus, db: Database, session: Any) -> None:
    """Call after the transaction of `session` committed: tells each touched chat and each unit
    whose cases changed (and the all-cases topic). Reading the cases back costs one small query."""
    changes = _take(session)
    events = [LiveEvent(chat_topic(c), "message") for c in sorted(changes.conversations)]
    if changes.case_events:
        ids = {case_id for case_id, _ in changes.case_events}
        async with db.sessions() as reader:
            rows = {r.id: r for r in (await reader.execute(
                select(Case.id, Case.code, Case.unit_id, Case.urgent).where(Case.id.in_(ids)))).all()}
        for case_id, kind in changes.case_events:
            row = rows.get(case_id)
            if row is None:
                continue
            data = {"code": row.code, "urgent": bool(row.urgent), "unit_id": row.unit_id}
            events += [LiveEvent(unit_topic(row.unit_id), kind, data), LiveEvent(ALL_CASES, kind, data)]
    if events:
        await bus.publish(events)
