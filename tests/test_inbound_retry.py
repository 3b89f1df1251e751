"""A brief database outage delays a citizen's message; it does not lose it."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

import bot.inbound as inbound_module
from bot.inbound import deliver_inbound
from handlers import Core, Inbound, InboundKind


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
