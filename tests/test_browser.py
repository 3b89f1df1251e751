"""The story again, in a real Chromium: what a citizen and a staff member actually see on the pages.

One browser is launched for the module; every test gets fresh browser contexts (fresh cookies), so the
citizen's chat session and the staff member's console session never mix.

Playwright objects belong to the event loop that made them, so the browser, the tests and the live
server all run in one module-wide loop: `runtime` and `live_app` are redefined here with that loop scope
(same bodies as in conftest.py).
"""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (imported from here by other tests)
from tests.live import live_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")
WAIT_MS = 10_000  # the chat page polls every 2 s; a staff message must show within a few polls

expect.set_options(timeout=WAIT_MS)



@pytest_asyncio.fixture(loop_scope="module")
async def runtime(settings: Settings, nlu_port: NluPort) -> AsyncIterator[Runtime]:
    rt = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    yield rt
    await rt.core.db.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def live_app(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(create_app(runtime)) as base_url:
        yield base_url


async def _context(browser: Browser, base_url: str, **options: object) -> BrowserContext:
    context = await browser.new_context(base_url=base_url, locale="vi-VN", **options)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)
    return context


@pytest_asyncio.fixture(loop_scope="module")
async def citizen(browser: Browser, live_app: str) -> AsyncIterator[Page]:
    context = await _context(browser, live_app, viewport={"width": 480, "height": 900})
    yield await context.new_page()
    await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def staff(browser: Browser, live_app: str) -> AsyncIterator[Page]:
    context = await _context(browser, live_app, viewport={"width": 1280, "height": 800})
    yield await context.new_page()
    await context.close()


# --- what the citizen sees -------------------------------------------------------------------------------

def bot_says(page: Page, fragment: str | re.Pattern[str]) -> Locator:
    """The bot's bubble(s) in the chat log containing `fragment`."""
    return page.locator("#log .msg.out").filter(has_text=fragment)


async def press(message: Locator, label: str) -> None:
    """Press the button `label` under one bot message; the page then greys out that message's buttons."""
    button = message.locator(".choices").get_by_role("button", name=label, exact=True)
    await expect(button).to_be_enabled()
    await button.click()
    await expect(button).to_be_disabled()


async def report_wage_case(page: Page) -> str:
    """The issue's story in the chat page; returns the tracking code the citizen is shown."""
    await page.goto("/chat")
    await expect(page).to_have_title(re.compile("Lắng Nghe"))
    consent = bot_says(page, "Nghị định 13/2023")
    await expect(consent).to_be_visible()  # the page sent /start by itself
    await press(consent, "Đồng ý")
    await expect(bot_says(page, "Bạn hãy kể vấn đề")).to_be_visible()

    box = page.get_by_role("textbox", name="Tin nhắn")
    await box.fill("công ty nợ lương 3 tháng, em ở Bắc Ninh")
    await box.press("Enter")
    await expect(page.locator("#log .msg.in").filter(has_text="công ty nợ lương 3 tháng, em ở Bắc Ninh")).to_be_visible()
    await expect(box).to_have_value("")
    commune = bot_says(page, "xã/phường nào của Bắc Ninh")
    await expect(commune).to_be_visible()
    await expect(bot_says(page, "tỉnh/thành phố nào")).to_have_count(0)  # the province was in the message

    await press(commune, "Bỏ qua")
    contact = bot_says(page, "liên hệ với bạn thế nào")
    await press(contact, "Nhắn qua đây")
    summary = bot_says(page, "Gửi phản ánh này?")
    await expect(summary).to_contain_text("Công đoàn tỉnh Bắc Ninh")
    await expect(summary).to_contain_text("công ty nợ lương 3 tháng")
    await press(summary, "Gửi")

    created = bot_says(page, "Mã tra cứu")
    await expect(created).to_have_text(re.compile(r"Mã tra cứu: " + CODE.pattern))
    await expect(created).to_contain_text("Nơi xử lý: Công đoàn tỉnh Bắc Ninh")
    # issue 7, item 6: a deadline people understand, at the end of a working day
    await expect(created).to_contain_text(re.compile(r"trước 17:00 thứ (Hai|Ba|Tư|Năm|Sáu) \d{2}/\d{2}/\d{4}"))
    match = CODE.search(await created.inner_text())
    assert match
    return match.group(0)


# --- what the staff member sees --------------------------------------------------------------------------

async def log_in(page: Page, username: str, password: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(password)
    await page.get_by_role("button", name="Đăng nhập").click()


async def test_citizen_reports_staff_answers_and_resolves_citizen_rates(citizen: Page, staff: Page) -> None:
    code = await report_wage_case(citizen)

    await log_in(staff, "congdoan.bacninh", "demo-bacninh")
    await expect(staff).to_have_url(re.compile(r"/console$"))
    await expect(staff.get_by_role("heading", name=re.compile("Hộp thư"))).to_contain_text("Công đoàn tỉnh Bắc Ninh")
    row = staff.locator("table.cases tbody tr").filter(has=staff.get_by_role("link", name=code, exact=True))
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("công ty nợ lương 3 tháng")
    await expect(row).to_contain_text("Mới tiếp nhận")

    await row.get_by_role("link", name=code, exact=True).click()
    await expect(staff).to_have_url(re.compile(rf"/console/cases/{code}$"))
    await expect(staff.get_by_role("heading", level=1)).to_contain_text(code)
    transcript = staff.locator(".transcript")
    citizen_line = transcript.locator("li.msg.in").filter(has_text="công ty nợ lương 3 tháng, em ở Bắc Ninh")
    await expect(citizen_line).to_have_count(1)
    await expect(citizen_line).to_contain_text("Người dân")

    reply = "Chúng tôi đã liên hệ công ty, tuần sau trả lời."
    await staff.get_by_label("Trả lời người dân").fill(reply)
    await staff.get_by_role("button", name="Gửi trả lời").click()
    await expect(transcript.locator("li.msg.staff")).to_contain_text(reply)

    answer = bot_says(citizen, "tuần sau trả lời")
    await expect(answer).to_be_visible()  # arrives by the page's own polling, no reload
    await expect(answer).to_contain_text(f"Công đoàn tỉnh Bắc Ninh trả lời (hồ sơ {code})")

    await staff.get_by_label("Kết quả giải quyết").fill("Công ty đã trả đủ 3 tháng lương.")
    await staff.get_by_role("button", name="Đã giải quyết").click()
    await expect(staff.get_by_role("heading", level=1)).to_contain_text("Đã giải quyết")
    await expect(staff.get_by_role("button", name="Gửi trả lời")).to_have_count(0)

    resolved = bot_says(citizen, "đã trả đủ 3 tháng lương")
    await expect(resolved).to_be_visible()
    await expect(resolved.locator(".choices button")).to_have_text(["1", "2", "3", "4", "5", "Chưa được giải quyết"])
    await press(resolved, "5")
    await expect(bot_says(citizen, "Cảm ơn bạn đã đánh giá 5/5")).to_contain_text(code)

    await staff.reload()
    await expect(staff.locator("dl.facts")).to_contain_text("5/5")


async def test_wrong_password_shows_error_and_stays_on_login(staff: Page) -> None:
    await log_in(staff, "congdoan.bacninh", "not-the-password")
    await expect(staff.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    await expect(staff).to_have_url(re.compile(r"/login$"))
    await expect(staff.get_by_role("heading", name="Đăng nhập cán bộ")).to_be_visible()
    await staff.goto("/console")
    await expect(staff).to_have_url(re.compile(r"/login$"))  # still not signed in


async def test_console_without_login_redirects_to_login(staff: Page) -> None:
    await staff.goto("/console")
    await expect(staff).to_have_url(re.compile(r"/login$"))
    await expect(staff.get_by_label("Tên đăng nhập")).to_be_visible()
    await expect(staff.locator("table.cases")).to_have_count(0)


async def test_use_my_location_in_the_chat_page_answers_where(browser: Browser, live_app: str) -> None:
    """The 📍 button sends the browser's position; the bot names the commune and does not ask where."""
    context = await _context(browser, live_app, viewport={"width": 390, "height": 844},
                             geolocation={"latitude": 21.0285, "longitude": 105.8542}, permissions=["geolocation"])
    page = await context.new_page()
    try:
        await page.goto("/chat")
        await press(bot_says(page, "Nghị định 13/2023"), "Đồng ý")
        box = page.get_by_role("textbox", name="Tin nhắn")
        await box.fill("vỉa hè trước chợ bị lấn chiếm hết, người đi bộ phải xuống lòng đường")
        await box.press("Enter")
        await expect(bot_says(page, "tỉnh/thành phố nào")).to_be_visible()
        await page.get_by_role("button", name="Gửi vị trí của tôi").click()
        await expect(bot_says(page, "Phường Hoàn Kiếm, Hà Nội")).to_be_visible()
        await expect(page.locator("#log .msg.in").filter(has_text="📍 Vị trí của tôi")).to_be_visible()
        await expect(bot_says(page, "liên hệ với bạn thế nào")).to_be_visible()
    finally:
        await context.close()


async def test_api_docs_render_with_no_internet(browser: Browser, live_app: str) -> None:
    """Every request that would leave this machine is refused; the docs page still shows the API."""
    context = await _context(browser, live_app, viewport={"width": 1280, "height": 800})
    outside: list[str] = []

    async def block_outside(route: Any) -> None:
        if route.request.url.startswith(live_app):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", block_outside)
    page = await context.new_page()
    try:
        await page.goto("/api/docs")
        await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Lắng Nghe")
        await expect(page.locator(".opblock-summary-path").filter(has_text="/model/parse").first).to_be_visible()
        assert outside == []
    finally:
        await context.close()



async def test_someone_in_danger_gets_numbers_to_tap_before_consent_and_is_filed_at_once(citizen: Page) -> None:
    """Issue 7, item 1 in the page itself: tap-to-call numbers before any consent, then the urgent
    report is filed the moment she agrees; place and contact are asked afterwards."""
    await citizen.goto("/chat")
    await expect(bot_says(citizen, "Nghị định 13/2023")).to_be_visible()
    box = citizen.get_by_role("textbox", name="Tin nhắn")
    await box.fill("chồng tôi đang đánh tôi, cứu tôi với")   # before pressing anything
    await box.press("Enter")
    danger = bot_says(citizen, "1900 969 680")
    await expect(danger).to_be_visible()
    for number in ("113", "114", "115", "111", "1900969680"):
        await expect(danger.locator(f'a[href="tel:{number}"]')).to_have_count(1)
    await expect(bot_says(citizen, "Mã tra cứu")).to_have_count(0)   # nothing filed without consent

    await press(bot_says(citizen, "Mình đã nhận tin của bạn"), "Đồng ý")
    filed = bot_says(citizen, "Mã tra cứu")
    await expect(filed).to_contain_text("KHẨN")
    await expect(filed).to_contain_text("tỉnh/thành phố nào")   # the place is asked after filing


async def test_greetings_and_thanks_are_no_report_and_consent_can_be_withdrawn(citizen: Page) -> None:
    """Issue 7, items 2 and 5: "alo" and "cảm ơn" get a kind answer and no case; words take the
    consent back and the page says what that means."""
    await citizen.goto("/chat")
    await press(bot_says(citizen, "Nghị định 13/2023"), "Đồng ý")
    box = citizen.get_by_role("textbox", name="Tin nhắn")
    for text, answer in (("alo", "Chào bạn"), ("cảm ơn các anh chị", "Không có gì")):
        await box.fill(text)
        await box.press("Enter")
        await expect(bot_says(citizen, answer)).to_be_visible()
    await expect(bot_says(citizen, "Mã tra cứu")).to_have_count(0)
    await expect(bot_says(citizen, "Gửi phản ánh này?")).to_have_count(0)

    await box.fill("tôi rút lại đồng ý")
    await box.press("Enter")
    await expect(bot_says(citizen, "Bạn đã rút lại sự đồng ý")).to_be_visible()
