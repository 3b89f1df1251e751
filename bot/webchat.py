"""The web chat: a chat page on the same port, for citizens without Telegram and for trying it out.

The browser's chat id rides in its own signed cookie (bot/webchat_identity.py), never in the
console's session. Every message the page sends has a client-made id, so a retried POST is stored
once (like a redelivered Telegram update). New messages reach the page by server push (SSE) woken
by the live bus after each commit (handlers/live.py); every read is a read only, nothing is written.
A case's code plus the secret shown with it opens the same chat on another device.
Opening cases is rate limited per chat and per address; the HTTP layer refuses what the database
could not store (lone surrogates, NUL) with a 422 instead of failing later.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from pydantic import AfterValidator, BaseModel, Field

from bot.channel import WEB
from bot.inbound import deliver_inbound
from bot.webchat_identity import ChatIdentity
from handlers import ChatLine, Core, Inbound, InboundKind, cases_of_chat, pull_chat
from handlers.chat_access import ResumeSecret, conversation_of_chat, issue_resume_secrets, resume_chat
from handlers.live import chat_topic
from handlers.texts import CATALOGUE, render
from web.ratelimit import TooManyRequests, client_address, limits_of

CHANNEL = "web"
CAPABILITIES = WEB   # buttons in the page; the browser pulls its messages
MAX_BODY_TEXT = 20_000
MAX_MESSAGE_ID = 2**62  # larger than any row id, small enough for every database's integer
HEARTBEAT_SECONDS = 15.0   # a comment line keeps proxies from closing the stream; also a re-read
WAIT_FOR_CHAT_SECONDS = 2.0
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


class Secret(BaseModel):
    code: str
    secret: str
    text: str   # the sentence to show with them


class ChatOut(BaseModel):
    messages: list[dict[str, Any]]
    secrets: list[Secret] = Field(default_factory=list)   # shown once; only their hashes are kept


class ResumeIn(BaseModel):
    code: Annotated[str, Storable] = Field(min_length=1, max_length=32)
    secret: Annotated[str, Storable] = Field(min_length=1, max_length=32)


class ResumeOut(BaseModel):
    text: str


def _line(m: ChatLine) -> dict[str, Any]:
    return {"id": m.id, "direction": m.direction, "kind": m.kind, "text": m.text, "buttons": m.buttons,
            "at": m.created_at.isoformat()}


def _secrets(shown: list[ResumeSecret]) -> list[Secret]:
    return [Secret(code=s.code, secret=s.secret, text=render("webchat.resume_secret", "vi",
                                                             {"code": s.code, "secret": s.secret})) for s in shown]


def page_texts() -> dict[str, str]:
    """The page's own sentences, from the catalogue (the script only places them)."""
    return {key.removeprefix("webchat."): entry["vi"] for key, entry in CATALOGUE.items() if key.startswith("webchat.")}


def webchat_router(core: Core, identity: ChatIdentity) -> APIRouter:
    router = APIRouter(tags=["web chat"])

    @router.get("/chat", response_class=HTMLResponse)
    async def chat_page(request: Request) -> HTMLResponse:
        response = templates.TemplateResponse(request, "chat.html", {
            "texts": page_texts(), "texts_json": json.dumps(page_texts(), ensure_ascii=False).replace("<", "\\u003c")})
        identity.keep(response, identity.chat_id(request))
        return response

    @router.get("/chat/chat.js", include_in_schema=False)
    async def chat_script() -> FileResponse:
        # A file, not an inline script, so the page's CSP can forbid inline scripts altogether.
        return FileResponse(TEMPLATES / "chat.js", media_type="text/javascript")

    @router.get("/chat/api/messages", response_model=ChatOut)
    async def read(request: Request, response: Response,
                   after: Annotated[int, Query(ge=0, le=MAX_MESSAGE_ID)] = 0) -> ChatOut:
        chat_id = identity.chat_id(request)
        identity.keep(response, chat_id)
        return ChatOut(messages=[_line(m) for m in await pull_chat(core.db, CHANNEL, chat_id, after)])

    @router.get("/chat/api/stream", response_class=StreamingResponse)
    async def stream(request: Request, after: Annotated[int, Query(ge=0, le=MAX_MESSAGE_ID)] = 0,
                     last_event_id: Annotated[str | None, Header(max_length=24)] = None) -> StreamingResponse:
        """Server-sent events: each new message of this chat as `message`, its id as the event id, so
        the browser's reconnect (Last-Event-ID) resumes exactly where it stopped."""
        chat_id = identity.chat_id(request)
        start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
        response = StreamingResponse(_events(core, chat_id, min(start, MAX_MESSAGE_ID)),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        identity.keep(response, chat_id)
        return response

    @router.post("/chat/api/messages", response_model=ChatOut)
    async def send(request: Request, response: Response, body: ChatIn) -> ChatOut:
        if sum(x is not None for x in (body.text, body.data, body.location)) != 1:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "send exactly one of text, data or location")
        chat_id = identity.chat_id(request)
        identity.keep(response, chat_id)
        kind = (InboundKind.BUTTON if body.data is not None
                else InboundKind.LOCATION if body.location is not None else InboundKind.TEXT)
        inbound = Inbound(channel=CHANNEL, chat_id=chat_id, user_id=chat_id, kind=kind, text=body.text or "",
                          data=body.data, update_id=f"{chat_id}:{body.client_message_id}",
                          latitude=body.location.latitude if body.location else None,
                          longitude=body.location.longitude if body.location else None)
        if kind is InboundKind.BUTTON:  # cases are opened by a button press (the summary's "send")
            opened = await _deliver_counted(request, core, inbound)
        else:
            before = await cases_of_chat(core.db, CHANNEL, chat_id)
            await deliver_inbound(core, inbound)
            opened = await cases_of_chat(core.db, CHANNEL, chat_id) > before   # an urgent report files at once
        shown = await issue_resume_secrets(core.db, CHANNEL, chat_id) if opened else []
        return ChatOut(messages=[_line(m) for m in await pull_chat(core.db, CHANNEL, chat_id, body.after)],
                       secrets=_secrets(shown))

    @router.post("/chat/api/secrets", response_model=ChatOut)
    async def new_secrets(request: Request, response: Response) -> ChatOut:
        """Fresh secrets for every case of this chat (the old ones stop working): the page lost them."""
        chat_id = identity.chat_id(request)
        identity.keep(response, chat_id)
        return ChatOut(messages=[], secrets=_secrets(await issue_resume_secrets(core.db, CHANNEL, chat_id, renew=True)))

    @router.post("/chat/api/resume", response_model=ResumeOut,
                 responses={403: {"description": "wrong code or secret"}, 429: {"description": "too many tries"}})
    async def resume(request: Request, response: Response, body: ResumeIn) -> ResumeOut:
        """Open the chat of a case on this device: its code plus the secret shown with it."""
        limits, address, code = limits_of(request), client_address(request), body.code.strip().upper()[:16]
        wait = max(limits.resume_code.retry_after(code), limits.resume_address.retry_after(address))
        if wait > 0:
            exc = TooManyRequests(wait)
            raise TooManyRequests(wait, render("webchat.resume_busy", "vi", {"seconds": exc.seconds}))
        chat_id = await resume_chat(core.db, CHANNEL, body.code, body.secret)
        if chat_id is None:
            limits.resume_code.failed(code)
            limits.resume_address.failed(address)
            raise HTTPException(status.HTTP_403_FORBIDDEN, render("webchat.resume_wrong", "vi"))
        limits.resume_code.succeeded(code)
        identity.keep(response, chat_id)
        return ResumeOut(text=render("webchat.resumed", "vi", {"code": code}))

    return router


async def _events(core: Core, chat_id: str, after: int) -> AsyncIterator[str]:
    """Subscribe first, then read: a message committed in between is read, never missed."""
    last = after
    yield "retry: 1500\n\n"
    conversation_id = await conversation_of_chat(core.db, CHANNEL, chat_id)
    while conversation_id is None:   # a new chat: its first message will create it
        yield ": waiting\n\n"
        await asyncio.sleep(WAIT_FOR_CHAT_SECONDS)
        conversation_id = await conversation_of_chat(core.db, CHANNEL, chat_id)
    async with core.live.subscribe([chat_topic(conversation_id)]) as sub:
        while True:
            for m in await pull_chat(core.db, CHANNEL, chat_id, last):
                last = m.id
                yield f"id: {m.id}\nevent: message\ndata: {json.dumps(_line(m), ensure_ascii=False)}\n\n"
            if await sub.next(HEARTBEAT_SECONDS) is None:
                yield "event: ping\ndata: {}\n\n"   # an event, not a comment: the page watches for it


OPENS_A_CASE = frozenset({"confirm:send"})  # the summary's "send" button (handlers/dialogue.py)


async def _deliver_counted(request: Request, core: Core, inbound: Inbound) -> bool:
    """Deliver a button press, counting the cases it opens; a "send" is refused (429) when this chat
    or this address has opened too many cases lately. Every other press still works. True when the
    press opened a case."""
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
        return True
    return False
