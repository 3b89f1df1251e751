"""Tests of the fake Telegram Bot API, driven by the real aiogram client.

They pin down the two promises other tests rely on: the fake answers like Telegram (so a
bot that passes here talks correctly to the real service), and the simulation API behaves
as documented. Every test is marked explicitly so it runs with or without
``asyncio_mode = "auto"``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
)

from .telegram_api import FakeTelegramServer, create_bot

pytestmark = pytest.mark.asyncio

USER = 1001


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    client = create_bot(server)
    try:
        yield client
    finally:
        await client.session.close()


@pytest.fixture
def known_user(server: FakeTelegramServer) -> int:
    """A user who already talked to the bot, so their chat exists."""
    server.add_user(USER, "Lan")
    return USER


async def raw_call(
    server: FakeTelegramServer, method: str, *, token: str | None = None, how: str = "json", **params: Any
) -> tuple[int, dict[str, Any]]:
    """Call the fake like a non-aiogram client would: JSON body, form body or query string."""
    url = f"{server.base_url}/bot{token or server.token}/{method}"
    async with aiohttp.ClientSession() as session:
        if how == "json":
            request = session.post(url, json=params)
        elif how == "form":
            request = session.post(url, data={k: _form_value(v) for k, v in params.items()})
        else:
            request = session.get(url, params={k: _form_value(v) for k, v in params.items()})
        async with request as response:
            return response.status, await response.json()


def _form_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs]
    )


# ------------------------------------------------------------------ protocol fidelity


async def test_get_me_returns_the_fake_bot(server: FakeTelegramServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "lang_nghe_test_bot")
    assert server.calls[-1].method == "getMe"
    assert server.rejected == []


async def test_send_message_with_inline_keyboard_is_recorded(
    server: FakeTelegramServer, bot: Bot, known_user: int
) -> None:
    markup = keyboard(("Ổn", "mood:ok"), ("Buồn", "mood:sad"))
    sent = await bot.send_message(known_user, "Bạn cảm thấy thế nào?", reply_markup=markup)

    assert sent.reply_markup is not None
    assert [row[0].callback_data for row in sent.reply_markup.inline_keyboard] == ["mood:ok", "mood:sad"]
    (stored,) = server.messages_to(known_user)
    assert stored["text"] == "Bạn cảm thấy thế nào?"
    assert stored["reply_markup"]["inline_keyboard"][1][0] == {"text": "Buồn", "callback_data": "mood:sad"}
    assert server.calls_to("sendMessage")[0]["chat_id"] == known_user
    assert server.rejected == []


async def test_unknown_method_is_404_like_telegram(server: FakeTelegramServer) -> None:
    status, body = await raw_call(server, "sendTelepathy", chat_id=USER)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert server.rejected[-1].method == "sendTelepathy"


async def test_method_names_are_case_insensitive_like_telegram(server: FakeTelegramServer) -> None:
    status, body = await raw_call(server, "getme")
    assert status == 200 and body["result"]["is_bot"] is True
    assert server.calls[-1].method == "getMe"


async def test_wrong_token_is_401(server: FakeTelegramServer) -> None:
    status, body = await raw_call(server, "getMe", token="999:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


@pytest.mark.parametrize("how", ["json", "form", "query"])
async def test_missing_required_field_is_400(server: FakeTelegramServer, known_user: int, how: str) -> None:
    status, body = await raw_call(server, "sendChatAction", how=how, chat_id=known_user)
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: action is empty"}
    assert len(server.rejected) == 1


@pytest.mark.parametrize("how", ["json", "form", "query"])
async def test_unknown_field_is_400(server: FakeTelegramServer, known_user: int, how: str) -> None:
    status, body = await raw_call(server, "sendMessage", how=how, chat_id=known_user, text="hi", colour="red")
    assert status == 400
    assert body["description"] == "Bad Request: unknown parameter colour"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("x" * 4097, "Bad Request: message is too long"),
        ("   \n ", "Bad Request: message text is empty"),
    ],
)
async def test_bad_text_raises_telegram_bad_request(
    server: FakeTelegramServer, bot: Bot, known_user: int, text: str, description: str
) -> None:
    with pytest.raises(TelegramBadRequest, match=description):
        await bot.send_message(known_user, text)
    assert server.rejected[-1].description == description
    assert server.messages_to(known_user) == []


async def test_text_of_exactly_4096_characters_is_accepted(
    server: FakeTelegramServer, bot: Bot, known_user: int
) -> None:
    await bot.send_message(known_user, "ắ" * 4096)
    assert server.rejected == []


async def test_unknown_chat_is_chat_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "Ai đó?")


@pytest.mark.parametrize("data", ["", "x" * 65, "ắ" * 22])
async def test_invalid_callback_data_is_button_data_invalid(
    server: FakeTelegramServer, known_user: int, data: str
) -> None:
    markup = {"inline_keyboard": [[{"text": "Bấm", "callback_data": data}]]}
    status, body = await raw_call(
        server, "sendMessage", how="form", chat_id=known_user, text="hi", reply_markup=markup
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


@pytest.mark.parametrize(
    "markup",
    ["{not json", {"inline_keyboard": [[{"text": "no action"}]]}, {"remove_keyboard": False}, {"colour": 1}],
)
async def test_malformed_reply_markup_is_rejected(server: FakeTelegramServer, known_user: int, markup: Any) -> None:
    status, body = await raw_call(
        server, "sendMessage", how="form", chat_id=known_user, text="hi", reply_markup=markup
    )
    assert status == 400 and body["description"].startswith("Bad Request: ")


@pytest.mark.parametrize(
    ("text", "parse_mode", "fragment"),
    [
        ("Xin chào<br>bạn", "HTML", 'Unsupported start tag "br"'),
        ("<b>đậm", "HTML", "Can't find end tag"),
        ("Cảm ơn bạn.", "MarkdownV2", "Character '.' is reserved"),
        ("Chào user_name", "Markdown", "Can't find end of the entity"),
    ],
)
async def test_unparsable_markup_is_rejected(
    bot: Bot, known_user: int, text: str, parse_mode: str, fragment: str
) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as error:
        await bot.send_message(known_user, text, parse_mode=parse_mode)
    assert fragment in error.value.message


async def test_html_is_rendered_into_text_and_entities(bot: Bot, known_user: int) -> None:
    sent = await bot.send_message(known_user, "<b>Lắng</b> nghe &amp; <i>chia sẻ</i>", parse_mode="HTML")
    assert sent.text == "Lắng nghe & chia sẻ"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 4), ("italic", 12, 7)]


async def test_fail_next_429_raises_retry_after_once(server: FakeTelegramServer, bot: Bot, known_user: int) -> None:
    server.fail_next("sendMessage")
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(known_user, "Xin chào")
    assert error.value.retry_after == 1
    assert server.failures[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    await bot.send_message(known_user, "Xin chào")
    assert len(server.messages_to(known_user)) == 1
    assert server.rejected == []


async def test_blocked_user_gives_403(server: FakeTelegramServer, bot: Bot, known_user: int) -> None:
    server.block(known_user)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(known_user, "Bạn còn đó không?")


async def test_aiogram_multipart_upload_is_accepted(server: FakeTelegramServer, bot: Bot, known_user: int) -> None:
    photo = BufferedInputFile(b"\x89PNG fake", filename="hoa.png")
    sent = await bot.send_photo(known_user, photo, caption="Một bông hoa")
    assert sent.photo and sent.caption == "Một bông hoa"
    assert server.rejected == []


# ------------------------------------------------------------------ edits, commands, callbacks


async def test_edit_without_change_is_not_modified(server: FakeTelegramServer, bot: Bot, known_user: int) -> None:
    sent = await bot.send_message(known_user, "Câu hỏi", reply_markup=keyboard(("Có", "yes")))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Câu hỏi", chat_id=known_user, message_id=sent.message_id, reply_markup=keyboard(("Có", "yes"))
        )


async def test_edit_text_without_markup_drops_the_keyboard(
    server: FakeTelegramServer, bot: Bot, known_user: int
) -> None:
    sent = await bot.send_message(known_user, "Câu hỏi", reply_markup=keyboard(("Có", "yes")))
    edited = await bot.edit_message_text("Cảm ơn!", chat_id=known_user, message_id=sent.message_id)
    assert edited.edit_date is not None and edited.reply_markup is None
    (stored,) = server.messages_to(known_user)
    assert stored["text"] == "Cảm ơn!" and "reply_markup" not in stored
    with pytest.raises(AssertionError, match="no button"):
        server.user_clicks(known_user, sent.message_id, "yes")


async def test_commands_round_trip(server: FakeTelegramServer, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Bắt đầu trò chuyện")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bắt-đầu", description="x")])


async def test_click_on_a_button_the_bot_never_showed_fails(
    server: FakeTelegramServer, bot: Bot, known_user: int
) -> None:
    sent = await bot.send_message(known_user, "Chọn", reply_markup=keyboard(("A", "a")))
    with pytest.raises(AssertionError, match="no button with callback_data 'b'"):
        server.user_clicks(known_user, sent.message_id, "b")
    with pytest.raises(AssertionError):
        server.user_clicks(known_user, 999, "a")


async def test_reply_keyboard_tap_and_echo(server: FakeTelegramServer, bot: Bot, known_user: int) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Tôi ổn")]], resize_keyboard=True)
    sent = await bot.send_message(known_user, "Hôm nay thế nào?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    assert server.messages_to(known_user)[0]["reply_markup"]["keyboard"] == [[{"text": "Tôi ổn"}]]
    update = server.user_taps_reply_button(known_user, "Tôi ổn")
    assert update["message"]["text"] == "Tôi ổn"
    with pytest.raises(AssertionError):
        server.user_taps_reply_button(known_user, "Tôi buồn")


async def test_answer_unknown_callback_query_is_rejected(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")


# ------------------------------------------------------------------ getUpdates


@pytest.mark.parametrize("timeout", [0, 1])
async def test_long_poll_returns_empty_after_timeout(bot: Bot, timeout: int) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=timeout) == []
    assert timeout - 0.05 <= time.monotonic() - started < timeout + 1


async def test_long_poll_wakes_up_when_a_user_writes(server: FakeTelegramServer, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    server.user_sends_text(USER, "Chào bot")
    started = time.monotonic()
    updates = await poll
    assert time.monotonic() - started < 1
    assert [u.message.text for u in updates if u.message] == ["Chào bot"]


async def test_offset_confirms_and_limit_caps(server: FakeTelegramServer, bot: Bot) -> None:
    ids = [server.user_sends_text(USER, f"tin {i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1] + 1)] == ids[2:]
    assert [u["update_id"] for u in server.pending_updates()] == ids[2:]


async def test_redeliver_sends_the_same_update_id_again(server: FakeTelegramServer, bot: Bot) -> None:
    update = server.user_sends_text(USER, "Tôi buồn quá")
    (first,) = await bot.get_updates()
    assert await bot.get_updates(offset=first.update_id + 1) == []
    server.redeliver(update)
    (again,) = await bot.get_updates(offset=first.update_id + 1)
    assert again.update_id == update["update_id"] and again.message and again.message.text == "Tôi buồn quá"


async def test_allowed_updates_filters_kinds(server: FakeTelegramServer, bot: Bot) -> None:
    server.user_sends_text(USER, "chữ")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == []


async def test_get_updates_conflicts_with_webhook(server: FakeTelegramServer, bot: Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(Exception, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_stop_releases_a_waiting_long_poll() -> None:
    async with FakeTelegramServer() as fake:
        client = create_bot(fake)
        poll = asyncio.create_task(client.get_updates(timeout=30))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await fake.stop()
        assert await poll == []
        assert time.monotonic() - started < 2
        await client.session.close()
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []


# ------------------------------------------------------------------ a real polling bot


def echo_router() -> Router:
    """A tiny bot: answers text with a question and buttons, answers clicks with a message."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Chào bạn, mình là Lắng Nghe.")

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        await message.answer(f"Bạn nói: {message.text}", reply_markup=keyboard(("Cảm ơn", "thanks")))

    @router.callback_query(F.data == "thanks")
    async def on_thanks(query: CallbackQuery) -> None:
        await query.answer()
        assert query.message is not None
        await query.message.answer("Không có gì, mình luôn ở đây.")

    return router


async def test_dispatcher_polling_handles_text_and_callback(server: FakeTelegramServer) -> None:
    dp = Dispatcher()
    dp.include_router(echo_router())
    polling = asyncio.create_task(dp.start_polling(create_bot(server), handle_signals=False, polling_timeout=1))
    try:
        server.user_sends_text(USER, "/start")
        await server.wait_for_message(USER, lambda m: "Lắng Nghe" in m["text"])
        server.user_sends_text(USER, "Hôm nay mệt quá")
        reply = await server.wait_for_message(USER, lambda m: m["text"].startswith("Bạn nói"))
        assert reply["text"] == "Bạn nói: Hôm nay mệt quá"

        seen = len(server.messages_to(USER))
        server.user_clicks(USER, reply["message_id"], "thanks")
        thanks = await server.wait_for_message(USER, after=seen)
        assert thanks["text"] == "Không có gì, mình luôn ở đây."
        assert server.unanswered_callbacks() == []
    finally:
        await dp.stop_polling()
        await polling
    assert server.rejected == []


async def test_wait_for_message_timeout_lists_what_arrived(
    server: FakeTelegramServer, bot: Bot, known_user: int
) -> None:
    await bot.send_message(known_user, "Chỉ có tin này")
    with pytest.raises(AssertionError, match="Chỉ có tin này"):
        await server.wait_for_message(known_user, lambda m: "khác" in m["text"], timeout=0.2)


async def test_restarted_bot_sees_a_redelivered_update_again(server: FakeTelegramServer) -> None:
    """The crash scenario: the update was handled, then redelivered to a fresh polling loop;
    the superseded long poll of the dead loop must not count as a rejected call."""
    seen: list[int] = []
    router = Router()

    @router.message(F.text)
    async def remember(message: Message) -> None:
        seen.append(message.message_id)
        await message.answer("Đã nhận")

    dp = Dispatcher()
    dp.include_router(router)
    update = server.user_sends_text(USER, "Tôi cần nói chuyện")
    for attempt in range(2):
        polling = asyncio.create_task(dp.start_polling(create_bot(server), handle_signals=False, polling_timeout=5))
        await server.wait_for_message(USER, after=attempt)
        await dp.stop_polling()
        await polling
        server.redeliver(update)
    assert seen == [update["message"]["message_id"]] * 2
    assert server.rejected == []


async def test_two_live_pollers_conflict_like_telegram(server: FakeTelegramServer) -> None:
    first, second = create_bot(server), create_bot(server)
    try:
        older = asyncio.create_task(first.get_updates(timeout=3))
        await asyncio.sleep(0.1)
        newer = asyncio.create_task(second.get_updates(timeout=0))
        results = await asyncio.gather(older, newer, return_exceptions=True)
    finally:
        await first.session.close()
        await second.session.close()
    assert isinstance(results[0], TelegramConflictError) and results[1] == []
    assert "terminated by other getUpdates request" in (server.rejected[-1].description or "")


async def test_deprecated_aiogram_parameter_is_unknown_to_the_spec(
    server: FakeTelegramServer, known_user: int
) -> None:
    """aiogram still sends disable_web_page_preview for link_preview_is_disabled=True; Bot
    API 10.1 does not list it. The spec-conformant default is link_preview=..."""
    strict = create_bot(server, default=DefaultBotProperties(link_preview_is_disabled=True))
    conformant = create_bot(server, default=DefaultBotProperties(link_preview=LinkPreviewOptions(is_disabled=True)))
    try:
        with pytest.raises(TelegramBadRequest, match="unknown parameter disable_web_page_preview"):
            await strict.send_message(known_user, "https://example.org")
        await conformant.send_message(known_user, "https://example.org")
    finally:
        await strict.session.close()
        await conformant.session.close()
    assert server.calls_to("sendMessage")[0]["link_preview_options"] == {"is_disabled": True}


async def test_tolerated_parameters_are_accepted() -> None:
    async with FakeTelegramServer(tolerated_parameters={"sendMessage": ["disable_web_page_preview"]}) as fake:
        fake.add_user(USER)
        client = create_bot(fake, default=DefaultBotProperties(link_preview_is_disabled=True))
        try:
            await client.send_message(USER, "https://example.org")
        finally:
            await client.session.close()
        assert fake.rejected == []


@pytest.mark.parametrize(
    ("simulate", "content_type"),
    [
        (lambda s: s.user_sends_sticker(USER), "sticker"),
        (lambda s: s.user_sends_photo(USER, caption="Ảnh"), "photo"),
        (lambda s: s.user_sends_location(USER, 21.03, 105.85), "location"),
        (lambda s: s.user_sends_contact(USER, "+84901234567"), "contact"),
        (lambda s: s.user_sends_text(USER, "/start@lang_nghe_test_bot"), "text"),
    ],
)
async def test_simulated_user_messages_parse_in_aiogram(
    server: FakeTelegramServer, bot: Bot, simulate: Any, content_type: str
) -> None:
    simulate(server)
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.content_type == content_type
    assert update.message.chat.id == USER and update.message.chat.type == "private"
