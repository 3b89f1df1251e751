"""The citizen checks the result and says "not fixed" (issue 9.6).

Within `Core.reopen_window_days` of its resolution a citizen may reopen their case: with the button
offered beside the rating, with words ("chưa được giải quyết", "vẫn chưa sửa", "not fixed", with or
without diacritics), or with `/mo_lai CODE` / `/reopen CODE`. One question (why?) comes first, so the
unit gets something to act on; then `do_reopen_case` sends the case back to the SAME unit with new
deadlines and a `reopened` event, which the public board, the moderators' "reopened" filter and the
supervisors' list all read. A rating of 1-2 asks one follow-up question ("what was not right?"),
keeps the answer on the case, and puts the chat at the top of the moderators' queue.

Why no transaction of its own: a citizen's turn is already one transaction (handlers/intake.py),
and `handle_inbound` publishes its case events to the staff pages after the commit
(`publish_committed`), so the reopening is committed, then told, like every staff action.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select

from handlers.board import REOPENED
from handlers.buttons import Reopen
from handlers.cases import citizen_actor
from handlers.deadlines import case_deadlines, format_local
from handlers.tracking import parse_code
from handlers.turn import Rows, Turn
from storage import Case, CaseEvent, CaseStatus, ModerationEvent

REASON, FEEDBACK = "reopen_reason", "rating_feedback"   # the dialogue states awaiting one answer
COMMANDS = ("mo_lai", "molai", "reopen")
FEEDBACK_KIND = "rating_feedback"       # the case event holding the answer to "what was not right?"
LOW_RATING = "low_rating"               # the moderation event that put the chat in the queue
LOW = 2                                 # ratings up to this one ask why
MAX_WORDS = 12                          # a longer message is a new story, not a "not fixed"
MAX_REASON = 2000

_NOT_FIXED = re.compile(
    r"\b(?:chua|van chua|khong)\s+(?:duoc\s+|dc\s+|het\s+)?(?:giai quyet|xu ly|sua|khac phuc|xong)\b"
    r"|\bchua\s+on\b|\bmo lai\b"
    r"|\b(?:not|never|wasn t|isn t|hasn t been)\s+(?:been\s+)?(?:fixed|resolved|solved|done)\b"
    r"|\bstill\s+(?:not\s+fixed|broken|there)\b|\breopen\b")


def fold(text: str) -> str:
    """Lower case, no diacritics, words separated by single spaces: 'Vẫn chưa sửa!' -> 'van chua sua'."""
    plain = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def says_not_fixed(text: str) -> bool:
    """A short message saying the problem is still there (a long one is a new story)."""
    plain = fold(text)
    return 0 < len(plain.split()) <= MAX_WORDS and _NOT_FIXED.search(plain) is not None


def reopen_buttons(code: str) -> Rows:
    return ((("button.reopen", Reopen(code=code)),),)


def window_open(turn: Turn, case: Case, now: datetime | None = None) -> bool:
    resolved = case.resolved_at
    return resolved is not None and (now or turn.core.clock()) <= resolved + timedelta(days=turn.core.reopen_window_days)


async def _own_case(turn: Turn, code: str | None, *, lock: bool = False) -> Case | None:
    """The citizen's case named by `code`; without a code, the one they had resolved last."""
    query = select(Case).where(Case.citizen_id == turn.citizen.id)
    if code:
        query = query.where(Case.code == code)
    else:
        query = query.where(Case.status == CaseStatus.RESOLVED).order_by(Case.resolved_at.desc(), Case.id.desc()).limit(1)
    if lock:
        query = query.with_for_update(of=Case)
    return await turn.session.scalar(query)


def _refusal(turn: Turn, case: Case) -> bool:
    """Say why `case` cannot be reopened now; False when it can."""
    if case.status.is_open:
        turn.say("reopen.not_resolved", code=case.code, unit=case.unit.name)
    elif case.status is not CaseStatus.RESOLVED:
        turn.say("reopen.not_found", code=case.code)
    elif not window_open(turn, case):
        turn.say("reopen.too_late", code=case.code, days=f"{turn.core.reopen_window_days:g}")
    else:
        return False
    return True


async def last_resolved(turn: Turn) -> Case | None:
    return await _own_case(turn, None)


async def ask_reason(turn: Turn, code: str | None) -> bool:
    """Ask why it is not fixed; True when the dialogue now waits for the reason."""
    case = await _own_case(turn, code)
    if case is None:
        turn.say("reopen.not_found" if code else "reopen.usage", code=code or "")
        return False
    if _refusal(turn, case):
        return False
    turn.reset(REASON, reopen_case=case.code)
    turn.say("reopen.ask_reason", code=case.code, unit=case.unit.name)
    return True


async def on_command(turn: Turn, args: str) -> bool:
    """`/mo_lai LN-…` or `/reopen` alone (the case resolved last)."""
    code = parse_code(args) if args else None
    if args and code is None:
        turn.say("reopen.usage")
        return False
    return await ask_reason(turn, code)


async def do_reopen_case(turn: Turn, code: str, reason: str) -> Case | None:
    """Back to the same unit, open again, with deadlines counted from now; the rating is cleared
    so the next result can be rated (the `rated` events keep the history). Checked again under
    the row lock: staff cannot resolve or the window close between the question and the answer."""
    why = reason.strip()[:MAX_REASON]
    case = await _own_case(turn, code, lock=True)
    if case is None:
        turn.say("reopen.not_found", code=code)
        return None
    if _refusal(turn, case):
        return None
    now = turn.core.clock()
    accept_by, resolve_by = case_deadlines(turn.core.config, case.domain, case.urgent, now)
    resolved_at = case.resolved_at
    turn.session.add(CaseEvent(
        case_id=case.id, kind=REOPENED, actor=citizen_actor(turn), reason=why, created_at=now,
        data={"unit": case.unit.key, "message_id": turn.message.id, "rating": case.rating,
              "resolved_at": resolved_at.isoformat() if resolved_at else None,
              "resolve_deadline": resolve_by.isoformat()}))
    case.status, case.accepted_at, case.resolved_at, case.rating = CaseStatus.OPEN, None, None, None
    case.accept_deadline, case.resolve_deadline = accept_by, resolve_by
    turn.message.case_id = case.id
    turn.say("reopen.done", code=case.code, unit=case.unit.name,
             deadline=format_local(resolve_by, turn.core.config, turn.language))
    return case


async def on_reason(turn: Turn, text: str) -> bool:
    """The answer to "why?": True when the question is settled (reopened or refused)."""
    code = turn.draft.reopen_case
    if not text.strip():
        turn.say("reopen.empty_reason")
        return False
    if code:
        await do_reopen_case(turn, code, text)
    return True


# --- a low rating asks why --------------------------------------------------------------------

def flag_low_rating(turn: Turn, case: Case, rating: int, now: datetime) -> None:
    """Into the moderators' queue: flagged (again, if it was reviewed before), with the reason noted."""
    conversation = turn.conversation
    flagged, reviewed = conversation.flagged_at, conversation.reviewed_at
    if flagged is None or (reviewed is not None and reviewed >= flagged):
        conversation.flagged_at = now
    turn.session.add(ModerationEvent(conversation_id=conversation.id, case_id=case.id, kind=LOW_RATING,
                                     actor="system", created_at=now, data={"rating": rating}))


def ask_feedback(turn: Turn, case: Case) -> None:
    """After a rating of 1-2: one question, and the way to reopen if the window is open."""
    assert case.rating is not None
    now = turn.core.clock()
    flag_low_rating(turn, case, case.rating, now)
    turn.reset(FEEDBACK, feedback_case=case.code)
    if window_open(turn, case, now):
        turn.say("feedback.ask", buttons=reopen_buttons(case.code))
    else:
        turn.say("feedback.ask")


async def on_feedback(turn: Turn, text: str) -> None:
    """Kept on the case as an event the transcript and the case page show."""
    code = turn.draft.feedback_case
    case = await _own_case(turn, code) if code else None
    if case is None or not text.strip():
        return
    turn.message.case_id = case.id
    turn.session.add(CaseEvent(case_id=case.id, kind=FEEDBACK_KIND, actor=citizen_actor(turn),
                               reason=text.strip()[:MAX_REASON], created_at=turn.core.clock(),
                               data={"message_id": turn.message.id, "rating": case.rating}))
    turn.say("feedback.thanks", code=case.code)
    if case.status is CaseStatus.RESOLVED and window_open(turn, case) and says_not_fixed(text):
        turn.say("feedback.reopen_hint", buttons=reopen_buttons(case.code))
