"""Citizens' domain choices and staff's misroutes become the next training run's labels."""
from __future__ import annotations

import copy

from sqlalchemy import select

from handlers import Core, NluPort, correction_examples, do_reassign_case, to_rasa_yaml
from storage import Case
from tests.chat_driver import CoreChat
from tests.test_staff_actions import _admin

APPRENTICE = "con trai tôi 17 tuổi muốn học nghề sửa điện thoại, ở Đà Nẵng, gọi tôi 0912345678"


async def choose(core: Core, chat: CoreChat, story: str, label: str) -> str:
    await chat.consent()
    assert "chưa chắc" in await chat.say(story)
    await chat.press(f"domain:{label}")
    await chat.press("skip:commune")
    if "contact:chat" in chat.buttons():
        await chat.press("contact:chat")
    await chat.press("confirm:send")
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).order_by(Case.id.desc()))
    assert case is not None and case.domain_chosen_by == "citizen"
    return case.code


async def test_a_citizens_choice_is_exported_masked_and_staff_have_the_last_word(core: Core, nlu_port: NluPort) -> None:
    doubtful = copy.copy(nlu_port.model)
    doubtful.threshold = 1.01  # the classifier abstains: the citizen chooses
    core.nlu = NluPort(doubtful)
    await choose(core, CoreChat(core, user="a"), APPRENTICE, "youth")
    examples = await correction_examples(core.db)
    assert list(examples) == ["youth"]
    [text] = examples["youth"]
    assert "0912345678" not in text and "<phone>" in text and "học nghề" in text
    assert "- intent: youth" in to_rasa_yaml(examples)

    code = await choose(core, CoreChat(core, user="b"), "ruộng nhà tôi ở Đà Nẵng bị ngập mặn, lúa chết hết", "other")
    await do_reassign_case(core, await _admin(core), code, "farmer.da-nang", "việc của Hội Nông dân")
    examples = await correction_examples(core.db)
    assert sorted(examples) == ["farmer", "youth"], "the staff's move replaces the citizen's choice"
    assert any("ngập mặn" in t for t in examples["farmer"])
