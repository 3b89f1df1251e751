"""Staff work a case: reassign with a reason, ask, reply, resolve; each change is audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers import (
    CaseNotFound,
    Core,
    InvalidAction,
    do_reassign_case,
    do_reply_to_citizen,
    do_resolve_case,
    get_staff,
    inbox,
)
from storage import Case, CaseEvent, StaffAccount
from tests.chat_driver import CoreChat


async def staff(core: Core, username: str) -> StaffAccount:
    async with core.db.sessions() as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    assert account is not None
    return await get_staff(core.db, account.id)  # type: ignore[return-value]


async def open_wage_case(core: Core, chat: CoreChat) -> str:
    await chat.consent()
    await chat.say("công ty nợ lương 3 tháng, em ở Bắc Ninh")
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    await chat.press("confirm:send")
    async with core.db.sessions() as session:
        return (await session.scalar(select(Case.code)))  # type: ignore[return-value]


async def test_misroute_is_reassigned_with_a_reason_and_recorded_for_training(core: Core) -> None:
    chat = CoreChat(core)
    code = await open_wage_case(core, chat)
    union = await staff(core, "congdoan.bacninh")
    with pytest.raises(InvalidAction):
        await do_reassign_case(core, union, code, "women.bac-ninh", "   ")
    await do_reassign_case(core, union, code, "women.bac-ninh", "Thực ra là bạo lực gia đình, không phải lương")
    notice = await chat.deliver()
    assert len(notice) == 1 and "Hội Liên hiệp Phụ nữ tỉnh Bắc Ninh" in notice[0].text
    assert code not in {c.code for c in await inbox(core.db, union)}
    with pytest.raises(CaseNotFound):
        await do_reply_to_citizen(core, union, code, "vẫn trả lời được không?")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        event = await session.scalar(select(CaseEvent).where(CaseEvent.kind == "reassigned"))
    assert (case.domain, case.unit.key, case.status.value) == ("women", "women.bac-ninh", "open")
    assert event.reason == "Thực ra là bạo lực gia đình, không phải lương"
    assert event.data["misroute"] is True and event.data["from_domain"] == "union"
    assert event.actor == "staff:congdoan.bacninh"


async def test_resolved_case_takes_no_more_actions(core: Core) -> None:
    chat = CoreChat(core)
    code = await open_wage_case(core, chat)
    union = await staff(core, "congdoan.bacninh")
    await do_resolve_case(core, union, code, "Đã làm việc với công ty, trả đủ lương.")
    with pytest.raises(InvalidAction):
        await do_reply_to_citizen(core, union, code, "thêm một câu")
    with pytest.raises(InvalidAction):
        await do_resolve_case(core, union, code, "lần hai")
    reply = await chat.say("5")
    assert "5/5" in reply
    reply = await chat.say("5")
    assert "5/5" not in reply


@pytest.mark.parametrize("text", ["", "   ", "x" * 3501])
async def test_bad_reply_text_is_refused(core: Core, text: str) -> None:
    chat = CoreChat(core)
    code = await open_wage_case(core, chat)
    union = await staff(core, "congdoan.bacninh")
    with pytest.raises(InvalidAction):
        await do_reply_to_citizen(core, union, code, text)
