"""A citizen checks the result and says "not fixed" (issue 9.6), on SQLite and PostgreSQL.

Reopening by button, by words (without diacritics too) and by command; the reason asked first;
the case back with the same unit, a new deadline, counted as reopened by the public board, the
moderators' filter and the supervisor's list; refused kindly after the window; a low rating asks
what was not right and reaches the moderators' queue, a good one asks nothing.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers import Core, NluPort, do_resolve_case, inbox
from handlers.board import ALL, aggregate, build_rows, load_raw
from handlers.live import LiveEvent, Subscription, unit_topic
from handlers.reopen import says_not_fixed
from handlers.review_queue import ReviewFilter, review_queue
from handlers.supervision import supervised_cases
from storage import Case, CaseEvent, CaseStatus, Conversation
from tests.chat_driver import CoreChat
from tests.nlu_double import ScriptedNlu
from tests.test_dialogue_talk import TALK
from tests.test_staff_actions import open_wage_case, staff
from tests.test_supervision_and_data_rights import supervisor
from web.routers.live import _news

ASKED = "chưa được giải quyết ở điểm nào"
RESULT = "Công ty đã cam kết trả đủ lương trước ngày 15."
REASON = "Công ty vẫn chưa trả đồng nào, hôm nay đã ngày 20 rồi."


@pytest.fixture
def scripted(core: Core, nlu_port: NluPort) -> ScriptedNlu:
    core.nlu = ScriptedNlu(nlu_port, dict(TALK))
    return core.nlu


async def _drain(sub: Subscription) -> AsyncIterator[LiveEvent]:
    """What was published so far (it is published before `handle_inbound` returns)."""
    while (event := await sub.next(0.05)) is not None:
        yield event


async def resolved_case(core: Core, chat: CoreChat) -> str:
    code = await open_wage_case(core, chat)
    await do_resolve_case(core, await staff(core, "congdoan.bacninh"), code, RESULT)
    await chat.deliver()
    return code


async def case_and_events(core: Core, code: str) -> tuple[Case, list[CaseEvent]]:
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        events = (await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                        .order_by(CaseEvent.id))).all()
        _ = case.unit.key
        return case, list(events)


def test_words_that_say_not_fixed_with_and_without_diacritics() -> None:
    for said in ("Chưa được giải quyết", "chua duoc giai quyet", "vẫn chưa sửa", "van chua sua a",
                 "chua xong", "Chưa xong!", "not fixed", "It's still not fixed", "chưa được xử lý gì cả",
                 "vẫn chưa được khắc phục"):
        assert says_not_fixed(said), said
    for said in ("cảm ơn", "công ty nợ lương 3 tháng", "5", "ok", "đã xong rồi, cảm ơn",
                 "công ty chưa trả lương cho công nhân từ tháng 3, chúng tôi đã làm đơn lên phòng lao động "
                 "huyện nhiều lần mà vẫn chưa được giải quyết, mong các anh chị giúp đỡ"):
        assert not says_not_fixed(said), said


async def test_not_fixed_button_asks_why_and_sends_the_case_back_to_the_same_unit(core: Core) -> None:
    chat = CoreChat(core)
    code = await resolved_case(core, chat)
    assert f"reopen:{code}" in chat.buttons() and f"rate:{code}:1" in chat.buttons(), \
        "the resolution offers the rating and 'not fixed' side by side"
    before, _ = await case_and_events(core, code)
    asked = await chat.press(f"reopen:{code}")
    assert ASKED in asked and code in asked
    async with core.live.subscribe([unit_topic(before.unit_id)]) as unit_page:   # the staff's open inbox
        done = await chat.say(REASON)
        told = [event async for event in _drain(unit_page)]
    assert f"Đã mở lại hồ sơ {code}" in done and "Công đoàn tỉnh Bắc Ninh" in done and "Hạn giải quyết mới" in done
    assert ("reopened", code) in {(e.kind, e.data["code"]) for e in told}, "the unit's pages are told after the commit"
    assert _news(next(e for e in told if e.kind == "reopened")) is not None, "the console shows it as news"

    case, events = await case_and_events(core, code)
    assert case.status is CaseStatus.OPEN and case.unit.key == before.unit.key == "union.bac-ninh"
    assert case.resolve_deadline > core.clock() and case.resolved_at is None
    reopened = [e for e in events if e.kind == "reopened"]
    assert len(reopened) == 1 and reopened[0].reason == REASON and reopened[0].actor.startswith("citizen:")

    union = await staff(core, "congdoan.bacninh")
    assert code in {c.code for c in await inbox(core.db, union, open_only=True)}, "back in the unit's inbox"
    boss = await supervisor(core, "giamsat.bacninh", "Bắc Ninh")
    watched = {w.case.code: w for w in await supervised_cases(core.db, boss, core.clock())}
    assert code in watched and watched[code].reopened
    queue = await review_queue(core.db, ReviewFilter(flag="reopened"), core.clock())
    assert [row.conversation.chat_id for row in queue] == [chat.user]

    # the unit fixes it for real: the board counts a resolved case that was reopened
    await do_resolve_case(core, union, code, "Công ty đã trả đủ lương ngày 21.")
    board = aggregate(build_rows(await load_raw(core.db)), core.clock(), ZoneInfo("Asia/Ho_Chi_Minh"), ("Bắc Ninh",))
    figures = board.figures("all", ALL, ALL)
    assert (figures.resolved, figures.reopened) == (1, 1)


async def test_words_without_diacritics_reopen_after_asking_why(core: Core) -> None:
    chat = CoreChat(core)
    code = await resolved_case(core, chat)
    asked = await chat.say("van chua duoc giai quyet")
    assert ASKED in asked and code in asked
    case, _ = await case_and_events(core, code)
    assert case.status is CaseStatus.RESOLVED, "nothing changes before the reason is given"
    done = await chat.say("cong ty van no luong")
    assert f"Đã mở lại hồ sơ {code}" in done
    case, events = await case_and_events(core, code)
    assert case.status is CaseStatus.OPEN
    assert [e.reason for e in events if e.kind == "reopened"] == ["cong ty van no luong"]


async def test_the_command_reopens_with_or_without_the_code(core: Core) -> None:
    chat = CoreChat(core)
    code = await resolved_case(core, chat)
    assert ASKED in await chat.say(f"/mo_lai {code.lower()}")
    assert "vẫn giữ kết quả" in await chat.say("/cancel")
    assert (await case_and_events(core, code))[0].status is CaseStatus.RESOLVED
    assert ASKED in await chat.say("/reopen")
    assert f"Đã mở lại hồ sơ {code}" in await chat.say("vẫn chưa trả lương")
    assert "đang được" in await chat.say(f"/reopen {code}"), "an open case needs no reopening"


async def test_after_the_window_the_citizen_is_told_kindly_how_to_report_again(core: Core) -> None:
    chat = CoreChat(core)
    code = await resolved_case(core, chat)
    resolved_at = (await case_and_events(core, code))[0].resolved_at
    assert resolved_at is not None
    core.clock = lambda: resolved_at + timedelta(days=core.reopen_window_days + 1)
    for attempt in (chat.press(f"reopen:{code}"), chat.say("chua xong"), chat.say(f"/mo_lai {code}")):
        answer = await attempt
        assert "không mở lại được" in answer and "/new" in answer and "rất tiếc" in answer
    case, events = await case_and_events(core, code)
    assert case.status is CaseStatus.RESOLVED and not [e for e in events if e.kind == "reopened"]


async def test_a_low_rating_asks_what_was_wrong_and_reaches_the_moderators(core: Core, scripted: ScriptedNlu) -> None:
    chat = CoreChat(core)
    code = await resolved_case(core, chat)
    rated = await chat.press(f"rate:{code}:2")
    assert "2/5" in rated and "Điều gì chưa ổn?" in rated
    assert f"reopen:{code}" in chat.buttons(), "the way to reopen is offered with the question"
    thanks = await chat.say("Cán bộ trả lời chậm, thái độ không tốt")
    assert "Cảm ơn bạn đã góp ý" in thanks
    case, events = await case_and_events(core, code)
    assert case.rating == 2 and case.status is CaseStatus.RESOLVED
    assert [e.reason for e in events if e.kind == "rating_feedback"] == ["Cán bộ trả lời chậm, thái độ không tốt"]
    for flag in ("low_rating", "flagged"):
        queue = await review_queue(core.db, ReviewFilter(flag=flag), core.clock())
        assert [row.conversation.chat_id for row in queue] == [chat.user], flag
    after = await chat.say("cảm ơn")
    assert "Không có gì" in after and "góp ý" not in after


async def test_a_good_rating_asks_nothing_more(core: Core, scripted: ScriptedNlu) -> None:
    chat = CoreChat(core)
    code = await resolved_case(core, chat)
    rated = await chat.press(f"rate:{code}:5")
    assert "5/5" in rated and "Điều gì chưa ổn" not in rated
    assert "Không có gì" in await chat.say("cảm ơn")
    async with core.db.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None and conversation.state == "idle" and conversation.flagged_at is None
    assert await review_queue(core.db, ReviewFilter(flag="low_rating"), core.clock()) == []
