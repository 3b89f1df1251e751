"""Screenshots of the moderators' and supervisors' pages (issue 9), from a throwaway database.

    .venv/bin/python scripts/screenshots_moderation.py [--out docs/screenshots]

A citizen reports unpaid wages with a phone number, another insults the bot; the demo moderator
opens the review queue (review.png) and the wage conversation with the NLU's reading and the masked
phone (transcript.png), corrects its domain (corrections.png); a Bắc Ninh supervisor sees the case
overdue first (supervise.png); the audit log shows the reveal (audit.png). Nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Page, async_playwright, expect  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.runtime import Runtime, build_runtime, create_app  # noqa: E402
from handlers import Inbound, InboundKind, Settings, create_staff, handle_inbound  # noqa: E402
from storage import Case, StaffRole  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.live import live_server  # noqa: E402

SUPERVISOR_PASSWORD = "giam-sat-demo-only"
expect.set_options(timeout=10_000)


async def chat(runtime: Runtime, user: str, steps: list[dict[str, object]]) -> None:
    for n, step in enumerate(steps):
        await handle_inbound(runtime.core, Inbound(channel="web", chat_id=user, user_id=user,
                                                   update_id=f"{user}-{n}", **step))  # type: ignore[arg-type]


async def stories(runtime: Runtime) -> str:
    consent: list[dict[str, object]] = [{"kind": InboundKind.TEXT, "text": "/start"},
                                        {"kind": InboundKind.BUTTON, "data": "consent:yes"}]
    await chat(runtime, "wage", consent + [
        {"kind": InboundKind.TEXT, "text": "công ty nợ lương 3 tháng, em ở Bắc Ninh, gọi em 0912345678"},
        {"kind": InboundKind.BUTTON, "data": "skip:commune"},
        {"kind": InboundKind.BUTTON, "data": "confirm:send"}])
    await chat(runtime, "rude", consent + [{"kind": InboundKind.TEXT, "text": "bot ngu vl, cút đi"}])
    await chat(runtime, "farm", consent + [
        {"kind": InboundKind.TEXT, "text": "thương lái ép giá vải thiều xuống 5 nghìn, nhà tôi ở Bắc Ninh"},
        {"kind": InboundKind.BUTTON, "data": "skip:commune"},
        {"kind": InboundKind.BUTTON, "data": "contact:chat"},
        {"kind": InboundKind.BUTTON, "data": "confirm:send"}])
    async with runtime.core.db.transaction() as session:
        case = await session.scalar(select(Case).where(Case.description.like("%nợ lương%")))
        assert case is not None, "the wage report was not filed"
        case.resolve_deadline = runtime.core.clock() - timedelta(hours=5)
        return case.code


async def log_in(page: Page, username: str, password: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(password)
    await page.get_by_role("button", name="Đăng nhập").click()


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
        await create_staff(runtime.core.db, "giamsat.bacninh", SUPERVISOR_PASSWORD, "Giám sát Bắc Ninh",
                           StaffRole.SUPERVISOR, province="Bắc Ninh")
        code = await stories(runtime)
        async with live_server(create_app(runtime)) as base_url, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = await browser.new_context(base_url=base_url, locale="vi-VN",
                                                    viewport={"width": 1280, "height": 800})
                page = await context.new_page()
                await log_in(page, "kiemduyet", passwords["kiemduyet"])
                await page.goto("/console/review")
                await expect(page.locator("table.review")).to_be_visible()
                await page.screenshot(path=out / "review.png")
                await page.goto(f"/console/review/cases/{code}")
                await expect(page.locator(".nlu-reading")).to_be_visible()
                await page.screenshot(path=out / "transcript.png", full_page=True)
                reading = page.locator(".nlu-reading").first
                await reading.get_by_text("Xem số điện thoại").click()
                await reading.get_by_label("Lý do xem số điện thoại").fill("Gọi lại xác minh nội dung phản ánh")
                await reading.get_by_role("button", name="Xem").click()
                await page.goto(f"/console/review/cases/{code}")
                await page.get_by_label("Sửa lĩnh vực").select_option("youth")
                await page.locator("form[action$='/domain']").get_by_label("Lý do").fill("Người lao động 16 tuổi")
                await page.get_by_role("button", name="Sửa lĩnh vực").click()
                await page.goto("/console/corrections")
                await page.screenshot(path=out / "corrections.png")
                await page.goto("/console/audit")
                await page.screenshot(path=out / "audit.png")
                await context.close()
                context = await browser.new_context(base_url=base_url, locale="vi-VN",
                                                    viewport={"width": 1280, "height": 800})
                page = await context.new_page()
                await log_in(page, "giamsat.bacninh", SUPERVISOR_PASSWORD)
                await page.goto("/console/supervise")
                await expect(page.locator("table.supervised")).to_be_visible()
                await page.screenshot(path=out / "supervise.png")
                await context.close()
            finally:
                await browser.close()
        await runtime.core.db.dispose()
    for name in ("review.png", "transcript.png", "corrections.png", "audit.png", "supervise.png"):
        print(out / name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    asyncio.run(main(parser.parse_args().out))
