"""The intake dialogue: an explicit state machine whose state is a column of the conversation.

Each state is the question the bot last asked. `advance` asks only for what the draft still
lacks, so a message that already names the place skips the place question. Text a state does not
expect is never dropped: it joins the draft's description. Danger comes first: an urgent message
gets the emergency numbers before anything else, in any state, and an urgent report is filed as
soon as there is consent, its place and contact asked afterwards.
"""
from __future__ import annotations

import re
from typing import Any

from handlers import consent, data_rights, publication, reopen, second, smalltalk
from handlers.buttons import (
    ButtonData,
    Confirm,
    Consent,
    ContactWay,
    Domain,
    Erase,
    Publish,
    Rate,
    Reopen,
    SecondCase,
    Skip,
    parse,
)
from handlers.cases import (
    add_to_case,
    case_for_reply,
    complete_case,
    last_resolved_unrated,
    named_open_case,
    open_case,
    own_open_case,
    rate_case,
)
from handlers.deadlines import format_local
from handlers.draft import Draft, NluGuess, SecondProblem
from handlers.turn import Rows, Turn
from handlers.units import route
from nlu import LABELS, Classification

START, CONSENT, PROBLEM, DOMAIN, PROVINCE, COMMUNE, CONTACT, CONFIRM, IDLE = (
    "start", consent.CONSENT, "problem", "domain", "province", "commune", "contact", "confirm", "idle")
DRAFTING = (PROBLEM, DOMAIN, PROVINCE, COMMUNE, CONTACT, CONFIRM)
MAX_TEXT = 5000
SUMMARY_CHARS = 400
YES = {"dong y", "đồng ý", "co", "có", "ok", "yes", "y", "dy", "đy", "ừ", "u", "uh", "vâng", "vang"}
NO = {"khong", "không", "ko", "k", "no", "khong dong y", "không đồng ý"}
DIGITS = {"1", "2", "3", "4", "5"}
PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")
CONTACT_BUTTONS: Rows = ((("button.contact_chat", ContactWay(way="chat")),),
                         (("button.contact_anonymous", ContactWay(way="anonymous")),))
CONFIRM_BUTTONS: Rows = ((("button.send", Confirm(action="send")),), (("button.edit", Confirm(action="edit")),),
                         (("button.cancel", Confirm(action="cancel")),))


def normalise_phone(raw: str) -> str | None:
    match = PHONE_RE.search(raw)
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group(0))
    digits = "0" + digits[2:] if digits.startswith("84") else digits
    return digits if len(digits) in (10, 11) else None


def skip_button(question: str) -> Rows:
    return ((("button.skip", Skip(question="province" if question == PROVINCE else "commune")),),)


def short_answer(text: str) -> str:
    return text.strip().lower().rstrip(".!")


# --- danger first ----------------------------------------------------------------------------

def warn_danger(turn: Turn) -> None:
    """The emergency numbers, before anything else this turn says, once per story."""
    if turn.danger_said or turn.draft.danger_shown:
        return
    turn.say("urgent.notice", before_all=True, alone=True)
    turn.danger_said = True
    if turn.conversation.state != IDLE:  # between stories every urgent message gets them again
        turn.set_draft(danger_shown=True)


# --- consent: the one door -------------------------------------------------------------------

async def consent_gate(turn: Turn, text: str | None = None, *, full: bool = False) -> bool:
    """Before consent nothing is handled: True when this turn was about consent and is done.

    A report typed before consent waits in the draft and is acknowledged with the buttons; a
    greeting or thanks gets its short answer and is not kept."""
    if consent.has_consent(turn):
        return False
    state = turn.conversation.state
    answer = short_answer(text or "")
    if text is None or not answer:
        consent.ask(turn, full=full)
    elif state == CONSENT and answer in YES:
        await give_consent(turn)
    elif state == CONSENT and answer in NO:
        await consent.refuse(turn)
    elif smalltalk.not_a_report(analysis := await turn.analyse(text)):
        if state == CONSENT:
            smalltalk.answer(turn, analysis)
        consent.ask(turn)
    else:
        consent.ask(turn, pending=text.strip())
    return True


async def give_consent(turn: Turn) -> None:
    consent.record(turn)
    d = turn.draft
    turn.say("consent.thanks")
    if d.pending:
        turn.reset(PROBLEM, first_message_id=d.first_message_id, danger_shown=d.danger_shown)
        await accept_problem(turn, d.pending)
    else:
        start_report(turn)


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
    turn.set_draft(description=text.strip(), first_message_id=turn.draft.first_message_id or turn.message.id)
    await analyse_draft(turn)
    await advance(turn)


def add_story(turn: Turn, text: str) -> None:
    description = f"{turn.draft.description}\n{text.strip()}".strip()
    turn.set_draft(description=description[: MAX_TEXT * 2])


async def append_text(turn: Turn, text: str) -> None:
    if not text_problem(turn, text):
        return
    if turn.draft.follow_case and (case := await own_open_case(turn, turn.draft.follow_case)) is not None:
        await add_to_case(turn, case)  # the case exists already: more of the story goes to it
        await advance(turn)
        return
    add_story(turn, text)
    turn.say("confirm.added")
    await analyse_draft(turn)
    await advance(turn)


def guess(cls: Classification) -> NluGuess:
    return NluGuess(label=cls.label, confidence=round(cls.confidence, 4),
                    ranking=tuple((lab, round(p, 4)) for lab, p in cls.ranking), abstain=cls.abstain,
                    close=bool(getattr(cls, "close", False)))


async def analyse_draft(turn: Turn) -> None:
    """Let the NLU fill domain, place and urgency; a citizen's own choice is never overridden."""
    d = turn.draft
    analysis = await turn.analyse(d.description)
    cls, loc = analysis.classification, analysis.location
    changes: dict[str, Any] = {"nlu": guess(cls)}
    if d.domain_by != "citizen":
        changes.update(domain=None if cls.abstain else cls.label, domain_by="nlu")
    if not d.province and loc.province:
        changes.update(province=loc.province, old_province=loc.old_province)
        if loc.commune and not d.commune:
            changes["commune"] = loc.commune
    elif loc.commune and loc.province == d.province and not d.commune:
        changes["commune"] = loc.commune
    if not d.contact and (phone := normalise_phone(d.description)):
        changes.update(contact="phone", phone=phone)  # they told us how to reach them already
    if analysis.urgent and not d.urgent:
        changes["urgent"] = True
        warn_danger(turn)
        changes["danger_shown"] = True
    other = analysis.second
    if other is not None and d.second is None and other.label in LABELS and other.label != changes.get("domain"):
        changes["second"] = SecondProblem(label=other.label, confidence=round(other.confidence, 4))
        turn.say("second.noticed", second=turn.t(f"domain.{other.label}"))
    turn.set_draft(**changes)


async def advance(turn: Turn) -> None:
    """Ask the first thing the draft still lacks; when nothing is missing, show the summary (or,
    for an urgent case already filed, close the follow-up)."""
    d = turn.draft
    if d.follow_case and not await keep_case_complete(turn):
        return
    if not d.description:
        turn.conversation.state = PROBLEM
        turn.say("problem.ask")
    elif d.urgent and not d.follow_case:
        await file_urgent(turn)
    elif not d.domain:
        ask_domain(turn)
    elif not d.province and not d.province_skipped:
        turn.conversation.state = PROVINCE
        turn.say("province.ask", buttons=skip_button(PROVINCE))
    elif d.province and not d.commune and not d.commune_skipped:
        turn.conversation.state = COMMUNE
        turn.say("commune.ask", buttons=skip_button(COMMUNE), province=d.province)
    elif not d.contact:
        turn.conversation.state = CONTACT
        turn.say("contact.ask", buttons=CONTACT_BUTTONS)
    elif d.follow_case:
        await finish_follow_up(turn)
    else:
        turn.conversation.state = CONFIRM
        await show_summary(turn)


def ranked_labels(d: Draft) -> list[str]:
    """Every domain, the classifier's favourites first; the Front's desk last unless it is a favourite."""
    ranked = [label for label, _p in d.nlu.ranking if label in LABELS] if d.nlu else []
    ranked += [label for label in LABELS if label not in ranked]
    top, rest = ranked[:2], ranked[2:]
    return top + [label for label in rest if label != "other"] + (["other"] if "other" in rest else [])


def ask_domain(turn: Turn) -> None:
    """The two likeliest bodies first (named in the question when they are too close to call),
    then the others, so the citizen can always pick the right one."""
    d = turn.draft
    turn.conversation.state = DOMAIN
    labels = ranked_labels(d)
    rows: list[tuple[tuple[str, ButtonData], ...]] = [((f"domain.{label}", Domain(label=label)),) for label in labels[:2]]
    rest = labels[2:]
    rows += [tuple((f"domain.{label}", Domain(label=label)) for label in rest[i:i + 2]) for i in range(0, len(rest), 2)]
    if d.nlu and d.nlu.close:
        turn.say("domain.ask_two", buttons=tuple(rows), first=turn.t(f"domain.{labels[0]}"),
                 second=turn.t(f"domain.{labels[1]}"))
    else:
        turn.say("domain.ask", buttons=tuple(rows))


def place_text(turn: Turn, d: Draft | None = None) -> str:
    d = d or turn.draft
    if not d.province:
        return turn.t("place.unknown")
    place = ", ".join(p for p in (d.commune, d.province) if p)
    if d.old_province:
        place += f" ({turn.t('province.old_name', old=d.old_province, province=d.province)})"
    return place


def contact_text(turn: Turn) -> str:
    d = turn.draft
    if d.contact == "phone":
        return turn.t("contact.phone", phone=d.phone)
    return turn.t("contact.anonymous" if d.contact == "anonymous" else "contact.chat")


async def show_summary(turn: Turn) -> None:
    d = turn.draft
    assert d.domain is not None
    unit = await route(turn.session, d.domain, d.province, d.commune)
    description = d.description
    if len(description) > SUMMARY_CHARS:
        description = description[:SUMMARY_CHARS].rstrip() + "…"
    turn.say(
        "confirm.summary", buttons=CONFIRM_BUTTONS,
        description=description, domain_name=turn.t(f"domain.{d.domain}"), unit=unit.name,
        place=place_text(turn), contact=contact_text(turn),
        urgent=turn.t("confirm.urgent_line") if d.urgent else "",
    )


async def submit(turn: Turn) -> None:
    if turn.conversation.state != CONFIRM or not turn.draft.description or not turn.draft.domain:
        turn.say("draft.none")
        return
    case = await open_case(turn)
    turn.say("case.created", code=case.code, unit=case.unit.name,
             deadline=format_local(case.resolve_deadline, turn.core.config, turn.language))
    publication.ask(turn, case.code)
    finish(turn, case.code, case.domain)


def finish(turn: Turn, code: str, domain: str) -> None:
    """The report is filed: offer its second problem, if any, else wait for what comes next."""
    if not second.offer(turn, code, domain, IDLE):
        turn.reset(IDLE)


# --- urgent: filed first, completed after ----------------------------------------------------------

async def file_urgent(turn: Turn) -> None:
    """File with what there is (the Front's desk when the domain is unsure; the province or the
    central unit when the place is missing), then ask for place and contact to complete it."""
    d = turn.draft
    if not d.domain:
        turn.set_draft(domain=d.nlu.label if d.nlu and not d.nlu.abstain else "other", domain_by="nlu")
    case = await open_case(turn)
    turn.set_draft(follow_case=case.code)
    turn.say("urgent.filed", code=case.code, unit=case.unit.name,
             deadline=format_local(case.resolve_deadline, turn.core.config, turn.language))
    await advance(turn)


async def keep_case_complete(turn: Turn) -> bool:
    """Copy what the citizen has told so far into the urgent case; False when it is closed."""
    code = turn.draft.follow_case
    case = await own_open_case(turn, code) if code else None
    if case is None:
        turn.reset(IDLE)
        return False
    await complete_case(turn, case)
    return True


async def finish_follow_up(turn: Turn) -> None:
    d = turn.draft
    case = await own_open_case(turn, d.follow_case or "")
    if case is None:
        turn.reset(IDLE)
        return
    turn.say("urgent.updated", code=case.code, unit=case.unit.name, place=place_text(turn), contact=contact_text(turn))
    finish(turn, case.code, case.domain)


def cancel(turn: Turn) -> None:
    d = turn.draft
    if turn.conversation.state in (reopen.REASON, reopen.FEEDBACK):
        turn.reset(IDLE)
        turn.say("reopen.cancelled", code=d.reopen_case or d.feedback_case or "")
    elif d.follow_case:
        turn.reset(IDLE)
        turn.say("urgent.stopped", code=d.follow_case)
    elif turn.conversation.state in DRAFTING:
        turn.reset(IDLE)
        turn.say("cancelled")
    else:
        turn.say("nothing_to_cancel")


# --- answers to each question ------------------------------------------------------------------

async def on_text(turn: Turn, text: str) -> None:
    if text.strip() and (await turn.analyse(text)).urgent:
        warn_danger(turn)
    if await consent_gate(turn, text):
        return
    if consent.is_withdrawal(text):
        await consent.withdraw(turn)
        return
    state = turn.conversation.state
    if state in (reopen.REASON, reopen.FEEDBACK):
        await on_after_result(turn, text)
    elif (state == IDLE or (state == PROBLEM and not turn.draft.description)) and await offer_reopen(turn, text):
        pass
    elif state in DRAFTING and (case := await named_open_case(turn, text)) is not None:
        await add_to_case(turn, case)  # "LN-… : ..." answers that case, even in the middle of a new report
    elif state == PROVINCE:
        await on_province(turn, text)
    elif state == COMMUNE:
        await on_commune(turn, text)
    elif state == CONTACT:
        await on_contact(turn, text)
    elif state in (PROBLEM, DOMAIN, CONFIRM) and await small_talk(turn, text):
        pass
    elif state == PROBLEM:
        await accept_problem(turn, text)
    elif state in (DOMAIN, CONFIRM):
        await append_text(turn, text)
    else:
        await on_idle(turn, text)


async def small_talk(turn: Turn, text: str, answering: bool = False) -> bool:
    """Answer a greeting, thanks or insult kindly and, mid-report, ask the open question again.

    In answer to a question, small talk ("không biết", "ok") is a reply that did not answer it,
    so it gets the question's own help rather than a chat about the bot."""
    if not text.strip() or not smalltalk.not_a_report(analysis := await turn.analyse(text)):
        return False
    if answering and analysis.intent == "chitchat":
        return False
    smalltalk.answer(turn, analysis)
    if turn.conversation.state in DRAFTING and turn.conversation.state != PROBLEM:
        await advance(turn)
    return True


def is_more_story(text: str) -> bool:
    """A longer message in answer to a short question is more of the story, not the answer."""
    return len(text.split()) > 5


def keep_story(turn: Turn, text: str) -> None:
    """An answer inside a longer message: take the answer and keep the rest of the story too."""
    if is_more_story(text) and not turn.draft.follow_case:
        add_story(turn, text)


async def not_an_answer(turn: Turn, text: str) -> bool:
    """Text that does not answer the question: small talk, or more of the story."""
    if await small_talk(turn, text, answering=True):
        return True
    if is_more_story(text):
        await append_text(turn, text)
        return True
    return False


async def on_province(turn: Turn, text: str) -> None:
    loc = await turn.core.nlu.locate(text)
    if loc.province:
        keep_story(turn, text)
        turn.set_draft(province=loc.province, old_province=loc.old_province,
                       commune=loc.commune or turn.draft.commune)
        await advance(turn)
    elif not await not_an_answer(turn, text):
        turn.say("province.unknown", buttons=skip_button(PROVINCE), text=text.strip()[:60])


async def on_commune(turn: Turn, text: str) -> None:
    province = turn.draft.province
    loc = await turn.core.nlu.locate(text, province)
    if loc.commune:
        keep_story(turn, text)
        turn.set_draft(commune=loc.commune)
        await advance(turn)
    elif not await not_an_answer(turn, text):
        turn.say("commune.unknown", buttons=skip_button(COMMUNE), text=text.strip()[:60], province=province)


async def on_contact(turn: Turn, text: str) -> None:
    phone = normalise_phone(text)
    if phone:
        keep_story(turn, text)
        turn.set_draft(contact="phone", phone=phone)
        await advance(turn)
    elif not await not_an_answer(turn, text):
        turn.say("contact.invalid", buttons=CONTACT_BUTTONS)


async def on_idle(turn: Turn, text: str) -> None:
    """Between reports: an answer to the second-case offer; small talk; an open case takes the
    message; a bare 1-5 rates a resolved one; anything else starts a new report."""
    answer = short_answer(text)
    if turn.draft.offer and answer in YES:
        await accept_second(turn)
    elif turn.draft.offer and answer in NO:
        second.decline(turn, IDLE)
    elif answer not in DIGITS and await small_talk(turn, text):
        pass
    elif (case := await case_for_reply(turn)) is not None:
        await add_to_case(turn, case)
    elif answer in DIGITS and (resolved := await last_resolved_unrated(turn)):
        await rate(turn, resolved.code, int(answer))
    else:
        turn.reset(PROBLEM, danger_shown=turn.danger_said)
        await accept_problem(turn, text)


# --- after the result: "not fixed", and why a rating was low (issue 9.6) ------------------------

async def rate(turn: Turn, code: str, stars: int) -> None:
    case = await rate_case(turn, code, stars)
    if case is not None and stars <= reopen.LOW:
        reopen.ask_feedback(turn, case)


async def offer_reopen(turn: Turn, text: str) -> bool:
    """"Chưa được giải quyết" about a resolved case: ask why. A case resolved too long ago gets the
    kind refusal, unless another case is still open (then the words are about that one)."""
    if not reopen.says_not_fixed(text) or (resolved := await reopen.last_resolved(turn)) is None:
        return False
    if not reopen.window_open(turn, resolved) and await case_for_reply(turn) is not None:
        return False
    await reopen.ask_reason(turn, resolved.code)
    return True


async def on_after_result(turn: Turn, text: str) -> None:
    """The one answer awaited after a result: why it is not fixed, or what was not right. A thank
    you or a greeting is answered as such (and, after a low rating, ends the question)."""
    reason = turn.conversation.state == reopen.REASON
    if text.strip() and (analysis := await turn.analyse(text)).intent in ("greeting", "thanks"):
        smalltalk.answer(turn, analysis)
        if reason:
            turn.say("reopen.empty_reason")
        else:
            turn.reset(IDLE)
        return
    if not reason:
        await reopen.on_feedback(turn, text)
        turn.reset(IDLE)
    elif await reopen.on_reason(turn, text):
        turn.reset(IDLE)


async def accept_second(turn: Turn) -> None:
    if await second.accept(turn, PROBLEM):
        await advance(turn)


async def on_button(turn: Turn, data: str) -> None:
    button = parse(data)
    if button is None:
        turn.say("button.unknown")
        return
    if isinstance(button, Erase):   # the citizen's own data: answered whatever the consent
        await data_rights.on_erase(turn, button.answer)
        return
    if isinstance(button, Consent):
        if not consent.has_consent(turn) or turn.conversation.state == CONSENT:
            await (give_consent(turn) if button.answer == "yes" else consent.refuse(turn))
        else:
            turn.say("consent.already")
        return
    if await consent_gate(turn):
        return
    await on_dialogue_button(turn, button)


async def on_dialogue_button(turn: Turn, button: ButtonData) -> None:
    d, state = turn.draft, turn.conversation.state
    drafting_button = isinstance(button, (Domain, Skip, ContactWay, Confirm))
    if isinstance(button, Rate):
        await rate(turn, button.code, button.stars)
    elif isinstance(button, Reopen):
        await reopen.ask_reason(turn, button.code)
    elif isinstance(button, Publish):
        await publication.answer(turn, button.code, button.answer == "yes")
    elif isinstance(button, SecondCase):
        if d.offer is None:
            turn.say("button.stale")
        elif button.answer == "yes":
            await accept_second(turn)
        else:
            second.decline(turn, IDLE)
    elif isinstance(button, Confirm) and state != CONFIRM:
        turn.say("button.stale")
    elif drafting_button and not d.description:
        turn.say("draft.none")
    elif isinstance(button, Domain):
        if d.follow_case:
            turn.say("button.stale")
        else:
            turn.set_draft(domain=button.label, domain_by="citizen")
            await advance(turn)
    elif isinstance(button, Skip):
        turn.set_draft(**{f"{button.question}_skipped": True})
        await advance(turn)
    elif isinstance(button, ContactWay):
        turn.set_draft(contact=button.way, phone=None)
        await advance(turn)
    elif isinstance(button, Confirm) and button.action == "send":
        await submit(turn)
    elif isinstance(button, Confirm) and button.action == "edit":
        turn.reset(PROBLEM, first_message_id=d.first_message_id)
        turn.say("problem.ask")
    elif isinstance(button, Confirm):
        cancel(turn)
    else:
        turn.say("button.unknown")


async def on_contact_shared(turn: Turn, phone_text: str) -> None:
    phone = normalise_phone(phone_text.replace("+", ""))
    if turn.conversation.state == CONTACT and phone and consent.has_consent(turn):
        turn.set_draft(contact="phone", phone=phone)
        await advance(turn)
    else:
        await on_text(turn, phone_text)


# --- photos and shared places ---------------------------------------------------------------------

async def on_photo(turn: Turn) -> None:
    """A photo without words: it goes with the report being written, or joins the open case, or
    starts a report that still needs the story in words (intake stored the photo itself)."""
    if await consent_gate(turn):
        return
    state = turn.conversation.state
    if state in DRAFTING:
        # the report's messages start here at the latest, so the photo goes with the case
        turn.set_draft(photos=turn.draft.photos + 1, first_message_id=turn.draft.first_message_id or turn.message.id)
        turn.say("photo.received")
        if not turn.draft.description:
            turn.say("photo.needs_words")
    elif (case := await case_for_reply(turn)) is not None:
        await add_to_case(turn, case)
    else:
        turn.reset(PROBLEM, first_message_id=turn.message.id, photos=1, danger_shown=turn.danger_said)
        turn.say("photo.received")
        turn.say("photo.needs_words")


async def on_location(turn: Turn, latitude: float, longitude: float) -> None:
    """A shared location answers "where" for the report being written (so the bot does not ask)."""
    if await consent_gate(turn):
        return
    place = await turn.core.nlu.locate_point(latitude, longitude)
    if place is None or place.province is None:
        turn.say("location.outside")
        return
    where = ", ".join(p for p in (place.commune, place.province) if p)
    state = turn.conversation.state
    if state not in DRAFTING:
        if (case := await case_for_reply(turn)) is not None:
            await add_to_case(turn, case)
            return
        turn.reset(PROBLEM, first_message_id=turn.message.id, danger_shown=turn.danger_said)
    turn.set_draft(latitude=latitude, longitude=longitude, province=place.province, commune=place.commune,
                   old_province=None, province_skipped=False, commune_skipped=False)
    turn.say("location.received", place=where)
    if turn.conversation.state in (PROVINCE, COMMUNE, CONFIRM) or not turn.draft.description:
        await advance(turn)
