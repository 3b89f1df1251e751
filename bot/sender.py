"""The outbox sender loop shared by every push channel (Telegram, Zalo, ...).

It delivers what handlers committed to the outbox, in order per chat, retrying with backoff and
honouring the platform's own "retry after"; a message that can never be delivered is marked failed.

Chats are delivered concurrently: one task per chat with something due, so a chat that must wait
(its pacing bucket is empty, or the platform said "retry after") holds up nobody else. Within a
chat, messages leave one at a time under the chat's lock (`ChatLocks`: this process, or every
worker with Redis), and only after `first_in_line` confirms no earlier message of the chat is still
waiting elsewhere.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from bot.locks import ChatLocks, LocalChatLocks
from bot.pacing import ClaimRunsOut
from handlers import (
    Core,
    Outgoing,
    claim_pending,
    due_messages,
    first_in_line,
    load_outgoing,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_sent_many,
    release,
)
from handlers.outbox import LEASE

log = logging.getLogger(__name__)
MAX_CHATS_IN_FLIGHT = 64


class RetryLater(Exception):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class Undeliverable(Exception):
    """The platform refused for good (blocked by the user, chat gone, bad request)."""


class Deliverer(Protocol):
    channel: str

    async def deliver(self, item: Outgoing, until: float | None = None) -> str | None:
        """Send one message; return the platform's message id. Raise `ClaimRunsOut` rather than
        start it after `until` (time.monotonic()), when the sender's claim on it ends."""


MarkSent = Callable[[int, "str | None"], Awaitable[None]]


class SentBook:
    """Records deliveries in batches: one transaction for all that were sent meanwhile, instead of
    one each. Until a batch is written its messages stay leased, so nobody sends them again and
    the chat's next messages wait (a crash in between sends them again: at least once)."""

    def __init__(self, core: Core, channel: str) -> None:
        self.core, self.channel = core, channel
        self._pending: list[tuple[int, str | None]] = []
        self._writer: asyncio.Task[None] | None = None
        self.on_written: Callable[[], None] | None = None

    async def add(self, outbox_id: int, platform_id: str | None) -> None:
        self._pending.append((outbox_id, platform_id))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name=f"{self.channel}-sent-book")

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await mark_sent_many(self.core.db, batch)
            except Exception:
                log.exception("recording %d deliveries failed; retrying", len(batch))
                self._pending[:0] = batch
                await asyncio.sleep(0.5)
                continue
            if self.on_written is not None:
                self.on_written()

    async def drain(self) -> None:
        if self._writer is not None:
            await asyncio.shield(self._writer)


async def _mark_sent_now(core: Core, outbox_id: int, platform_id: str | None) -> None:
    await mark_sent(core.db, outbox_id, platform_id)


async def deliver_chat(core: Core, deliverer: Deliverer, items: list[Outgoing], locks: ChatLocks,
                       book: SentBook | None = None, check_line: bool = True, hold: float | None = None) -> None:
    """Send one chat's claimed messages in order; stop at the first that must wait.

    `hold`: the seconds this task may keep its claim. A long queue paced at one a second could
    outlive the lease, and another worker would then take the same messages while this one still
    sends them; past `hold` the rest go back to the outbox, in order, for whoever claims next.
    """
    chat_id = items[0].chat_id
    until = None if hold is None else time.monotonic() + hold
    try:
        async with locks(chat_id):
            ids = [i.outbox_id for i in items]
            line = set(await first_in_line(core.db, deliverer.channel, chat_id, ids) if check_line else ids)
            queued = [i for i in items if i.outbox_id in line]
            await release(core.db, [i.outbox_id for i in items if i.outbox_id not in line])
            record = book.add if book is not None else functools.partial(_mark_sent_now, core)
            try:
                for n, item in enumerate(queued):
                    if n and until is not None and time.monotonic() > until:
                        await release(core.db, [i.outbox_id for i in queued[n:]])
                        return
                    try:
                        if not await _deliver_one(core, deliverer, item, record, until):
                            await release(core.db, [i.outbox_id for i in queued[n + 1:]])
                            return
                    except ClaimRunsOut:   # its slot came too late: this one goes back too, untried
                        await release(core.db, [i.outbox_id for i in queued[n:]])
                        return
            finally:
                if book is not None:   # recorded before the lock goes: the next holder must see them sent
                    await book.drain()
    except Exception:  # the lock or the database failed: hand the messages back for the next round
        log.exception("delivery to %s chat %s failed; will retry", deliverer.channel, chat_id)
        await release(core.db, [i.outbox_id for i in items])


async def _deliver_one(core: Core, deliverer: Deliverer, item: Outgoing, sent: MarkSent,
                       until: float | None = None) -> bool:
    """True when the chat may go on to its next message."""
    try:
        platform_id = await deliverer.deliver(item, until)
    except RetryLater as exc:
        await mark_retry(core.db, item.outbox_id, str(exc), exc.delay)
        return False
    except ClaimRunsOut:
        raise
    except Undeliverable as exc:
        log.warning("outbox %s undeliverable: %s", item.outbox_id, exc)
        await mark_failed(core.db, item.outbox_id, str(exc))
        return True
    except Exception as exc:  # a bug or a surprise in one message must not stall the others
        log.exception("outbox %s: unexpected error while sending; will retry", item.outbox_id)
        await mark_retry(core.db, item.outbox_id, f"{type(exc).__name__}: {exc}")
        return False
    await sent(item.outbox_id, platform_id)
    return True


def by_chat(items: list[Outgoing]) -> dict[str, list[Outgoing]]:
    chats: dict[str, list[Outgoing]] = {}
    for item in items:
        chats.setdefault(item.chat_id, []).append(item)
    return chats


async def deliver_batch(core: Core, deliverer: Deliverer, locks: ChatLocks | None = None) -> int:
    """Deliver what is due now, chats side by side; returns how many messages were handled."""
    items = await claim_pending(core.db, deliverer.channel)
    chat_locks = locks or LocalChatLocks()
    await asyncio.gather(*(deliver_chat(core, deliverer, chat, chat_locks) for chat in by_chat(items).values()))
    return len(items)


class OutboxSender:
    """Runs until cancelled: claims what is due, starts one task per chat, and claims again on a
    commit's wake-up, when a chat's task ends, or on the poll timer (other workers' commits when
    no shared signal carries them)."""

    def __init__(self, core: Core, deliverer: Deliverer, poll_seconds: float, locks: ChatLocks | None = None,
                 lease: timedelta = LEASE, max_chats: int = MAX_CHATS_IN_FLIGHT) -> None:
        self.core, self.deliverer, self.poll_seconds = core, deliverer, poll_seconds
        self.locks = locks or LocalChatLocks()
        self.lease, self.max_chats = lease, max_chats
        # The one sender of an embedded SQLite database (`make run`) knows what it is sending: no
        # lease to write, no line to check again. Any shared set-up leases and checks.
        self.alone = core.db.is_sqlite and isinstance(self.locks, LocalChatLocks)
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._deferred: set[str] = set()   # chats with messages claimed while their task was running
        self._finished: dict[str, float] = {}   # when each chat's last task ended (loop time)
        self._sending: set[int] = set()   # outbox ids handed to a chat's task that has not ended
        self._more = False   # the last claim was full: more may be due right now
        self._handing_back: set[asyncio.Task[None]] = set()
        self._waiting: dict[str, list[Outgoing]] = {}   # handed over while their chat's task ran
        self.book = SentBook(core, deliverer.channel)
        self.book.on_written = self._written

    async def run(self) -> None:
        self.core.signal.take_over(self.deliverer.channel, self.take, None if self.alone else self.lease)
        try:
            while True:
                try:
                    started = await self.round()
                except Exception:  # a database hiccup must not kill delivery for good
                    log.exception("outbox sender for %s failed; retrying", self.deliverer.channel)
                    started = 0
                if started == 0 or not self._more:
                    await self.core.signal.wait(self.deliverer.channel, self.poll_seconds)
        finally:
            for task in self._in_flight.values():
                task.cancel()
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
            await self.book.drain()

    async def round(self) -> int:
        """Claim once and start the chats that are not already being delivered; returns how many."""
        room = self.max_chats - len(self._in_flight)
        if room <= 0:
            return 0
        loop = asyncio.get_running_loop()
        asked = loop.time()
        limit = room + 8 * len(self._in_flight)
        if self.alone:
            items = await self._claim_alone(limit, asked)
        else:
            items = await claim_pending(self.core.db, self.deliverer.channel, limit=limit, lease=self.lease)
            self._more = len(items) >= limit
        started = 0
        for chat_id, chat in by_chat(items).items():
            if self._busy(chat_id, asked) or started >= room:
                self._deferred.add(chat_id)
                if not self.alone:
                    await release(self.core.db, [i.outbox_id for i in chat])
                if chat_id not in self._in_flight:
                    self.core.signal.fire_local([self.deliverer.channel])
                continue
            self._start(chat_id, chat, check_line=not self.alone)
            started += 1
        return started

    def _start(self, chat_id: str, chat: list[Outgoing], check_line: bool) -> None:
        hold = None if self.alone else self.lease.total_seconds() / 2   # alone: nothing is leased
        task = asyncio.create_task(deliver_chat(self.core, self.deliverer, chat, self.locks, self.book,
                                                check_line=check_line, hold=hold), name=f"{self.deliverer.channel}-chat")
        self._in_flight[chat_id] = task
        ids = frozenset(i.outbox_id for i in chat)
        self._sending |= ids
        task.add_done_callback(functools.partial(self._done, chat_id, ids))

    def take(self, items: list[Outgoing], first_in_line: bool) -> bool:
        """Replies handed over at commit by a turn of this process: a chat with nothing being sent
        starts at once, without reading them back, and no other worker is woken to look for them
        (with many workers the turn leased them to this one). Unless the committing transaction saw
        nothing else waiting for the chat (on the embedded database, whose one writer it held), the
        task checks the line under the chat's lock, as any claim does, and what it must send back
        is claimed again when it ends. A chat whose task is running here waits for it to end: the
        embedded sender claims it again then; with many workers the replies (leased to this one)
        start from memory, line checked. Anything else that cannot start now is handed back to the
        outbox for any worker. False when some could not be placed: the commit's wake-up must then
        start a round."""
        now = asyncio.get_running_loop().time()
        placed = True
        for chat_id, chat in by_chat([i for i in items if i.outbox_id not in self._sending]).items():
            if not self._busy(chat_id, now) and len(self._in_flight) < self.max_chats:
                trusted = first_in_line and self.alone
                if not trusted:
                    self._deferred.add(chat_id)
                self._start(chat_id, chat, check_line=not trusted)
            elif chat_id in self._in_flight and self.alone:
                self._deferred.add(chat_id)   # its end claims the chat again
            elif chat_id in self._in_flight:   # leased to us: they start, line checked, when its task ends
                self._waiting.setdefault(chat_id, []).extend(chat)
            elif not self.alone:
                self._hand_back([i.outbox_id for i in chat])
            else:
                placed = False
        return placed

    def _hand_back(self, outbox_ids: list[int]) -> None:
        """Lift the lease a turn gave replies this worker cannot start now, and wake every worker."""
        async def hand_back() -> None:
            try:
                await release(self.core.db, outbox_ids)
            finally:   # if the release failed, the lease runs out and a poll finds them
                self.core.signal.wake([self.deliverer.channel])
        task = asyncio.create_task(hand_back(), name=f"{self.deliverer.channel}-hand-back")
        self._handing_back.add(task)
        task.add_done_callback(self._handing_back.discard)

    def _busy(self, chat_id: str, asked: float) -> bool:
        """A chat being sent, or finished while we asked (what we read may already be sent): its
        messages are claimed again when its task ends / on the wake-up its end gives."""
        return chat_id in self._in_flight or self._finished.get(chat_id, -1.0) >= asked

    async def _claim_alone(self, limit: int, asked: float) -> list[Outgoing]:
        """Read what is due, then load only what can start now: what a running task already holds
        (read again, as nothing is leased) is neither new nor a reason to wait, and a busy chat's
        new messages wait for its task to end."""
        due = await due_messages(self.core.db, self.deliverer.channel, limit)
        self._more = len(due) >= limit
        fresh = [(outbox_id, chat) for outbox_id, chat in due if outbox_id not in self._sending]
        busy = {chat for _, chat in fresh if self._busy(chat, asked)}
        for chat in busy:
            self._deferred.add(chat)
            if chat not in self._in_flight:
                self.core.signal.fire_local([self.deliverer.channel])
        return await load_outgoing(self.core.db, [outbox_id for outbox_id, chat in fresh if chat not in busy])

    def _written(self) -> None:
        if self._deferred:   # their earlier messages were still being recorded
            self.core.signal.fire_local([self.deliverer.channel])

    def _done(self, chat_id: str, ids: frozenset[int], task: asyncio.Task[None]) -> None:
        self._in_flight.pop(chat_id, None)
        self._sending -= ids
        waiting = [i for i in self._waiting.pop(chat_id, []) if i.outbox_id not in self._sending]
        now = asyncio.get_running_loop().time()
        self._finished[chat_id] = now
        if len(self._finished) > 10_000:
            self._finished = {c: t for c, t in self._finished.items() if t > now - 60}
        if chat_id in self._deferred:
            self._deferred.discard(chat_id)
            self.core.signal.fire_local([self.deliverer.channel])
        if waiting and not task.cancelled():   # stopping: their lease runs out, or the next start reads them
            self._deferred.add(chat_id)   # what the line check sends back is claimed when this one ends
            self._start(chat_id, sorted(waiting, key=lambda i: i.outbox_id), check_line=True)


async def run_sender(core: Core, deliverer: Deliverer, poll_seconds: float, locks: ChatLocks | None = None,
                     lease: timedelta = LEASE) -> None:
    """Run until cancelled (see `OutboxSender`)."""
    await OutboxSender(core, deliverer, poll_seconds, locks, lease).run()
