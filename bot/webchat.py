"""The web chat: a chat page on the same port, for citizens without Telegram and for trying it out.

The browser keeps an anonymous chat id in the signed session cookie; every message it sends has a
client-made id, so a retried POST is stored once (like a redelivered Telegram update).
"""
from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from bot.inbound import deliver_inbound
from handlers import ChatLine, Core, Inbound, InboundKind, pull_chat

CHANNEL = "web"
MAX_BODY_TEXT = 20_000
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class ChatIn(BaseModel):
    client_message_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=40)
    text: str | None = Field(default=None, max_length=MAX_BODY_TEXT)
    data: str | None = Field(default=None, max_length=64)
    after: int = 0


class ChatOut(BaseModel):
    messages: list[dict[str, Any]]


def _chat_id(request: Request) -> str:
    chat_id = request.session.get("chat_id")
    if not chat_id:
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

    @router.get("/chat/api/messages", response_model=ChatOut)
    async def poll(request: Request, after: int = 0) -> ChatOut:
        return _lines(await pull_chat(core.db, CHANNEL, _chat_id(request), after))

    @router.post("/chat/api/messages", response_model=ChatOut)
    async def send(request: Request, body: ChatIn) -> ChatOut:
        if (body.text is None) == (body.data is None):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "send exactly one of text or data")
        chat_id = _chat_id(request)
        kind = InboundKind.BUTTON if body.data is not None else InboundKind.TEXT
        await deliver_inbound(core, Inbound(
            channel=CHANNEL, chat_id=chat_id, user_id=chat_id, kind=kind, text=body.text or "", data=body.data,
            update_id=f"{chat_id}:{body.client_message_id}"))
        return _lines(await pull_chat(core.db, CHANNEL, chat_id, body.after))

    return router
