"""Issue 9.6 in a real Chromium: a citizen reads the result in the web chat, presses "Chưa được giải
quyết", says why, and the staff member finds the case back in the inbox with the citizen's reason.

Same module-wide event loop as tests/test_browser.py (Playwright objects belong to their loop).
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings
from tests.live import live_server
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, bot_says, log_in, press, report_wage_case

pytestmark = pytest.mark.asyncio(loop_scope="module")
REASON = "Công ty hứa nhưng vẫn chưa trả đồng nào"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def runtime(settings: Settings, nlu_port: NluPort) -> AsyncIterator[Runtime]:
    rt = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    yield rt
    await rt.core.db.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def live_app(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(create_app(runtime)) as base_url:
        yield base_url


async def _page(browser: Browser, base_url: str, width: int) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": width, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield await context.new_page()
    await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def citizen(browser: Browser, live_app: str) -> AsyncIterator[Page]:
    async for page in _page(browser, live_app, 420):
        yield page


@pytest_asyncio.fixture(loop_scope="module")
async def staff(browser: Browser, live_app: str) -> AsyncIterator[Page]:
    async for page in _page(browser, live_app, 1280):
        yield page


async def test_citizen_reopens_a_resolved_case_and_staff_see_it_back_in_the_inbox(citizen: Page, staff: Page) -> None:
    code = await report_wage_case(citizen)
    await log_in(staff, "congdoan.bacninh", "demo-bacninh")
    await staff.goto(f"/console/cases/{code}")
    await staff.get_by_label("Kết quả giải quyết").fill("Công ty đã cam kết trả đủ lương trong tuần.")
    await staff.get_by_role("button", name="Đã giải quyết").click()
    await expect(staff.get_by_role("heading", level=1)).to_contain_text("Đã giải quyết")

    resolved = bot_says(citizen, "cam kết trả đủ lương")
    await expect(resolved).to_be_visible()
    await press(resolved, "Chưa được giải quyết")
    asked = bot_says(citizen, "chưa được giải quyết ở điểm nào")
    await expect(asked).to_contain_text(code)
    box = citizen.get_by_role("textbox", name="Tin nhắn")
    await box.fill(REASON)
    await box.press("Enter")
    done = bot_says(citizen, f"Đã mở lại hồ sơ {code}")
    await expect(done).to_contain_text("Công đoàn tỉnh Bắc Ninh")
    await expect(done).to_contain_text("Hạn giải quyết mới")

    await staff.goto("/console")
    row = staff.locator("table.cases tbody tr").filter(has=staff.get_by_role("link", name=code, exact=True))
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Mới tiếp nhận")
    await row.get_by_role("link", name=code, exact=True).click()
    await expect(staff.get_by_role("heading", level=1)).not_to_contain_text("Đã giải quyết")
    reopened = staff.locator("li").filter(has_text="Người dân báo chưa được giải quyết: mở lại")
    await expect(reopened).to_contain_text(REASON)
    await expect(staff.get_by_role("button", name="Gửi trả lời")).to_be_visible()
