"""Documentation screenshots of the real pages, made by driving the story in Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts the whole system the way the tests do (a throwaway SQLite database, the repository's config.yml,
demo logins, the NLU model loaded or trained as `langnghe run` would), then: a citizen reports unpaid
wages in Bắc Ninh through the web chat, the Bắc Ninh trade-union staff open the case and reply, and the
reply reaches the citizen's page. Saves chat.png (390x844, a phone), inbox.png and case.png (1280x800).
Then a Zalo citizen in TP Hồ Chí Minh sends a photo and shares a location; the Front's desk there
opens the case: case-photo.png shows the thumbnail and the place the location gave.
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

from bot.runtime import Runtime, build_runtime, create_app  # noqa: E402
from handlers import Settings  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.live import live_server  # noqa: E402

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
    citizen_ctx = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 390, "height": 844})
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


def demo_photo() -> bytes:
    """A made-up picture (a canal bank with heaps of rubbish), drawn here: no real photo is shipped."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (150, 190, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 960, 640), fill=(70, 110, 90))
    draw.rectangle((0, 300, 960, 380), fill=(120, 100, 70))
    for x, y, r, colour in ((160, 330, 60, (90, 90, 90)), (380, 340, 80, (200, 60, 50)), (640, 320, 70, (60, 60, 150))):
        draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class DemoPhotos:
    channel = "zalo"

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        return demo_photo()


async def zalo_photo_case(runtime: Runtime) -> str:
    """A citizen on Zalo: consent, a photo, the story, a shared location, contact, send."""
    from bot.media_fetch import fetch_due_photos
    from handlers import Inbound, InboundKind, handle_inbound

    user = "a1b2c3d4e5f60718293a"
    steps: list[dict[str, object]] = [
        {"kind": InboundKind.TEXT, "text": "/start"},
        {"kind": InboundKind.BUTTON, "data": "consent:yes"},
        {"kind": InboundKind.UNSUPPORTED, "text": "image", "photo": "https://example.invalid/photo.jpg"},
        {"kind": InboundKind.TEXT, "text": "rác thải đổ trộm ven kênh cạnh nhà tôi cả tháng nay, bốc mùi hôi thối, "
                                           "ruồi muỗi nhiều, mong phường cho người dọn"},
        {"kind": InboundKind.LOCATION, "latitude": 10.7769, "longitude": 106.7009},
        {"kind": InboundKind.BUTTON, "data": "contact:chat"},
        {"kind": InboundKind.BUTTON, "data": "confirm:send"},
    ]
    for n, step in enumerate(steps):
        await handle_inbound(runtime.core, Inbound(channel="zalo", chat_id=user, user_id=user,
                                                   update_id=f"shot-{n}", **step))  # type: ignore[arg-type]
    await fetch_due_photos(runtime.core, DemoPhotos(), runtime.media)
    async with runtime.core.db.sessions() as session:
        from sqlalchemy import select

        from storage import Case

        case = await session.scalar(select(Case).where(Case.channel == "zalo"))
    assert case is not None, "the Zalo report was not filed"
    return case.code


async def photo_case_page(browser: Browser, base_url: str, out: Path, code: str, password: str) -> None:
    context = await browser.new_context(base_url=base_url, locale="vi-VN", viewport={"width": 1280, "height": 800})
    try:
        staff = await context.new_page()
        await staff.goto("/login")
        await staff.get_by_label("Tên đăng nhập").fill("mattran.hcm")
        await staff.get_by_label("Mật khẩu").fill(password)
        await staff.get_by_role("button", name="Đăng nhập").click()
        await staff.goto(f"/console/cases/{code}")
        await expect(staff.locator(".photos img")).to_be_visible()
        await staff.screenshot(path=out / "case-photo.png", full_page=True)
    finally:
        await context.close()


async def main(out: Path) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="langnghe-shots-") as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'langnghe.db'}",
                            config_path=ROOT / "config.yml", secret_key="screenshots-secret-" + "x" * 32,
                            demo=True, telegram_bot_token=None, media_dir=Path(tmp) / "media", _env_file=None)
        runtime = await build_runtime(settings)
        async with live_server(create_app(runtime)) as base_url, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                passwords = {login.username: login.password for login in runtime.demo_logins}
                await drive(browser, base_url, out, passwords[STAFF])
                code = await zalo_photo_case(runtime)
                await photo_case_page(browser, base_url, out, code, passwords["mattran.hcm"])
            finally:
                await browser.close()
    for name in ("chat.png", "inbox.png", "case.png", "case-photo.png"):
        print(out / name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    asyncio.run(main(parser.parse_args().out))
