"""The intake dialogue: an explicit state machine whose state is a column of the conversation.

Each state is the question the bot last asked. `advance` asks only for what the draft still
lacks, so a message that already names the place skips the place question. Text a state does not
expect is never dropped: it joins the draft's description.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update

from handlers.cases import (
    add_to_case,
    case_for_reply,
    last_resolved_unrated,
    named_open_case,
    open_case,
    rate_case,
)
from handlers.deadlines import format_local
from handlers.texts import CONSENT_VERSION
from handlers.turn import Turn
from handlers.units import route
from storage import Message

START, CONSENT, PROBLEM, DOMAIN, PROVINCE, COMMUNE, CONTACT, CONFIRM, IDLE = (
    "start", "consent", "problem", "domain", "province", "commune", "contact", "confirm", "idle")
MAX_TEXT = 5000
SUMMARY_CHARS = 400
YES = {"dong y", "đồng ý", "co", "có", "ok", "yes", "y", "dy", "đy", "ừ", "u", "uh", "vâng", "vang"}
NO = {"khong", "không", "ko", "k", "no", "khong dong y", "không đồng ý"}
PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")


def normalise_phone(raw: str) -> str | None:
    match = PHONE_RE.search(raw)
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group(0))
    digits = "0" + digits[2:] if digits.startswith("84") else digits
    return digits if len(digits) in (10, 11) else None


# --- consent ---------------------------------------------------------------------------------

def ask_consent(turn: Turn, pending: str | None = None) -> None:
    """Nothing is processed before consent; what the citizen already wrote waits in the draft."""
    changes: dict[str, Any] = {}
    if pending:
        old = turn.draft.get("pending")
        changes["pending"] = f"{old}\n{pending}" if old else pending
        changes.setdefault("first_message_id", turn.draft.get("first_message_id", turn.message.id))
    turn.conversation.state = CONSENT
    turn.set_draft(**changes)
    turn.say("welcome")
    turn.say("consent.ask", buttons=((("button.agree", "consent:yes"),), (("button.decline", "consent:no"),)))


async def give_consent(turn: Turn) -> None:
    turn.citizen.consent_at = turn.core.clock()
    turn.citizen.consent_version = CONSENT_VERSION
    turn.citizen.consent_declined_at = None
    pending, first = turn.draft.get("pending"), turn.draft.get("first_message_id")
    turn.say("consent.thanks")
    if pending:
        turn.reset(PROBLEM, first_message_id=first)
        await accept_problem(turn, pending)
    else:
        start_report(turn)


async def decline_consent(turn: Turn) -> None:
    """Respect a refusal: forget what was written and keep nothing but the refusal itself."""
    turn.citizen.consent_declined_at = turn.core.clock()
    turn.citizen.consent_at = None
    await turn.session.execute(
        update(Message)
        .where(Message.conversation_id == turn.conversation.id, Message.case_id.is_(None))
        .values(text="")
    )
    turn.message.text = ""
    turn.reset(START)
    turn.say("consent.declined")


# --- the report ------------------------------------------------------------------------------

def start_report(turn: Turn) -> None:
    turn.reset(PROBLEM)
    turn.say("problem.ask")


def text_problem(turn: Turn, text: str) -> bool:
    """Say why a text cannot be a report, or return True when it can."""
    if not text.strip():
        turn.say("problem.empty")
        return False
    if len(text) > MAX_TEXT:
        turn.say("problem.too_long", length=len(text), limit=MAX_TEXT)
        return False
    return True


async def accept_problem(turn: Turn, text: str) -> None:
    if not text_problem(turn, text):
        return
    turn.set_draft(description=text.strip(), first_message_id=turn.draft.get("first_message_id", turn.message.id))
    await analyse_draft(turn)
    await advance(turn)


async def append_text(turn: Turn, text: str) -> None:
    if not text_problem(turn, text):
        return
    description = f"{turn.draft.get('description', '')}\n{text.strip()}".strip()
    turn.set_draft(description=description[: MAX_TEXT * 2])
    turn.say("confirm.added")
    await analyse_draft(turn)
    await advance(turn)


async def analyse_draft(turn: Turn) -> None:
    """Let the NLU fill domain, place and urgency; a citizen's own choice is never overridden."""
    d = turn.draft
    analysis = await turn.core.nlu.analyse(d["description"])
    cls, loc = analysis.classification, analysis.location
    changes: dict[str, Any] = {"nlu": {"label": cls.label, "confidence": round(cls.confidence, 4),
                                       "ranking": [[lab, round(p, 4)] for lab, p in cls.ranking],
                                       "abstain": cls.abstain}}
    if d.get("domain_by") != "citizen":
        changes.update(domain=None if cls.abstain else cls.label, domain_by="nlu")
    if not d.get("province") and loc.province:
        changes.update(province=loc.province, old_province=loc.old_province)
        if loc.commune and not d.get("commune"):
            changes["commune"] = loc.commune
    elif loc.commune and loc.province == d.get("province") and not d.get("commune"):
        changes["commune"] = loc.commune
    if not d.get("contact") and (phone := normalise_phone(d["description"])):
        changes.update(contact="phone", phone=phone)  # they told us how to reach them already
    if analysis.urgent and not d.get("urgent"):
        changes["urgent"] = True
        turn.say("urgent.notice")
    turn.set_draft(**changes)


async def advance(turn: Turn) -> None:
    """Ask the first thing the draft still lacks; when nothing is missing, show the summary."""
    d = turn.draft
    if not d.get("description"):
        turn.conversation.state = PROBLEM
        turn.say("problem.ask")
    elif not d.get("domain"):
        turn.conversation.state = DOMAIN
        turn.say("domain.ask", buttons=domain_buttons(d))
    elif not d.get("province") and not d.get("province_skipped"):
        turn.conversation.state = PROVINCE
        turn.say("province.ask", buttons=((("button.skip", "skip:province"),),))
    elif d.get("province") and not d.get("commune") and not d.get("commune_skipped"):
        turn.conversation.state = COMMUNE
        turn.say("commune.ask", buttons=((("button.skip", "skip:commune"),),), province=d["province"])
    elif not d.get("contact"):
        turn.conversation.state = CONTACT
        turn.say("contact.ask", buttons=((("button.contact_chat", "contact:chat"),),
                                         (("button.contact_anonymous", "contact:anonymous"),)))
    else:
        turn.conversation.state = CONFIRM
        await show_summary(turn)


def domain_buttons(d: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The NLU's three best guesses, and always the Front's general desk as a way out."""
    ranked = [label for label, _p in (d.get("nlu") or {}).get("ranking", [])][:3]
    if "other" not in ranked:
        ranked.append("other")
    return tuple(((f"domain.{label}", f"domain:{label}"),) for label in ranked)


def place_text(turn: Turn) -> str:
    d = turn.draft
    if not d.get("province"):
        return turn.t("place.unknown")
    place = ", ".join(p for p in (d.get("commune"), d["province"]) if p)
    if d.get("old_province"):
        place += f" ({turn.t('province.old_name', old=d['old_province'], province=d['province'])})"
    return place


def contact_text(turn: Turn) -> str:
    d = turn.draft
    if d.get("contact") == "phone":
        return turn.t("contact.phone", phone=d["phone"])
    return turn.t("contact.anonymous" if d.get("contact") == "anonymous" else "contact.chat")


async def show_summary(turn: Turn) -> None:
    d = turn.draft
    unit = await route(turn.session, d["domain"], d.get("province"), d.get("commune"))
    description = d["description"]
    if len(description) > SUMMARY_CHARS:
        description = description[:SUMMARY_CHARS].rstrip() + "…"
    turn.say(
        "confirm.summary",
        buttons=((("button.send", "confirm:send"),), (("button.edit", "confirm:edit"),),
                 (("button.cancel", "confirm:cancel"),)),
        description=description, domain_name=turn.t(f"domain.{d['domain']}"), unit=unit.name,
        place=place_text(turn), contact=contact_text(turn),
        urgent=turn.t("confirm.urgent_line") if d.get("urgent") else "",
    )


async def submit(turn: Turn) -> None:
    if turn.conversation.state != CONFIRM or not turn.draft.get("description") or not turn.draft.get("domain"):
        turn.say("draft.none")
        return
    case = await open_case(turn)
    turn.reset(IDLE)
    turn.say("case.created", code=case.code, unit=case.unit.name,
             deadline=format_local(case.resolve_deadline, turn.core.config))


def cancel(turn: Turn) -> None:
    if turn.conversation.state in DRAFTING:
        turn.reset(IDLE)
        turn.say("cancelled")
    else:
        turn.say("nothing_to_cancel")


# --- answers to each question ------------------------------------------------------------------

DRAFTING = (PROBLEM, DOMAIN, PROVINCE, COMMUNE, CONTACT, CONFIRM)


async def on_text(turn: Turn, text: str) -> None:
    state = turn.conversation.state
    if turn.citizen.consent_at is None:
        await on_text_before_consent(turn, text)
    elif state in DRAFTING and (case := await named_open_case(turn, text)) is not None:
        await add_to_case(turn, case)  # "LN-… : ..." answers that case, even in the middle of a new report
    elif state == PROBLEM:
        await accept_problem(turn, text)
    elif state == PROVINCE:
        await on_province(turn, text)
    elif state == COMMUNE:
        await on_commune(turn, text)
    elif state == CONTACT:
        await on_contact(turn, text)
    elif state in (DOMAIN, CONFIRM):
        await append_text(turn, text)
    else:
        await on_idle(turn, text)


async def on_text_before_consent(turn: Turn, text: str) -> None:
    answer = text.strip().lower().rstrip(".!")
    if turn.conversation.state == CONSENT and answer in YES:
        await give_consent(turn)
    elif turn.conversation.state == CONSENT and answer in NO:
        await decline_consent(turn)
    else:
        ask_consent(turn, pending=text.strip() or None)


def is_more_story(text: str) -> bool:
    """A longer message in answer to a short question is more of the story, not the answer."""
    return len(text.split()) > 5


def keep_story(turn: Turn, text: str) -> None:
    """An answer inside a longer message: take the answer and keep the rest of the story too."""
    if is_more_story(text):
        description = f"{turn.draft.get('description', '')}\n{text.strip()}".strip()
        turn.set_draft(description=description[: MAX_TEXT * 2])


async def on_province(turn: Turn, text: str) -> None:
    loc = await turn.core.nlu.locate(text)
    if loc.province:
        keep_story(turn, text)
        turn.set_draft(province=loc.province, old_province=loc.old_province,
                       commune=loc.commune or turn.draft.get("commune"))
        await advance(turn)
    elif is_more_story(text):
        await append_text(turn, text)
    else:
        turn.say("province.unknown", buttons=((("button.skip", "skip:province"),),), text=text.strip()[:60])


async def on_commune(turn: Turn, text: str) -> None:
    province = turn.draft["province"]
    loc = await turn.core.nlu.locate(text, province)
    if loc.commune:
        keep_story(turn, text)
        turn.set_draft(commune=loc.commune)
        await advance(turn)
    elif is_more_story(text):
        await append_text(turn, text)
    else:
        turn.say("commune.unknown", buttons=((("button.skip", "skip:commune"),),),
                 text=text.strip()[:60], province=province)


async def on_contact(turn: Turn, text: str) -> None:
    phone = normalise_phone(text)
    if phone:
        keep_story(turn, text)
        turn.set_draft(contact="phone", phone=phone)
        await advance(turn)
    elif is_more_story(text):
        await append_text(turn, text)
    else:
        turn.say("contact.invalid", buttons=((("button.contact_chat", "contact:chat"),),
                                             (("button.contact_anonymous", "contact:anonymous"),)))


async def on_idle(turn: Turn, text: str) -> None:
    """Between reports: an open case takes the message; a bare 1-5 rates a resolved one."""
    if (case := await case_for_reply(turn)) is not None:
        await add_to_case(turn, case)
    elif text.strip() in {"1", "2", "3", "4", "5"} and (resolved := await last_resolved_unrated(turn)):
        await rate_case(turn, resolved.code, int(text.strip()))
    else:
        turn.reset(PROBLEM)
        await accept_problem(turn, text)


async def on_button(turn: Turn, data: str) -> None:
    verb, _, value = data.partition(":")
    state = turn.conversation.state
    if verb == "consent" and (turn.citizen.consent_at is None or state == CONSENT):
        await (give_consent(turn) if value == "yes" else decline_consent(turn))
    elif verb == "consent":
        turn.say("consent.already")
    elif turn.citizen.consent_at is None:
        ask_consent(turn)
    elif verb == "rate":
        code, _, stars = value.rpartition(":")
        await rate_case(turn, code, int(stars) if stars.isdigit() else 0)
    elif verb == "confirm" and state != CONFIRM:
        turn.say("button.stale")
    elif not turn.draft.get("description") and verb in ("domain", "skip", "contact", "confirm"):
        turn.say("draft.none")
    elif verb == "domain" and value in turn.core.config.organisations:
        turn.set_draft(domain=value, domain_by="citizen")
        await advance(turn)
    elif verb == "skip" and value in ("province", "commune"):
        turn.set_draft(**{f"{value}_skipped": True})
        await advance(turn)
    elif verb == "contact" and value in ("chat", "anonymous"):
        turn.set_draft(contact=value, phone=None)
        await advance(turn)
    elif data == "confirm:send":
        await submit(turn)
    elif data == "confirm:edit":
        turn.reset(PROBLEM, first_message_id=turn.draft.get("first_message_id"))
        turn.say("problem.ask")
    elif data == "confirm:cancel":
        cancel(turn)
    else:
        turn.say("help")


async def on_contact_shared(turn: Turn, phone_text: str) -> None:
    phone = normalise_phone(phone_text.replace("+", ""))
    if turn.conversation.state == CONTACT and phone:
        turn.set_draft(contact="phone", phone=phone)
        await advance(turn)
    else:
        await on_text(turn, phone_text)
