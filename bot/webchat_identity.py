"""The web chat's citizen identity: its own signed cookie, apart from the staff console's session.

A staff member who signs in or out of the console in the same browser must never touch a citizen's
chat, so the chat id rides in `langnghe_chat`, never in the console's `langnghe_session`. The
cookie lives 30 days and is renewed on every visit (rolling); it holds only the random chat id,
signed with the app's secret so nobody can pick another chat's id.
"""
from __future__ import annotations

import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, TimestampSigner

COOKIE = "langnghe_chat"
MAX_AGE = 30 * 24 * 3600
LEGACY_SESSION_KEY = "chat_id"   # before issue 7 the chat id sat in the console's session cookie


def valid_chat_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith("w-") and 3 <= len(value) <= 24


def new_chat_id() -> str:
    return "w-" + secrets.token_urlsafe(12)


class ChatIdentity:
    def __init__(self, secret_key: str, *, https_only: bool = False) -> None:
        self._signer = TimestampSigner(secret_key, salt="langnghe.webchat")
        self._secure = https_only

    def current(self, request: Request) -> str | None:
        """The chat of this browser, if its cookie is genuine and younger than MAX_AGE."""
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                chat_id = self._signer.unsign(raw, max_age=MAX_AGE).decode()
            except (BadSignature, UnicodeDecodeError):
                chat_id = None
            if valid_chat_id(chat_id):
                return chat_id
        legacy = request.scope.get("session", {}).get(LEGACY_SESSION_KEY)  # read only: never rewrites it
        return legacy if valid_chat_id(legacy) else None

    def chat_id(self, request: Request) -> str:
        return self.current(request) or new_chat_id()

    def keep(self, response: Response, chat_id: str) -> None:
        """(Re)issue the cookie: every visit starts the 30 days again. SameSite=Lax, not Strict: a citizen
        who follows a link to /chat from Zalo or a news site must find their chat, not get a new one
        (a Strict cookie is not sent on that first visit, and the new cookie would replace it). Other
        sites still cannot post as the citizen: JSON calls need X-Requested-With and this origin."""
        response.set_cookie(COOKIE, self._signer.sign(chat_id).decode(), max_age=MAX_AGE, path="/",
                            httponly=True, samesite="lax", secure=self._secure)
