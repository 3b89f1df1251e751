"""Zalo Official Account (OA Open API v3): the account type organisations already own.

Inbound: Zalo POSTs user events to our webhook, signed with `X-ZEvent-Signature: mac=<hex>`, the
plain SHA-256 of app_id + raw body + timestamp + OA secret key (the majority formula of the
reference; the body's own fields, the raw bytes as received).  A wrong signature, or a timestamp
too far from now (a replayed event), is refused.  Zalo wants a 200 within about 2 s.

Outbound: `/v3.0/oa/message/cs` with the `access_token` header.  The token lives ~25 h; when Zalo
answers -216/-220 the adapter refreshes it once (each refresh token works once and is replaced, so
the new pair is written to a 0600 file under var/ before it is used) and retries once.  A citizen
who has not written for 48 h is outside the consultation window: the reply is marked undelivered
(never silently dropped) and the console tells staff to reach the citizen another way.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse

from bot.channel import ZALO_OA, Capabilities, ChatLocks, LocalChatLocks, take_inbound
from bot.media_fetch import download_capped
from bot.pacing import ClaimRunsOut
from bot.sender import RetryLater, Undeliverable
from bot.text_only import numbered_text, split_utf16
from handlers import Core, Inbound, InboundKind, Outgoing, last_inbound_at
from web.routers.health import ChannelHealth

CHANNEL = "zalo_oa"
DEFAULT_API_BASE_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
MAX_BODY = 1 << 20
WINDOW = timedelta(hours=48)
MAX_CLOCK_SKEW = timedelta(minutes=10)
TOKEN_ERRORS = (-216, -220)
OUTSIDE_WINDOW_ERRORS = (-213, -230, -232)
OUTSIDE_WINDOW = "outside the 48-hour consultation window"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OaCredentials:
    app_id: str
    oa_secret_key: str          # verifies webhook signatures
    app_secret: str             # refreshes access tokens
    access_token: str
    refresh_token: str


class TokenStore:
    """The current token pair on disk (0600), because a used refresh token is gone for good."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> tuple[str, str] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return str(data["access_token"]), str(data["refresh_token"])
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def save(self, access_token: str, refresh_token: str) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"access_token": access_token, "refresh_token": refresh_token}, fh)
        tmp.replace(self.path)


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    material = app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(material).hexdigest()


def inbound_from_event(event: dict[str, Any]) -> Inbound | None:
    """A user's message as an Inbound; None for the OA's own echoes, receipts, follows, unknowns."""
    name = event.get("event_name")
    if not isinstance(name, str) or not (name.startswith("user_send_") or name == "anonymous_send_text"):
        return None
    sender, message = event.get("sender") or {}, event.get("message") or {}
    if not isinstance(sender, dict) or not isinstance(message, dict):
        return None
    user_id, msg_id = sender.get("id"), message.get("msg_id")
    if not isinstance(user_id, str) or not user_id or not isinstance(msg_id, str):
        return None
    text = message.get("text")
    payload = _first_payload(message)
    photo = payload.get("url") if name == "user_send_image" and isinstance(payload.get("url"), str) else None
    point = payload.get("coordinates") if name == "user_send_location" else None
    latitude = longitude = None
    if isinstance(point, dict):
        latitude, longitude = _float(point.get("latitude")), _float(point.get("longitude"))
    if latitude is not None and longitude is not None:
        kind, body = InboundKind.LOCATION, ""
    elif isinstance(text, str) and text.strip() and name in ("user_send_text", "anonymous_send_text",
                                                               "user_send_image"):
        kind, body = InboundKind.TEXT, text
    else:
        kind, body = InboundKind.UNSUPPORTED, name.removeprefix("user_send_")
    return Inbound(channel=CHANNEL, chat_id=user_id, user_id=user_id, kind=kind, text=body,
                   update_id=f"{name}:{msg_id}"[:64], message_id=msg_id, at=_when(event.get("timestamp")),
                   photo=photo, latitude=latitude, longitude=longitude)


def _first_payload(message: dict[str, Any]) -> dict[str, Any]:
    """`message.attachments[0].payload`, where OA events put a photo's URL or a place's coordinates."""
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        payload = attachments[0].get("payload")
        if isinstance(payload, dict):
            return payload
    return {}


def _float(value: Any) -> float | None:
    try:
        return float(value)   # Zalo sends coordinates as strings or numbers
    except (TypeError, ValueError):
        return None


def _when(millis: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(millis)) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


class ZaloOaChannel:
    """One Official Account: signed webhook in, consultation messages out."""

    channel = CHANNEL
    capabilities: Capabilities = ZALO_OA

    def __init__(self, core: Core, credentials: OaCredentials, token_store: TokenStore,
                 api_base_url: str | None = None, oauth_base_url: str | None = None,
                 client: httpx.AsyncClient | None = None) -> None:
        self.core, self.credentials, self.tokens = core, credentials, token_store
        stored = token_store.load()
        self._access, self._refresh = stored or (credentials.access_token, credentials.refresh_token)
        self._api = (api_base_url or DEFAULT_API_BASE_URL).rstrip("/")
        self._oauth = (oauth_base_url or DEFAULT_OAUTH_BASE_URL).rstrip("/")
        self._http = client or httpx.AsyncClient(timeout=10.0)
        self._refreshing = asyncio.Lock()
        self.chat_locks: ChatLocks = LocalChatLocks()
        # events arrive by webhook; "up" once Zalo has answered a send (no call is made just to check)
        self.health = ChannelHealth(CHANNEL, state="up")

    # -- inbound -----------------------------------------------------------------------------
    def verify(self, raw: bytes, header: str, now: datetime | None = None) -> dict[str, Any]:
        """The event if its signature is right and fresh; HTTPException otherwise."""
        try:
            event = json.loads(raw)
        except ValueError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "not JSON") from exc
        if not isinstance(event, dict) or not isinstance(event.get("event_name"), str):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "not a Zalo OA event")
        app_id, stamp = str(event.get("app_id", "")), str(event.get("timestamp", ""))
        expected = "mac=" + signature(app_id, raw, stamp, self.credentials.oa_secret_key)
        if app_id != self.credentials.app_id or not hmac.compare_digest(header.encode(), expected.encode()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "bad signature")
        if abs(_when(stamp) - (now or datetime.now(UTC))) > MAX_CLOCK_SKEW:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "stale event")
        return event

    async def handle_event(self, event: dict[str, Any]) -> bool:
        inbound = inbound_from_event(event)
        if inbound is None:
            return False
        await take_inbound(self.core, self.capabilities, self.chat_locks, inbound)
        return True

    def webhook_router(self) -> APIRouter:
        router = APIRouter()

        @router.post("/zalo-oa/webhook", include_in_schema=False)
        async def webhook(request: Request) -> JSONResponse:
            raw = bytearray()
            async for part in request.stream():
                raw.extend(part)
                if len(raw) > MAX_BODY:
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "body too large")
            event = self.verify(bytes(raw), request.headers.get("X-ZEvent-Signature", ""))
            await self.handle_event(event)
            return JSONResponse({"message": "Success"})

        return router

    # -- outbound ----------------------------------------------------------------------------
    async def deliver(self, item: Outgoing, until: float | None = None) -> str | None:
        if until is not None and time.monotonic() > until:   # first: past it, the row may be another's
            raise ClaimRunsOut("the claim ended before the send")
        last = await last_inbound_at(self.core.db, CHANNEL, item.chat_id)
        if last is None or self.core.clock() - last > WINDOW:
            raise Undeliverable(OUTSIDE_WINDOW)
        sent_id: str | None = None
        text = item.text if self.capabilities.buttons else numbered_text(item)
        for chunk in split_utf16(text, self.capabilities.max_text) or ["…"]:
            sent_id = await self._send(item.chat_id, chunk)
        return sent_id

    async def _send(self, user_id: str, text: str) -> str | None:
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        for attempt in (1, 2):
            answer = await self._post_cs(body)
            error = answer.get("error")
            if error == 0:
                data = answer.get("data") or {}
                return str(data["message_id"]) if isinstance(data, dict) and "message_id" in data else None
            if error in TOKEN_ERRORS and attempt == 1:
                await self._refresh_token()
                continue
            if error in OUTSIDE_WINDOW_ERRORS:
                raise Undeliverable(f"{OUTSIDE_WINDOW} ({error})")
            if error == -32:
                raise RetryLater("Zalo OA rate limit", 60.0)
            raise Undeliverable(f"Zalo OA error {error}: {answer.get('message')}")
        raise RetryLater("access token refused after a refresh")

    async def _post_cs(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http.post(f"{self._api}/v3.0/oa/message/cs", json=body,
                                             headers={"access_token": self._access})
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self.health.down(type(exc).__name__)
            raise RetryLater(f"Zalo OA unreachable: {type(exc).__name__}") from None
        self.health.up()
        if not isinstance(answer, dict):
            raise RetryLater("Zalo OA answered something that is not an object")
        return answer

    async def _refresh_token(self) -> None:
        used = self._refresh
        async with self._refreshing:
            if self._refresh != used:   # another delivery refreshed it meanwhile
                return
            try:
                response = await self._http.post(
                    f"{self._oauth}/v4/oa/access_token", headers={"secret_key": self.credentials.app_secret},
                    data={"app_id": self.credentials.app_id, "refresh_token": used, "grant_type": "refresh_token"})
                data = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise RetryLater(f"token refresh failed: {type(exc).__name__}") from None
            if not isinstance(data, dict) or "access_token" not in data or "refresh_token" not in data:
                log.error("Zalo OA token refresh refused; set ZALO_OA_REFRESH_TOKEN anew")
                raise RetryLater("token refresh refused", 300.0)
            self.tokens.save(str(data["access_token"]), str(data["refresh_token"]))
            self._access, self._refresh = str(data["access_token"]), str(data["refresh_token"])
            log.info("Zalo OA access token refreshed at %s", time.strftime("%H:%M:%S"))

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        return await download_capped(self._http, ref, limit)

    async def close(self) -> None:
        await self._http.aclose()
