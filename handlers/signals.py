"""Wake-ups after a commit that queued something: for the channel senders, and for anyone who
subscribed to a topic (the web chat's server push can subscribe to its chat's topic).

`Signal` is the one base every implementation shares. `OutboxSignal` wakes coroutines of this
process only (the embedded default); `bot.redis_coord.RedisSignal` also publishes each wake-up on
Redis, so every worker hears it. Senders still poll on a timer, so a wake-up lost while Redis
restarts costs a delay, never a message.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta

from handlers.types import Outgoing


class Subscription:
    """Wake-ups of one topic for one listener; none is lost between two `next` calls."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def _fire(self) -> None:
        self._event.set()

    async def next(self, timeout: float) -> bool:
        """True when the topic was woken since the last call (or within `timeout` seconds)."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Signal:
    """Topics are plain strings: a channel name ("telegram") wakes its sender; other names (for
    example "web:<chat id>") are free for subscribers. `wake` must only be called after commit."""

    def __init__(self) -> None:
        self._events: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._subscribers: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._takers: dict[str, Callable[[list[Outgoing], bool], bool]] = {}
        self._leases: dict[str, timedelta] = {}

    def handover_lease(self, channel: str) -> timedelta | None:
        """How long replies about to be handed over should be leased to this process in their own
        transaction (many workers: no other worker's claim takes them meanwhile), or None."""
        return self._leases.get(channel) if channel in self._takers else None

    def take_over(self, channel: str, taker: Callable[[list[Outgoing], bool], bool],
                  lease: timedelta | None = None) -> None:
        """For this process's sender of `channel`: replies its turns commit are handed to it
        directly (`hand_over`), so it starts sending without reading them back and no other
        worker is woken to look for them. The taker answers whether it placed them all."""
        self._takers[channel] = taker
        if lease is not None:
            self._leases[channel] = lease

    def hand_over(self, channel: str, items: list[Outgoing], *, first_in_line: bool = False) -> bool:
        """Offer committed outbox items to this process's sender of `channel`; True when it took
        them all, and then `wake` for the channel is not needed (it would only read them back).
        `first_in_line`: the committing transaction saw nothing else waiting for their chats (on
        SQLite, whose one writer it held), so the sender need not look again."""
        taker = self._takers.get(channel)
        return bool(items) and taker is not None and taker(items, first_in_line)

    def wake(self, topics: Iterable[str]) -> None:
        """Wake every waiter of these topics (in other workers too, for a shared implementation)."""
        self.fire_local(list(topics))

    def fire_local(self, topics: Iterable[str]) -> None:
        for topic in topics:
            self._events[topic].set()
            for subscription in self._subscribers.get(topic, ()):
                subscription._fire()

    async def wait(self, topic: str, timeout: float) -> None:
        """For the one sender of a topic in this process: returns on a wake-up or after `timeout`."""
        event = self._events[topic]
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        event.clear()

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        """For many listeners of one topic (each browser tab of a web chat): `async with
        signal.subscribe("web:" + chat_id) as sub: while await sub.next(25): ...`."""
        subscription = Subscription()
        self._subscribers[topic].add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers[topic].discard(subscription)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    async def close(self) -> None:
        """Release what a shared implementation holds (connections, listener tasks)."""


class OutboxSignal(Signal):
    """In this process only: one worker (`make run`), or tests."""
