"""The web chat: a chat page on the same port, for citizens without Telegram and for trying it out.

The browser keeps an anonymous chat id in the signed session cookie; every message it sends has a
client-made id, so a retried POST is stored once (like a redelivered Telegram update).
Opening cases is rate limited per chat and per address; the HTTP layer refuses what the database
could not store (lone surrogates, NUL) with a 422 instead of failing later.
"""
from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import AfterValidator, BaseModel, Field

from bot.channel import WEB
from bot.inbound import deliver_inbound
from handlers import ChatLine, Core, Inbound, InboundKind, cases_of_chat, pull_chat
from web.ratelimit import TooManyRequests, client_address, limits_of

CHANNEL = "web"
CAPABILITIES = WEB   # buttons in the page; the browser pulls its messages
MAX_BODY_TEXT = 20_000
MAX_MESSAGE_ID = 2**62  # larger than any row id, small enough for every database's integer
TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))


def storable(value: str | None) -> str | None:
    """Text a database can keep: valid UTF-8 (no lone surrogates) and no NUL (PostgreSQL refuses it)."""
    if value is None:
        return None
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Storable = AfterValidator(storable)


class Point(BaseModel):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class ChatIn(BaseModel):
    client_message_id: Annotated[str, Storable] = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1,
                                                        max_length=40)
    text: Annotated[str | None, Storable] = Field(default=None, max_length=MAX_BODY_TEXT)
    data: Annotated[str | None, Storable] = Field(default=None, max_length=64)
    after: int = Field(default=0, ge=0, le=MAX_MESSAGE_ID)
    location: Point | None = None   # "use my location": the browser's coordinates


class ChatOut(BaseModel):
    messages: list[dict[str, Any]]


def _chat_id(request: Request) -> str:
    chat_id = request.session.get("chat_id")
    if not isinstance(chat_id, str) or not chat_id.startswith("w-") or len(chat_id) > 24:
        chat_id = request.session["chat_id"] = "w-" + secrets.token_urlsafe(12)
    return chat_id


def _lines(lines: list[ChatLine]) -> ChatOut:
    return ChatOut(messages=[{"id": m.id, "direction": m.direction, "kind": m.kind, "text": m.text,
                              "buttons": m.buttons, "at": m.created_at.isoformat()} for m in lines])


def webchat_router(core: Core) -> APIRouter:
    router = APIRouter(tags=["web chat"])

    @router.get("/chat", response_class=HTMLResponse)
    async def chat_page(request: Request) -> HTMLResponse:
        _chat_id(request)
        return templates.TemplateResponse(request, "chat.html", {})

    @router.get("/chat/chat.js", include_in_schema=False)
    async def chat_script() -> FileResponse:
        # A file, not an inline script, so the page's CSP can forbid inline scripts altogether.
        return FileResponse(TEMPLATES / "chat.js", media_type="text/javascript")

    @router.get("/chat/api/messages", response_model=ChatOut)
    async def poll(request: Request, after: Annotated[int, Query(ge=0, le=MAX_MESSAGE_ID)] = 0) -> ChatOut:
        return _lines(await pull_chat(core.db, CHANNEL, _chat_id(request), after))

    @router.post("/chat/api/messages", response_model=ChatOut)
    async def send(request: Request, body: ChatIn) -> ChatOut:
        if sum(x is not None for x in (body.text, body.data, body.location)) != 1:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "send exactly one of text, data or location")
        chat_id = _chat_id(request)
        kind = (InboundKind.BUTTON if body.data is not None
                else InboundKind.LOCATION if body.location is not None else InboundKind.TEXT)
        inbound = Inbound(channel=CHANNEL, chat_id=chat_id, user_id=chat_id, kind=kind, text=body.text or "",
                          data=body.data, update_id=f"{chat_id}:{body.client_message_id}",
                          latitude=body.location.latitude if body.location else None,
                          longitude=body.location.longitude if body.location else None)
        if kind is InboundKind.BUTTON:  # cases are opened by a button press (the summary's "send")
            await _deliver_counted(request, core, inbound)
        else:
            await deliver_inbound(core, inbound)
        return _lines(await pull_chat(core.db, CHANNEL, chat_id, body.after))

    return router


OPENS_A_CASE = frozenset({"confirm:send"})  # the summary's "send" button (handlers/dialogue.py)


async def _deliver_counted(request: Request, core: Core, inbound: Inbound) -> None:
    """Deliver a button press, counting the cases it opens; a "send" is refused (429) when this chat
    or this address has opened too many cases lately. Every other press still works."""
    limits, address = limits_of(request), client_address(request)
    if inbound.data in OPENS_A_CASE:
        wait = max(limits.cases_citizen.retry_after(inbound.chat_id), limits.cases_address.retry_after(address))
        if wait > 0:
            raise TooManyRequests(wait, "too many reports from here lately; try again later")
    before = await cases_of_chat(core.db, CHANNEL, inbound.chat_id)
    await deliver_inbound(core, inbound)
    if await cases_of_chat(core.db, CHANNEL, inbound.chat_id) > before:
        limits.cases_citizen.record(inbound.chat_id)
        limits.cases_address.record(address)
