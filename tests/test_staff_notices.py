"""Staff are told (issue 9 item 7, issue 7 item 1): a staff member links their own Telegram chat from
the console with a one-time code, then gets short notices there (new case, urgent at once, a citizen's
answer, an hour before a deadline) with the code, domain and deadline and never a citizen's words or
contact. Real aiogram against the strict fake Bot API, and the core directly for the timed job.
"""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.runtime import Runtime
from handlers import Core, NluPort, Settings, create_staff, do_reassign_case, do_resolve_case
from handlers.staff_links import do_create_link_code, do_unlink_chat, links_of
from handlers.staff_notices import AUTHOR, remind_deadlines
from storage import Case, Message, OutboxItem, StaffAccount, StaffRole
from tests.chat_driver import CoreChat
from tests.clients import StaffApi, WebCitizen
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_bot_api import FakeZaloBotServer
from tests.nlu_double import ScriptedNlu, sure
from tests.telegram_citizen import TelegramCitizen
from tests.test_telegram_flow import CODE, report_on_telegram
from tests.test_webchat_flow import report_wage_case
from tests.test_zalo_bot import _zalo_app
from tests.zalo_citizens import ZaloCitizen

LINKED = "Đã liên kết cuộc trò chuyện này"
REFUSED = "Mã liên kết này không đúng hoặc đã hết hạn"
URGENT = "công nhân bị máy cán kẹp đứt tay đang chảy máu nhiều ở công ty tại Bắc Ninh, số em 0987 654 321"


async def console_link_code(staff: StaffApi) -> str:
    """What the staff member does in the console: open the page, press the button, read the code."""
    page = (await staff.http.get("/account/chat")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf and "Chưa liên kết chat nào" in page
    answer = await staff.http.post("/account/chat/code", data={"csrf": csrf.group(1)})
    assert answer.status_code == 200
    shown = re.search(r'<code class="link-code">([A-Z0-9]+)</code>', answer.text)
    assert shown and f"/lienket {shown.group(1)}" in answer.text
    return shown.group(1)


async def staff_notices_to(core: Core, chat_id: str) -> list[str]:
    async with core.db.sessions() as session:
        return list((await session.scalars(select(Message.text).join(OutboxItem, OutboxItem.message_id == Message.id)
                                           .where(OutboxItem.chat_id == chat_id, Message.author == AUTHOR)
                                           .order_by(Message.id))).all())


async def test_a_linked_staff_chat_hears_of_an_urgent_case_at_once_without_personal_data(
        telegram_app: str, fake_telegram_server: FakeTelegramServer, telegram_runtime: Runtime) -> None:
    core = telegram_runtime.core
    core.nlu = ScriptedNlu(core.nlu, {"máy cán": {"urgent": True, "classification": sure("union")}})
    staff = await StaffApi(telegram_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        code = await console_link_code(staff)
    finally:
        await staff.aclose()
    officer = TelegramCitizen(fake_telegram_server, user_id=8101, name="Cán bộ")
    officer.say(f"/start staff-{code}")               # what t.me/<bot>?start=staff-<code> sends
    await officer.wait_for(LINKED)
    mark = len(officer.received)
    officer.say("xin chào")                            # a staff chat is never a citizen conversation
    await officer.wait_for("kênh nhận thông báo của cán bộ", after=mark)

    citizen = TelegramCitizen(fake_telegram_server, user_id=7201, name="Hùng")
    citizen.say(URGENT)
    await fake_telegram_server.wait_for_message(citizen.user_id, lambda m: "consent:yes" in str(m.get("reply_markup")))
    citizen.press("consent:yes")
    filed = await citizen.wait_for("Mã tra cứu")
    case_code = CODE.search(filed["text"]).group(0)  # type: ignore[union-attr]

    notice = await officer.wait_for(f"KHẨN CẤP: hồ sơ {case_code}", after=mark)
    assert "Lao động, việc làm (Công đoàn)" in notice["text"] and "hạn trước" in notice["text"]
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == case_code))
    assert case is not None and case.urgent and case.unit.key == "union.bac-ninh"
    everything = "\n".join(m.get("text") or "" for m in officer.received)
    for personal in ("0987", "654 321", "máy cán", "chảy máu", "Hùng"):
        assert personal not in everything
    assert not any("Nghị định 13/2023" in (m.get("text") or "") for m in officer.received)
    assert fake_telegram_server.rejected == []


async def test_a_new_case_and_a_citizen_answer_notify_only_linked_active_staff_of_the_unit(
        telegram_app: str, fake_telegram_server: FakeTelegramServer, telegram_runtime: Runtime) -> None:
    core = telegram_runtime.core
    others = {"8202": "nongdan.bacninh", "8203": "congdoan.nghi"}     # another unit; a deactivated colleague
    await create_staff(core.db, "congdoan.nghi", "a long passphrase", "Cán bộ nghỉ việc", StaffRole.STAFF,
                       "union.bac-ninh")
    for user_id, username in [("8201", "congdoan.bacninh"), *others.items()]:
        async with core.db.sessions() as session:
            member = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        assert member is not None
        link = await do_create_link_code(core, member)
        chat = TelegramCitizen(fake_telegram_server, user_id=int(user_id))
        chat.say(f"/lienket {link.code.lower()}")      # typed by hand, as on Zalo: case does not matter
        await chat.wait_for(LINKED)
    async with core.db.transaction() as session:
        await session.execute(update(StaffAccount).where(StaffAccount.username == "congdoan.nghi").values(active=False))

    officer = TelegramCitizen(fake_telegram_server, user_id=8201)
    citizen = TelegramCitizen(fake_telegram_server, user_id=7202, name="Lan")
    case_code = await report_on_telegram(citizen)
    await officer.wait_for(f"Hồ sơ mới {case_code}")

    staff = await StaffApi(telegram_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        mark = len(citizen.received)
        assert (await staff.act(case_code, "ask", text="Bạn làm ở công ty nào?")).status_code == 200
        await citizen.wait_for("công ty nào", after=mark)
    finally:
        await staff.aclose()
    citizen.say("Công ty may ABC, KCN Quế Võ")
    answered = await officer.wait_for(f"Người dân vừa trả lời trong hồ sơ {case_code}")
    assert "May ABC" not in answered["text"] and "0912" not in answered["text"]

    for chat_id in others:
        assert await staff_notices_to(core, chat_id) == []
        assert [m["text"] for m in fake_telegram_server.messages_to(int(chat_id))][-1].startswith(LINKED)
    told = await staff_notices_to(core, "8201")
    assert len(told) == 2 and all(case_code in text for text in told)
    assert fake_telegram_server.rejected == []


async def test_wrong_expired_and_used_codes_are_refused_kindly(
        telegram_app: str, fake_telegram_server: FakeTelegramServer, telegram_runtime: Runtime) -> None:
    core = telegram_runtime.core
    async with core.db.sessions() as session:
        member = await session.scalar(select(StaffAccount).where(StaffAccount.username == "congdoan.bacninh"))
    assert member is not None
    chat = TelegramCitizen(fake_telegram_server, user_id=8301)
    chat.say("/lienket ABCDEFGHJK")
    await chat.wait_for(REFUSED)

    expired = await do_create_link_code(core, member)
    real_clock = core.clock
    core.clock = lambda: real_clock() + timedelta(minutes=16)
    try:
        mark = len(chat.received)
        chat.say(f"/start staff-{expired.code}")
        await chat.wait_for(REFUSED, after=mark)
    finally:
        core.clock = real_clock

    fresh = await do_create_link_code(core, member)
    mark = len(chat.received)
    chat.say(f"/lienket {fresh.code}")
    await chat.wait_for(LINKED, after=mark)
    again = TelegramCitizen(fake_telegram_server, user_id=8302)
    again.say(f"/lienket {fresh.code}")                # a code works once
    await again.wait_for(REFUSED)
    assert [(link.channel, link.chat_id) for link in await links_of(core.db, member)] == [("telegram", "8301")]
    mark = len(again.received)
    again.say("/start")                                # a refused chat is still an ordinary citizen chat
    await again.wait_for("Nghị định 13/2023", after=mark)
    assert fake_telegram_server.rejected == []


async def file_wage_case(citizen: CoreChat) -> str:
    await citizen.consent()
    await citizen.say("công ty nợ lương 3 tháng rồi, em ở Bắc Ninh")
    await citizen.press("skip:commune")
    await citizen.press("contact:anonymous")
    filed = await citizen.press("confirm:send")
    match = CODE.search(filed)
    assert match, filed
    return match.group(0)


async def test_deadline_reminder_fires_once_an_hour_before_and_only_to_linked_active_staff(core: Core) -> None:
    chats: dict[str, CoreChat] = {}
    for username in ("congdoan.bacninh", "congdoan.doi", "congdoan.nghi"):
        if username != "congdoan.bacninh":
            await create_staff(core.db, username, "a long passphrase", username, StaffRole.STAFF, "union.bac-ninh")
        async with core.db.sessions() as session:
            member = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        assert member is not None
        chats[username] = CoreChat(core, f"staff-{username}", channel="test")
        assert "Đã liên kết" in await chats[username].say(f"/lienket {(await do_create_link_code(core, member)).code}")
        if username == "congdoan.doi":      # unlinked again from the console
            await do_unlink_chat(core, member, (await links_of(core.db, member))[0].id)
    async with core.db.transaction() as session:
        await session.execute(update(StaffAccount).where(StaffAccount.username == "congdoan.nghi").values(active=False))

    case_code = await file_wage_case(CoreChat(core, "citizen-1", channel="test"))
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == case_code))
    assert case is not None
    assert [t.split(" · ")[0] for t in await staff_notices_to(core, "staff-congdoan.bacninh")] == [f"Hồ sơ mới {case_code}"]

    real_clock = core.clock
    core.clock = lambda: case.resolve_deadline - timedelta(hours=2)
    assert await remind_deadlines(core) == []                     # two hours before: not yet
    core.clock = lambda: case.resolve_deadline - timedelta(minutes=50)
    assert await remind_deadlines(core) == [case_code]
    assert await remind_deadlines(core) == []                     # once per case and deadline
    core.clock = lambda: case.resolve_deadline - timedelta(minutes=5)
    assert await remind_deadlines(core) == []
    core.clock = real_clock

    told = await staff_notices_to(core, "staff-congdoan.bacninh")
    assert len(told) == 2 and told[1].startswith(f"Còn khoảng 1 giờ: hồ sơ {case_code}")
    assert "công ty nợ lương" not in told[1]
    for username in ("congdoan.doi", "congdoan.nghi"):
        assert await staff_notices_to(core, f"staff-{username}") == []


@pytest.fixture
async def zalo_api() -> AsyncIterator[FakeZaloBotServer]:
    async with FakeZaloBotServer() as server:
        yield server


async def test_staff_link_zalo_by_typing_the_command_and_hear_of_a_web_chat_case(
        settings: Settings, nlu_port: NluPort, zalo_api: FakeZaloBotServer) -> None:
    fake_zalo = zalo_api
    runtime, server = await _zalo_app(settings, nlu_port, fake_zalo)
    try:
        async with server as base_url:
            staff = await StaffApi(base_url).login("congdoan.bacninh", "demo-bacninh")
            try:
                code = await console_link_code(staff)
            finally:
                await staff.aclose()
            officer = ZaloCitizen(fake_zalo, "f00dfeed0badcafe0001")
            await officer.say(f"/lienket {code}")
            await officer.wait_for(LINKED)
            mark = len(officer.received)
            async with WebCitizen(base_url) as citizen:          # the case comes from another channel
                case_code = await report_wage_case(citizen)
            notice = await officer.wait_for(f"Hồ sơ mới {case_code}", after=mark)
            assert "Lao động, việc làm (Công đoàn)" in notice["text"] and "nợ lương" not in notice["text"]
            mark = len(officer.received)
            await officer.say("1")                               # not an answer to any citizen question
            await officer.wait_for("kênh nhận thông báo của cán bộ", after=mark)
    finally:
        await runtime.core.db.dispose()


async def test_a_case_reassigned_to_another_unit_is_announced_to_that_unit(core: Core) -> None:
    async with core.db.sessions() as session:
        farmer = await session.scalar(select(StaffAccount).where(StaffAccount.username == "nongdan.bacninh"))
        union = await session.scalar(select(StaffAccount).where(StaffAccount.username == "congdoan.bacninh"))
    assert farmer is not None and union is not None
    officer = CoreChat(core, "staff-farmer", channel="test")
    assert LINKED in await officer.say(f"/lienket {(await do_create_link_code(core, farmer)).code}")
    case_code = await file_wage_case(CoreChat(core, "citizen-2", channel="test"))
    assert await staff_notices_to(core, "staff-farmer") == []          # not their unit's case yet
    await do_reassign_case(core, union, case_code, "farmer.bac-ninh", "việc của nông dân")
    told = await staff_notices_to(core, "staff-farmer")
    assert len(told) == 1 and told[0].startswith(f"Hồ sơ mới {case_code}")


async def test_a_reopened_case_is_announced_to_its_unit(core: Core) -> None:
    async with core.db.sessions() as session:
        union = await session.scalar(select(StaffAccount).where(StaffAccount.username == "congdoan.bacninh"))
    assert union is not None
    officer = CoreChat(core, "staff-union", channel="test")
    assert LINKED in await officer.say(f"/lienket {(await do_create_link_code(core, union)).code}")
    citizen = CoreChat(core, "citizen-3", channel="test")
    case_code = await file_wage_case(citizen)
    await do_resolve_case(core, union, case_code, "Công ty đã cam kết trả lương.")
    assert "chưa được giải quyết ở điểm nào" in await citizen.say(f"/mo_lai {case_code}")
    assert f"Đã mở lại hồ sơ {case_code}" in await citizen.say("công ty vẫn chưa trả đồng nào")
    told = await staff_notices_to(core, "staff-union")
    assert told[0].startswith(f"Hồ sơ mới {case_code}")
    assert told[-1].startswith(f"Người dân báo hồ sơ {case_code} chưa được giải quyết: đã mở lại")
    assert not any("chưa trả đồng nào" in text for text in told)
