"""A local fake of the Zalo Bot API (Part 1 of the Zalo reference kept beside the project).

Strict where the reference is sure ([2+]) and stricter where it is not, so our client stays
honest: parameters the API does not document are refused, texts over 2,000 UTF-16 units are
refused, polling while a webhook is set is refused, and `getUpdates` answers ONE update or the
normal `408 Request timeout`.  Every accepted call lands in `calls`; every call the real API
would (or might) refuse lands in `rejected`, which tests assert stays empty.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

__all__ = ["FakeZaloBotServer", "ZaloCall", "utf16_len"]

DEFAULT_TOKEN = "1459232241454765289:fake-zalo-token-for-tests"   # not a real token
MAX_TEXT = 2000
# Documented request fields of each method; anything else is refused.
METHODS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # method: (required, optional)
    "getMe": (frozenset(), frozenset()),
    "getUpdates": (frozenset(), frozenset({"timeout"})),
    "setWebhook": (frozenset({"url", "secret_token"}), frozenset()),
    "deleteWebhook": (frozenset(), frozenset()),
    "getWebhookInfo": (frozenset(), frozenset()),
    "sendMessage": (frozenset({"chat_id", "text"}), frozenset({"parse_mode", "text_styles"})),
    "sendPhoto": (frozenset({"chat_id", "photo"}), frozenset({"caption"})),
    "sendSticker": (frozenset({"chat_id", "sticker"}), frozenset()),
    "sendChatAction": (frozenset({"chat_id", "action"}), frozenset()),
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class ZaloCall:
    method: str
    params: dict[str, Any]


class _Refused(Exception):
    """An error answer; `normal` ones (no update yet, no webhook to delete) are not our mistakes."""

    def __init__(self, code: int, description: str, normal: bool = False) -> None:
        super().__init__(description)
        self.code, self.description, self.normal = code, description, normal


class FakeZaloBotServer(LocalServer):
    """Start with `async with FakeZaloBotServer() as server:`; `base_url` is what the bot calls."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.calls: list[ZaloCall] = []
        self.rejected: list[tuple[str, dict[str, Any], str]] = []
        self.sent: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.open_polls = 0
        self.max_open_polls = 0
        self.fail_next: deque[tuple[str, int, str]] = deque()
        self.media: dict[str, bytes] = {}   # what photo URLs of /media/<name> serve
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._closing = asyncio.Event()   # set on exit: open long polls answer at once
        self._ids = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> FakeZaloBotServer:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/media/{name}", self._media)
        await self._serve(app)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._closing.set()
        await self._shutdown()

    # -- the API -----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise _Refused(401, "Unauthorized")
            params = await self._params(request)
            if method not in METHODS:
                raise _Refused(400, "Bad request: invalid method name")
            self._check_fields(method, params)
            if self.fail_next and self.fail_next[0][0] == method:
                _m, code, description = self.fail_next.popleft()
                return web.json_response({"ok": False, "error_code": code, "description": description})
            result = await getattr(self, "_" + method)(params)
        except _Refused as exc:
            if not exc.normal:
                self.rejected.append((method, params, exc.description))
            return web.json_response({"ok": False, "error_code": exc.code, "description": exc.description})
        self.calls.append(ZaloCall(method, params))
        body: dict[str, Any] = {"ok": True}
        if result is not None:
            body["result"] = result
        return web.json_response(body)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET" or not request.can_read_body:
            return dict(request.query)
        if request.content_type == "application/json":
            try:
                data = json.loads(await request.text())
            except ValueError as exc:
                raise _Refused(400, "Bad request: body is not JSON") from exc
            if not isinstance(data, dict):
                raise _Refused(400, "Bad request: body must be an object")
            return data
        return dict(await request.post())

    @staticmethod
    def _check_fields(method: str, params: dict[str, Any]) -> None:
        required, optional = METHODS[method]
        missing = required - params.keys()
        unknown = params.keys() - required - optional
        if missing:
            raise _Refused(400, f"Bad request: missing {', '.join(sorted(missing))}")
        if unknown:
            raise _Refused(400, f"Bad request: unknown parameter {', '.join(sorted(unknown))}")

    async def _getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.token.split(":")[0], "account_name": "bot.LangNghe", "account_type": "BASIC",
                "can_join_groups": False}

    async def _getUpdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is not None:
            raise _Refused(400, "Bad request: webhook is set, delete it before polling")
        timeout = float(params.get("timeout", 30))
        self.open_polls += 1
        self.max_open_polls = max(self.max_open_polls, self.open_polls)
        getting = asyncio.ensure_future(self._updates.get())
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({getting, closing}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if getting.done():
                return getting.result()
            raise _Refused(408, "Request timeout", normal=True)
        finally:
            for waiter in (getting, closing):
                waiter.cancel()
            self.open_polls -= 1

    async def _setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url, secret = str(params["url"]), str(params["secret_token"])
        if not url.startswith("https://"):
            raise _Refused(400, "Bad request: url must be HTTPS")
        if not 8 <= len(secret) <= 256:
            raise _Refused(400, "Bad request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": _now_ms()}
        return {"url": url, "updated_at": self.webhook["updated_at"]}

    async def _deleteWebhook(self, _params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is None:
            raise _Refused(404, "Not found", normal=True)
        self.webhook = None
        return {"url": "", "updated_at": _now_ms()}

    async def _getWebhookInfo(self, _params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is None:
            raise _Refused(404, "Not found")
        return {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params["text"]
        if not isinstance(text, str) or not 1 <= utf16_len(text) <= MAX_TEXT:
            raise _Refused(400, "Bad request: text must be 1-2000 characters")
        if params.get("parse_mode") not in (None, "markdown", "html"):
            raise _Refused(400, "Bad request: invalid parse_mode")
        return self._sent(params)

    async def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent(params)

    async def _sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent(params)

    async def _sendChatAction(self, params: dict[str, Any]) -> None:
        if params["action"] not in ("typing",):
            raise _Refused(400, "Bad request: invalid action")
        return None

    def _sent(self, params: dict[str, Any]) -> dict[str, Any]:
        message = {"message_id": secrets.token_hex(10), "date": _now_ms(), **params}
        self.sent.append(message)
        return {"message_id": message["message_id"], "date": message["date"]}

    async def _media(self, request: web.Request) -> web.Response:
        data = self.media.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/jpeg")

    def user_sends_photo(self, user_id: str, data: bytes, caption: str | None = None) -> dict[str, Any]:
        """An image event whose `photo_url` this server serves (`photo` too, as the docs name it)."""
        name = f"{next(self._ids):08x}.jpg"
        self.media[name] = data
        url = f"{self.base_url}/media/{name}"
        content: dict[str, Any] = {"photo_url": url, "photo": url, **({"caption": caption} if caption else {})}
        return self.push(self.event(user_id, "message.image.received", **content))

    # -- what a user does ------------------------------------------------------------------------
    def event(self, user_id: str, event_name: str = "message.text.received", *, chat_type: str = "PRIVATE",
              with_message: bool = True, **content: Any) -> dict[str, Any]:
        """An Update as Zalo builds it (ids are 20 hex characters, dates in milliseconds)."""
        update: dict[str, Any] = {"event_name": event_name}
        if with_message:
            chat_id = user_id if chat_type == "PRIVATE" else "g" + user_id[1:]
            update["message"] = {
                "message_id": f"{next(self._ids):020x}", "date": _now_ms(),
                "from": {"id": user_id, "display_name": "Người dân", "is_bot": False},
                "chat": {"id": chat_id, "chat_type": chat_type}, **content,
            }
        return update

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for the next `getUpdates` (also used to deliver one twice)."""
        self._updates.put_nowait(update)
        return update

    def user_sends_text(self, user_id: str, text: str) -> dict[str, Any]:
        return self.push(self.event(user_id, text=text))

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["chat_id"] == chat_id]

    async def wait_for_text(self, chat_id: str, fragment: str, after: int = 0, timeout: float = 10.0
                            ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages_to(chat_id)[after:]:
                if fragment in message.get("text", ""):
                    return message
            await asyncio.sleep(0.02)
        texts = [m.get("text", "")[:80] for m in self.messages_to(chat_id)]
        raise AssertionError(f"no message containing {fragment!r} to {chat_id} within {timeout}s; got {texts}")


def _now_ms() -> int:
    return int(time.time() * 1000)
