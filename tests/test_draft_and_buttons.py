"""The draft has one typed, versioned shape; button data one codec that refuses nonsense kindly."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers import Core
from handlers.buttons import Confirm, Domain, Rate, parse
from handlers.draft import VERSION, dump, load
from storage import Case, Conversation, Message
from tests.chat_driver import CoreChat

# Exactly what the first release wrote into conversation.draft (no version key, ranking as lists).
RELEASE_1_DRAFT = {
    "first_message_id": 0,  # replaced by a real message id below
    "description": "cty nợ lương 2 tháng rồi, em ở Bắc Ninh",
    "nlu": {"label": "union", "confidence": 0.9132, "ranking": [["union", 0.9132], ["women", 0.031]],
            "abstain": False},
    "domain": "union",
    "domain_by": "nlu",
    "province": "Bắc Ninh",
    "old_province": None,
    "urgent": False,
}


def test_a_release_1_draft_reads_as_the_typed_draft_and_is_written_back_versioned() -> None:
    draft = load(RELEASE_1_DRAFT)
    assert (draft.domain, draft.province, draft.nlu and draft.nlu.ranking[0]) == ("union", "Bắc Ninh", ("union", 0.9132))
    written = dump(draft)
    assert written["v"] == VERSION and written["description"] == RELEASE_1_DRAFT["description"]
    assert load(written) == draft


def test_a_broken_field_costs_only_that_field() -> None:
    draft = load({"description": "đường hỏng", "domain": "pirates", "contact": "carrier pigeon"})
    assert draft.description == "đường hỏng" and draft.domain is None and draft.contact is None


async def test_a_report_begun_before_the_upgrade_is_finished_after_it(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("cty nợ lương 2 tháng rồi, em ở Bắc Ninh")
    async with core.db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
        first = await session.scalar(select(Message.id).where(Message.text.like("cty nợ lương%")))
        conversation.state, conversation.draft = "commune", {**RELEASE_1_DRAFT, "first_message_id": first}
    reply = await chat.press("skip:commune")
    assert "liên hệ với bạn" in reply
    await chat.press("contact:chat")
    assert "Mã tra cứu: LN-" in await chat.press("confirm:send")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case))
        assert (case.domain, case.unit.key, case.nlu_confidence) == ("union", "union.bac-ninh", 0.9132)
        assert (await session.scalar(select(Message).where(Message.id == first))).case_id == case.id


def test_button_data_packs_and_unpacks_typed_values() -> None:
    assert Rate(code="LN-7K3Q9P", stars=5).pack() == "rate:LN-7K3Q9P:5"
    assert parse("rate:LN-7K3Q9P:5") == Rate(code="LN-7K3Q9P", stars=5)
    assert parse("domain:youth") == Domain(label="youth")
    assert parse(Confirm(action="send").pack()) == Confirm(action="send")


@pytest.mark.parametrize("data", ["rate:LN-AAAAAA:²", "rate:LN-AAAAAA:6", "rate:LN-AAAAAA:0", "rate:nonsense:3",
                                  "rate:LN-AAAAAA", "rate:LN-AAAAAA:5:5", "domain:pirates", "consent:maybe",
                                  "lottery:win", "", ":", "confirm"])
def test_button_data_that_is_not_ours_is_refused_without_an_exception(data: str) -> None:
    assert parse(data) is None


def test_a_value_that_would_break_the_format_cannot_be_packed() -> None:
    with pytest.raises(ValueError):
        Rate(code="LN-7K3Q9P:1", stars=1).pack()


async def test_a_forged_or_outdated_button_gets_a_kind_answer(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    for data in ("rate:LN-AAAAAA:²", "lottery:win", "domain:pirates"):
        assert "không hiểu nút này" in await chat.press(data, shown=False)
    assert "chưa thể đánh giá" in await chat.press("rate:LN-AAAAAA:5", shown=False)  # well formed, not theirs


def test_every_key_release_1_wrote_keeps_its_meaning() -> None:
    old = {"pending": "alo\ncty nợ lương", "first_message_id": 7, "description": "đường làng sạt lở",
           "domain": "other", "domain_by": "citizen", "province": "TP Hồ Chí Minh", "old_province": "Bình Dương",
           "commune": None, "province_skipped": False, "commune_skipped": True, "contact": "phone",
           "phone": "0912345678", "urgent": True}
    draft = load(old)
    assert (draft.pending, draft.first_message_id, draft.domain_by, draft.old_province) == (
        "alo\ncty nợ lương", 7, "citizen", "Bình Dương")
    assert (draft.commune_skipped, draft.contact, draft.phone, draft.urgent) == (True, "phone", "0912345678", True)
    assert {k: v for k, v in dump(draft).items() if k != "v"} == {k: v for k, v in old.items() if v not in (None, False)}
