"""HTTP-level protections every route gets: body caps, security headers, CSRF for JSON endpoints,
and validation errors that never echo what was sent.

These are plain ASGI middlewares (no per-route code to forget) installed by `create_web_app`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
BODY_LIMITS = (("/chat/api/", 64 * KIB), ("/model/parse", 128 * KIB), ("/telegram/webhook", 1024 * KIB))
DEFAULT_BODY_LIMIT = 1024 * KIB

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# The API docs page: Swagger UI from this server (web/routers/docs.py) with an inline bootstrap script.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
# State-changing JSON endpoints a browser session can reach; forms carry their own token.
JSON_PREFIXES = ("/chat/api/", "/api/")
CSRF_HEADER = "x-requested-with"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def _reply(send: Send, code: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": code,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for a body over its path's cap, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def limit_for(path: str) -> int:
        return next((limit for prefix, limit in BODY_LIMITS if path.startswith(prefix)), DEFAULT_BODY_LIMIT)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _reply(send, status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {limit // KIB} KiB")
            return
        chunks, size = [], 0
        while True:  # read it all (it is small by now) so an over-long stream is refused before any work
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await _reply(send, status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {limit // KIB} KiB")
                return
            if not message.get("more_body", False):
                break
        body: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()
    return replayed


class SecurityHeaders:
    """CSP, no framing, no MIME sniffing, no referrer leaking case codes, on every response."""

    def __init__(self, app: ASGIApp, *, https_only: bool = False) -> None:
        self.app, self.https_only = app, https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = DOCS_CSP if path.startswith("/api/docs") else CSP
        extra = [(b"content-security-policy", csp.encode()), (b"x-frame-options", b"DENY"),
                 (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                 (b"cross-origin-opener-policy", b"same-origin")]
        if path.startswith(("/console", "/api/", "/chat/api/", "/account")):
            extra.append((b"cache-control", b"no-store"))  # personal data stays out of shared caches
        if self.https_only:
            extra.append((b"strict-transport-security", b"max-age=31536000"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *[(n, v) for n, v in extra if n not in names]]
            await send(message)

        await self.app(scope, receive, with_headers)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class JsonCsrfGuard:
    """State-changing JSON requests need a custom header (which a cross-site form cannot send and a
    cross-origin fetch cannot send without a CORS preflight we never grant) and, when the browser
    says where it comes from, that place must be this very origin: a page on another port of the
    same host is same-site, so SameSite cookies alone would let it through."""

    def __init__(self, app: ASGIApp, *, public_url: str | None = None) -> None:
        self.app = app
        self.public_origin = origin_of(public_url) if public_url else None

    def refusal(self, scope: Scope) -> str | None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if not headers.get(CSRF_HEADER):
            return "missing X-Requested-With header"
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return "cross-origin request refused"
        origin = headers.get("origin")
        if origin is not None:
            own = {f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower(), self.public_origin}
            if origin.lower() not in own:
                return "cross-origin request refused"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in UNSAFE and scope["path"].startswith(JSON_PREFIXES)
                and (reason := self.refusal(scope)) is not None):
            await _reply(send, status.HTTP_403_FORBIDDEN, reason)
            return
        await self.app(scope, receive, send)


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 naming the field and the rule broken, never the value sent (it may be personal data,
    or a script that a careless client would show)."""
    errors: list[dict[str, Any]] = []
    if isinstance(exc, RequestValidationError):
        errors = [{"loc": [str(part) for part in error.get("loc", ())], "msg": error.get("msg", "invalid"),
                   "type": error.get("type", "value_error")} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
