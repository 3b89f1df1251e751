"""A turn's change to its conversation is written by one statement of its own when it is the
turn's only change (handlers/conversation_write.py), and by the unit of work otherwise: either way
the database ends up holding what the dialogue set, written once."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from handlers import Core
from handlers.conversation_write import write_conversation
from storage import Citizen, Conversation
from tests.chat_driver import CoreChat


@contextmanager
def _updates_of_conversations(core: Core) -> Iterator[list[str]]:
    """The UPDATEs of a conversation by its id (PostgreSQL's turn also locks the chat's row first,
    by an UPDATE of its own, which is not the dialogue's change)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("UPDATE conversation") and "WHERE conversation.id = " in statement:
            seen.append(statement)

    event.listen(core.db.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(core.db.engine.sync_engine, "before_cursor_execute", note)


async def _stored(core: Core) -> Conversation:
    async with core.db.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        return conversation


async def test_a_turn_writes_its_conversation_once_with_what_the_dialogue_set(core: Core) -> None:
    chat = CoreChat(core)
    await chat.say("/start")
    before = await _stored(core)
    with _updates_of_conversations(core) as updates:
        await chat.press("consent:yes")
    after = await _stored(core)
    assert len(updates) == 1
    assert after.state != before.state and after.updated_at > before.updated_at
    with _updates_of_conversations(core) as updates:
        await chat.say("/help")   # changes nothing but the last activity
    # on PostgreSQL the statement that locked the chat's row already moved its last activity
    assert len(updates) == (1 if core.db.is_sqlite else 0)
    stored = await _stored(core)
    assert stored.state == after.state and stored.updated_at > after.updated_at


async def test_alone_the_conversation_goes_by_statement_and_leaves_the_session(core: Core) -> None:
    await CoreChat(core).say("/start")
    now = datetime.now(UTC) + timedelta(days=1)
    async with core.db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        conversation.state = "somewhere"
        conversation.draft = {**conversation.draft, "note": "kept"}
        with _updates_of_conversations(core) as updates:
            assert await write_conversation(session, conversation, now)
            await session.flush()   # nothing left for it
        assert conversation not in session
        assert len(updates) == 1 and "updated_at" in updates[0]
    stored = await _stored(core)
    assert (stored.state, stored.draft["note"], stored.updated_at) == ("somewhere", "kept", now)


async def test_an_unchanged_conversation_is_not_written(core: Core) -> None:
    await CoreChat(core).say("/start")
    before = await _stored(core)
    async with core.db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        with _updates_of_conversations(core) as updates:
            assert await write_conversation(session, conversation, datetime.now(UTC) + timedelta(days=1))
        assert updates == []
    assert (await _stored(core)).updated_at == before.updated_at


async def test_with_other_changes_the_unit_of_work_writes_everything(core: Core) -> None:
    """A turn that also changed another row (here a citizen's consent, and a new citizen) leaves
    the conversation to the flush, which orders the writes itself."""
    await CoreChat(core).say("/start")
    consented = datetime.now(UTC)
    async with core.db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        conversation.state = "elsewhere"
        conversation.citizen.consent_at = consented
        assert not await write_conversation(session, conversation, consented)
        assert conversation in session
    async with core.db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        conversation.state = "third"
        session.add(Citizen(channel="test", external_id="someone else"))
        assert not await write_conversation(session, conversation, consented)
    stored = await _stored(core)
    assert stored.state == "third"
    async with core.db.sessions() as session:
        citizens = (await session.scalars(select(Citizen).order_by(Citizen.id))).all()
    assert citizens[0].consent_at == consented and citizens[-1].external_id == "someone else"
