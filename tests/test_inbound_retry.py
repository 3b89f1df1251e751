"""A brief database outage delays a citizen's message; it does not lose it."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

import bot.inbound as inbound_module
from bot.inbound import deliver_inbound
from handlers import Core, Inbound, InboundKind, handle_inbound
from storage import Citizen, Conversation, Message


async def test_a_locked_database_is_waited_out(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    real = inbound_module.handle_inbound
    failures = iter([OperationalError("UPDATE conversation", {}, Exception("database is locked"))] * 2)

    async def flaky(core: Core, inbound: Inbound):  # type: ignore[no-untyped-def]
        if (error := next(failures, None)) is not None:
            raise error
        return await real(core, inbound)

    monkeypatch.setattr(inbound_module, "handle_inbound", flaky)
    monkeypatch.setattr(inbound_module, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    result = await deliver_inbound(core, Inbound(channel="test", chat_id="r", user_id="r", kind=InboundKind.TEXT,
                                                 text="/help", update_id="retry-1"))
    assert not result.duplicate and result.queued == 1


async def test_a_real_bug_is_not_retried(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    async def broken(core: Core, inbound: Inbound):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        raise ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))

    monkeypatch.setattr(inbound_module, "handle_inbound", broken)
    with pytest.raises(ProgrammingError):
        await deliver_inbound(core, Inbound(channel="test", chat_id="r", user_id="r", kind=InboundKind.TEXT,
                                            text="/help", update_id="retry-2"))
    assert calls == 1


async def test_a_new_chats_first_two_messages_at_once_make_one_conversation(core: Core) -> None:
    """Two workers take a new chat's first two updates at the same moment: both find no
    conversation and create it; the unique key lets one win and the other's second try finds it."""
    first, second = (Inbound(channel="telegram", chat_id="9001", user_id="9001", kind=InboundKind.TEXT,
                             text=text, update_id=f"9001:{n}") for n, text in enumerate(["/start", "xin chào"]))
    results = await asyncio.gather(handle_inbound(core, first), handle_inbound(core, second))
    assert [r.duplicate for r in results] == [False, False]
    async with core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 1
        assert await session.scalar(select(func.count()).select_from(Citizen)) == 1
        stored = (await session.scalars(select(Message.text).where(Message.direction == "in"))).all()
        assert sorted(stored) == ["/start", "xin chào"]
