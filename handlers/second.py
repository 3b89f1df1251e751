"""Two problems for two bodies in one story: the first is filed, the second is offered as its
own case, pre-filled with the part of the story that is about it."""
from __future__ import annotations

import re

from handlers.buttons import SecondCase
from handlers.draft import NluGuess, SecondOffer
from handlers.turn import Rows, Turn

BUTTONS: Rows = ((("button.second_yes", SecondCase(answer="yes")),), (("button.second_no", SecondCase(answer="no")),))
# Where one matter ends and the next begins: sentence ends, and the words people use to add one.
_JOINS = r"(?:còn|ngoài ra|thêm nữa|với lại|mặt khác|thêm một việc)"
_BREAK = re.compile(rf"(?:[.!?;\n]+\s*|,?\s+){_JOINS}\s+|[.!?;\n]+\s*", re.IGNORECASE)
MAX_PARTS = 12


def offer(turn: Turn, code: str, domain: str, idle_state: str) -> bool:
    """After case `code` is filed: offer the second problem, if there is one for another body."""
    d = turn.draft
    if d.second is None or d.second.label == domain:
        return False
    turn.reset(idle_state, offer=SecondOffer(
        label=d.second.label, confidence=d.second.confidence, code=code, description=d.description,
        province=d.province, old_province=d.old_province, commune=d.commune, province_skipped=d.province_skipped,
        commune_skipped=d.commune_skipped, contact=d.contact, phone=d.phone))
    turn.say("second.offer", buttons=BUTTONS, second=turn.t(f"domain.{d.second.label}"))
    return True


async def part_about(turn: Turn, text: str, label: str) -> str:
    """The sentences or clauses of `text` the classifier gives to `label`; all of it when it
    cannot tell them apart (one sentence, or every part reads the same)."""
    parts = [p.strip(" ,") for p in _BREAK.split(text) if p and p.strip(" ,")]
    if not 2 <= len(parts) <= MAX_PARTS:
        return text
    picked = [p for p in parts if (await turn.analyse(p)).classification.label == label]
    return ". ".join(picked) if picked and len(picked) < len(parts) else text


async def accept(turn: Turn, problem_state: str) -> bool:
    """Start the second report from the offer; False when there is no offer to accept."""
    o = turn.draft.offer
    if o is None:
        return False
    description = await part_about(turn, o.description, o.label)
    turn.reset(problem_state, description=description, first_message_id=turn.message.id, split_from=o.code,
               domain=o.label, domain_by="nlu", nlu=NluGuess(label=o.label, confidence=o.confidence),
               province=o.province, old_province=o.old_province, commune=o.commune,
               province_skipped=o.province_skipped, commune_skipped=o.commune_skipped,
               contact=o.contact, phone=o.phone)
    turn.say("second.started", code=o.code)
    return True


def decline(turn: Turn, idle_state: str) -> bool:
    o = turn.draft.offer
    if o is None:
        return False
    turn.reset(idle_state)
    turn.say("second.declined", code=o.code)
    return True
