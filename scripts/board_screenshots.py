"""Screenshots of the public board and map on a 390-pixel phone (issue 10), from a throwaway database.

    .venv/bin/python scripts/board_screenshots.py [--out docs/screenshots]

Files about 60 reports of our own wording through the Open311 intake (the same NLU, routing and
deadlines as the chat), marks some resolved, rated and answered directly in the database so the
figures have something to show (synthetic demo data, nobody real), refreshes the board and saves
board.png and map.png (a province's popup open). The browser only talks to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright, expect  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.runtime import Runtime, build_runtime, create_app  # noqa: E402
from handlers import Settings  # noqa: E402
from handlers.open311 import NewRequest, file_request  # noqa: E402
from storage import Case, CaseEvent, CaseStatus  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.live import live_server  # noqa: E402

REPORTS = [
    ("union", "Công ty nợ lương công nhân hai tháng nay", ("Bắc Ninh", "TP Hồ Chí Minh", "Đồng Nai", "Hải Phòng")),
    ("union", "Xưởng không đóng bảo hiểm xã hội cho người lao động", ("Bắc Ninh", "Đồng Nai")),
    ("farmer", "Thương lái ép giá lúa, bà con bán không được", ("An Giang", "Cần Thơ", "Đồng Tháp")),
    ("farmer", "Kênh thủy lợi bị bồi lấp, ruộng thiếu nước tưới", ("Thanh Hóa", "Nghệ An")),
    ("women", "Hàng xóm thường xuyên đánh vợ, chị ấy không dám báo", ("Hà Nội", "Gia Lai")),
    ("youth", "Học phí trường tăng quá cao so với năm ngoái", ("Hà Nội", "Đà Nẵng")),
    ("veteran", "Đường xóm hỏng nặng, đèn đường tắt cả tháng", ("Huế", "Quảng Trị")),
    ("other", "Nhà máy xả nước thải ra sông gây ô nhiễm, mùi hôi", ("Quảng Ngãi", "Khánh Hòa", "Lâm Đồng")),
]


async def seed(runtime: Runtime) -> None:
    rng = random.Random(10)
    codes = []
    for domain, text, provinces in REPORTS:
        for province in provinces:
            for _ in range(rng.randint(3, 9)):
                filed = await file_request(runtime.core, NewRequest(client="demo", service_code=domain,
                                                                    description=text, address_string=province))
                codes.append(filed.code)
    async with runtime.core.db.transaction() as session:
        for case in (await session.scalars(select(Case).where(Case.code.in_(codes)))).all():
            case.created_at -= timedelta(days=rng.uniform(0, 80))
            session.add(CaseEvent(case_id=case.id, kind="staff_reply", actor="staff:demo",
                                  created_at=case.created_at + timedelta(hours=rng.uniform(1, 30))))
            if rng.random() < 0.7:
                case.status = CaseStatus.RESOLVED
                case.resolved_at = case.created_at + timedelta(days=rng.uniform(1, 20))
                case.rating = rng.choice((3, 4, 4, 5, 5))
    assert runtime.board is not None
    await runtime.board.refresh()


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="langnghe-board-") as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'langnghe.db'}",
                            config_path=ROOT / "config.yml", secret_key="screenshots-secret-" + "x" * 32,
                            demo=False, telegram_bot_token=None, media_dir=Path(tmp) / "media", _env_file=None)
        runtime = await build_runtime(settings)
        await seed(runtime)
        async with live_server(create_app(runtime)) as base_url, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page(base_url=base_url, viewport={"width": 390, "height": 844})
                await page.goto("/cong-khai?period=12w")
                await page.screenshot(path=str(out / "board.png"), full_page=True)
                await page.goto("/cong-khai/ban-do?period=12w")
                await expect(page.locator("#map[data-ready='1']")).to_be_attached()
                await page.locator('path[data-province="Bắc Ninh"]').click()
                await expect(page.locator(".province-popup")).to_be_visible()
                await page.wait_for_timeout(1000)  # the popup pans the map into view
                await page.locator("main").screenshot(path=str(out / "map.png"))
            finally:
                await browser.close()
        await runtime.core.db.dispose()
    print(out / "board.png", out / "map.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    asyncio.run(main(parser.parse_args().out))
