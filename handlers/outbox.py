"""Queueing outgoing messages (in the caller's transaction) and handing them to channel senders."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, Row, Select, Update, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.dml import Insert, ReturningInsert

from handlers.live import note_message
from handlers.types import Button, Outgoing
from storage import (
    WRITE_BEHIND,
    Conversation,
    Database,
    Direction,
    Message,
    OutboxItem,
    OutboxStatus,
    Returned,
    insert_returning_later,
)

GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(minutes=5)
BATCH = 20
# Channels whose client reads the transcript itself (the web chat; the demo's example citizens): the
# message row is the delivery, so they get no outbox row and reading them writes nothing.
PULL_CHANNELS = frozenset({"web", "demo"})


def queue_message(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    buttons: Sequence[Sequence[Button]] = (),
    *,
    author: str = "bot",
    case_id: int | None = None,
) -> Message:
    """Store an outgoing message in the transcript and put it in the outbox of its channel."""
    message = Message(**_outgoing_message(conversation, text, _buttons_json(buttons), author, case_id))
    session.add(message)
    if conversation.channel not in PULL_CHANNELS:
        session.add(OutboxItem(message=message, channel=conversation.channel, chat_id=conversation.chat_id))
    return message


Rendered = tuple[str, tuple[tuple[Button, ...], ...]]   # one message out: its text and its rows of buttons


@functools.cache
def _insert_into(model: type[Message] | type[OutboxItem]) -> Insert:
    return insert(model.__table__)  # type: ignore[arg-type]


async def insert_row(session: AsyncSession, model: type[Message] | type[OutboxItem], values: dict[str, Any]) -> int:
    """Write one row by a statement of its own (built once) instead of by the unit of work's flush,
    on the turn's hot path; its new id comes back with it (RETURNING on PostgreSQL, the row id on
    SQLite). Python-side column defaults apply as in a flush."""
    result = cast(CursorResult[Any], await session.execute(_insert_into(model), values))
    key = result.inserted_primary_key
    assert key is not None   # a single-row INSERT always has one
    return int(key[0])


async def insert_behind(session: AsyncSession, model: type[Message] | type[OutboxItem], values: dict[str, Any]) -> None:
    """Write one row whose new id nobody reads back: on SQLite, in a turn's transaction, it goes
    with the next statement's trip or the commit's (`storage.WRITE_BEHIND`); elsewhere at once."""
    await session.execute(_insert_behind(model), values)


@functools.cache
def _insert_behind(model: type[Message] | type[OutboxItem]) -> Insert:
    return insert(model.__table__).prefix_with(WRITE_BEHIND)  # type: ignore[arg-type]


def _buttons_json(buttons: Sequence[Sequence[Button]]) -> list[list[dict[str, str]]]:
    return [[{"label": b.label, "value": b.value} for b in row] for row in buttons]


def _outgoing_message(conversation: Conversation, text: str, buttons: list[list[dict[str, str]]], author: str,
                      case_id: int | None) -> dict[str, Any]:
    """The columns of a message out, for the ORM's row (`queue_message`) and the statement's (`store_replies`)."""
    return {"conversation_id": conversation.id, "case_id": case_id, "channel": conversation.channel,
            "direction": Direction.OUT, "author": author, "text": text, "buttons": buttons}


@dataclass(frozen=True)
class _Queued:
    text: str
    buttons: list[list[dict[str, str]]]
    ids: Returned   # (outbox id, message id)


@dataclass(frozen=True)
class QueuedReplies:
    """A turn's replies in the outbox, as the sender will get them once the transaction has
    committed: on SQLite their ids come with the commit (`storage.insert_returning_later`)."""

    channel: str
    chat_id: str
    _queued: tuple[_Queued, ...]

    def outgoing(self) -> list[Outgoing]:
        """Only after the commit."""
        out = []
        for queued in self._queued:
            item_id, message_id = queued.ids.one()
            out.append(_outgoing(item_id, message_id, self.channel, self.chat_id, queued.text, queued.buttons))
        return out


async def store_replies(session: AsyncSession, conversation: Conversation, replies: Sequence[Rendered], *,
                        case_id: int | None, due: datetime | None) -> QueuedReplies:
    """A citizen turn's replies, stored and queued by statements of their own rather than by the
    unit of work at commit: `queue_message`'s ORM rows cost 2.2 ms of CPU per reply in that flush,
    statements 1.5 ms (the conversation's update included in both; measured alone on SQLite).
    On SQLite both rows of a reply are written behind (`storage.WRITE_BEHIND`): the outbox row
    takes its message's new id in SQL, and its ids come back with the commit, so a turn's replies
    cost no trip to the driver's thread of their own. `due`: when the sender may first try them
    (a worker's lease on what it hands over), else now."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    queued: list[_Queued] = []
    for text, rows in replies:
        buttons = _buttons_json(rows)
        message = _outgoing_message(conversation, text, buttons, "bot", case_id)
        if conversation.channel in PULL_CHANNELS:
            await insert_behind(session, Message, message)
            continue
        item = {"channel": conversation.channel, "chat_id": conversation.chat_id,
                "next_attempt_at": due or datetime.now(UTC)}
        if sqlite:
            await insert_behind(session, Message, message)
            with session.no_autoflush:   # no other INSERT between the two: the outbox row reads the message's id
                ids = await insert_returning_later(session, _item_after_message(), item)
        else:
            message_id = await insert_row(session, Message, message)
            ids = Returned([(await insert_row(session, OutboxItem, {"message_id": message_id, **item}), message_id)])
        queued.append(_Queued(text, buttons, ids))
    if replies:
        note_message(session, conversation.id)
    return QueuedReplies(conversation.channel, conversation.chat_id, tuple(queued))


@functools.cache
def _item_after_message() -> ReturningInsert[int, int]:
    """SQLite: the outbox row of the message inserted just before it, on the same connection."""
    return (insert(OutboxItem.__table__).values(message_id=func.last_insert_rowid())  # type: ignore[arg-type]
            .returning(OutboxItem.id, OutboxItem.message_id).prefix_with(WRITE_BEHIND))


async def recent_sends(db: Database, channel: str, since: datetime) -> list[tuple[str, datetime]]:
    """A channel's deliveries since `since`, as (chat, when): a restarted process paces its first
    sends knowing them, since the platform still counts them."""
    async with db.sessions() as session:
        rows = (await session.execute(select(OutboxItem.chat_id, OutboxItem.sent_at).where(
            OutboxItem.channel == channel, OutboxItem.status == OutboxStatus.SENT, OutboxItem.sent_at >= since))).all()
    return [(chat_id, sent_at) for chat_id, sent_at in rows if sent_at is not None]


def _outgoing(outbox_id: int, message_id: int, channel: str, chat_id: str, text: str,
              buttons: list[list[dict[str, str]]] | None) -> Outgoing:
    rows = tuple(tuple(Button(b["label"], b["value"]) for b in line) for line in buttons or [])
    return Outgoing(outbox_id=outbox_id, message_id=message_id, channel=channel, chat_id=chat_id,
                    text=text, buttons=rows)


def to_outgoing(row: Row[Any]) -> Outgoing:
    return _outgoing(row.id, row.message_id, row.channel, row.chat_id, row.text, row.buttons)


async def claim_pending(db: Database, channel: str, limit: int = BATCH,
                        lease: timedelta | None = LEASE) -> list[Outgoing]:
    """Take due messages for a sender, oldest first, leasing them so other workers skip them.

    A message waits while an earlier one to the same chat is still pending and not due (backing
    off, or leased by another worker): a chat never sees its messages out of order. Two workers
    claiming at the same instant can still both see a chat's queue as free, so the sender checks
    `first_in_line` again under the chat's lock before sending.

    `lease=None` only reads (see `due_messages` for the one sender of an embedded database).
    """
    now = datetime.now(UTC)
    params = _claim_params(channel, now, limit)
    if lease is None:
        async with db.sessions() as session:
            return [to_outgoing(r) for r in (await session.execute(_claim_statement(), params)).all()]
    if db.is_sqlite:  # look before taking SQLite's one writer: most wake-ups find nothing new
        async with db.sessions() as session:
            if not (await session.scalars(_claim_ids(), _claim_params(channel, now, 1))).first():
                return []
    async with db.transaction() as session:
        query = _claim_statement() if db.is_sqlite else _claim_statement().with_for_update(skip_locked=True, of=OutboxItem)
        rows = (await session.execute(query, params)).all()
        if rows:
            await session.execute(update(OutboxItem).where(OutboxItem.id.in_([r.id for r in rows]))
                                  .values(next_attempt_at=now + lease).execution_options(synchronize_session=False))
        return [to_outgoing(r) for r in rows]


async def due_messages(db: Database, channel: str, limit: int = BATCH) -> list[tuple[int, str]]:
    """The (outbox id, chat id) of what `claim_pending` would take, reading nothing more and
    leasing nothing: for the one sender of an embedded SQLite database, which keeps track of what
    it is sending in memory. Under load most of what is due is already in its hands (sent, not yet
    recorded) or waits for its chat's task to end; it loads only the rest (`load_outgoing`)."""
    async with db.sessions() as session:
        rows = await session.execute(_due_statement(), _claim_params(channel, datetime.now(UTC), limit))
        return [(r.id, r.chat_id) for r in rows]


async def load_outgoing(db: Database, outbox_ids: Sequence[int]) -> list[Outgoing]:
    """What the sender needs of these messages, in outbox order."""
    if not outbox_ids:
        return []
    async with db.sessions() as session:
        rows = await session.execute(_rows_by_id(), {"ids": list(outbox_ids)})
        return [to_outgoing(r) for r in rows]


async def first_in_line(db: Database, channel: str, chat_id: str, outbox_ids: Sequence[int]) -> list[int]:
    """Of the messages a sender claimed for one chat, those it may send now: still pending and
    with no earlier pending message of the chat held by someone else. Call it under the chat's
    lock; a message another worker already sent (its lease ran out meanwhile) is left out."""
    if not outbox_ids:
        return []
    async with db.sessions() as session:
        pending = (await session.scalars(
            select(OutboxItem.id).where(OutboxItem.channel == channel, OutboxItem.chat_id == chat_id,
                                        OutboxItem.status == OutboxStatus.PENDING,
                                        OutboxItem.id <= max(outbox_ids))
            .order_by(OutboxItem.id))).all()
    mine, line = set(outbox_ids), []
    for outbox_id in pending:
        if outbox_id not in mine:
            break
        line.append(outbox_id)
    return line


_OUTGOING_COLUMNS = (OutboxItem.id, OutboxItem.message_id, OutboxItem.channel, OutboxItem.chat_id,
                     Message.text, Message.buttons)


@functools.cache
def _claim_ids() -> Select[int]:
    """Built once: constructing the correlated "earlier one waiting?" subquery (an alias and an
    EXISTS) cost more CPU than running it, and the sender asks several times per turn. The values
    come as bound parameters, so SQLAlchemy's compiled-statement cache serves every call."""
    earlier = aliased(OutboxItem)
    now = bindparam("now", type_=OutboxItem.__table__.c.next_attempt_at.type)
    held_back = (
        select(earlier.id)
        .where(earlier.channel == OutboxItem.channel, earlier.chat_id == OutboxItem.chat_id,
               earlier.status == OutboxStatus.PENDING, earlier.id < OutboxItem.id, earlier.next_attempt_at > now)
        .exists()
    )
    return (
        select(OutboxItem.id)
        .where(OutboxItem.channel == bindparam("channel"), OutboxItem.status == OutboxStatus.PENDING,
               OutboxItem.next_attempt_at <= now, ~held_back)
        .order_by(OutboxItem.id)
        .limit(bindparam("limit", type_=Integer))
    )


@functools.cache
def _claim_statement() -> Select[Any]:
    """The claimed messages as plain columns: what a sender needs, without building ORM objects
    (loading whole outbox rows and their messages was a quarter of a busy process's CPU)."""
    return _claim_ids().with_only_columns(*_OUTGOING_COLUMNS).join_from(
        OutboxItem, Message, OutboxItem.message_id == Message.id)


@functools.cache
def _due_statement() -> Select[Any]:
    return _claim_ids().add_columns(OutboxItem.chat_id)


@functools.cache
def _rows_by_id() -> Select[Any]:
    return (select(*_OUTGOING_COLUMNS).join_from(OutboxItem, Message, OutboxItem.message_id == Message.id)
            .where(OutboxItem.id.in_(bindparam("ids", expanding=True))).order_by(OutboxItem.id))


def _claim_params(channel: str, now: datetime, limit: int) -> dict[str, Any]:
    return {"channel": channel, "now": now, "limit": limit}


def claim_query(channel: str, now: datetime, limit: int = BATCH) -> Select[Any]:
    """Due rows by ix_outbox_pending; the per-row "earlier one still waiting?" by ix_outbox_chat."""
    return _claim_statement().params(_claim_params(channel, now, limit))


async def prune_sent(db: Database, keep: timedelta, now: datetime | None = None, batch: int = 1000) -> int:
    """Delete delivered outbox rows older than `keep`; returns how many went.

    A sent row is only delivery bookkeeping: the text stays in the transcript (`message`), so the
    outbox need not grow forever. Failed and pending rows stay for staff and retries. Small batches
    keep each transaction (and SQLite's single writer) short.
    """
    cutoff = (now or datetime.now(UTC)) - keep
    removed = 0
    while True:
        async with db.transaction() as session:
            ids = (await session.scalars(select(OutboxItem.id).where(
                OutboxItem.status == OutboxStatus.SENT, OutboxItem.sent_at < cutoff).limit(batch))).all()
            if ids:
                await session.execute(delete(OutboxItem).where(OutboxItem.id.in_(ids)))
        removed += len(ids)
        if len(ids) < batch:
            return removed


async def mark_sent(db: Database, outbox_id: int, platform_message_id: str | None) -> None:
    async with db.transaction() as session:
        item = await session.get(OutboxItem, outbox_id)
        if item is None:
            return
        item.status, item.sent_at = OutboxStatus.SENT, datetime.now(UTC)
        item.attempts += 1
        item.message.platform_message_id = platform_message_id


async def mark_sent_many(db: Database, sent: Sequence[tuple[int, str | None]]) -> None:
    """`mark_sent` for many messages in one transaction: under load, one write instead of dozens
    (SQLite has one writer; every citizen's next turn would queue behind them)."""
    if not sent:
        return
    now = datetime.now(UTC)
    async with db.transaction(background=True) as session:   # nobody waits for it: turns go first
        await session.execute(   # plain statements: loading the rows as objects cost more than writing them
            update(OutboxItem).where(OutboxItem.id.in_([i for i, _ in sent]))
            .values(status=OutboxStatus.SENT, sent_at=now, attempts=OutboxItem.attempts + 1)
            .execution_options(synchronize_session=False))
        if platform_ids := [{"outbox": i, "platform": p} for i, p in sent if p is not None]:
            connection = await session.connection()
            await connection.execute(_platform_id_update(), platform_ids)


@functools.cache
def _platform_id_update() -> Update:
    message = Message.__table__.c
    return update(Message).where(message.id == select(OutboxItem.message_id).where(
        OutboxItem.id == bindparam("outbox")).scalar_subquery()).values(platform_message_id=bindparam("platform"))


async def mark_retry(db: Database, outbox_id: int, error: str, delay: float | None = None) -> None:
    """Try again later: when the platform says (flood control, not counted as a failure), else with
    exponential backoff up to 5 minutes; after a day of trying the message is marked failed."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        item = await session.get(OutboxItem, outbox_id)
        if item is None:
            return
        item.last_error = error[:2000]
        if delay is None:
            item.attempts += 1
        if now - item.created_at > GIVE_UP_AFTER:
            item.status = OutboxStatus.FAILED
            return
        wait = delay if delay is not None else min(300.0, 2.0 ** item.attempts)
        item.next_attempt_at = now + timedelta(seconds=wait)


async def release(db: Database, outbox_ids: Sequence[int]) -> None:
    """Hand leased messages back untried (they queue behind an earlier one that must wait)."""
    if outbox_ids:
        async with db.transaction() as session:
            await session.execute(update(OutboxItem).where(OutboxItem.id.in_(outbox_ids))
                                  .values(next_attempt_at=datetime.now(UTC)))


async def mark_failed(db: Database, outbox_id: int, error: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == outbox_id)
            .values(status=OutboxStatus.FAILED, last_error=error[:2000], attempts=OutboxItem.attempts + 1)
        )


@dataclass(frozen=True, slots=True)
class ChatLine:
    id: int
    direction: str
    kind: str
    text: str
    buttons: list[Any]
    created_at: datetime


async def pull_chat(db: Database, channel: str, chat_id: str, after: int = 0, limit: int = 200) -> list[ChatLine]:
    """For pull channels (the web chat): the chat's messages after `after`. A read only: many open
    pages and reconnects cost no write (PULL_CHANNELS queue no outbox rows to mark delivered)."""
    async with db.sessions() as session:
        conversation_id = await session.scalar(
            select(Conversation.id).where(Conversation.channel == channel, Conversation.chat_id == chat_id))
        if conversation_id is None:
            return []
        messages = (await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.id).limit(limit))).all()
        return [ChatLine(m.id, m.direction.value, m.kind, m.text, m.buttons or [], m.created_at) for m in messages]


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A message to the citizen that the platform never took (blocked, gone, outside its window)."""

    message_id: int
    text: str
    reason: str
    at: datetime


async def undelivered_for_case(db: Database, case_id: int) -> list[Undelivered]:
    """What staff wrote (or the bot said) about this case that never reached the citizen, oldest first:
    the console shows it so staff reach the citizen another way instead of waiting for an answer."""
    async with db.sessions() as session:
        rows = (await session.execute(
            select(Message.id, Message.text, OutboxItem.last_error, Message.created_at)
            .join(OutboxItem, OutboxItem.message_id == Message.id)
            .where(Message.case_id == case_id, OutboxItem.status == OutboxStatus.FAILED)
            .order_by(Message.id))).all()
    return [Undelivered(r[0], r[1], r[2] or "", r[3]) for r in rows]
