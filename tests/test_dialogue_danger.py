"""Danger first, and consent that can be given late or taken back (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers import Core, NluPort
from storage import Case, CaseEvent, Citizen, Conversation, Direction, Message, UnitLevel
from tests.chat_driver import CoreChat
from tests.nlu_double import ScriptedNlu

NUMBERS = ("113", "114", "115", "111", "1900 969 680")
KNIFE = "có người cầm dao đuổi chém ngoài ngõ nhà tôi, cứu với"


@pytest.fixture
def danger(core: Core, nlu_port: NluPort) -> ScriptedNlu:
    # The urgency detector is another helper's work: these two stories are urgent whatever it says.
    core.nlu = ScriptedNlu(nlu_port, {"dao đuổi chém": {"urgent": True}, "đập cửa": {"urgent": True}})
    return core.nlu


def numbers_in(text: str) -> bool:
    return all(n in text for n in NUMBERS)


async def test_danger_before_consent_gets_the_numbers_first_then_is_filed_on_the_shortest_path(
        core: Core, danger: ScriptedNlu) -> None:
    chat = CoreChat(core)
    messages = await chat.messages(KNIFE)
    assert numbers_in(messages[0]) and "Xin chào" not in messages[0], "the numbers come before anything else"
    assert "Bạn có đồng ý không?" in messages[-1]
    filed = await chat.press("consent:yes")
    assert "Mã tra cứu: LN-" in filed and "KHẨN" in filed
    assert "tỉnh/thành phố nào" in filed, "the place is asked after filing"
    assert sum(numbers_in(m.text) for m in chat.received) == 1, "the numbers once, not at every step"
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert case is not None and case.urgent and case.unit.level is UnitLevel.CENTRAL
        code, domain = case.code, case.domain
    await chat.say("Bắc Ninh")
    await chat.press("skip:commune")
    done = await chat.say("0912345678")
    assert code in done and "Bắc Ninh" in done and "0912345678" in done
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert case is not None
        assert (case.province, case.contact_phone, case.unit.key) == ("Bắc Ninh", "0912345678", f"{domain}.bac-ninh")
        moved = await session.scalar(select(CaseEvent).where(CaseEvent.kind == "rerouted"))
        assert moved is not None and moved.data["to_unit"] == f"{domain}.bac-ninh"
        answers = (await session.scalars(select(Message.case_id).where(
            Message.direction == Direction.IN, Message.text.in_(["Bắc Ninh", "0912345678"])))).all()
        assert answers == [case.id, case.id], "the follow-up answers are part of the case"


async def test_danger_in_the_middle_of_a_report_comes_first_and_files_it(core: Core, danger: ScriptedNlu) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương 2 tháng, chồng em say xỉn suốt, em ở Bắc Ninh")
    await chat.press("skip:commune")
    messages = await chat.messages("chồng em đang đập cửa đòi đánh em, cứu em với")
    assert numbers_in(messages[0])
    assert any("Mã tra cứu: LN-" in m for m in messages[1:])
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert case is not None and case.urgent and "đập cửa" in case.description


async def test_text_before_consent_is_acknowledged_not_welcomed_twice_and_used_after(core: Core) -> None:
    chat = CoreChat(core)
    first = await chat.say("cty nợ lương 2 tháng rồi")
    assert "Nghị định 13/2023" in first
    second = await chat.say("em ở Bắc Ninh")
    assert "Mình đã nhận tin của bạn, bạn đồng ý để mình xử lý nhé?" in second
    assert "Nghị định 13/2023" not in second and "Xin chào" not in second
    assert chat.buttons() == ["consent:yes", "consent:no"]
    reply = await chat.press("consent:yes")
    assert "xã/phường nào của Bắc Ninh" in reply, "both messages make the report"


async def test_withdrawing_consent_erases_the_unsent_report_and_stops_handling(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương 2 tháng, em ở Bắc Ninh, số em 0912345678")
    summary = await chat.press("skip:commune")
    assert "0912345678" in summary
    reply = await chat.say("/withdraw")
    assert "rút lại sự đồng ý" in reply and "đã xóa" in reply
    async with core.db.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
        assert not any("0912345678" in t or "nợ lương" in t for t in texts)
        assert (await session.scalar(select(Conversation))).draft == {}
        assert (await session.scalar(select(Citizen))).consent_at is None
        assert (await session.scalar(select(Case.id))) is None
    again = await chat.say("cty nợ lương")
    assert "Bạn có đồng ý không?" in again, "nothing is handled until they agree again"


async def test_withdrawal_in_words_keeps_filed_cases_and_says_so(core: Core) -> None:
    chat = CoreChat(core)
    created = await chat.file_report("công ty nợ lương 3 tháng, em ở Bắc Ninh")
    await chat.say("/new")
    await chat.say("đường vào xóm em ở Bắc Ninh ngập nước mỗi khi mưa")
    reply = await chat.say("tôi muốn rút lại đồng ý")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert case is not None and case.code in created and "nợ lương" in case.description
        texts = (await session.scalars(select(Message.text))).all()
        assert not any("ngập nước" in t for t in texts)
    assert "rút lại sự đồng ý" in reply and f"({case.code}) vẫn được xử lý" in reply


async def test_a_story_that_mentions_agreeing_is_not_a_withdrawal(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    reply = await chat.say("công ty bắt em ký giấy đồng ý làm thêm giờ không lương, giờ em muốn rút lại đồng ý đó "
                           "nhưng họ dọa đuổi việc, em ở Bắc Ninh")
    assert "rút lại sự đồng ý" not in reply and "xã/phường nào của Bắc Ninh" in reply


async def test_withdrawing_before_agreeing_has_nothing_to_erase(core: Core) -> None:
    chat = CoreChat(core)
    assert "chưa lưu" in await chat.say("/withdraw")
