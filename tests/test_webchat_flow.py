"""A citizen reports through the web chat; the Bắc Ninh trade-union staff answer and resolve."""
from __future__ import annotations

import re

from tests.clients import StaffApi, WebCitizen

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")


async def report_wage_case(citizen: WebCitizen) -> str:
    """The issue's story: unpaid wages in Bắc Ninh, told in one line, answered to the end."""
    replies = await citizen.say("/start")
    assert any("Nghị định 13/2023" in m["text"] for m in replies)
    await citizen.press("consent:yes")
    await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh")
    texts = " ".join(m["text"] for m in citizen.seen)
    assert "tỉnh/thành phố nào" not in texts, "the province was in the message: the bot must not ask it"
    await citizen.wait_for("xã/phường nào của Bắc Ninh")
    await citizen.press("skip:commune")
    await citizen.press("contact:chat")
    summary = await citizen.wait_for("Gửi phản ánh này?")
    assert "Công đoàn tỉnh Bắc Ninh" in summary["text"]
    await citizen.press("confirm:send")
    created = await citizen.wait_for("Mã tra cứu")
    match = CODE.search(created["text"])
    assert match, created["text"]
    return match.group(0)


async def test_citizen_to_staff_and_back(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        staff = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
        try:
            cases = {c["code"]: c for c in await staff.cases()}
            assert cases[code]["unit"] == "union.bac-ninh"
            assert cases[code]["domain"] == "union"
            assert cases[code]["status"] == "open"

            detail = (await staff.http.get(f"/api/cases/{code}")).json()
            assert any("nợ lương 3 tháng" in m["text"] for m in detail["messages"] if m["direction"] == "in")

            assert (await staff.act(code, "reply", text="Chúng tôi đã liên hệ công ty, tuần sau trả lời.")).status_code == 200
            reply = await citizen.wait_for("tuần sau trả lời")
            assert "Công đoàn tỉnh Bắc Ninh" in reply["text"]

            assert (await staff.act(code, "resolve", text="Công ty đã trả đủ 3 tháng lương.")).status_code == 200
            resolved = await citizen.wait_for("đã trả đủ 3 tháng lương")
            assert [b["value"] for b in resolved["buttons"][0]] == [f"rate:{code}:{n}" for n in range(1, 6)]
            await citizen.press(f"rate:{code}:5")
            await citizen.wait_for("5/5")
            final = (await staff.http.get(f"/api/cases/{code}")).json()["case"]
            assert final["status"] == "resolved" and final["rating"] == 5
        finally:
            await staff.aclose()


async def test_status_command_names_the_responsible_body(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        replies = await citizen.say(f"/status {code.lower()}")
        assert "Công đoàn tỉnh Bắc Ninh" in replies[-1]["text"]
        assert "chờ cơ quan nhận xử lý" in replies[-1]["text"]
        replies = await citizen.say("/status LN-ZZZZZZ")
        assert "Không tìm thấy" in replies[-1]["text"]


async def test_staff_of_another_unit_cannot_see_or_touch_the_case(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
    other = await StaffApi(live_app).login("nongdan.gialai", "demo-gialai")
    try:
        assert code not in {c["code"] for c in await other.cases()}
        assert (await other.http.get(f"/api/cases/{code}")).status_code == 404
        assert (await other.http.get(f"/console/cases/{code}")).status_code == 404
        assert (await other.act(code, "reply", text="xin chào")).status_code == 404
        assert (await other.act(code, "resolve", text="xong")).status_code == 404
    finally:
        await other.aclose()


async def test_retried_post_is_stored_once(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        first = await citizen.say("đường làng bị sạt lở", client_message_id="same-id")
        again = await citizen.say("đường làng bị sạt lở", client_message_id="same-id")
        assert first and not again
        ins = [m for m in citizen.seen if m["direction"] == "in" and m["text"] == "đường làng bị sạt lở"]
        assert len(ins) == 1


async def test_ten_thousand_characters_get_a_clear_answer_and_nothing_breaks(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        replies = await citizen.say(("lương chưa trả " * 700)[:10_000])
        assert "dài quá (10000 ký tự, tối đa 5000)" in replies[-1]["text"]
        replies = await citizen.say("lương chưa trả 2 tháng ở Hải Phòng")
        assert replies, "the bot must go on with the dialogue after refusing a long text"
