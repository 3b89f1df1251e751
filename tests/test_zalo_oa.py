"""Zalo Official Account: signed webhook events in, consultation messages out, tokens refreshed,
and a reply outside the 48-hour window kept and flagged instead of silently lost."""
from __future__ import annotations

import asyncio
import os
import re
import stat
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.runtime import Runtime, build_runtime, create_app
from bot.zalo_oa import OUTSIDE_WINDOW, TokenStore
from handlers import NluPort, Settings
from storage import OutboxItem, OutboxStatus
from tests.clients import StaffApi
from tests.fakes.zalo_oa_api import FakeZaloOaServer
from tests.live import live_server
from tests.zalo_citizens import OA_CITIZEN as CITIZEN
from tests.zalo_citizens import OaCitizen

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")


@pytest.fixture
async def fake_oa() -> AsyncIterator[FakeZaloOaServer]:
    async with FakeZaloOaServer() as server:
        yield server


@pytest.fixture
async def oa_runtime(settings: Settings, nlu_port: NluPort, fake_oa: FakeZaloOaServer, tmp_path: Path
                     ) -> AsyncIterator[Runtime]:
    config = tmp_path / "config.yml"
    config.write_text(Path(settings.config_path).read_text(encoding="utf-8"), encoding="utf-8")
    configured = settings.model_copy(update={
        "config_path": config, "zalo_oa_app_id": fake_oa.app_id, "zalo_oa_secret_key": fake_oa.oa_secret_key,
        "zalo_oa_app_secret": fake_oa.app_secret, "zalo_oa_access_token": fake_oa.access_token,
        "zalo_oa_refresh_token": fake_oa.refresh_token, "zalo_oa_api_base_url": fake_oa.base_url,
        "zalo_oa_oauth_base_url": fake_oa.base_url})
    runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
    yield runtime
    await runtime.core.db.dispose()


@pytest.fixture
async def oa_app(oa_runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(create_app(oa_runtime)) as base_url:
        yield base_url


async def report(citizen: OaCitizen) -> str:
    await citizen.say("Công ty nợ lương 3 tháng rồi, em ở Bắc Ninh")
    await citizen.wait_for("1. Đồng ý")
    mark = len(citizen.received)
    await citizen.say("đồng ý")
    await citizen.wait_for("xã/phường nào của Bắc Ninh", after=mark)
    await citizen.say("1")
    await citizen.wait_for("liên hệ với bạn", after=mark)
    await citizen.say("0912345678")
    await citizen.wait_for("Gửi phản ánh này?", after=mark)
    await citizen.say("1")
    created = await citizen.wait_for("Mã tra cứu", after=mark)
    match = CODE.search(created["text"])
    assert match
    return match.group(0)


async def test_oa_citizen_reports_and_staff_reply_arrives_after_a_token_refresh(
        oa_app: str, oa_runtime: Runtime, fake_oa: FakeZaloOaServer) -> None:
    citizen = OaCitizen(fake_oa, oa_app)
    code = await report(citizen)
    fake_oa.expire_access_token()
    staff = await StaffApi(oa_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        mark = len(citizen.received)
        assert (await staff.act(code, "reply", text="Cán bộ công đoàn sẽ gọi cho bạn.")).status_code == 200
        await citizen.wait_for("Cán bộ công đoàn sẽ gọi cho bạn.", after=mark)
    finally:
        await staff.aclose()
    assert fake_oa.refreshes == 1 and fake_oa.rejected == []
    token_file = Path(oa_runtime.settings.config_path).parent / "var" / "zalo_oa_tokens.json"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert TokenStore(token_file).load() == (fake_oa.access_token, fake_oa.refresh_token)


async def test_reply_after_48_hours_is_kept_and_marked_undelivered(
        oa_app: str, oa_runtime: Runtime, fake_oa: FakeZaloOaServer) -> None:
    citizen = OaCitizen(fake_oa, oa_app)
    code = await report(citizen)
    real_clock = oa_runtime.core.clock
    oa_runtime.core.clock = lambda: real_clock() + timedelta(hours=49)
    staff = await StaffApi(oa_app).login("congdoan.bacninh", "demo-bacninh")
    sent_before = len(citizen.received)
    try:
        assert (await staff.act(code, "reply", text="Chúng tôi đã xử lý xong.")).status_code == 200
        for _ in range(200):
            async with oa_runtime.core.db.transaction() as session:
                failed = (await session.scalars(select(OutboxItem).where(
                    OutboxItem.channel == "zalo_oa", OutboxItem.status == OutboxStatus.FAILED))).all()
            if failed:
                break
            await asyncio.sleep(0.05)
        assert failed and OUTSIDE_WINDOW in (failed[0].last_error or "")
        page = (await staff.http.get(f"/console/cases/{code}")).text   # staff are told, with the contact given
        assert "chưa đến được người dân" in page and "0912345678" in page and "quá 48 giờ" in page
    finally:
        await staff.aclose()
    assert len(citizen.received) == sent_before


@pytest.mark.parametrize("tamper, expected", [
    ("none", 200), ("wrong_secret", 403), ("wrong_app", 403), ("stale", 403), ("body_changed", 403),
])
async def test_webhook_signature(oa_app: str, fake_oa: FakeZaloOaServer, tamper: str, expected: int) -> None:
    old = int((time.time() - 3600) * 1000) if tamper == "stale" else None
    event = fake_oa.event(CITIZEN, text="/help", timestamp_ms=old)
    if tamper == "wrong_app":
        event["app_id"] = "999"
    raw, headers = fake_oa.sign(event, secret="not-the-secret" if tamper == "wrong_secret" else None)
    if tamper == "body_changed":
        raw = raw.replace(b"/help", b"/new!")
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{oa_app}/zalo-oa/webhook", content=raw, headers=headers)
    assert answer.status_code == expected


async def test_echoes_receipts_and_duplicates_are_not_answered_twice(oa_app: str, fake_oa: FakeZaloOaServer) -> None:
    citizen = OaCitizen(fake_oa, oa_app)
    for name in ("oa_send_text", "user_received_message", "user_seen_message", "follow", "some_new_event"):
        assert (await citizen.send(fake_oa.event(CITIZEN, name, text="/help"))).status_code == 200
    event = fake_oa.event(CITIZEN, text="/help")
    for _ in range(2):
        assert (await citizen.send(event)).status_code == 200
    await citizen.wait_for("/status")
    await asyncio.sleep(0.5)
    assert len(citizen.received) == 1
    async with httpx.AsyncClient() as http:
        assert (await http.post(f"{oa_app}/zalo-oa/webhook", content=b"{not json")).status_code == 400
