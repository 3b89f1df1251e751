"""A local fake of the Zalo OA Open API v3 (message/cs and the OAuth token refresh), plus signed
webhook events as Zalo sends them.  Strict like the Telegram fake: unknown fields, over-long
texts, a wrong access token, a used refresh token and a wrong app secret get Zalo's answers
(`error` < 0, HTTP 200), and each such call lands in `rejected` unless a test provoked it."""
from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import time
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

__all__ = ["FakeZaloOaServer"]

APP_ID = "1111111111111111111"
OA_ID = "4444444444444444444"
OA_SECRET_KEY = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeZaloOaServer(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.app_id, self.oa_secret_key, self.app_secret = APP_ID, OA_SECRET_KEY, APP_SECRET
        self.access_token = "access-" + secrets.token_hex(8)
        self.refresh_token = "refresh-" + secrets.token_hex(8)
        self.sent: list[dict[str, Any]] = []
        self.rejected: list[tuple[str, Any, str]] = []
        self.refreshes = 0
        self._expected_failures = 0
        self._ids = itertools.count(1)

    async def __aenter__(self) -> FakeZaloOaServer:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._message_cs)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        await self._serve(app)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._shutdown()

    def expire_access_token(self) -> None:
        """Zalo invalidates the token (it lives ~25 h); the next send answers -216 once."""
        self.access_token = "access-" + secrets.token_hex(8)
        self._expected_failures += 1

    def _refuse(self, where: str, body: Any, code: int, message: str) -> web.Response:
        if code == -216 and self._expected_failures:
            self._expected_failures -= 1
        else:
            self.rejected.append((where, body, message))
        return web.json_response({"error": code, "message": message})

    async def _message_cs(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            return self._refuse("message/cs", None, -201, "body is not JSON")
        if request.headers.get("access_token") != self.access_token:
            return self._refuse("message/cs", body, -216, "Access token is invalid")
        if not isinstance(body, dict) or set(body) != {"recipient", "message"}:
            return self._refuse("message/cs", body, -201, "Parameters are invalid")
        recipient, message = body["recipient"], body["message"]
        if (not isinstance(recipient, dict) or set(recipient) != {"user_id"} or not isinstance(message, dict)
                or not set(message) <= {"text", "quote_message_id"}):
            return self._refuse("message/cs", body, -201, "Parameters are invalid")
        text = message.get("text")
        if not isinstance(text, str) or not 1 <= _utf16(text) <= 2000:
            return self._refuse("message/cs", body, -201, "text must be 1-2000 characters")
        message_id = secrets.token_hex(16)
        self.sent.append({"user_id": recipient["user_id"], "text": text, "message_id": message_id})
        return web.json_response({"error": 0, "message": "Success", "data": {
            "message_id": message_id, "user_id": recipient["user_id"], "sent_time": str(int(time.time() * 1000))}})

    async def _access_token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        if request.headers.get("secret_key") != self.app_secret:
            return self._refuse("access_token", form, -14002, "secret key is invalid")
        if form != {"app_id": self.app_id, "refresh_token": self.refresh_token, "grant_type": "refresh_token"}:
            return self._refuse("access_token", form, -14014, "refresh token is invalid")
        self.refreshes += 1
        self.access_token = "access-" + secrets.token_hex(8)
        self.refresh_token = "refresh-" + secrets.token_hex(8)   # each refresh token works once
        return web.json_response({"access_token": self.access_token, "refresh_token": self.refresh_token,
                                  "expires_in": "90000"})

    # -- events Zalo would POST to our webhook ----------------------------------------------------
    def event(self, user_id: str, event_name: str = "user_send_text", *, timestamp_ms: int | None = None,
              **message: Any) -> dict[str, Any]:
        stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        sender, recipient = ({"id": OA_ID}, {"id": user_id}) if event_name.startswith("oa_") else (
            {"id": user_id}, {"id": OA_ID})
        return {"app_id": self.app_id, "user_id_by_app": "2" + user_id[1:], "event_name": event_name,
                "sender": sender, "recipient": recipient,
                "message": {"msg_id": f"{next(self._ids):020x}", **message}, "timestamp": stamp}

    def sign(self, event: dict[str, Any], secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(event, ensure_ascii=False).encode()
        material = event["app_id"].encode() + raw + event["timestamp"].encode() + (secret or self.oa_secret_key).encode()
        return raw, {"X-ZEvent-Signature": "mac=" + hashlib.sha256(material).hexdigest(),
                     "Content-Type": "application/json"}

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["user_id"] == user_id]
