"""Supervisors see every unit's late cases in their area and act on them; overdue escalations tell
them. Citizens see what is held about them and delete it (issue 9)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import CaseNotFound, Core, InvalidAction, create_staff, do_reassign_case, escalate_overdue, get_staff
from handlers.notices import notices_for
from handlers.supervision import do_escalate_case, do_extend_deadline, supervised_cases
from storage import Case, CaseEvent, Citizen, Conversation, Message, ModerationEvent, StaffAccount, StaffRole
from tests.chat_driver import CoreChat
from tests.test_staff_actions import open_wage_case

PHONE_STORY = "công ty nợ lương 3 tháng, em ở Bắc Ninh, gọi em 0912345678"


async def supervisor(core: Core, username: str, province: str | None) -> StaffAccount:
    account = await create_staff(core.db, username, "supervisor-password", "Giám sát", StaffRole.SUPERVISOR,
                                 province=province)
    assert account is not None
    found = await get_staff(core.db, account.id)
    assert found is not None
    return found


async def test_a_supervisor_sees_late_cases_first_extends_and_escalates(core: Core) -> None:
    boss = await supervisor(core, "giamsat.bacninh", "Bắc Ninh")
    other = await supervisor(core, "giamsat.gialai", "Gia Lai")
    first = await open_wage_case(core, CoreChat(core, user="a"))
    second_chat = CoreChat(core, user="b")
    await second_chat.file_report("công ty giày nợ lương công nhân 2 tháng ở Bắc Ninh")
    async with core.db.transaction() as session:   # the first case is already late
        case = await session.scalar(select(Case).where(Case.code == first))
        case.resolve_deadline = core.clock() - timedelta(hours=2)
    watched = await supervised_cases(core.db, boss, core.clock())
    assert [w.case.code for w in watched][0] == first and watched[0].overdue
    assert len(watched) == 2 and not watched[1].overdue
    assert await supervised_cases(core.db, other, core.clock()) == []

    with pytest.raises(InvalidAction):
        await do_extend_deadline(core, boss, first, 5, "")
    with pytest.raises(CaseNotFound):
        await do_extend_deadline(core, other, first, 5, "không thuộc địa bàn")
    extended = await do_extend_deadline(core, boss, first, 5, "đơn vị đang làm việc với công ty")
    assert extended.resolve_deadline > core.clock() + timedelta(days=4)
    chat_a = CoreChat(core, user="a")
    assert "được gia hạn đến" in "\n".join(r.text for r in await chat_a.deliver())

    moved = await do_escalate_case(core, boss, first, "tỉnh chưa xử lý được")
    assert moved.unit.key == "union"
    with pytest.raises(InvalidAction):
        await do_escalate_case(core, boss, first, "lên nữa")   # already central

    await do_reassign_case(core, boss, first, "farmer.bac-ninh", "thực ra là việc của Hội Nông dân")
    async with core.db.sessions() as session:
        kinds = [e.kind for e in (await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))).all()]
    assert kinds[-3:] == ["deadline_extended", "escalated", "reassigned"]


async def test_overdue_escalation_tells_the_supervisors_of_that_province(core: Core) -> None:
    boss = await supervisor(core, "giamsat.bacninh", "Bắc Ninh")
    country = await supervisor(core, "giamsat.quocgia", None)
    elsewhere = await supervisor(core, "giamsat.hanoi", "Hà Nội")
    code = await open_wage_case(core, CoreChat(core))
    later = core.clock() + timedelta(days=17)
    core.clock = lambda: later
    assert await escalate_overdue(core) == [code]
    for member in (boss, country):
        [notice] = await notices_for(core.db, member)
        assert code in notice.text and "0912" not in notice.text
    assert await notices_for(core.db, elsewhere) == []
    much_later = later + timedelta(days=30)   # at the top now: told once, not at every run
    core.clock = lambda: much_later
    assert await escalate_overdue(core) == []
    assert await escalate_overdue(core) == []
    assert len(await notices_for(core.db, boss)) == 2


async def test_a_citizen_sees_their_data_and_deletes_it_after_confirming(core: Core) -> None:
    chat = CoreChat(core, user="d")
    await chat.file_report(PHONE_STORY)
    shown = await chat.say("/dulieu")
    assert "0912345678" in shown and "nợ lương 3 tháng" in shown and "LN-" in shown
    assert "Dữ liệu chúng tôi đang lưu về bạn" in await chat.say("/mydata")
    asked = await chat.say("xóa dữ liệu của tôi")
    assert "không thể khôi phục" in asked and "erase:yes" in chat.buttons()
    assert "không xóa" in (await chat.press("erase:no")).lower()
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
    assert case is not None and case.contact_phone == "0912345678"

    await chat.say("/xoa")
    done = await chat.press("erase:yes")
    assert "Đã xóa dữ liệu cá nhân" in done and "1 phản ánh" in done
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        citizen = await session.scalar(select(Citizen))
        texts = [m.text for m in (await session.scalars(select(Message).where(Message.direction == "in"))).all()]
        erased = await session.scalar(select(ModerationEvent).where(ModerationEvent.kind == "data_erased"))
    assert case is not None and citizen is not None and erased is not None
    assert (case.contact_phone, case.domain, case.province, case.status.value) == (None, "union", "Bắc Ninh", "open")
    assert "0912345678" not in case.description and "nợ lương" not in case.description
    assert not any("0912345678" in t or "nợ lương" in t for t in texts)
    assert citizen.consent_at is None
    again = await chat.say("/dulieu")
    assert "0912345678" not in again and "nợ lương" not in again


async def test_english_words_ask_for_the_data_too_and_a_story_is_not_a_command(core: Core) -> None:
    chat = CoreChat(core, user="e")
    await chat.consent()
    await chat.say("delete my data")
    assert chat.buttons() == ["erase:yes", "erase:no"]
    assert "Dữ liệu chúng tôi đang lưu" in await chat.say("my data")
    long_story = "công ty nói sẽ xóa dữ liệu chấm công của tôi để không phải trả lương tăng ca ba tháng qua"
    answer = await chat.say(long_story)
    assert "erase:yes" not in chat.buttons() and "không thể khôi phục" not in answer


async def test_resolved_cases_are_anonymised_after_the_retention_period_once(core: Core) -> None:
    from handlers import do_resolve_case
    from handlers.retention import anonymise_expired

    chat = CoreChat(core, user="r")
    await chat.file_report(PHONE_STORY)
    await CoreChat(core, user="o").file_report("công ty giày nợ lương công nhân 2 tháng ở Bắc Ninh")
    code, still_open = await _code_of(core, "r"), await _code_of(core, "o")
    owner = await get_staff(core.db, (await _id(core, "congdoan.bacninh")))
    assert owner is not None
    await do_resolve_case(core, owner, code, "Công ty đã trả lương, đã gọi 0912345678 báo lại")
    assert "0912345678" in "\n".join(r.text for r in await chat.deliver())   # the citizen got it
    keep = timedelta(days=365)
    assert await anonymise_expired(core, keep) == []          # not yet
    later = core.clock() + timedelta(days=366)
    core.clock = lambda: later
    assert await anonymise_expired(core, keep) == [code]      # the open case is kept whole
    assert await anonymise_expired(core, keep) == []          # idempotent
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        kept = await session.scalar(select(Case).where(Case.code == still_open))
        texts = [m.text for m in (await session.scalars(select(Message).where(Message.case_id == case.id))).all()]
    assert case is not None and kept is not None
    assert (case.contact_phone, case.domain, case.status.value, case.province) == (None, "union", "resolved", "Bắc Ninh")
    assert "nợ lương" not in case.description and "0912345678" not in (case.result or "")
    assert not any("0912345678" in t or "nợ lương" in t for t in texts)
    assert "nợ lương" in kept.description


async def _code_of(core: Core, chat_id: str) -> str:
    async with core.db.sessions() as session:
        found = await session.scalar(select(Case.code).join(Conversation, Conversation.id == Case.conversation_id)
                                     .where(Conversation.chat_id == chat_id))
    assert found is not None
    return found


async def _id(core: Core, username: str) -> int:
    async with core.db.sessions() as session:
        found = await session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))
    assert found is not None
    return found
