"""Zalo Bot API (the Telegram-like "Zalo Bot Platform"): events become `Inbound`s, the outbox
becomes `sendMessage` calls.

What differs from Telegram, and how this adapter tolerates what the reference is unsure of:
* `getUpdates` returns ONE update, and `ok:false, error_code:408` when none came: both are
  normal, the next poll starts at once.  There is no update id, so an event is known by
  (event_name, message_id): a redelivery is stored once by the core's unique update id.
* Webhook bodies are documented as `{ok, result: <update>}` but arrive flat: both are accepted.
  The only authentication is the `X-Bot-Api-Secret-Token` header (compared in constant time).
* No buttons: choices are printed as a numbered list and answers matched back (bot/text_only.py).
* Texts are limited to 2,000 characters, counted here in UTF-16 units to be safe.
* The token travels in the URL path, so URLs are never logged.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse

from bot.channel import ZALO_BOT, Capabilities, ChatLocks, LocalChatLocks, take_inbound
from bot.media_fetch import download_capped
from bot.pacing import ZALO_LIMITS, Pacer, RateLimiter
from bot.sender import RetryLater, Undeliverable
from bot.text_only import numbered_text, split_utf16
from handlers import Core, Inbound, InboundKind, Outgoing
from web.routers.health import ChannelHealth

CHANNEL = "zalo"
DEFAULT_API_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_WEBHOOK_BODY = 1 << 20
POLL_TIMEOUT = 30
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
log = logging.getLogger(__name__)


class ZaloApiError(Exception):
    def __init__(self, method: str, code: int | None, description: str) -> None:
        super().__init__(f"{method}: {code} {description}")
        self.method, self.code, self.description = method, code, description


def unwrap(body: Any) -> dict[str, Any]:
    """The Update inside a webhook body, flat or wrapped in {ok, result}; ValueError otherwise."""
    if not isinstance(body, dict):
        raise ValueError("an update is a JSON object")
    inner = body.get("result")
    update = inner if isinstance(inner, dict) else body
    if not isinstance(update.get("event_name"), str):
        raise ValueError("an update needs an event_name")
    return update


def inbound_from_update(update: dict[str, Any]) -> Inbound | None:
    """The citizen's message, or None for events that carry nothing to answer (groups, notices)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    if not isinstance(chat, dict) or not isinstance(sender, dict):
        return None
    if str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE" or sender.get("is_bot"):
        return None
    chat_id, message_id = chat.get("id") or sender.get("id"), message.get("message_id")
    if not isinstance(chat_id, str) or not chat_id or not isinstance(message_id, str):
        return None
    event = update["event_name"]
    text = message.get("text") if event == "message.text.received" else message.get("caption")
    photo = None
    if event == "message.image.received":   # the URL under either documented name
        url = message.get("photo_url") or message.get("photo")
        photo = url if isinstance(url, str) and url.startswith(("https://", "http://")) else None
    if isinstance(text, str) and text.strip():
        kind, body = InboundKind.TEXT, text
    else:
        kind, body = InboundKind.UNSUPPORTED, event.removeprefix("message.").removesuffix(".received")
    return Inbound(
        channel=CHANNEL, chat_id=chat_id, user_id=str(sender.get("id") or chat_id), kind=kind, text=body,
        update_id=f"{event}:{message_id}"[:64], message_id=message_id,
        display_name=sender.get("display_name") if isinstance(sender.get("display_name"), str) else None,
        at=_when(message.get("date")), photo=photo,
    )


def _when(millis: Any) -> datetime:
    if isinstance(millis, int | float) and millis > 0:
        return datetime.fromtimestamp(millis / 1000, UTC)
    return datetime.now(UTC)


class ZaloBotChannel:
    """One Zalo bot: long polling or a webhook in, outbox deliveries out."""

    channel = CHANNEL
    capabilities: Capabilities = ZALO_BOT

    def __init__(self, core: Core, token: str, api_base_url: str | None = None,
                 client: httpx.AsyncClient | None = None) -> None:
        self.core = core
        self.state = "starting"
        self.health = ChannelHealth(CHANNEL)
        self._base = f"{(api_base_url or DEFAULT_API_BASE_URL).rstrip('/')}/bot{token}"
        self._http = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=POLL_TIMEOUT + 15))
        self.chat_locks: ChatLocks = LocalChatLocks()
        self.pacer: RateLimiter = Pacer.for_limits(ZALO_LIMITS)

    async def call(self, method: str, **params: Any) -> Any:
        """POST a JSON body; the `result`, or ZaloApiError (the envelope decides, not the status)."""
        try:
            response = await self._http.post(f"{self._base}/{method}", json=params)
        except httpx.HTTPError as exc:  # the message never names the URL (it holds the token)
            self.health.down(type(exc).__name__)
            raise ZaloApiError(method, None, type(exc).__name__) from None
        if response.status_code < 500:   # an answer, even a refusal, means Zalo is reachable
            self.health.up()
        else:
            self.health.down(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ZaloApiError(method, response.status_code, "answer is not JSON") from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            code = body.get("error_code", response.status_code)
            raise ZaloApiError(method, code if isinstance(code, int) else None, str(body.get("description", "")))
        return body.get("result")

    # -- inbound -----------------------------------------------------------------------------
    async def handle_update(self, update: dict[str, Any]) -> bool:
        """Store and answer one update; False when it carries nothing to answer."""
        inbound = inbound_from_update(update)
        if inbound is None:
            log.info("zalo: ignored %s event", update.get("event_name"))
            return False
        await take_inbound(self.core, self.capabilities, self.chat_locks, inbound)
        return True

    async def run_polling(self) -> None:
        """Poll forever: one open request at a time, backing off while Zalo cannot be reached."""
        failures = 0
        while True:
            try:
                if self.state != "polling":
                    await self._drop_webhook()
                    self.state = "polling"
                update = await self.call("getUpdates", timeout=str(POLL_TIMEOUT))
            except ZaloApiError as exc:
                if exc.code == 408:   # no event within the timeout: normal, poll again
                    failures = 0
                    continue
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                self.state = "unreachable"
                log.warning("zalo polling failed (%s); retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            try:
                if isinstance(update, dict) and isinstance(update.get("event_name"), str):
                    await self.handle_update(update)
            except Exception:   # one bad event must not stop the bot
                log.exception("zalo: handling an update failed")

    async def _drop_webhook(self) -> None:
        try:
            await self.call("deleteWebhook")
        except ZaloApiError as exc:
            if exc.code not in (400, 404):   # 404: no webhook was ever set
                raise

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.call("setWebhook", url=url, secret_token=secret)
        self.state = "webhook"

    def webhook_router(self, secret: str) -> APIRouter:
        """POST /zalo/webhook: the secret header checked in constant time, the update stored, then 200."""
        router = APIRouter()

        @router.post("/zalo/webhook", include_in_schema=False)
        async def webhook(request: Request) -> JSONResponse:
            given = request.headers.get("X-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "bad secret token")
            raw = await _read_capped(request, MAX_WEBHOOK_BODY)
            try:
                update = unwrap(json.loads(raw))
            except ValueError as exc:   # includes invalid JSON and undecodable bytes
                raise HTTPException(status.HTTP_400_BAD_REQUEST, "not a Zalo update") from exc
            await self.handle_update(update)
            return JSONResponse({"message": "Success"})

        return router

    # -- outbound ----------------------------------------------------------------------------
    async def deliver(self, item: Outgoing, until: float | None = None) -> str | None:
        sent_id: str | None = None
        text = item.text if self.capabilities.buttons else numbered_text(item)
        for i, chunk in enumerate(split_utf16(text, self.capabilities.max_text) or ["…"]):
            # a started message is finished: only its first part can go back
            await self.pacer.wait(item.chat_id, self.pacer.from_monotonic(until) if i == 0 else None)
            try:
                result = await self.call("sendMessage", chat_id=item.chat_id, text=chunk)
            except ZaloApiError as exc:
                if exc.code is None or exc.code == 429 or exc.code >= 500:
                    raise RetryLater(str(exc)) from exc
                raise Undeliverable(str(exc)) from exc
            if isinstance(result, dict) and isinstance(result.get("message_id"), str):
                sent_id = result["message_id"]
        return sent_id

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        return await download_capped(self._http, ref, limit)

    async def close(self) -> None:
        await self._http.aclose()


async def _read_capped(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for part in request.stream():
        body.extend(part)
        if len(body) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "body too large")
    return bytes(body)
