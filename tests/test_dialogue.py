"""The intake dialogue's promises, told as citizens would live them (on SQLite and PostgreSQL)."""
from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers import Core, NluPort
from nlu import LABELS, Location
from storage import Case, CaseEvent, Conversation, Message
from tests.chat_driver import CoreChat
from tests.nlu_double import ScriptedNlu, close_call


async def test_declining_consent_is_respected_and_erases_what_was_written(core: Core) -> None:
    chat = CoreChat(core)
    reply = await chat.say("chồng tôi hay đánh tôi, tôi ở Hà Nội, số tôi 0912345678")
    assert "Bạn có đồng ý không?" in reply
    reply = await chat.press("consent:no")
    assert "không được lưu giữ" in reply
    async with core.db.sessions() as session:
        texts = (await session.scalars(select(Message.text).where(Message.direction == "in"))).all()
        assert all("0912345678" not in t and "đánh" not in t for t in texts)
        assert (await session.scalar(select(Case.id))) is None
    reply = await chat.say("/start")
    assert "Bạn có đồng ý không?" in reply


async def test_message_written_before_consent_is_kept_and_used(core: Core) -> None:
    chat = CoreChat(core)
    await chat.say("cty no luong 2 thang roi, em o Bac Ninh")
    reply = await chat.press("consent:yes")
    assert "xã/phường nào của Bắc Ninh" in reply, "the first message must become the report after consent"


async def test_old_province_name_routes_to_the_new_province(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("công ty ở Bình Dương nợ lương công nhân 2 tháng nay")
    await chat.press("skip:commune")
    summary = await chat.press("contact:anonymous")
    assert "Công đoàn TP Hồ Chí Minh" in summary
    assert "Bình Dương nay thuộc TP Hồ Chí Minh" in summary
    assert "ẩn danh" in summary
    created = await chat.press("confirm:send")
    assert "Mã tra cứu: LN-" in created
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert (case.province, case.unit.key, case.anonymous) == ("TP Hồ Chí Minh", "union.tp-ho-chi-minh", True)


async def test_province_is_asked_only_when_missing_and_skipping_goes_central(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    reply = await chat.say("lúa nhà tôi bị sâu cuốn lá phá hết, thuốc trừ sâu mua về phun không ăn thua")
    assert "tỉnh/thành phố nào" in reply
    reply = await chat.say("khong biet")
    assert "chưa nhận ra tỉnh/thành phố" in reply
    await chat.press("skip:province")
    await chat.press("contact:chat")
    summary = await chat.press("confirm:send")
    assert "Trung ương Hội Nông dân Việt Nam" in summary


async def test_unsure_classifier_asks_with_buttons_and_keeps_the_choice(core: Core, nlu_port: NluPort) -> None:
    doubtful = copy.copy(nlu_port.model)
    doubtful.threshold = 1.01  # nothing is sure enough: every report must be confirmed by the citizen
    core.nlu = NluPort(doubtful)
    chat = CoreChat(core)
    await chat.consent()
    story = "con trai tôi 17 tuổi muốn học nghề sửa điện thoại, ở Đà Nẵng"
    reply = await chat.say(story)
    assert "chưa chắc" in reply
    choices = chat.buttons()
    # the classifier's two likeliest bodies first, then every other one, the Front's desk last
    top_two = [f"domain:{label}" for label, _p in doubtful.analyse(story).classification.ranking[:2]]
    assert choices[:2] == top_two
    assert sorted(choices) == sorted(f"domain:{label}" for label in LABELS)
    if "domain:other" not in top_two:
        assert choices[-1] == "domain:other"
    await chat.press("domain:youth")
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    await chat.press("confirm:send")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert (case.domain, case.domain_chosen_by, case.unit.key) == ("youth", "citizen", "youth.da-nang")


async def test_urgent_message_gives_emergency_numbers_first_and_is_filed_at_once(core: Core) -> None:
    # Issue 7: an urgent report no longer waits for the summary and "Send"; it is filed at once
    # and its commune and contact are asked afterwards.
    chat = CoreChat(core)
    await chat.consent()
    messages = await chat.messages("chồng tôi đang cầm dao dọa giết tôi, tôi ở Hải Phòng, cứu tôi với")
    numbers = messages[0]
    assert all(n in numbers for n in ("113", "114", "115", "111", "1900 969 680"))
    assert "Mã tra cứu: LN-" in messages[1] and "KHẨN" in messages[1]
    assert "xã/phường nào của Hải Phòng" in messages[1]
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert case.urgent and case.domain == "women" and case.unit.key == "women.hai-phong"
        assert case.resolve_deadline - case.created_at == timedelta(hours=24)
    await chat.press("skip:commune")
    done = await chat.press("contact:chat")
    assert case.code in done and "Đã cập nhật" in done
    async with core.db.sessions() as session:
        assert len((await session.scalars(select(Case))).all()) == 1


async def test_restart_mid_dialogue_continues_where_the_citizen_was(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương, em ở Bắc Ninh")
    restarted = Core(db=core.db, nlu=core.nlu, config=core.config)  # a new process, same database
    chat.core = restarted
    reply = await chat.press("skip:commune")
    assert "liên hệ với bạn" in reply


async def test_cancel_drops_the_draft_and_commands_work_anywhere(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("đèn đường xã tôi hỏng cả tháng nay, tối đi lại khó")
    assert "đã hủy" in (await chat.say("/cancel")).lower()
    assert "Không có phản ánh nào đang soạn" in await chat.say("/cancel")
    assert "/status" in await chat.say("/help")
    assert "LN-7K3Q9P" in await chat.say("/status abc")
    async with core.db.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation.draft == {}


async def test_free_text_in_a_later_step_joins_the_description(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty ko đóng bhxh cho em 1 năm nay, em ở Bắc Ninh")
    reply = await chat.say("giờ em nghỉ việc rồi mà không chốt được sổ bảo hiểm")
    assert "Đã thêm" in reply
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    await chat.press("confirm:send")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert "không chốt được sổ" in case.description and "bhxh" in case.description
        events = (await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))).all()
        assert events == ["created"]


async def test_a_double_press_on_send_opens_one_case(core: Core) -> None:
    import asyncio

    from handlers import Inbound, InboundKind, handle_inbound

    chat = CoreChat(core, user="double")
    await chat.consent()
    await chat.say("đèn đường ở ngõ tôi hỏng cả tháng nay, tôi ở Huế")
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    presses = [Inbound(channel=chat.channel, chat_id=chat.user, user_id=chat.user, kind=InboundKind.BUTTON,
                       data="confirm:send", update_id=f"double-{n}") for n in (1, 2)]
    await asyncio.gather(*(handle_inbound(core, p) for p in presses))
    async with core.db.sessions() as session:
        assert len((await session.scalars(select(Case))).all()) == 1


async def test_first_messages_of_a_new_chat_at_once_make_one_conversation(core: Core) -> None:
    import asyncio

    from handlers import Inbound, InboundKind, handle_inbound

    texts = [Inbound(channel="test", chat_id="burst", user_id="burst", kind=InboundKind.TEXT, text=f"alo {n}",
                     update_id=f"burst-{n}") for n in range(3)]
    results = await asyncio.gather(*(handle_inbound(core, t) for t in texts))
    assert not any(r.duplicate for r in results)
    async with core.db.sessions() as session:
        assert len((await session.scalars(select(Conversation).where(Conversation.chat_id == "burst"))).all()) == 1


async def test_old_buttons_do_no_harm(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương, em ở Bắc Ninh")
    assert "đã đồng ý trước đó" in await chat.press("consent:yes")
    async with core.db.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation.state == "commune" and "nợ lương" in conversation.draft["description"]
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    await chat.press("confirm:edit")
    assert "câu hỏi cũ" in await chat.press("confirm:send")
    async with core.db.sessions() as session:
        assert (await session.scalar(select(Case.id))) is None


async def test_an_answer_inside_a_longer_message_keeps_the_rest_of_the_story(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương 2 tháng, em ở Bắc Ninh")
    await chat.press("skip:commune")
    await chat.say("số em là 0912345678, ngoài ra công ty còn không đóng BHXH 2 năm")
    async with core.db.sessions() as session:
        draft = (await session.scalar(select(Conversation))).draft
    assert draft["phone"] == "0912345678" and "không đóng BHXH 2 năm" in draft["description"]


async def test_a_phone_number_in_the_story_is_not_asked_again(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương 2 tháng, em ở Bắc Ninh, liên hệ em 0987 654 321")
    summary = await chat.press("skip:commune")
    assert "liên hệ với bạn thế nào" not in summary
    assert "điện thoại 0987654321" in summary


async def test_two_bodies_too_close_to_call_are_named_and_offered_first(core: Core, nlu_port: NluPort) -> None:
    core.nlu = ScriptedNlu(nlu_port, {"tăng ca": {"classification": close_call("union", "women")}})
    chat = CoreChat(core)
    await chat.consent()
    reply = await chat.say("em bầu 7 tháng mà công ty vẫn bắt tăng ca đêm, em ở Bắc Ninh")
    assert "có thể thuộc Lao động, việc làm (Công đoàn) hoặc Phụ nữ, gia đình (Hội Phụ nữ)" in reply
    assert chat.buttons()[:2] == ["domain:union", "domain:women"] and len(chat.buttons()) == len(LABELS)
    assert "xã/phường nào của Bắc Ninh" in await chat.press("domain:women")


async def test_a_commune_given_with_its_province_is_not_asked_again(core: Core, nlu_port: NluPort) -> None:
    tien_du = Location("Bắc Ninh", 24, "Xã Tiên Du", 9319, None)
    core.nlu = ScriptedNlu(nlu_port, {"Tiên Du": {"location": tien_du}})
    chat = CoreChat(core)
    await chat.consent()
    reply = await chat.say("công ty ở xã Tiên Du, Bắc Ninh nợ lương em 2 tháng")
    assert "xã/phường nào" not in reply and "liên hệ với bạn" in reply
    summary = await chat.press("contact:chat")
    assert "Xã Tiên Du, Bắc Ninh" in summary


async def test_a_commune_and_province_in_answer_to_the_province_question_are_both_taken(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    assert "tỉnh/thành phố nào" in await chat.say("lúa nhà tôi bị sâu cuốn lá phá hết, phun thuốc không ăn thua")
    reply = await chat.say("xã Tiên Du, Bắc Ninh")
    assert "xã/phường nào" not in reply and "liên hệ với bạn" in reply


async def _last_in(core: Core) -> Message:
    async with core.db.sessions() as session:
        message = await session.scalar(select(Message).where(Message.direction == "in").order_by(Message.id.desc()))
        assert message is not None
        return message


async def test_a_button_pressed_on_an_older_message_is_written_as_its_label(core: Core) -> None:
    """The transcript shows what the citizen saw on the button, also when other messages came after it."""
    chat = CoreChat(core)
    await chat.say("/start")
    label = next(b.label for r in chat.received for row in r.buttons for b in row if b.value == "consent:yes")
    await chat.say("/help")   # the bot answers without buttons: the consent question is no longer the last
    await chat.press("consent:yes")
    assert (await _last_in(core)).text == label


async def test_every_message_moves_the_chats_last_activity(core: Core) -> None:
    """The moderators' queue sorts chats by their last activity: a message that changes nothing
    else in the dialogue still counts."""
    chat = CoreChat(core)
    await chat.say("/start")
    later = datetime.now(UTC) + timedelta(days=3)
    core.clock = lambda: later
    await chat.say("/help")
    async with core.db.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None and conversation.updated_at == later
