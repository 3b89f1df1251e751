"""Zalo Bot API: a citizen reports, answers by number or words, hears back and rates, on the
real adapter against the strict local fake of the Zalo Bot API (polling and webhook)."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.runtime import Runtime, build_runtime, create_app
from bot.text_only import numbered_text, split_utf16
from handlers import Button, NluPort, Outgoing, Settings, command_alias, match_choice
from tests.clients import StaffApi
from tests.fakes.zalo_bot_api import FakeZaloBotServer, utf16_len
from tests.live import live_server
from tests.zalo_citizens import ZALO_WEBHOOK_SECRET as SECRET
from tests.zalo_citizens import ZaloCitizen

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")
CITIZEN = "a1b2c3d4e5f60718293a"


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZaloBotServer]:
    async with FakeZaloBotServer() as server:
        yield server


async def _zalo_app(settings: Settings, nlu_port: NluPort, server: FakeZaloBotServer, **extra: Any
                    ) -> tuple[Runtime, Any]:
    configured = settings.model_copy(update={"zalo_bot_token": server.token, "zalo_api_base_url": server.base_url,
                                              **extra})
    runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
    return runtime, live_server(create_app(runtime))


@pytest.fixture
async def zalo_polling_app(settings: Settings, nlu_port: NluPort, fake_zalo: FakeZaloBotServer
                           ) -> AsyncIterator[str]:
    runtime, server = await _zalo_app(settings, nlu_port, fake_zalo)
    async with server as base_url:
        yield base_url
    await runtime.core.db.dispose()


@pytest.fixture
async def zalo_webhook_app(settings: Settings, nlu_port: NluPort, fake_zalo: FakeZaloBotServer
                           ) -> AsyncIterator[str]:
    runtime, server = await _zalo_app(settings, nlu_port, fake_zalo, zalo_mode="webhook",
                                      zalo_webhook_secret=SECRET, public_url="https://langnghe.example.vn")
    async with server as base_url:
        yield base_url
    await runtime.core.db.dispose()


async def report_on_zalo(citizen: ZaloCitizen) -> str:
    await citizen.say("/start")
    consent = await citizen.wait_for("Nghị định 13/2023")
    assert "1. Đồng ý" in consent["text"] and "2. Không đồng ý" in consent["text"]
    await citizen.say("1")
    await citizen.wait_for("kể vấn đề")
    mark = len(citizen.received)
    await citizen.say("cty no luong 3 thang roi, em o Bac Ninh")
    await citizen.wait_for("xã/phường nào của Bắc Ninh", after=mark)
    await citizen.say("bỏ qua")
    await citizen.wait_for("liên hệ với bạn", after=mark)
    mark = len(citizen.received)
    await citizen.say("0912 345 678")
    summary = await citizen.wait_for("Gửi phản ánh này?", after=mark)
    assert "Công đoàn tỉnh Bắc Ninh" in summary["text"] and "1. Gửi" in summary["text"]
    await citizen.say("gửi")
    created = await citizen.wait_for("Mã tra cứu", after=mark)
    match = CODE.search(created["text"])
    assert match
    return match.group(0)


async def test_polling_citizen_reports_hears_back_and_rates(zalo_polling_app: str,
                                                           fake_zalo: FakeZaloBotServer) -> None:
    citizen = ZaloCitizen(fake_zalo, CITIZEN)
    code = await report_on_zalo(citizen)
    mark = len(citizen.received)
    await citizen.say(f"tra cứu {code}")
    await citizen.wait_for(f"Hồ sơ {code}", after=mark)

    staff = await StaffApi(zalo_polling_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        assert (await staff.act(code, "reply", text="Chúng tôi đã liên hệ công ty.")).status_code == 200
        await citizen.wait_for("Chúng tôi đã liên hệ công ty.", after=mark)
        assert (await staff.act(code, "resolve", text="Công ty đã trả lương.")).status_code == 200
        resolved = await citizen.wait_for("Công ty đã trả lương", after=mark)
        assert "1 · 2 · 3 · 4 · 5" in resolved["text"]
        await citizen.say("5 sao")
        await citizen.wait_for("5/5", after=mark)
        assert next(c for c in await staff.cases() if c["code"] == code)["rating"] == 5
    finally:
        await staff.aclose()
    assert fake_zalo.rejected == []
    assert fake_zalo.max_open_polls == 1
    assert all(utf16_len(m["text"]) <= 2000 for m in fake_zalo.sent)


async def test_webhook_citizen_reports_and_duplicates_are_answered_once(
        zalo_webhook_app: str, fake_zalo: FakeZaloBotServer) -> None:
    assert fake_zalo.webhook is not None
    assert (fake_zalo.webhook["url"], fake_zalo.webhook["secret_token"]) == (
        "https://langnghe.example.vn/zalo/webhook", SECRET)
    hook = f"{zalo_webhook_app}/zalo/webhook"
    citizen = ZaloCitizen(fake_zalo, CITIZEN, webhook=hook)
    code = await report_on_zalo(citizen)
    assert CODE.fullmatch(code)

    sent_before = len(fake_zalo.sent)
    update = fake_zalo.event(CITIZEN, text="/help")
    async with httpx.AsyncClient() as http:
        wrapped = {"ok": True, "result": update}   # the documented shape; the same event again, flat
        for body in (wrapped, update):
            answer = await http.post(hook, json=body, headers={"X-Bot-Api-Secret-Token": SECRET})
            assert answer.status_code == 200
    await citizen.wait_for("/status", after=sent_before)
    await asyncio.sleep(0.5)
    assert len(fake_zalo.sent) == sent_before + 1
    assert fake_zalo.rejected == []


@pytest.mark.parametrize("headers, body, expected", [
    ({}, {"event_name": "message.text.received"}, 403),
    ({"X-Bot-Api-Secret-Token": "wrong-secret-123"}, {"event_name": "message.text.received"}, 403),
    ({"X-Bot-Api-Secret-Token": SECRET}, b"not json", 400),
    ({"X-Bot-Api-Secret-Token": SECRET}, b'{"text": "\\ud800"}', 400),
    ({"X-Bot-Api-Secret-Token": SECRET}, [1, 2], 400),
    ({"X-Bot-Api-Secret-Token": SECRET}, {"ok": True, "result": {"message": {}}}, 400),
    ({"X-Bot-Api-Secret-Token": SECRET}, {"event_name": "user.joined.someday"}, 200),
    ({"X-Bot-Api-Secret-Token": SECRET}, {"event_name": "message.unsupported.received"}, 200),
])
async def test_webhook_refuses_strangers_and_tolerates_what_zalo_really_sends(
        zalo_webhook_app: str, fake_zalo: FakeZaloBotServer, headers: dict[str, str], body: Any,
        expected: int) -> None:
    async with httpx.AsyncClient() as http:
        kwargs: dict[str, Any] = {"content": body} if isinstance(body, bytes) else {"json": body}
        answer = await http.post(f"{zalo_webhook_app}/zalo/webhook", headers=headers, **kwargs)
    assert answer.status_code == expected
    assert fake_zalo.sent == []


async def test_group_events_are_ignored_and_stickers_and_photos_answered(
        zalo_webhook_app: str, fake_zalo: FakeZaloBotServer) -> None:
    hook = f"{zalo_webhook_app}/zalo/webhook"
    headers = {"X-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient() as http:
        group = fake_zalo.event(CITIZEN, chat_type="GROUP", text="bot ơi")
        assert (await http.post(hook, json=group, headers=headers)).status_code == 200
        await asyncio.sleep(0.3)
        assert fake_zalo.sent == []
        sticker = fake_zalo.event(CITIZEN, "message.sticker.received", sticker="d063f44dc80821567819")
        assert (await http.post(hook, json=sticker, headers=headers)).status_code == 200
    await fake_zalo.wait_for_text(CITIZEN, "")   # a sticker gets an answer
    mark = len(fake_zalo.messages_to(CITIZEN))
    async with httpx.AsyncClient() as http:
        photo = fake_zalo.event(CITIZEN, "message.image.received", photo_url="https://example.test/p.jpg",
                                caption="/help")
        assert (await http.post(hook, json=photo, headers=headers)).status_code == 200
    await fake_zalo.wait_for_text(CITIZEN, "/status", after=mark)


async def test_polling_survives_an_unreachable_api_and_resumes(settings: Settings, nlu_port: NluPort,
                                                             fake_zalo: FakeZaloBotServer) -> None:
    fake_zalo.fail_next.append(("getUpdates", 502, "Bad Gateway"))
    runtime, server = await _zalo_app(settings, nlu_port, fake_zalo)
    async with server:
        citizen = ZaloCitizen(fake_zalo, CITIZEN)
        await citizen.say("/help")
        await citizen.wait_for("/status")
    await runtime.core.db.dispose()
    assert fake_zalo.rejected == []


@pytest.mark.parametrize("text, expected", [
    ("1", "consent:yes"), (" 2 ", "consent:no"), ("đồng ý", "consent:yes"), ("Dong y", "consent:yes"),
    ("không đồng ý", "consent:no"), ("3", None), ("0", None), ("đồng ý nhưng", None), ("", None),
])
def test_numbered_and_worded_answers_match_the_offered_choices(text: str, expected: str | None) -> None:
    choices = [Button("Đồng ý", "consent:yes"), Button("Không đồng ý", "consent:no")]
    assert match_choice(text, choices) == expected


@pytest.mark.parametrize("text, expected", [
    ("5 sao", "rate:LN-ABC234:5"), ("chọn 4", "rate:LN-ABC234:4"), ("5⭐", "rate:LN-ABC234:5"),
    ("6 sao", None),
])
def test_ratings_by_number(text: str, expected: str | None) -> None:
    choices = [Button(str(n), f"rate:LN-ABC234:{n}") for n in range(1, 6)]
    assert match_choice(text, choices) == expected


@pytest.mark.parametrize("text, expected", [
    ("tra cứu LN-ABC234", "/status LN-ABC234"), ("Tra cuu ln-abc234", "/status LN-ABC234"),
    ("tra cứu LNABC234", "/status LN-ABC234"), ("tra cứu giúp em", "tra cứu giúp em"),
])
def test_lookup_in_words(text: str, expected: str) -> None:
    assert command_alias(text) == expected


def test_long_replies_split_on_line_breaks_in_utf16_units() -> None:
    paragraph = "Nội dung phản hồi của cán bộ 😀 " * 20   # each emoji is two UTF-16 units
    text = "\n".join([paragraph] * 8)
    chunks = split_utf16(text, 2000)
    assert len(chunks) > 1 and all(utf16_len(c) <= 2000 for c in chunks)
    assert "".join(c.replace("\n", "") for c in chunks).replace(" ", "") == text.replace("\n", "").replace(" ", "")
    item = Outgoing(1, 1, "zalo", "c", "Chọn một:", ((Button("Gửi", "confirm:send"),), (Button("Hủy", "x"),)))
    assert numbered_text(item) == "Chọn một:\n\n1. Gửi\n2. Hủy"


async def test_a_photo_on_zalo_is_fetched_and_goes_with_the_case(zalo_polling_app: str,
                                                                 fake_zalo: FakeZaloBotServer) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 80, 160)).save(buffer, "JPEG")
    citizen = ZaloCitizen(fake_zalo, CITIZEN)
    await citizen.say("/start")
    await citizen.wait_for("1. Đồng ý")
    await citizen.say("1")
    await citizen.wait_for("kể vấn đề")
    mark = len(citizen.received)
    fake_zalo.user_sends_photo(CITIZEN, buffer.getvalue())
    await citizen.wait_for("đã nhận ảnh", after=mark)
    await citizen.say("cống thoát nước trước nhà tôi ở Cần Thơ bị vỡ, nước thải tràn ra đường cả tuần nay")
    await citizen.wait_for("xã/phường nào", after=mark)
    await citizen.say("bỏ qua")
    await citizen.wait_for("liên hệ với bạn", after=mark)
    await citizen.say("2")
    await citizen.wait_for("Gửi phản ánh này?", after=mark)
    await citizen.say("gửi")
    code = CODE.search((await citizen.wait_for("Mã tra cứu", after=mark))["text"])
    assert code
    staff = await StaffApi(zalo_polling_app).login("mattran.hcm", "demo-hcm")   # a moderator-free check below
    admin = await StaffApi(zalo_polling_app).login("kiemduyet", "demo-moderator")
    try:
        for _ in range(200):
            page = (await admin.http.get(f"/console/cases/{code.group(0)}")).text
            if "(ẩn: dữ liệu cá nhân)" in page:   # stored: the moderator sees that there is a photo
                break
            await asyncio.sleep(0.05)
        assert "Ảnh 1 (ẩn: dữ liệu cá nhân)" in page
        assert (await staff.http.get(f"/console/cases/{code.group(0)}")).status_code == 404   # not their unit
    finally:
        await staff.aclose()
        await admin.aclose()
    assert fake_zalo.rejected == []
