"""A visitor on a 390-pixel phone opens the public board and the map, in a real Chromium, with the
outside world blocked: everything (Leaflet included) must come from our server.

Same module-wide event loop arrangement as tests/test_browser.py (Playwright objects belong to the
loop that made them).
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route, expect

from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings
from handlers.open311 import NewRequest, file_request
from tests.clients import StaffApi
from tests.live import live_server

pytestmark = pytest.mark.asyncio(loop_scope="module")
PHONE = {"width": 390, "height": 844}
WAGES = "Công ty may nợ lương công nhân 2 tháng, chị Mai gọi 0912345678"



@pytest_asyncio.fixture(loop_scope="module")
async def runtime(settings: Settings, nlu_port: NluPort) -> AsyncIterator[Runtime]:
    rt = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    yield rt
    await rt.core.db.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def board_app(runtime: Runtime) -> AsyncIterator[str]:
    """Six wage reports in Bắc Ninh, five of them resolved; the board refreshed once."""
    codes = [(await file_request(runtime.core, NewRequest(client="t", service_code="union", description=WAGES,
                                                           address_string="Bắc Ninh"))).code for _ in range(6)]
    async with live_server(create_app(runtime)) as base_url:
        staff = await StaffApi(base_url).login("congdoan.bacninh", "demo-bacninh")
        try:
            for code in codes[:5]:
                await staff.act(code, "accept")
                await staff.act(code, "resolve", text="Công ty đã trả lương, liên hệ anh Tú 0987654321")
        finally:
            await staff.aclose()
        assert runtime.board is not None
        await runtime.board.refresh()
        yield base_url


async def _phone_page(browser: Browser, base_url: str) -> Page:
    context = await browser.new_context(base_url=base_url, viewport=PHONE, locale="vi-VN")
    outside: list[str] = []

    async def only_ours(route: Route) -> None:
        if route.request.url.startswith(base_url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_ours)
    page = await context.new_page()
    page.outside = outside  # type: ignore[attr-defined]
    return page


async def _no_personal_data(page: Page) -> None:
    text = await page.content()
    # the topic "nợ lương" is public vocabulary; the citizen's own sentence, name and phone are not
    for secret in ("0912345678", "0987654321", "Mai", "anh Tú", "Công ty may nợ lương", "LN-"):
        assert secret not in text, secret


async def _fits_the_phone(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        print(await page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 391).slice(0, 12).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ')"""))
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


async def test_the_board_on_a_phone_filters_and_switches_language(browser: Browser, board_app: str) -> None:
    page = await _phone_page(browser, board_app)
    await page.goto("/cong-khai")
    await expect(page.locator("h1")).to_have_text("Công khai: tiếp nhận và giải quyết phản ánh")
    await _fits_the_phone(page)
    await expect(page.locator("svg.trend")).to_be_visible()
    await page.select_option("select[name=province]", "Bắc Ninh")
    await page.select_option("select[name=domain]", "union")
    await page.click("form.board-filters button")
    await expect(page.locator('[data-k="received"]')).to_have_text("6")
    await expect(page.locator('[data-k="resolved"]')).to_have_text("5")
    await expect(page.locator('[data-k="topics"]')).to_contain_text("nợ lương (6, tăng so với 0 kỳ trước)")
    await _no_personal_data(page)
    await page.click("#lang-switch")
    await expect(page.locator("h1")).to_have_text("Public board: feedback received and resolved")
    await expect(page.locator('[data-k="topics"]')).to_contain_text("nợ lương (6, up from 0 the period before)")
    await expect(page.locator("select[name=province]")).to_have_value("Bắc Ninh")
    await _fits_the_phone(page)
    await _no_personal_data(page)
    assert page.outside == []  # type: ignore[attr-defined]


async def test_the_map_on_a_phone_shows_a_provinces_figures_on_click(browser: Browser, board_app: str) -> None:
    page = await _phone_page(browser, board_app)
    await page.goto("/cong-khai/ban-do?domain=union")
    await expect(page.locator("#map[data-ready='1']")).to_be_attached()
    dots = page.locator("path[data-province]")
    await expect(dots).to_have_count(34)
    await page.locator('path[data-province="Bắc Ninh"]').click()
    popup = page.locator(".province-popup")
    await expect(popup).to_contain_text("Bắc Ninh")
    await expect(popup).to_contain_text("Đã tiếp nhận: 6")
    await expect(popup).to_contain_text("nợ lương (6, tăng so với 0 kỳ trước)")
    await page.select_option("#metric", "on_time")
    await expect(page.locator('path[data-province="Bắc Ninh"]')).to_have_attribute("fill", "hsl(120, 70%, 42%)")
    await _fits_the_phone(page)
    await _no_personal_data(page)
    await page.click("#lang-switch")
    await expect(page.locator("#map[data-ready='1']")).to_be_attached()
    await page.locator('path[data-province="Bắc Ninh"]').click()
    await expect(page.locator(".province-popup")).to_contain_text("Received: 6")
    assert page.outside == []  # type: ignore[attr-defined]
