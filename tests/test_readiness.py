"""Channels heal themselves: Telegram reconnects with back-off when the Bot API is away at start or
goes away later, /readyz says so (503 while a channel is down), /healthz stays a liveness check,
and one message that fails unexpectedly never holds up the rest of the outbox."""
from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from bot.runtime import build_runtime, create_app
from bot.sender import deliver_batch
from handlers import Core, NluPort, Outgoing, Settings
from storage import OutboxItem, OutboxStatus
from tests.fakes import FakeTelegramServer
from tests.live import live_server
from tests.telegram_citizen import TelegramCitizen
from tests.test_outbox import queue_replies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def readiness_when(client: httpx.AsyncClient, telegram_is: str) -> httpx.Response:
    """Poll /readyz until the Telegram channel reports `telegram_is` (or give up after a while)."""
    for _ in range(600):
        response = await client.get("/readyz")
        if response.json()["channels"]["telegram"]["state"] == telegram_is:
            return response
        await asyncio.sleep(0.05)
    raise AssertionError(f"telegram never became {telegram_is}: {response.json()}")


async def test_polling_survives_a_bot_api_that_starts_late_and_goes_away(
        settings: Settings, nlu_port: NluPort, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telegram")
    port, telegram = free_port(), FakeTelegramServer()
    configured = settings.model_copy(update={"telegram_bot_token": telegram.token,
                                              "telegram_api_base_url": f"http://127.0.0.1:{port}"})
    runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
    assert runtime.telegram is not None
    runtime.telegram.first_retry_delay, runtime.telegram.max_retry_delay = 0.2, 1.0
    try:
        async with live_server(create_app(runtime)) as base_url, httpx.AsyncClient(base_url=base_url) as client:
            down = await readiness_when(client, "down")
            assert down.status_code == 503 and down.json()["status"] == "not ready"
            assert down.json()["channels"]["web"]["state"] == "up" and down.json()["database"]["state"] == "up"
            assert "error" in down.json()["channels"]["telegram"]
            assert (await client.get("/healthz")).status_code == 200, "alive while not ready"
            assert any("retrying" in record.getMessage() for record in caplog.records)

            await telegram.start(port)  # the Bot API comes up late
            citizen = TelegramCitizen(telegram, user_id=7400)
            citizen.say("/start")
            await citizen.wait_for("Nghị định 13/2023", timeout=30)
            assert (await readiness_when(client, "up")).status_code == 200

            await telegram.stop()  # ... and goes away for a while
            assert (await readiness_when(client, "down")).status_code == 503
            await telegram.start(port)
            mark = len(citizen.received)
            citizen.say("/help")
            await citizen.wait_for("/status MÃ", after=mark, timeout=30)
            assert (await readiness_when(client, "up")).status_code == 200
    finally:
        await telegram.stop()
        await runtime.core.db.dispose()


async def test_webhook_mode_starts_without_the_bot_api_and_registers_later(settings: Settings,
                                                                          nlu_port: NluPort) -> None:
    port, telegram = free_port(), FakeTelegramServer()
    configured = settings.model_copy(update={
        "telegram_bot_token": telegram.token, "telegram_api_base_url": f"http://127.0.0.1:{port}",
        "telegram_mode": "webhook", "telegram_webhook_secret": "s3cret-token-for-tests",
        "public_url": "https://langnghe.example"})
    runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
    assert runtime.telegram is not None
    runtime.telegram.first_retry_delay, runtime.telegram.max_retry_delay = 0.2, 1.0
    try:
        async with live_server(create_app(runtime)) as base_url, httpx.AsyncClient(base_url=base_url) as client:
            assert (await readiness_when(client, "down")).status_code == 503
            await telegram.start(port)
            assert (await readiness_when(client, "up")).status_code == 200
            assert telegram.webhook is not None
            assert telegram.webhook["url"] == "https://langnghe.example/telegram/webhook"
    finally:
        await telegram.stop()
        await runtime.core.db.dispose()


async def test_readiness_without_telegram_lists_the_web_chat(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": {"state": "up"},
                            "channels": {"web": ready.json()["channels"]["web"]}}
    assert ready.json()["channels"]["web"]["state"] == "up"


class Flaky:
    """A channel whose send blows up (a bug, not a platform answer) for one chat."""

    channel = "push"

    def __init__(self, broken: Callable[[Outgoing], bool]) -> None:
        self.broken, self.sent = broken, []

    async def deliver(self, item: Outgoing, until: float | None = None) -> str | None:
        if self.broken(item):
            raise ValueError("unexpected")
        self.sent.append(item.chat_id)
        return f"m-{item.outbox_id}"


async def test_an_unexpected_send_error_is_retried_and_blocks_nothing_else(core: Core) -> None:
    await queue_replies(core, ["bad", "bad", "good1", "good2"])
    sender = Flaky(lambda item: item.chat_id == "bad")
    assert await deliver_batch(core, sender) == 4
    assert sorted(sender.sent) == ["good1", "good2"], "the other chats got their messages"
    async with core.db.sessions() as session:
        rows: list[Any] = list((await session.scalars(
            select(OutboxItem).where(OutboxItem.chat_id == "bad").order_by(OutboxItem.id))).all())
    first, second = rows
    assert first.status is OutboxStatus.PENDING and first.attempts == 1 and "ValueError" in (first.last_error or "")
    assert first.next_attempt_at > datetime.now(UTC), "retried later, with back-off"
    assert second.status is OutboxStatus.PENDING and second.attempts == 0, "the chat's next message waits its turn"

    async with core.db.transaction() as session:  # the back-off has passed and the bug is gone
        await session.execute(update(OutboxItem).where(OutboxItem.id == first.id)
                              .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    fixed = Flaky(lambda _item: False)
    await deliver_batch(core, fixed)
    assert fixed.sent == ["bad", "bad"]
