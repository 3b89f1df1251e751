"""Documentation screenshots of the real pages, made by driving the story in Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts the whole system the way the tests do (a throwaway SQLite database, the repository's config.yml,
demo logins, the NLU model loaded or trained as `langnghe run` would), then: a citizen reports unpaid
wages in Bắc Ninh through the web chat, the Bắc Ninh trade-union staff open the case and reply, and the
reply reaches the citizen's page. Saves chat.png (480x900), inbox.png and case.png (1280x800).
Nothing leaves the machine: the browser only talks to 127.0.0.1.
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
from tests.live import live_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")
STAFF = "congdoan.bacninh"  # a demo login; its random password comes from the runtime
PROBLEM = "công ty nợ lương 3 tháng, em ở Bắc Ninh"
REPLY = "Chúng tôi đã liên hệ công ty, tuần sau trả lời."

expect.set_options(timeout=10_000)


async def press(page: Page, after: str, label: str) -> None:
    """Wait for the bot message containing `after`, then press its button `label`."""
    message = page.locator("#log .msg.out").filter(has_text=after)
    await message.locator(".choices").get_by_role("button", name=label, exact=True).click()


async def citizen_reports(page: Page) -> str:
    await page.goto("/chat")
    await press(page, "Nghị định 13/2023", "Đồng ý")
    await expect(page.locator("#log .msg.out").filter(has_text="Bạn hãy kể vấn đề")).to_be_visible()
    box = page.get_by_role("textbox", name="Tin nhắn")
    await box.fill(PROBLEM)
    await box.press("Enter")
    await press(page, "xã/phường nào của Bắc Ninh", "Bỏ qua")
    await press(page, "liên hệ với bạn thế nào", "Nhắn qua đây")
    await press(page, "Gửi phản ánh này?", "Gửi")
    created = page.locator("#log .msg.out").filter(has_text="Mã tra cứu")
    await expect(created).to_have_text(CODE)
    match = CODE.search(await created.inner_text())
    assert match, "no tracking code shown"
    return match.group(0)


async def drive(browser: Browser, base_url: str, out: Path, password: str) -> None:
    citizen_ctx = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 480, "height": 900})
    staff_ctx = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 1280, "height": 800})
    try:
        citizen = await citizen_ctx.new_page()
        code = await citizen_reports(citizen)
        print(f"case {code} created")

        staff = await staff_ctx.new_page()
        await staff.goto("/login")
        await staff.get_by_label("Tên đăng nhập").fill(STAFF)
        await staff.get_by_label("Mật khẩu").fill(password)
        await staff.get_by_role("button", name="Đăng nhập").click()
        await expect(staff.locator("table.cases").get_by_role("link", name=code, exact=True)).to_be_visible()
        await staff.screenshot(path=out / "inbox.png")

        await staff.locator("table.cases").get_by_role("link", name=code, exact=True).click()
        await expect(staff.locator(".transcript")).to_contain_text(PROBLEM)
        await staff.get_by_label("Trả lời người dân").fill(REPLY)
        await staff.get_by_role("button", name="Gửi trả lời").click()
        await expect(staff.locator(".transcript li.msg.staff")).to_contain_text(REPLY)
        await staff.screenshot(path=out / "case.png", full_page=True)

        await expect(citizen.locator("#log .msg.out").filter(has_text=REPLY)).to_be_visible()
        await citizen.evaluate("document.getElementById('log').scrollTop = 1e9")
        await citizen.screenshot(path=out / "chat.png")
    finally:
        await citizen_ctx.close()
        await staff_ctx.close()


async def main(out: Path) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="langnghe-shots-") as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'langnghe.db'}",
                            config_path=ROOT / "config.yml", secret_key="screenshots-secret-" + "x" * 32,
                            demo=True, telegram_bot_token=None, _env_file=None)
        runtime = await build_runtime(settings)
        async with live_server(create_app(runtime)) as base_url, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                password = next(login.password for login in runtime.demo_logins if login.username == STAFF)
                await drive(browser, base_url, out, password)
            finally:
                await browser.close()
    for name in ("chat.png", "inbox.png", "case.png"):
        print(out / name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    asyncio.run(main(parser.parse_args().out))
