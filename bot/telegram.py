"""Telegram through aiogram 3: updates become `Inbound`s; outbox messages become sendMessage calls."""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.utils.backoff import BackoffConfig
from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from bot.channel import TELEGRAM, Capabilities, ChatLocks, LocalChatLocks, take_inbound
from bot.media_fetch import PhotoTooLarge
from bot.pacing import TELEGRAM_LIMITS, Pacer, RateLimiter
from bot.sender import RetryLater, Undeliverable
from handlers import Core, Inbound, InboundKind, Outgoing
from web.routers.health import ChannelHealth

CHANNEL = "telegram"
log = logging.getLogger(__name__)


def split_text(text: str, limit: int = TELEGRAM.max_text) -> list[str]:
    """Telegram takes 4096 characters a message: split on line breaks where possible."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return chunks + [text] if text else chunks


def keyboard(item: Outgoing) -> InlineKeyboardMarkup | None:
    if not item.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.label, callback_data=b.value) for b in row] for row in item.buttons])


def inbound_from_message(message: Message, update_id: int) -> Inbound:
    user = message.from_user
    photo = message.photo[-1].file_id if message.photo else None   # the largest size
    latitude = longitude = None
    if message.text is not None:
        kind, text = InboundKind.TEXT, message.text
    elif message.contact is not None:
        kind, text = InboundKind.CONTACT, message.contact.phone_number
    elif message.location is not None:
        kind, text = InboundKind.LOCATION, ""
        latitude, longitude = message.location.latitude, message.location.longitude
    elif message.caption:  # a photo with words: keep the words (the photo rides along in `photo`)
        kind, text = InboundKind.TEXT, message.caption
    else:
        kind, text = InboundKind.UNSUPPORTED, message.content_type
    return Inbound(
        channel=CHANNEL, chat_id=str(message.chat.id), user_id=str(user.id if user else message.chat.id), kind=kind,
        text=text, update_id=str(update_id), message_id=str(message.message_id),
        display_name=_name(user.full_name) if user else None, language=_language(user.language_code) if user else None,
        at=message.date if message.date.tzinfo else message.date.replace(tzinfo=UTC),
        photo=photo, latitude=latitude, longitude=longitude,
    )


def _name(full_name: str) -> str:
    return full_name[:128]  # the column's size; Telegram allows 64 + 64


def _language(code: str | None) -> str | None:
    return code[:8] if code else None


def inbound_from_callback(query: CallbackQuery, update_id: int) -> Inbound:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return Inbound(
        channel=CHANNEL, chat_id=str(chat_id), user_id=str(query.from_user.id), kind=InboundKind.BUTTON,
        data=query.data or "", update_id=str(update_id), display_name=_name(query.from_user.full_name),
        language=_language(query.from_user.language_code),
    )


MAX_ID = 2**63  # Telegram's ids fit in 64 bits; anything larger is not from Telegram


def _bad(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, detail)


def _check_values(payload: Any) -> None:
    """Walk the JSON (iteratively: no recursion limit to hit) for what no store can keep."""
    stack = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise _bad("NUL character in a string")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _bad("lone surrogate in a string") from None
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_ID:
            raise _bad("integer out of range")


def parse_update(body: bytes, bot: Bot) -> Update:
    """A webhook body as an Update, or a 400 saying what is wrong with it (never a 500)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise _bad("body is not JSON") from None
    if not isinstance(payload, dict):
        raise _bad("body is not a JSON object")
    _check_values(payload)
    try:
        return Update.model_validate(payload, context={"bot": bot})
    except (ValidationError, ValueError, TypeError, RecursionError, OverflowError):
        raise _bad("body is not a Telegram Update") from None


class HealthTracker(BaseRequestMiddleware):
    """Every Bot API call tells the channel's health: an answer (even a refusal) means "up"; no
    answer, a 5xx or a rejected token means "down"."""

    def __init__(self, health: ChannelHealth) -> None:
        self.health = health

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except (TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError) as exc:
            self.health.down(f"{type(exc).__name__}: {exc}")
            raise
        except TelegramAPIError:
            self.health.up()
            raise
        self.health.up()
        return response


class ResponseTypes(BaseRequestMiddleware):
    """Holds the parametrized `Response[T]` of every Bot API method this bot calls.

    aiogram builds `Response[method.__returning__]` to read each answer, and pydantic caches such a
    class only weakly: every garbage collection that frees it makes the next answer build it again
    (1 to 10 ms of CPU on the event loop; under load about once a turn, measured with cProfile in
    bench/load.py's bot). One strong reference per method keeps pydantic's cache warm."""

    def __init__(self) -> None:
        self._held: dict[type[Any], type[Any]] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if type(method) not in self._held:
            self._held[type(method)] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)


def _known_event(update: Update) -> bool:
    try:
        update.event_type  # noqa: B018 (raises for an unknown kind)
    except UpdateTypeLookupError:
        return False
    return True


class TelegramChannel:
    """One bot: polling or webhook in, outbox deliveries out."""

    channel = CHANNEL
    capabilities: Capabilities = TELEGRAM

    def __init__(self, core: Core, token: str, api_base_url: str | None = None, pacer: RateLimiter | None = None) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base_url)) if api_base_url else AiohttpSession()
        self.core = core
        self.health = ChannelHealth(CHANNEL)
        self.first_retry_delay, self.max_retry_delay = 1.0, 30.0
        session.middleware(HealthTracker(self.health))
        session.middleware(ResponseTypes())
        self.bot = Bot(token, session=session)
        self.dispatcher = Dispatcher()
        self.chat_locks: ChatLocks = LocalChatLocks()
        self.pacer: RateLimiter = pacer or Pacer.for_limits(TELEGRAM_LIMITS)
        self.dispatcher.message.register(self._on_message)
        self.dispatcher.callback_query.register(self._on_callback, F.data)

    async def _handle(self, inbound: Inbound) -> None:
        # Updates run as tasks; one lock per chat keeps a citizen's messages in order.
        await take_inbound(self.core, self.capabilities, self.chat_locks, inbound)

    async def _on_message(self, message: Message, event_update: Update) -> None:
        if message.chat.type != "private":
            return
        await self._handle(inbound_from_message(message, event_update.update_id))

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        # The press is stored first: answering a query that is too old (after downtime) fails,
        # and that must not lose the citizen's choice.
        await self._handle(inbound_from_callback(query, event_update.update_id))
        with contextlib.suppress(TelegramAPIError, TelegramNetworkError):  # the press is stored: that is what counts
            await query.answer()

    async def deliver(self, item: Outgoing, until: float | None = None) -> str | None:
        chunks = split_text(item.text) or ["…"]
        sent_id: str | None = None
        try:
            for i, chunk in enumerate(chunks):
                markup = keyboard(item) if i == len(chunks) - 1 else None
                # only the first part can be handed back: once one part is out, the rest follow it
                await self.pacer.wait(item.chat_id, self.pacer.from_monotonic(until) if i == 0 else None)
                sent = await self.bot.send_message(chat_id=int(item.chat_id), text=chunk, reply_markup=markup)
                sent_id = str(sent.message_id)
        except TelegramRetryAfter as exc:
            raise RetryLater(str(exc), exc.retry_after) from exc
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise RetryLater(str(exc)) from exc
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            raise Undeliverable(str(exc)) from exc
        return sent_id

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[None]]) -> None:
        """Run `attempt` until it returns, waiting longer after each failure (the Bot API may be
        unreachable at start or go away later); the health shows "down" meanwhile."""
        delay = self.first_retry_delay
        while True:
            try:
                await attempt()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network, server, token: all mean "try again later" here
                self.health.down(f"{type(exc).__name__}: {exc}")
                log.warning("Telegram %s failed (%s: %s); retrying in %.1fs", what, type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        """Download a photo by file id (getFile, then the file URL), refusing more than `limit` bytes."""
        file = await self.bot.get_file(ref)
        if file.file_size is not None and file.file_size > limit:
            raise PhotoTooLarge(f"{file.file_size} bytes is over {limit}")
        if not file.file_path:
            raise RuntimeError("Telegram gave no file path")
        buffer = await self.bot.download_file(file.file_path)
        data = buffer.read() if buffer is not None else b""
        if len(data) > limit:
            raise PhotoTooLarge(f"more than {limit} bytes")
        return data

    async def run_polling(self) -> None:
        """Long polling that heals: aiogram retries getUpdates itself once running; getting it
        running (getMe, deleteWebhook) is retried here."""
        async def poll() -> None:
            await self.bot.delete_webhook(drop_pending_updates=False)
            await self.dispatcher.start_polling(self.bot, handle_signals=False, close_bot_session=False,
                                                polling_timeout=10, backoff_config=BackoffConfig(
                                                    min_delay=self.first_retry_delay, max_delay=self.max_retry_delay,
                                                    factor=2.0, jitter=0.1))

        await self._retrying("polling", poll)

    async def set_webhook(self, url: str, secret: str) -> None:
        """Register the webhook, retrying until the Bot API answers (run it as a task)."""
        await self._retrying("setWebhook", lambda: self.set_webhook_once(url, secret))

    async def set_webhook_once(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url=url, secret_token=secret, allowed_updates=["message", "callback_query"])

    def webhook_router(self, secret: str) -> APIRouter:
        """POST /telegram/webhook, refusing any request without Telegram's secret-token header."""
        router = APIRouter()

        @router.post("/telegram/webhook", include_in_schema=False)
        async def webhook(request: Request) -> dict[str, Any]:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode()):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "bad secret token")
            update = parse_update(await request.body(), self.bot)
            if _known_event(update):  # an update kind this aiogram does not know is acknowledged, not handled
                await self.dispatcher.feed_update(self.bot, update)
            return {"ok": True}

        return router

    async def close(self) -> None:
        await self.bot.session.close()
