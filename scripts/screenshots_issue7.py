"""After-screenshots for issue 7 (the first five minutes), made by driving real pages in Chromium.

    .venv/bin/python scripts/screenshots_issue7.py [--out docs/screenshots/after]

A throwaway SQLite database with DEMO=true (the demo province's logins and example cases), then:
chat-390.png      a citizen on a 390-pixel phone, after a reload mid-dialogue (the answered consent
                  marked, only the current question live), then the filed case with its resume secret;
chat-offline-390.png  the same page while the network is gone: it says so and keeps the typed text;
inbox-live.png    the women's desk of Bắc Ninh: an urgent case pushed in while the page is open
                  (alert, unread count in the title, the row added without a reload), demo cases marked;
case-urgent.png   that case's page; inbox-390.png the union's inbox on a phone (cards);
reassign.png      the grouped unit picker filtered by "nong dan".
The "before" pictures in docs/screenshots/before/ are the ones main had before issue 7.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402

from bot.runtime import build_runtime, create_app  # noqa: E402
from handlers import Settings  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.clients import WebCitizen  # noqa: E402
from tests.live import live_server  # noqa: E402

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")
URGENT = "chồng em đang đập cửa đòi đánh em, em sợ lắm, cứu em với, em ở Bắc Ninh"

expect.set_options(timeout=15_000)


def said(page: Page, fragment: str):  # type: ignore[no-untyped-def]
    return page.locator("#log .msg.out").filter(has_text=fragment)


async def log_in(page: Page, username: str, password: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(password)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page).to_have_url(re.compile(r"/console$"))


async def chat(browser: Browser, base_url: str, out: Path) -> None:
    context = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = await context.new_page()
        await page.goto("/chat")
        await said(page, "Nghị định 13/2023").get_by_role("button", name="Đồng ý", exact=True).click()
        box = page.get_by_role("textbox", name="Tin nhắn")
        await box.fill("công ty nợ lương 3 tháng, em ở Bắc Ninh")
        await box.press("Enter")
        await expect(said(page, "xã/phường nào của Bắc Ninh")).to_be_visible()
        await page.reload()
        await expect(said(page, "Nghị định 13/2023").locator("button.chosen")).to_be_visible()
        await said(page, "xã/phường nào").get_by_role("button", name="Bỏ qua").click()
        await said(page, "liên hệ với bạn thế nào").get_by_role("button", name="Nhắn qua đây").click()
        await said(page, "Gửi phản ánh này?").get_by_role("button", name="Gửi", exact=True).click()
        await expect(page.locator("#log .msg.note")).to_contain_text("mã bí mật")
        await page.evaluate("document.getElementById('log').scrollTop = 1e9")
        await page.screenshot(path=out / "chat-390.png")

        await box.fill("Em muốn hỏi thêm về thời hạn")
        await context.set_offline(True)   # the phone loses its network
        await expect(page.get_by_role("status")).to_contain_text("Mất kết nối")
        await page.screenshot(path=out / "chat-offline-390.png")
        await context.set_offline(False)
        await expect(page.get_by_role("status")).to_contain_text("Đã kết nối lại")
    finally:
        await context.close()


async def console(browser: Browser, base_url: str, out: Path, passwords: dict[str, str]) -> None:
    context = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 1280, "height": 800})
    try:
        page = await context.new_page()
        await log_in(page, "phunu.bacninh", passwords["phunu.bacninh"])
        async with WebCitizen(base_url) as citizen:
            await citizen.say(URGENT)
            await citizen.press("consent:yes")
            filed = await citizen.wait_for("Mã tra cứu")
        code = CODE.search(filed["text"]).group(0)  # type: ignore[union-attr]
        await expect(page.locator("table.cases").get_by_role("link", name=code, exact=True)).to_be_visible()
        await page.screenshot(path=out / "inbox-live.png")
        await page.goto(f"/console/cases/{code}")
        await page.screenshot(path=out / "case-urgent.png", full_page=True)
        if await page.get_by_label("Tìm đơn vị").count():
            await page.get_by_label("Tìm đơn vị").fill("nong dan")
            await page.get_by_label("Chuyển đơn vị khác").evaluate("s => s.size = 8")
            await page.get_by_label("Tìm đơn vị").scroll_into_view_if_needed()
            await page.screenshot(path=out / "reassign.png")
    finally:
        await context.close()
    phone = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = await phone.new_page()
        await log_in(page, "congdoan.bacninh", passwords["congdoan.bacninh"])
        await page.screenshot(path=out / "inbox-390.png")
    finally:
        await phone.close()


async def main(out: Path) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="langnghe-shots-") as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'langnghe.db'}",
                            config_path=ROOT / "config.yml", secret_key="screenshots-secret-" + "x" * 32,
                            demo=True, telegram_bot_token=None, media_dir=Path(tmp) / "media", _env_file=None)
        runtime = await build_runtime(settings)
        passwords = {login.username: login.password for login in runtime.demo_logins}
        async with live_server(create_app(runtime)) as base_url, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                await chat(browser, base_url, out)
                await console(browser, base_url, out, passwords)
            finally:
                await browser.close()
        await runtime.core.db.dispose()
    for path in sorted(out.glob("*.png")):
        print(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "after")
    asyncio.run(main(parser.parse_args().out))
