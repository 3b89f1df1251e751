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
    await chat.file_report("công ty nợ lương 3 tháng, em ở Bắc Ninh")
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


async def test_misroutes_become_masked_training_examples(core: Core) -> None:
    from handlers import misroute_examples, to_rasa_yaml
    from nlu.dataset import load_examples

    chat = CoreChat(core)
    await chat.file_report("chồng em say rượu về đánh em, em ở Bắc Ninh, gọi em số 0987654321")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
    target = "union.bac-ninh" if case.domain != "union" else "women.bac-ninh"
    await do_reassign_case(core, await _admin(core), case.code, target, "sai lĩnh vực")
    examples = await misroute_examples(core.db)
    label = target.split(".")[0]
    assert list(examples) == [label]
    [text] = examples[label]
    assert "0987654321" not in text and "<phone>" in text
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "corrections.yml").write_text(to_rasa_yaml(examples), encoding="utf-8")
        loaded = load_examples(Path(folder))
    assert [(e.label, e.text) for e in loaded] == [(label, text)]


async def _admin(core: Core) -> StaffAccount:
    from handlers import create_staff
    from storage import StaffRole

    account = await create_staff(core.db, "admin.test", "admin-password", "Admin", StaffRole.ADMIN)
    return await get_staff(core.db, account.id)  # type: ignore[return-value]


async def test_overdue_case_escalates_one_level_and_is_audited(core: Core) -> None:
    from datetime import timedelta

    from handlers import escalate_overdue

    chat = CoreChat(core)
    code = await open_wage_case(core, chat)
    assert await escalate_overdue(core) == []
    later = core.clock() + timedelta(days=17)
    core.clock = lambda: later
    assert await escalate_overdue(core) == [code]
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        event = await session.scalar(select(CaseEvent).where(CaseEvent.kind == "escalated"))
    assert (case.unit.key, case.escalation_level) == ("union", 1)
    assert event.data == {"from_unit": "union.bac-ninh", "to_unit": "union"} and event.actor == "system"
    assert await escalate_overdue(core) == []


async def test_an_answer_naming_its_case_reaches_it_while_a_new_report_is_drafted(core: Core) -> None:
    from handlers import do_request_information

    chat = CoreChat(core)
    code = await open_wage_case(core, chat)
    await chat.say("/new")
    await chat.say("đèn đường xã tôi ở Bắc Ninh hỏng cả tháng nay")
    await do_request_information(core, await staff(core, "congdoan.bacninh"), code, "Công ty tên gì?")
    [question] = await chat.deliver()
    assert f"ghi mã {code}" in question.text
    reply = await chat.say(f"{code} công ty TNHH May Sông Cầu")
    assert f"bổ sung tin nhắn của bạn vào hồ sơ {code}" in reply
    from storage import Conversation, Message

    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        draft = (await session.scalar(select(Conversation))).draft
        answer = await session.scalar(select(Message).where(Message.text.like("%May Sông Cầu%")))
    assert case.status.value == "in_progress" and answer.case_id == case.id
    assert "May Sông Cầu" not in draft["description"] and "đèn đường" in draft["description"]
    summary = await chat.press("skip:commune")
    assert "liên hệ" in summary  # the new report goes on where it was
