"""Messages that are not reports, and stories that hold two: what a citizen sees (SQLite and PostgreSQL).

The NLU's intent and second-problem fields are scripted here (tests/nlu_double.py), as the
contract in nlu/types.py defines them; the rest of each analysis is the real model's.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers import Core, NluPort, do_resolve_case
from storage import Case, CaseEvent, Conversation, Message
from tests.chat_driver import CoreChat
from tests.nlu_double import ScriptedNlu, sure
from tests.test_staff_actions import open_wage_case, staff

TALK = {
    "xin chào": {"intent": "greeting"},
    "alo": {"intent": "greeting"},
    "cảm ơn": {"intent": "thanks"},
    "bạn là ai": {"intent": "bot_question"},
    "đồ bot ngu": {"intent": "abuse", "abusive": True},
}


@pytest.fixture
def scripted(core: Core, nlu_port: NluPort) -> ScriptedNlu:
    core.nlu = ScriptedNlu(nlu_port, dict(TALK))
    return core.nlu


async def count_cases(core: Core) -> int:
    async with core.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


async def draft_of(core: Core) -> tuple[str, dict[str, object]]:
    async with core.db.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        return conversation.state, conversation.draft


async def test_a_greeting_before_consent_is_answered_and_not_kept_as_a_report(core: Core, scripted: ScriptedNlu) -> None:
    chat = CoreChat(core)
    first = await chat.say("xin chào")
    assert "Bạn có đồng ý không?" in first and chat.buttons() == ["consent:yes", "consent:no"]
    again = await chat.say("bạn là ai vậy")
    assert "kênh tiếp nhận phản ánh" in again and "Nghị định 13" not in again, "not the whole notice again"
    assert chat.buttons() == ["consent:yes", "consent:no"]
    after = await chat.press("consent:yes")
    assert "kể vấn đề" in after, "a greeting is not a report: the bot asks for the problem"
    assert "chưa chắc" not in after


async def test_after_a_rating_thanks_is_thanks_not_a_new_report(core: Core, scripted: ScriptedNlu) -> None:
    chat = CoreChat(core)
    code = await open_wage_case(core, chat)
    await do_resolve_case(core, await staff(core, "congdoan.bacninh"), code, "Công ty đã trả đủ lương.")
    await chat.deliver()
    assert "5/5" in await chat.press(f"rate:{code}:5")
    reply = await chat.say("cảm ơn ạ")
    assert "Không có gì" in reply and "kể vấn đề" not in reply and "chưa chắc" not in reply
    assert await count_cases(core) == 1
    state, draft = await draft_of(core)
    assert (state, draft) == ("idle", {})


async def test_an_insult_alone_is_not_a_report_and_does_not_join_an_open_case(core: Core, scripted: ScriptedNlu) -> None:
    chat = CoreChat(core)
    await open_wage_case(core, chat)
    reply = await chat.say("đồ bot ngu")
    assert "bực" in reply and "bổ sung" not in reply
    async with core.db.sessions() as session:
        insult = await session.scalar(select(Message).where(Message.text == "đồ bot ngu"))
        assert insult is not None and insult.case_id is None
        events = (await session.scalars(select(CaseEvent.kind))).all()
        assert "citizen_message" not in events
    assert await count_cases(core) == 1


async def test_small_talk_mid_report_keeps_the_draft_and_asks_the_question_again(core: Core, scripted: ScriptedNlu) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương 2 tháng, em ở Bắc Ninh")
    reply = await chat.say("alo")
    assert "Chào bạn" in reply and "xã/phường nào của Bắc Ninh" in reply
    assert "Đã thêm" not in reply
    state, draft = await draft_of(core)
    assert state == "commune" and draft["description"] == "cty nợ lương 2 tháng, em ở Bắc Ninh"
    reply = await chat.say("đồ bot ngu")
    assert "bực" in reply and "xã/phường nào của Bắc Ninh" in reply
    assert (await draft_of(core))[1]["description"] == "cty nợ lương 2 tháng, em ở Bắc Ninh"


TWO_PROBLEMS = "công ty nợ lương 3 tháng, em ở Bắc Ninh. Ngoài ra ruộng lúa nhà em bị sâu phá hết mà không ai hướng dẫn"


@pytest.fixture
def two_bodies(core: Core, nlu_port: NluPort) -> ScriptedNlu:
    # Only the whole story holds both problems; each of its sentences is the real model's to read.
    core.nlu = ScriptedNlu(nlu_port, {"Bắc Ninh. Ngoài ra": {"classification": sure("union"),
                                                            "second": sure("farmer", 0.7)}})
    return core.nlu


async def file_two_problem_story(chat: CoreChat) -> tuple[str, str]:
    await chat.consent()
    noticed = await chat.say(TWO_PROBLEMS)
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    created = await chat.press("confirm:send")
    return noticed, created


async def test_two_problems_for_two_bodies_become_two_cases_when_the_citizen_wants(core: Core,
                                                                                  two_bodies: ScriptedNlu) -> None:
    chat = CoreChat(core)
    noticed, created = await file_two_problem_story(chat)
    assert "Hội Nông dân" in noticed and "việc kia thành một phản ánh riêng" in noticed
    assert "Mã tra cứu" in created and "Hội Nông dân" in created
    assert chat.buttons() == ["second:yes", "second:no"]
    summary = await chat.press("second:yes")
    assert "Hội Nông dân tỉnh Bắc Ninh" in summary and "sâu phá" in summary and "nợ lương" not in summary
    second = await chat.press("confirm:send")
    assert "Mã tra cứu" in second
    async with core.db.sessions() as session:
        cases = (await session.scalars(select(Case).order_by(Case.id))).all()
        assert [(c.domain, c.unit.key) for c in cases] == [("union", "union.bac-ninh"), ("farmer", "farmer.bac-ninh")]
        assert "sâu phá" in cases[1].description and "nợ lương" not in cases[1].description
        created_event = await session.scalar(select(CaseEvent).where(CaseEvent.case_id == cases[1].id))
        assert created_event is not None and created_event.data["split_from"] == cases[0].code


async def test_declining_the_second_case_files_only_the_first(core: Core, two_bodies: ScriptedNlu) -> None:
    chat = CoreChat(core)
    await file_two_problem_story(chat)
    reply = await chat.press("second:no")
    assert "chỉ gửi hồ sơ LN-" in reply
    assert "câu hỏi cũ" in await chat.press("second:yes")
    assert await count_cases(core) == 1
