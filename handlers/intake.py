"""The entry point for every citizen message: one transaction from stored update to queued replies."""
from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, Update, bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from handlers import dialogue
from handlers.attachments import photo_signal, record_photo
from handlers.commands import on_command, split_command
from handlers.conversation_write import write_conversation
from handlers.core import Core
from handlers.data_rights import word_command
from handlers.live import note_message, publish_committed
from handlers.outbox import insert_behind, insert_row, store_replies
from handlers.staff_links import answer_staff_chat
from handlers.turn import Turn
from handlers.types import Inbound, InboundKind, InboundResult
from nlu import Analysis
from storage import Citizen, Conversation, Direction, Message, OutboxItem, OutboxStatus, StaffLink


async def _citizen(session: AsyncSession, inbound: Inbound) -> Citizen:
    citizen = await session.scalar(
        select(Citizen).where(Citizen.channel == inbound.channel, Citizen.external_id == inbound.user_id))
    if citizen is None:
        citizen = Citizen(channel=inbound.channel, external_id=inbound.user_id, display_name=inbound.display_name,
                          language="vi")
        session.add(citizen)
        await session.flush()
    return citizen


async def _new_conversation(session: AsyncSession, inbound: Inbound, citizen: Citizen) -> Conversation:
    """The chat's first message (`_known` found no conversation): a concurrent worker that created
    it meanwhile makes the insert clash, and the turn's second try finds it."""
    conversation = Conversation(channel=inbound.channel, chat_id=inbound.chat_id, citizen_id=citizen.id,
                                state=dialogue.START, draft={})
    session.add(conversation)
    await session.flush()
    return conversation


async def _lock_conversation(core: Core, session: AsyncSession, inbound: Inbound, now: datetime) -> None:
    """Take the conversation's row lock first: two updates of one chat (two workers, a webhook
    burst, a double click) then run one after the other and never both open a case. SQLite needs no
    statement for it: the turn's transaction began IMMEDIATE, as the database's one writer, before
    it read anything (`storage.Database.transaction`); the chat's last activity is set with the
    turn's other changes (`_touch`)."""
    if not core.db.is_sqlite:
        await session.execute(_lock_statement(), {"the_channel": inbound.channel, "the_chat": inbound.chat_id,
                                                  "now": now})


def _touch(core: Core, conversation: Conversation | None, read_at: datetime | None, now: datetime) -> None:
    """The chat's last activity (the moderators' queue sorts by it), where no lock statement set it.
    A turn whose dialogue already wrote the conversation moved it then (its `onupdate`); otherwise it
    is set now, and goes out with any change still unwritten, at commit."""
    if core.db.is_sqlite and conversation is not None and conversation.updated_at == read_at:
        conversation.updated_at = now


@functools.cache
def _lock_statement() -> Update:
    """Built once (building it cost more CPU than SQLite spends running it)."""
    return (update(Conversation)
            .where(Conversation.channel == bindparam("the_channel"), Conversation.chat_id == bindparam("the_chat"))
            .values(updated_at=bindparam("now", type_=Conversation.__table__.c.updated_at.type))
            .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class _Known:
    """What the database knows of this chat, read in one statement once the chat is locked: a
    turn's reads are most of its time under SQLite's one writer, so they are not made one by one."""

    conversation: Conversation | None
    seen: bool              # this very update was stored before (a redelivery)
    staff_id: int | None    # the chat is a staff member's linked chat
    waiting: bool           # some earlier message to the chat is still in its outbox
    last_buttons: list[Any]  # the buttons of the chat's last message out (read for a button press only)
    last_message_id: int | None = None   # SQLite: the newest message's id, under the one writer (`_store_message`)


@functools.cache
def _known_statement(pressed: bool, sqlite: bool) -> Select[Any]:
    channel: BindParameter[str] = bindparam("channel")
    chat_id: BindParameter[str] = bindparam("chat_id")
    update_id: BindParameter[str | None] = bindparam("update_id")
    seen = exists().where(Message.channel == channel, Message.platform_update_id == update_id)
    staff = select(StaffLink.staff_id).where(StaffLink.channel == channel, StaffLink.chat_id == chat_id)
    waiting = exists().where(OutboxItem.channel == channel, OutboxItem.chat_id == chat_id,
                             OutboxItem.status == OutboxStatus.PENDING)
    columns: list[Any] = [Conversation, seen, staff.scalar_subquery(), waiting]
    if pressed:   # the button is nearly always on the last message out: its label costs no statement of its own
        columns.append(select(Message.buttons).where(
            Message.conversation_id == Conversation.id, Message.direction == Direction.OUT)
            .order_by(Message.id.desc()).limit(1).scalar_subquery())
    if sqlite:   # the table's last entry in its primary key's b-tree: no scan
        columns.append(select(func.max(Message.id)).scalar_subquery())
    return select(*columns).where(Conversation.channel == channel, Conversation.chat_id == chat_id)


async def _known(session: AsyncSession, inbound: Inbound, sqlite: bool) -> _Known:
    params = {"channel": inbound.channel, "chat_id": inbound.chat_id, "update_id": inbound.update_id}
    pressed = inbound.kind is InboundKind.BUTTON
    row = (await session.execute(_known_statement(pressed, sqlite), params)).first()
    if row is None:   # a new chat: no update of it can have been stored, and no staff member linked it
        return _Known(None, False, None, False, [])
    return _Known(row[0], inbound.update_id is not None and bool(row[1]), row[2], bool(row[3]),
                  (row[4] or []) if pressed else [], row[-1] if sqlite else None)


def _label_in(buttons: list[Any], data: str) -> str | None:
    for row in buttons or []:
        for button in row:
            if button.get("value") == data:
                return str(button.get("label", data))
    return None


async def _pressed_label(session: AsyncSession, known: _Known, conversation: Conversation, data: str) -> str:
    """What the citizen saw on the button they pressed, for a transcript people can read."""
    if (label := _label_in(known.last_buttons, data)) is not None:
        return label
    recent = (await session.scalars(   # the buttons only: twenty whole messages cost a turn more CPU
        select(Message.buttons).where(Message.conversation_id == conversation.id, Message.direction == Direction.OUT)
        .order_by(Message.id.desc()).limit(20))).all()
    for buttons in recent:
        if (label := _label_in(buttons, data)) is not None:
            return label
    return data


async def _store_message(session: AsyncSession, values: dict[str, Any], last_id: int | None) -> Message:
    """The citizen's message, written by one prepared statement, not by a flush of the unit of
    work (measured alone on SQLite: 0.17 ms of CPU plus 0.06 ms to attach the object, against
    0.42 ms for the flush). The dialogue needs its id. On SQLite the turn holds the one writer
    since it read the newest id (`last_id`), so it gives the row the next one itself and the row
    is written behind, with the turn's next statement: one trip less under the writer. A
    unique-key clash (a redelivered update, which `_known` already turned away on SQLite) then
    comes at that statement, in the same transaction. Elsewhere the row is written at once and
    its id read back. The ORM object is then attached as already stored: a later change to it
    (its case) is one UPDATE. `values` must give every column: one left out would be expired,
    and reading it would raise (no lazy loads here)."""
    if last_id is not None:
        new_id = last_id + 1
        await insert_behind(session, Message, {"id": new_id, **values})
    else:
        new_id = await insert_row(session, Message, values)
    message = Message(id=new_id, **values)
    make_transient_to_detached(message)
    session.add(message)
    note_message(session, message.conversation_id)
    return message


def _message_kind(inbound: Inbound) -> str:
    """How the transcript shows the message: a photo without words is a photo, not "unsupported"."""
    if inbound.photo and inbound.kind is InboundKind.UNSUPPORTED:
        return "photo"
    return inbound.kind.value


async def _dispatch(turn: Turn, staff_id: int | None) -> None:
    inbound = turn.inbound
    if await answer_staff_chat(turn, split_command(inbound.text), staff_id):   # a staff member's linked chat
        return
    if inbound.kind is InboundKind.BUTTON:
        await dialogue.on_button(turn, inbound.data or "")
    elif inbound.kind is InboundKind.CONTACT:
        await dialogue.on_contact_shared(turn, inbound.text)
    elif inbound.kind is InboundKind.LOCATION and inbound.latitude is not None and inbound.longitude is not None:
        await dialogue.on_location(turn, inbound.latitude, inbound.longitude)
    elif inbound.photo and inbound.kind is InboundKind.UNSUPPORTED:
        await dialogue.on_photo(turn)
    elif inbound.kind is InboundKind.UNSUPPORTED:
        turn.say("unsupported")
    elif (command := split_command(inbound.text)) is not None:
        await on_command(turn, *command)
    elif (spoken := word_command(inbound.text)) is not None:   # "xóa dữ liệu của tôi", "my data"
        await on_command(turn, spoken, "")
    else:
        await dialogue.on_text(turn, inbound.text)


async def _handle_once(core: Core, inbound: Inbound, early: dict[str, asyncio.Future[Analysis]]) -> InboundResult:
    async with core.db.transaction(behind=True) as session:
        now = core.clock()
        await _lock_conversation(core, session, inbound, now)
        known = await _known(session, inbound, core.db.is_sqlite)
        if known.seen:
            return InboundResult(duplicate=True)
        conversation = known.conversation
        read_at = conversation.updated_at if conversation is not None else None
        if conversation is not None and conversation.citizen.external_id == inbound.user_id:
            citizen = conversation.citizen   # loaded with the conversation
        else:
            citizen = await _citizen(session, inbound)
            conversation = conversation or await _new_conversation(session, inbound, citizen)
        pressed = inbound.kind is InboundKind.BUTTON
        message = await _store_message(session, dict(
            conversation_id=conversation.id, case_id=None, channel=inbound.channel, direction=Direction.IN,
            author=f"citizen:{citizen.id}", kind=_message_kind(inbound),
            text=await _pressed_label(session, known, conversation, inbound.data or "") if pressed else inbound.text,
            buttons=[[{"label": "", "value": inbound.data}]] if pressed else [],
            platform_update_id=inbound.update_id, platform_message_id=inbound.message_id, created_at=inbound.at,
        ), known.last_message_id if conversation is known.conversation else None)
        turn = Turn(core, session, inbound, conversation, citizen, message, early=early)
        await _dispatch(turn, known.staff_id)
        if inbound.photo and citizen.consent_at is not None:   # nothing is kept before consent
            record_photo(session, message, inbound.photo)
        # before the replies' statements, so the conversation's row is written first, as a flush would
        _touch(core, known.conversation, read_at, now)
        await write_conversation(session, conversation, now)
        replies = turn.rendered()
        lease = core.signal.handover_lease(inbound.channel)   # ours to send: another worker's claim leaves them alone
        queued = await store_replies(session, conversation, replies, case_id=message.case_id,
                                     due=core.clock() + lease if lease is not None else None)
        result = InboundResult(duplicate=False, queued=len(replies))
    outgoing = queued.outgoing()
    # the sender first: the citizen's answer should not wait for the pages' news (a query when cases changed)
    # read under the chat's lock and SQLite's one writer: nothing can have joined the chat's queue since
    first = core.db.is_sqlite and not known.waiting
    handed = core.signal.hand_over(inbound.channel, outgoing, first_in_line=first)
    topics = ([] if handed else [inbound.channel]) + ([photo_signal(inbound.channel)] if inbound.photo else [])
    if topics:
        core.signal.wake(topics)
    await publish_committed(core.live, core.db, session)
    return result


def _early_reading(core: Core, inbound: Inbound) -> dict[str, asyncio.Future[Analysis]]:
    """Start the NLU on a typed message before the turn takes its chat's lock and SQLite's one
    writer: nearly every typed message is read by the dialogue, and reading it meanwhile (a long
    one in the NLU's thread) takes that time off the turn that every other writer waits for."""
    text = inbound.text
    if inbound.kind is not InboundKind.TEXT or not text.strip() or split_command(text) is not None:
        return {}
    return {text: asyncio.ensure_future(core.nlu.analyse(text))}


async def handle_inbound(core: Core, inbound: Inbound) -> InboundResult:
    """Store the update (once per platform update id), advance the dialogue, queue the replies.

    Replies are only queued here; the channel's sender delivers them after the commit, so a crash
    never leaves a citizen told something the database does not know. A unique-key clash means a
    concurrent worker got there first (the same update, or the same new citizen): one more try
    then sees its work.
    """
    early = _early_reading(core, inbound)
    try:
        for attempt in (1, 2):
            try:
                result = await _handle_once(core, inbound, early)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return result
        raise AssertionError("unreachable")
    finally:
        for unused in early.values():   # a redelivery, or a turn that never read its text
            unused.cancel()
