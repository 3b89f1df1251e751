"""The same story on Telegram: the real aiogram polling client against the local fake Bot API."""
from __future__ import annotations

import asyncio
import re

import pytest

from bot.runtime import Runtime
from tests.clients import StaffApi
from tests.fakes import FakeTelegramServer
from tests.telegram_citizen import TelegramCitizen

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")


async def report_on_telegram(citizen: TelegramCitizen) -> str:
    citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023")
    citizen.press("consent:yes")
    await citizen.wait_for("kể vấn đề")
    mark = len(citizen.received)
    citizen.say("cty no luong 3 thang roi, em o Bac Ninh")
    await citizen.wait_for("xã/phường nào của Bắc Ninh", after=mark)
    citizen.press("skip:commune")
    await citizen.wait_for("liên hệ với bạn", after=mark)
    mark = len(citizen.received)
    citizen.say("0912 345 678")
    summary = await citizen.wait_for("Gửi phản ánh này?", after=mark)
    assert "Công đoàn tỉnh Bắc Ninh" in summary["text"] and "0912345678" in summary["text"]
    citizen.press("confirm:send")
    created = await citizen.wait_for("Mã tra cứu", after=mark)
    match = CODE.search(created["text"])
    assert match
    return match.group(0)


async def test_telegram_citizen_gets_answer_and_rates(telegram_app: str, fake_telegram_server: FakeTelegramServer) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7001, name="Lan")
    code = await report_on_telegram(citizen)
    staff = await StaffApi(telegram_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        case = next(c for c in await staff.cases() if c["code"] == code)
        assert (case["unit"], case["contact_phone"]) == ("union.bac-ninh", "0912345678")

        mark = len(citizen.received)
        assert (await staff.act(code, "ask", text="Bạn làm ở công ty nào, khu công nghiệp nào?")).status_code == 200
        await citizen.wait_for("công ty nào", after=mark)
        citizen.say("Công ty may ABC, KCN Quế Võ")
        await citizen.wait_for("Đã bổ sung", after=mark)
        detail = (await staff.http.get(f"/api/cases/{code}")).json()
        assert detail["case"]["status"] == "in_progress"
        assert any(m["text"] == "Công ty may ABC, KCN Quế Võ" for m in detail["messages"])

        assert (await staff.act(code, "resolve", text="Công ty đã trả lương.")).status_code == 200
        resolved = await citizen.wait_for("Công ty đã trả lương", after=mark)
        assert resolved["reply_markup"]["inline_keyboard"][0][4]["callback_data"] == f"rate:{code}:5"
        citizen.press(f"rate:{code}:4")
        await citizen.wait_for("4/5", after=mark)
        assert next(c for c in await staff.cases() if c["code"] == code)["rating"] == 4
    finally:
        await staff.aclose()
    assert fake_telegram_server.rejected == []
    assert fake_telegram_server.unanswered_callbacks() == []


async def test_redelivered_update_is_stored_once(telegram_app: str, fake_telegram_server: FakeTelegramServer,
                                                 telegram_runtime: Runtime) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7002)
    first = citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023")
    fake_telegram_server.redeliver(first)
    citizen.say("/help")
    await citizen.wait_for("/status MÃ")
    await asyncio.sleep(0.3)
    consent_prompts = [m for m in citizen.received if "Nghị định 13/2023" in m["text"]]
    assert len(consent_prompts) == 1
    from sqlalchemy import func, select

    from storage import Message

    async with telegram_runtime.core.db.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(Message).where(
            Message.channel == "telegram", Message.platform_update_id == str(first["update_id"])))
    assert stored == 1


@pytest.mark.parametrize("action, expected", [
    ("sticker", "chỉ đọc được tin nhắn chữ"),
    ("photo", "Mình đã nhận ảnh"),   # a photo goes with the report (tests/test_photos_and_places.py)
    ("unknown_command", "không hiểu lệnh /frobnicate"),
    ("empty_problem", "chưa nhận được nội dung"),
])
async def test_bad_input_gets_a_clear_answer(telegram_app: str, fake_telegram_server: FakeTelegramServer,
                                             action: str, expected: str) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7100)
    citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023")
    citizen.press("consent:yes")
    await citizen.wait_for("kể vấn đề")
    mark = len(citizen.received)
    if action == "sticker":
        fake_telegram_server.user_sends_sticker(citizen.user_id)
    elif action == "photo":
        fake_telegram_server.user_sends_photo(citizen.user_id)
    elif action == "unknown_command":
        citizen.say("/frobnicate")
    else:
        citizen.say("   ")
    await citizen.wait_for(expected, after=mark)
    citizen.say("/help")  # still alive and answering
    await citizen.wait_for("/status MÃ", after=mark)
    assert fake_telegram_server.rejected == []


async def test_redelivered_confirmation_opens_no_second_case(telegram_app: str, fake_telegram_server: FakeTelegramServer,
                                                             telegram_runtime: Runtime) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7003)
    citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023")
    citizen.press("consent:yes")
    await citizen.wait_for("kể vấn đề")
    citizen.say("cty nợ lương 2 tháng ở Hưng Yên")
    await citizen.wait_for("xã/phường nào của Hưng Yên")
    citizen.press("skip:commune")
    await citizen.wait_for("liên hệ với bạn")
    citizen.press("contact:anonymous")
    await citizen.wait_for("Gửi phản ánh này?")
    confirm = citizen.press("confirm:send")
    await citizen.wait_for("Mã tra cứu")
    fake_telegram_server.redeliver(confirm)
    citizen.say("/help")
    await citizen.wait_for("/status MÃ")
    from sqlalchemy import func, select

    from storage import Case

    async with telegram_runtime.core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
    assert len([m for m in citizen.received if "Mã tra cứu" in m["text"]]) == 1
