"""Moderators review conversations: the flagged queue, the filters, a transcript, audited actions,
personal data revealed one field at a time with a reason, and the audit log (issue 9)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import CaseNotFound, Core, InvalidAction, do_reassign_case
from handlers.correction_queue import accepted_examples, corrections, do_accept_correction, do_reject_correction
from handlers.moderation import (
    do_add_note,
    do_correct_domain,
    do_correct_place,
    do_escalate_to_supervisor,
    do_flag_abuse,
    do_mark_reviewed,
)
from handlers.personal_data import AuditFilter, audit_log, do_reveal_field
from handlers.review_queue import ReviewFilter, review_queue, review_sample, transcript
from storage import Case, Conversation, CorrectionStatus, ModerationEvent, StaffNotice, StaffRole
from tests.chat_driver import CoreChat
from tests.test_staff_actions import open_wage_case, staff

PHONE_STORY = "công ty nợ lương 3 tháng, em ở Bắc Ninh, gọi em 0912345678"


async def _supervisor(core: Core, username: str, province: str | None) -> object:
    from handlers import create_staff, get_staff

    account = await create_staff(core.db, username, "supervisor-password", "Giám sát", StaffRole.SUPERVISOR,
                                 province=province)
    assert account is not None
    return await get_staff(core.db, account.id)


async def test_an_insult_puts_the_chat_in_the_flagged_queue_until_a_moderator_reviews_it(core: Core) -> None:
    moderator = await staff(core, "kiemduyet")
    rude, polite = CoreChat(core, user="rude"), CoreChat(core, user="polite")
    await rude.consent()
    answer = await rude.say("đồ ngu, cút đi")
    assert answer, "the citizen is still answered"
    await open_wage_case(core, polite)

    flagged = await review_queue(core.db, ReviewFilter(flag="flagged"), core.clock())
    assert [row.conversation.chat_id for row in flagged] == ["rude"]
    everything = await review_queue(core.db, ReviewFilter(), core.clock())
    assert everything[0].conversation.chat_id == "rude", "unreviewed flagged chats come first"

    chat_id = flagged[0].conversation.id
    with pytest.raises(InvalidAction):
        await do_mark_reviewed(core, moderator, chat_id, "  ")
    await do_mark_reviewed(core, moderator, chat_id, "lời lẽ thô tục, không cần xử lý thêm")
    assert await review_queue(core.db, ReviewFilter(flag="flagged"), core.clock()) == []
    assert [r.conversation.chat_id for r in await review_queue(core.db, ReviewFilter(flag="unreviewed"),
                                                               core.clock())] == ["polite"]
    await rude.say("ngu vl")   # a new insult after the review flags the chat again
    again = await review_queue(core.db, ReviewFilter(flag="flagged"), core.clock())
    assert [row.conversation.chat_id for row in again] == ["rude"]
    seen = await transcript(core.db, moderator, chat_id)
    assert [e.kind for e in seen.moderation] == ["abuse_detected", "reviewed", "abuse_detected"]
    assert any(m.text == "đồ ngu, cút đi" for m in seen.messages)


async def test_filters_select_what_they_name_and_the_sample_is_stable(core: Core) -> None:
    urgent, calm = CoreChat(core, user="u"), CoreChat(core, user="c")
    await urgent.file_report("chồng tôi đang đánh tôi, tôi đang bị chảy máu, ở Hà Nội")
    await open_wage_case(core, calm)
    now = core.clock()
    urgent_rows = await review_queue(core.db, ReviewFilter(flag="urgent"), now)
    assert [r.conversation.chat_id for r in urgent_rows] == ["u"]
    assert [r.conversation.chat_id for r in await review_queue(core.db, ReviewFilter(province="Bắc Ninh"), now)] == ["c"]
    assert [r.conversation.chat_id for r in await review_queue(core.db, ReviewFilter(domain="union"), now)] == ["c"]
    assert await review_queue(core.db, ReviewFilter(flag="overdue"), now) == []
    later = now + timedelta(days=30)
    assert {r.conversation.chat_id for r in await review_queue(core.db, ReviewFilter(flag="overdue"), later)} == {"u", "c"}
    assert await review_queue(core.db, ReviewFilter(channel="telegram"), now) == []
    day = now.date()
    assert len(await review_queue(core.db, ReviewFilter(date_from=day, date_to=day + timedelta(days=1)), now)) == 2
    assert await review_queue(core.db, ReviewFilter(date_from=day + timedelta(days=2)), now) == []
    sample = await review_sample(core.db, ReviewFilter(), now, seed="2026-12-02")
    assert len(sample) == 1, "1% of two chats is still one chat to read"
    assert sample[0].conversation.id == (await review_sample(core.db, ReviewFilter(), now, seed="2026-12-02"))[0].conversation.id


async def test_a_moderator_corrects_domain_and_place_and_a_correction_is_accepted(core: Core) -> None:
    moderator = await staff(core, "kiemduyet")
    chat = CoreChat(core, user="m")
    code = await open_wage_case(core, chat)
    from handlers import do_accept_case

    await do_accept_case(core, await staff(core, "congdoan.bacninh"), code)
    with pytest.raises(InvalidAction):
        await do_correct_domain(core, moderator, code, "youth", "")
    await do_correct_domain(core, moderator, code, "youth", "người lao động 17 tuổi, việc của Đoàn")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
    assert (case.domain, case.unit.key, case.status.value, case.accepted_at) == ("youth", "youth.bac-ninh", "open", None)
    assert "Đoàn Thanh niên" in "\n".join(r.text for r in await chat.deliver())

    await do_correct_place(core, moderator, code, "Hà Nội", "", "người dân nói rõ là ở Hà Nội")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
    assert (case.province, case.unit.key) == ("Hà Nội", "youth.ha-noi")
    with pytest.raises(InvalidAction):
        await do_correct_place(core, moderator, code, "Atlantis", "", "không có tỉnh này")

    [queued] = await corrections(core.db)
    assert (queued.code, queued.correction.to_domain, queued.correction.source) == (code, "youth", "moderator")
    with pytest.raises(InvalidAction):
        await do_reject_correction(core, moderator, queued.correction.id, "")
    await do_accept_correction(core, moderator, queued.correction.id)
    train, test = await accepted_examples(core.db)
    assert sum(len(v) for v in train.values()) + len(test) == 1
    assert await corrections(core.db) == []


async def test_a_staff_misroute_waits_in_the_queue_and_a_rejected_one_teaches_nothing(core: Core) -> None:
    chat = CoreChat(core, user="s")
    code = await open_wage_case(core, chat)
    await do_reassign_case(core, await staff(core, "congdoan.bacninh"), code, "farmer.bac-ninh", "đất nông nghiệp")
    [queued] = await corrections(core.db)
    assert (queued.correction.source, queued.correction.from_domain, queued.correction.to_domain) == (
        "staff", "union", "farmer")
    await do_reject_correction(core, await staff(core, "kiemduyet"), queued.correction.id, "chuyển nhầm, đúng là lương")
    assert await accepted_examples(core.db) == ({}, [])
    assert [q.correction.status for q in await corrections(core.db, None)] == [CorrectionStatus.REJECTED]


async def test_personal_data_is_revealed_one_field_with_a_reason_and_logged(core: Core) -> None:
    moderator = await staff(core, "kiemduyet")
    chat = CoreChat(core, user="p")
    await chat.file_report(PHONE_STORY)
    async with core.db.sessions() as session:
        code = await session.scalar(select(Case.code))
    with pytest.raises(InvalidAction):
        await do_reveal_field(core, moderator, code, "phone", "xem")   # not a reason
    revealed = await do_reveal_field(core, moderator, code, "phone", "cần gọi lại để xác minh lời lẽ xúc phạm")
    assert revealed.value == "0912345678"
    log = await audit_log(core.db, AuditFilter(kind="revealed"))
    assert [(r.actor, r.code, r.data["field"]) for r in log] == [("staff:kiemduyet", code, "phone")]
    assert log[0].reason == "cần gọi lại để xác minh lời lẽ xúc phạm"
    await do_reassign_case(core, await staff(core, "congdoan.bacninh"), code, "union", "vượt thẩm quyền tỉnh")
    everything = await audit_log(core.db, AuditFilter(code=code))
    assert [r.kind for r in everything] == ["reassigned", "revealed"]
    assert await audit_log(core.db, AuditFilter(actor="congdoan.bacninh", kind="revealed")) == []
    assert await audit_log(core.db, AuditFilter(date_from=core.clock().date() + timedelta(days=2))) == []


async def test_moderators_flag_note_and_send_a_case_to_the_supervisor(core: Core) -> None:
    moderator = await staff(core, "kiemduyet")
    boss = await _supervisor(core, "giamsat.bacninh", "Bắc Ninh")
    await _supervisor(core, "giamsat.hanoi", "Hà Nội")
    country = await _supervisor(core, "giamsat.quocgia", None)
    chat = CoreChat(core, user="n")
    code = await open_wage_case(core, chat)
    async with core.db.sessions() as session:
        conversation_id = await session.scalar(select(Conversation.id).where(Conversation.chat_id == "n"))
    with pytest.raises(InvalidAction):
        await do_flag_abuse(core, moderator, conversation_id, "rudeness", "không rõ")
    await do_flag_abuse(core, moderator, conversation_id, "staff_to_citizen", "cán bộ trả lời thiếu tôn trọng")
    await do_add_note(core, moderator, conversation_id, "theo dõi thêm tuần sau")
    await do_escalate_to_supervisor(core, moderator, code, "đơn vị chưa nhận xử lý sau 2 ngày")
    async with core.db.sessions() as session:
        told = {n.staff_id for n in (await session.scalars(select(StaffNotice))).all()}
        kinds = [e.kind for e in (await session.scalars(select(ModerationEvent).order_by(ModerationEvent.id))).all()]
    assert told == {boss.id, country.id}   # type: ignore[attr-defined]
    assert kinds == ["flagged", "note", "sent_to_supervisor"]
    with pytest.raises(CaseNotFound):   # a unit's staff member is no moderator
        await do_flag_abuse(core, await staff(core, "congdoan.bacninh"), conversation_id, "spam", "không phải việc")


async def test_a_rude_staff_reply_is_sent_and_flags_the_chat(core: Core) -> None:
    from handlers import do_reply_to_citizen

    chat = CoreChat(core, user="t")
    code = await open_wage_case(core, chat)
    await do_reply_to_citizen(core, await staff(core, "congdoan.bacninh"), code, "hỏi hoài, đồ ngu, cút đi")
    assert "đồ ngu" in "\n".join(r.text for r in await chat.deliver()), "moderators judge; nothing is censored"
    [row] = await review_queue(core.db, ReviewFilter(flag="flagged"), core.clock())
    [event] = [e for e in (await transcript(core.db, await staff(core, "kiemduyet"), row.conversation.id)).moderation]
    assert (event.kind, event.data["abuse"]) == ("abuse_detected", "staff_to_citizen")


async def test_only_the_abusive_message_is_marked_not_the_polite_one_after_it(core: Core) -> None:
    chat = CoreChat(core, user="q")
    await chat.consent()
    await chat.say("bọn cán bộ ngu như bò, công ty nợ lương 3 tháng ở Bắc Ninh mà không ai xử lý")
    await chat.say("công ty ở khu công nghiệp Quế Võ")
    seen = await transcript(core.db, await staff(core, "kiemduyet"), (await review_queue(
        core.db, ReviewFilter(flag="flagged"), core.clock()))[0].conversation.id)
    marked = [e.data["message_id"] for e in seen.moderation if e.kind == "abuse_detected"]
    by_id = {m.id: m.text for m in seen.messages}
    assert [by_id[i] for i in marked] == ["bọn cán bộ ngu như bò, công ty nợ lương 3 tháng ở Bắc Ninh mà không ai xử lý"]
