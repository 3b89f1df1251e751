"""A staff member links their own Telegram chat from the console, in a real Chromium (issues 7 and 9):
the page shows a one-time code with the deep link and the typed command, the chat is linked from
Telegram (real aiogram against the fake Bot API), the page then lists it, and one button unlinks it.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import expect

from bot.runtime import Runtime, create_app
from tests.chromium import chromium
from tests.fakes import FakeTelegramServer
from tests.live import live_server
from tests.telegram_citizen import TelegramCitizen
from tests.test_browser import WAIT_MS, log_in

BOT = "LangNgheTestBot"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the linking itself runs on both databases in tests/test_staff_notices.py."""
    target = tmp_path / "langnghe.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def app_url(telegram_runtime: Runtime) -> AsyncIterator[str]:
    telegram_runtime.settings = telegram_runtime.settings.model_copy(update={"telegram_bot_username": BOT})
    async with live_server(create_app(telegram_runtime)) as base_url:
        yield base_url


async def test_staff_link_their_telegram_from_the_console_and_unlink_it(
        app_url: str, fake_telegram_server: FakeTelegramServer) -> None:
    async with chromium() as browser:
        context = await browser.new_context(base_url=app_url, locale="vi-VN")
        context.set_default_timeout(WAIT_MS)
        page = await context.new_page()
        await log_in(page, "congdoan.bacninh", "demo-bacninh")
        await expect(page).to_have_url(re.compile(r"/console$"))
        await page.get_by_role("link", name="Thông báo qua chat").click()
        await expect(page.locator("#no-links")).to_be_visible()
        await page.get_by_role("button", name="Tạo mã liên kết").click()

        code = (await page.locator("code.link-code").inner_text()).strip()
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code)
        await expect(page.locator("#deep-link")).to_have_attribute("href", f"https://t.me/{BOT}?start=staff-{code}")
        await expect(page.locator("#link-command")).to_have_text(f"/lienket {code}")
        await expect(page.locator("#link-code")).to_contain_text("dùng một lần")

        officer = TelegramCitizen(fake_telegram_server, user_id=8401, name="Cán bộ")
        officer.say(f"/start staff-{code}")
        await officer.wait_for("Đã liên kết cuộc trò chuyện này với tài khoản cán bộ Cán bộ Công đoàn Bắc Ninh")

        await page.goto("/account/chat")               # the code is shown once: a reload does not show it
        await expect(page.locator("code.link-code")).to_have_count(0)
        linked = page.locator("#linked-chats li")
        await expect(linked).to_have_count(1)
        await expect(linked).to_contain_text("Telegram")
        await expect(linked).to_contain_text("8401")
        await linked.get_by_role("button", name="Hủy liên kết").click()
        await expect(page.locator("#no-links")).to_be_visible()
        await expect(page.locator("#linked-chats li")).to_have_count(0)

        mark = len(officer.received)
        officer.say("/start")                          # unlinked: an ordinary chat again
        await officer.wait_for("Nghị định 13/2023", after=mark)
        await context.close()
    assert fake_telegram_server.rejected == []
