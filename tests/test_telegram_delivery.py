"""Delivery to Telegram survives flood control, and webhook mode checks Telegram's secret."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings
from storage import Direction, Message
from tests.fakes import FakeTelegramServer
from tests.live import live_server
from tests.telegram_citizen import TelegramCitizen


async def test_429_retry_after_is_honoured_and_order_kept(telegram_app: str,
                                                          fake_telegram_server: FakeTelegramServer) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7200)
    fake_telegram_server.fail_next("sendMessage", error_code=429, retry_after=1)
    citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023", timeout=15)
    citizen.press("consent:yes")
    await citizen.wait_for("kể vấn đề")
    texts = [m["text"] for m in citizen.received]
    assert texts.index(next(t for t in texts if "Nghị định" in t)) < texts.index(next(t for t in texts if "kể vấn đề" in t))
    assert len(fake_telegram_server.failures) == 1


async def test_a_new_reply_never_overtakes_one_that_is_waiting_out_flood_control(
        telegram_app: str, fake_telegram_server: FakeTelegramServer) -> None:
    """The answer to a second message is ready at once; the first answer waits out Telegram's
    "retry after". The citizen still reads them in the order the bot wrote them."""
    citizen = TelegramCitizen(fake_telegram_server, user_id=7250)
    fake_telegram_server.fail_next("sendMessage", error_code=429, retry_after=2)
    citizen.say("/start")
    for _ in range(200):   # the first answer has met flood control: it now waits two seconds
        if fake_telegram_server.failures:
            break
        await asyncio.sleep(0.02)
    assert fake_telegram_server.failures, "the first answer was tried and refused"
    citizen.say("/help")
    await citizen.wait_for("/status", timeout=15)
    texts = [m["text"] for m in citizen.received]
    first = next(n for n, t in enumerate(texts) if "Nghị định 13/2023" in t)
    second = next(n for n, t in enumerate(texts) if "/status" in t)
    assert first < second, texts


@pytest.fixture
async def webhook_app(settings: Settings, nlu_port: NluPort,
                      fake_telegram_server: FakeTelegramServer) -> AsyncIterator[tuple[str, Runtime]]:
    configured = settings.model_copy(update={
        "telegram_bot_token": fake_telegram_server.token, "telegram_api_base_url": fake_telegram_server.base_url,
        "telegram_mode": "webhook", "telegram_webhook_secret": "s3cret-token-for-tests",
        "public_url": "https://langnghe.example"})
    runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
    async with live_server(create_app(runtime)) as base_url:
        yield base_url, runtime


async def test_webhook_refuses_wrong_secret_and_serves_right_one(webhook_app: tuple[str, Runtime],
                                                                 fake_telegram_server: FakeTelegramServer) -> None:
    base_url, _runtime = webhook_app
    assert fake_telegram_server.webhook["url"] == "https://langnghe.example/telegram/webhook"
    update = {"update_id": 991, "message": {"message_id": 5, "date": 1_760_000_000, "text": "/help",
                                            "chat": {"id": 7300, "type": "private", "first_name": "Hoa"},
                                            "from": {"id": 7300, "is_bot": False, "first_name": "Hoa"}}}
    fake_telegram_server.add_user(7300, "Hoa")
    async with httpx.AsyncClient(base_url=base_url) as telegram:
        assert (await telegram.post("/telegram/webhook", json=update)).status_code == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        assert (await telegram.post("/telegram/webhook", json=update, headers=wrong)).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token-for-tests"}
        assert (await telegram.post("/telegram/webhook", json=update, headers=right)).status_code == 200
        assert (await telegram.post("/telegram/webhook", json=update, headers=right)).status_code == 200
    citizen = TelegramCitizen(fake_telegram_server, user_id=7300)
    await citizen.wait_for("/status MÃ")
    [answer] = [m for m in citizen.received if "/status MÃ" in m["text"]]
    assert await _recorded_platform_id(_runtime, answer["text"]) == str(answer["message_id"]), \
        "the transcript keeps Telegram's id of the message the citizen got"


async def _recorded_platform_id(runtime: Runtime, text: str) -> str | None:
    """Deliveries are recorded in batches just after sending: wait for this one's record."""
    for _ in range(100):
        async with runtime.core.db.sessions() as session:
            found = await session.scalar(select(Message.platform_message_id).where(
                Message.direction == Direction.OUT, Message.text == text))
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    return None


async def test_a_burst_to_one_chat_stays_under_flood_control_and_in_order(
        telegram_runtime: Runtime, fake_telegram_server: FakeTelegramServer) -> None:
    """Seven replies to one chat and one to another, against Telegram's flood control: the first
    few leave at once, the rest one a second, none is refused, and the other chat is not kept waiting
    behind them."""
    from bot.pacing import TELEGRAM_LIMITS, Pacer
    from bot.sender import OutboxSender
    from handlers import Inbound, InboundKind, handle_inbound

    flood = fake_telegram_server.enable_flood_control()
    runtime = telegram_runtime
    assert runtime.telegram is not None
    runtime.telegram.pacer = Pacer.for_limits(TELEGRAM_LIMITS)   # real time: the fake counts real seconds
    for user in (7400, 7401):
        fake_telegram_server.add_user(user, "Lan")
    for n, user in enumerate([7400] * 7 + [7401]):
        await handle_inbound(runtime.core, Inbound(channel="telegram", chat_id=str(user), user_id=str(user),
                                                   kind=InboundKind.TEXT, text="/help", update_id=f"burst-{n}"))
    sender = asyncio.create_task(OutboxSender(runtime.core, runtime.telegram, poll_seconds=0.2).run())
    try:
        busy = TelegramCitizen(fake_telegram_server, user_id=7400)
        other = TelegramCitizen(fake_telegram_server, user_id=7401)
        await other.wait_for("/status MÃ", timeout=30)
        assert len(busy.received) < 7, "the other chat got its answer before the busy chat's burst ended"
        for n in range(7):
            await fake_telegram_server.wait_for_message(7400, timeout=30, after=n)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
    assert flood.refused == 0, "no 429 provoked"
