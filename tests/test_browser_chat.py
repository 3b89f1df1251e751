"""The citizen's chat page in a real Chromium: its own identity apart from the console, resuming on
another device, and what it shows after a reload and through a server restart (issue 7, items 3-4).

Like tests/test_browser.py, the browser, the tests and the live server share one module-wide loop.
The server here can be stopped and started again on the same port and the same SQLite file.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect

from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings
from tests.conftest import ROOT
from tests.live import RestartableServer
from tests.test_browser import WAIT_MS, bot_says, log_in, press, report_wage_case

pytestmark = pytest.mark.asyncio(loop_scope="module")
SECRET = re.compile(r"mã bí mật ([2-9A-Z]{4}-[2-9A-Z]{4})")

expect.set_options(timeout=WAIT_MS)



@pytest.fixture
def chat_settings(tmp_path: Path, sqlite_template: Path, nlu_model_path: Path) -> Settings:
    """One SQLite file that outlives each server start."""
    target = tmp_path / "langnghe.db"
    shutil.copy(sqlite_template, target)
    return Settings(database_url=f"sqlite+aiosqlite:///{target}", config_path=ROOT / "config.yml",
                    nlu_model_path=nlu_model_path, secret_key="test-secret-key-" + "x" * 32, demo=False,
                    outbox_poll_seconds=0.2, telegram_bot_token=None, _env_file=None)


@pytest_asyncio.fixture(loop_scope="module")
async def server(chat_settings: Settings, nlu_port: NluPort) -> AsyncIterator[RestartableServer]:
    runtimes: list[Runtime] = []

    async def make_app() -> FastAPI:   # every start is a new process: a new runtime on the same file
        runtime = await build_runtime(chat_settings, nlu=nlu_port, progress=lambda _m: None)
        runtimes.append(runtime)
        return create_app(runtime)

    live = RestartableServer(make_app)
    await live.start()
    yield live
    await live.stop()
    for runtime in runtimes:
        await runtime.core.db.dispose()


async def _context(browser: Browser, base_url: str, width: int = 390) -> BrowserContext:
    context = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": width, "height": 844})
    context.set_default_timeout(WAIT_MS)
    return context


async def test_console_login_and_logout_leave_the_chat_alone_and_code_plus_secret_resume_it(
        browser: Browser, server: RestartableServer) -> None:
    context = await _context(browser, server.url)
    try:
        chat = await context.new_page()
        code = await report_wage_case(chat)
        note = chat.locator("#log .msg.note").filter(has_text=code)
        await expect(note).to_contain_text("mã bí mật")
        match = SECRET.search(await note.inner_text())
        assert match, await note.inner_text()
        secret = match.group(1)

        cookies = {c["name"]: c for c in await context.cookies()}
        assert "langnghe_chat" in cookies and "langnghe_session" not in cookies, "the chat needs no console cookie"
        lasts = datetime.fromtimestamp(cookies["langnghe_chat"]["expires"], UTC) - datetime.now(UTC)
        assert lasts > timedelta(days=29), f"the chat cookie lasts only {lasts}"

        console = await context.new_page()   # the same browser: a staff member at a shared computer
        await log_in(console, "congdoan.bacninh", "demo-bacninh")
        await expect(console).to_have_url(re.compile(r"/console$"))
        await console.get_by_role("button", name="Đăng xuất").click()
        await expect(console).to_have_url(re.compile(r"/login$"))

        await chat.reload()
        await expect(bot_says(chat, "Mã tra cứu")).to_contain_text(code)
        await expect(bot_says(chat, "Nghị định 13/2023")).to_have_count(1)   # no fresh welcome: same chat

        other = await _context(browser, server.url)   # the citizen's second phone
        try:
            phone = await other.new_page()
            await phone.goto("/chat")
            await expect(bot_says(phone, "Nghị định 13/2023")).to_be_visible()
            await expect(bot_says(phone, "Mã tra cứu")).to_have_count(0)
            await phone.get_by_text("Tiếp tục trên thiết bị khác").click()
            await phone.get_by_label("Mã tra cứu").fill(code)
            await phone.get_by_label("Mã bí mật").fill("ABCD-EFGH" if secret != "ABCD-EFGH" else "HGFE-DCBA")
            await phone.get_by_role("button", name="Mở cuộc trò chuyện").click()
            await expect(phone.get_by_role("alert")).to_have_text(re.compile("Mã tra cứu hoặc mã bí mật không đúng"))
            await expect(bot_says(phone, "Mã tra cứu")).to_have_count(0)

            await phone.get_by_label("Mã bí mật").fill(secret.lower())   # typed by hand, lower case
            await phone.get_by_role("button", name="Mở cuộc trò chuyện").click()
            await expect(bot_says(phone, "Mã tra cứu")).to_contain_text(code)
            await expect(phone.locator("#log .msg.in").filter(has_text="công ty nợ lương 3 tháng")).to_be_visible()
            await expect(phone.locator("#log .msg.note").filter(has_text=f"Đã mở cuộc trò chuyện của hồ sơ {code}")
                         ).to_be_visible()
        finally:
            await other.close()
    finally:
        await context.close()


async def _empty_bubbles(page: Page) -> int:
    count: int = await page.evaluate(
        "() => [...document.querySelectorAll('#log .msg')].filter(d => !d.textContent.trim()).length")
    return count


async def test_after_a_reload_past_answers_are_marked_and_only_the_current_question_is_live(
        browser: Browser, server: RestartableServer) -> None:
    context = await _context(browser, server.url)
    try:
        page = await context.new_page()
        await page.goto("/chat")
        consent = bot_says(page, "Nghị định 13/2023")
        await press(consent, "Đồng ý")
        box = page.get_by_role("textbox", name="Tin nhắn")
        await box.fill("công ty nợ lương 3 tháng, em ở Bắc Ninh")
        await box.press("Enter")
        commune = bot_says(page, "xã/phường nào của Bắc Ninh")
        await expect(commune.get_by_role("button", name="Bỏ qua")).to_be_enabled()
        await box.fill("chưa gửi câu này")

        await page.reload()
        consent = bot_says(page, "Nghị định 13/2023")
        chosen = consent.locator(".choices button.chosen")
        await expect(chosen).to_have_count(1)
        await expect(chosen).to_have_text("Đồng ý")
        for button in await consent.locator(".choices button").all():
            await expect(button).to_be_disabled()
        await expect(commune.get_by_role("button", name="Bỏ qua")).to_be_enabled()
        await expect(page.get_by_role("textbox", name="Tin nhắn")).to_have_value("chưa gửi câu này")
        assert await _empty_bubbles(page) == 0
    finally:
        await context.close()


async def test_erased_messages_leave_no_empty_bubble_after_a_reload(browser: Browser, server: RestartableServer) -> None:
    context = await _context(browser, server.url)
    try:
        page = await context.new_page()
        await page.goto("/chat")
        await expect(bot_says(page, "Nghị định 13/2023")).to_be_visible()
        box = page.get_by_role("textbox", name="Tin nhắn")
        await box.fill("hàng xóm đổ rác ra đường, số điện thoại tôi 0912345678")
        await box.press("Enter")
        await expect(box).to_have_value("")
        asked = page.locator("#log .msg.out .choices").last
        await asked.get_by_role("button", name="Không đồng ý").click()
        await expect(bot_says(page, "không được lưu giữ")).to_be_visible()
        await page.reload()
        await expect(bot_says(page, "không được lưu giữ")).to_be_visible()
        await expect(page.locator("#log .msg.in").filter(has_text="0912345678")).to_have_count(0)
        assert await _empty_bubbles(page) == 0
    finally:
        await context.close()


async def test_the_page_says_it_is_offline_keeps_the_text_and_comes_back_after_a_restart(
        browser: Browser, server: RestartableServer) -> None:
    context = await _context(browser, server.url)
    try:
        page = await context.new_page()
        await page.goto("/chat")
        await press(bot_says(page, "Nghị định 13/2023"), "Đồng ý")
        box = page.get_by_role("textbox", name="Tin nhắn")
        await box.fill("công ty nợ lương 3 tháng, em ở Bắc Ninh")
        await box.press("Enter")
        commune = bot_says(page, "xã/phường nào của Bắc Ninh")
        skip = commune.get_by_role("button", name="Bỏ qua")
        await expect(skip).to_be_enabled()

        await server.stop()
        status = page.get_by_role("status")
        await expect(status).to_contain_text("Mất kết nối")
        await expect(skip).to_be_disabled()
        await box.fill("phường Võ Cường")
        await box.press("Enter")                      # cannot go anywhere: it stays in the box
        await expect(box).to_have_value("phường Võ Cường")

        await server.start()                          # same port, same database, new process
        await expect(status).to_contain_text("Đã kết nối lại")
        await expect(skip).to_be_enabled()
        await expect(box).to_have_value("phường Võ Cường")
        await box.press("Enter")
        await expect(page.locator("#log .msg.in").filter(has_text="phường Võ Cường")).to_be_visible()
        await expect(bot_says(page, "liên hệ với bạn thế nào")).to_be_visible()
        await expect(box).to_have_value("")
        await expect(skip).to_be_disabled()           # that question is behind us now
    finally:
        await context.close()
