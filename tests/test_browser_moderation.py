"""Issue 9 in a real Chromium: a moderator works the review queue (flagged chat, transcript with the
NLU's reading, masked phone revealed with a reason, audit log, domain correction accepted, retrain
promoted), a supervisor handles an overdue case, a citizen deletes their data in the chat page.

Same module-wide event loop as tests/test_browser.py (Playwright objects belong to their loop).
"""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

import nlu
from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings, create_staff
from handlers import model_registry as registry
from storage import Case, StaffRole
from tests.clients import WebCitizen
from tests.live import live_server
from tests.test_browser import WAIT_MS, bot_says, log_in, press
from tests.test_model_registry import HOLDOUT, TINY, _yaml
from tests.test_webchat_flow import report_wage_case

pytestmark = pytest.mark.asyncio(loop_scope="module")
CODE = re.compile(r"LN-\w{6}")
RETRAIN_MS = 120_000   # a tiny model: training and two evaluations in subprocesses



@pytest_asyncio.fixture(loop_scope="module")
async def runtime(settings: Settings, nlu_port: NluPort) -> AsyncIterator[Runtime]:
    rt = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    yield rt
    await rt.core.db.dispose()


@pytest.fixture
def tiny_paths(tmp_path: Path) -> registry.ModelPaths:
    """Retraining from the console learns from a tiny dataset of our own, so the test takes seconds."""
    data = tmp_path / "data"
    data.mkdir()
    for label, texts in TINY.items():
        (data / f"{label}.yml").write_text(_yaml(label, texts), encoding="utf-8")
    holdout = tmp_path / "holdout.jsonl"
    holdout.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in HOLDOUT),
                       encoding="utf-8")
    nlu.train(data, tmp_path / "base.bin")
    return registry.ModelPaths(data, tmp_path / "models", holdout, tmp_path / "base.bin")


@pytest_asyncio.fixture(loop_scope="module")
async def live_app(runtime: Runtime, tiny_paths: registry.ModelPaths) -> AsyncIterator[str]:
    app = create_app(runtime)
    app.state.model_paths = tiny_paths
    async with live_server(app) as base_url:
        yield base_url


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, live_app: str) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=live_app, locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield await context.new_page()
    await context.close()


async def _phone_case(live_app: str) -> str:
    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh, gọi em 0912345678")
        await citizen.press("skip:commune")
        await citizen.say("0912345678")
        await citizen.press("confirm:send")
        return CODE.search((await citizen.wait_for("Mã tra cứu"))["text"]).group(0)  # type: ignore[union-attr]


async def test_a_moderator_works_the_queue_reveals_with_a_reason_corrects_and_retrains(page: Page, live_app: str) -> None:
    code = await _phone_case(live_app)
    async with WebCitizen(live_app) as rude:
        await rude.say("/start")
        await rude.press("consent:yes")
        await rude.say("đồ ngu, cút đi")

    await log_in(page, "kiemduyet", "demo-moderator")
    await page.get_by_role("link", name="Duyệt hội thoại").click()
    await page.locator("nav.filters").get_by_role("link", name="Gắn cờ", exact=True).click()
    rows = page.locator("table.review tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Gắn cờ")
    await rows.get_by_role("link").click()
    await expect(page.locator(".transcript li.msg.in").filter(has_text="đồ ngu, cút đi")).to_have_count(1)
    await expect(page.locator(".events")).to_contain_text("Tự động gắn cờ")
    await page.get_by_label("Ghi chú duyệt (lý do)").fill("Lời lẽ thô tục với bot, không cần xử lý")
    await page.get_by_role("button", name="Đánh dấu đã duyệt").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Đã duyệt")
    await page.goto("/console/review?flag=flagged")
    await expect(page.locator("p.empty")).to_be_visible()

    # the wage case: the NLU's reading, the phone masked, revealed once with a reason
    await page.goto(f"/console/review/cases/{code}")
    reading = page.locator(f".nlu-reading[data-case='{code}']")
    await expect(reading.locator(".nlu-label")).to_have_text("Công đoàn")
    await expect(reading.locator("ol.ranking li").first).to_contain_text("Công đoàn")
    await expect(page.locator("main")).not_to_contain_text("0912345678")
    await reading.get_by_text("Xem số điện thoại").click()
    await reading.get_by_label("Lý do xem số điện thoại").fill("Cần gọi xác minh nội dung phản ánh")
    await reading.get_by_role("button", name="Xem").click()
    await expect(page.locator(".revealed")).to_have_text("0912345678")
    await page.goto("/console/audit?kind=revealed")
    audit = page.locator("table.audit tbody tr")
    await expect(audit).to_have_count(1)
    await expect(audit).to_contain_text("Cần gọi xác minh nội dung phản ánh")
    await expect(audit).to_contain_text("kiemduyet")
    await expect(audit).to_contain_text(code)

    # a domain correction lands in the corrections queue; accepted; a retrain is promoted
    await page.goto(f"/console/review/cases/{code}")
    await page.get_by_label("Sửa lĩnh vực").select_option("youth")
    await page.locator("form[action$='/domain']").get_by_label("Lý do").fill("Người lao động 16 tuổi học nghề")
    await page.get_by_role("button", name="Sửa lĩnh vực").click()
    await expect(page.locator(".nlu-reading")).to_contain_text("Đoàn Thanh niên")
    await page.get_by_role("link", name="Sửa nhãn & mô hình").click()
    queued = page.locator("table.corrections tbody tr").filter(has_text=code)
    await expect(queued).to_contain_text("Đoàn Thanh niên")
    await queued.get_by_role("button", name="Chấp nhận").click()
    await expect(page.locator("table.corrections")).to_have_count(0)
    await page.get_by_role("button", name="Huấn luyện lại với các sửa nhãn đã chấp nhận").click()
    await expect(page.locator("pre.progress")).to_be_visible()
    await expect(page.locator(".model-status")).to_have_text("Đang dùng", timeout=RETRAIN_MS)
    await expect(page.locator("table.compare tbody tr")).to_have_count(7)   # six labels and macro-F1
    await expect(page.locator(".verdict")).to_contain_text("đã đưa vào sử dụng")
    await expect(page.locator("pre.progress")).to_contain_text("wrote")


async def test_a_supervisor_sees_the_overdue_case_first_and_extends_it(page: Page, live_app: str,
                                                                      runtime: Runtime) -> None:
    await create_staff(runtime.core.db, "giamsat.bacninh", "supervisor-pass", "Giám sát Bắc Ninh",
                       StaffRole.SUPERVISOR, province="Bắc Ninh")
    async with WebCitizen(live_app) as citizen:
        late = await report_wage_case(citizen)
    async with WebCitizen(live_app) as citizen:
        await report_wage_case(citizen)
    async with runtime.core.db.transaction() as session:
        case = await session.scalar(select(Case).where(Case.code == late))
        assert case is not None
        case.resolve_deadline = runtime.core.clock() - timedelta(hours=3)

    await log_in(page, "giamsat.bacninh", "supervisor-pass")
    await page.get_by_role("link", name="Giám sát").click()
    rows = page.locator("table.supervised tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_have_attribute("data-code", late)
    await expect(rows.first).to_contain_text("Quá hạn")
    first = rows.first
    await first.get_by_text("Gia hạn / chuyển / đẩy lên").click()
    await first.get_by_label("Gia hạn thêm (ngày)").fill("7")
    await first.get_by_label("Lý do gia hạn").fill("Công ty hẹn trả lương vào tuần sau")
    await first.get_by_role("button", name="Gia hạn").click()
    await expect(page.locator("table.supervised tbody tr").filter(has_text="Quá hạn")).to_have_count(0)
    await expect(page.locator(f"tr[data-code='{late}']")).to_be_visible()


async def test_a_citizen_deletes_their_data_in_the_chat_page(browser: Browser, live_app: str) -> None:
    context = await browser.new_context(base_url=live_app, locale="vi-VN", viewport={"width": 480, "height": 900})
    context.set_default_timeout(WAIT_MS)
    chat = await context.new_page()
    try:
        await chat.goto("/chat")
        await press(bot_says(chat, "Nghị định 13/2023"), "Đồng ý")
        box = chat.get_by_role("textbox", name="Tin nhắn")
        await box.fill("/dulieu")
        await box.press("Enter")
        await expect(bot_says(chat, "Dữ liệu chúng tôi đang lưu về bạn")).to_be_visible()
        await box.fill("xóa dữ liệu của tôi")
        await box.press("Enter")
        await press(bot_says(chat, "không thể khôi phục"), "Xóa dữ liệu của tôi")
        await expect(bot_says(chat, "Đã xóa dữ liệu cá nhân của bạn")).to_be_visible()
        # the erased press keeps no value, yet the question it answered must not come back to life
        asked = bot_says(chat, "không thể khôi phục").locator(".choices").get_by_role("button", name="Xóa dữ liệu của tôi")
        await expect(asked).to_be_disabled()
    finally:
        await context.close()
