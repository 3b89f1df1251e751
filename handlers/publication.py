"""A case's progress on the public page, only with its citizen's yes (issue 10).

The question comes with the filing confirmation, as two buttons that carry the case's code: not
answering is "no", so nothing is ever public by default, and the dialogue does not wait for an
answer. "Yes" can be taken back at any time (the "no" button again, or /private CODE). What the
public page shows is in `public_case`: domain, province, the dates of the steps, the status and
the unit's published result (masked), never the citizen's words, name or contact.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from handlers.buttons import Publish
from handlers.core import Core
from handlers.privacy import mask_personal
from handlers.turn import Rows, Turn
from storage import Case, CaseEvent

TIMELINE_KINDS = ("created", "accepted", "information_requested", "staff_reply", "reassigned", "escalated",
                  "resolved")


def ask(turn: Turn, code: str) -> None:
    """Offer publication right after filing; the default, by silence, is no."""
    buttons: Rows = ((("button.publish_yes", Publish(code=code, answer="yes")),),
                     (("button.publish_no", Publish(code=code, answer="no")),))
    turn.say("publish.ask", buttons, code=code)


async def answer(turn: Turn, code: str, yes: bool) -> None:
    case = await turn.session.scalar(select(Case).where(Case.code == code, Case.citizen_id == turn.citizen.id))
    if case is None:
        turn.say("status.not_found", code=code)
        return
    was_public = case.public_since is not None
    if yes != was_public:
        case.public_since = turn.core.clock() if yes else None
        turn.session.add(CaseEvent(case_id=case.id, kind="published" if yes else "unpublished",
                                   actor=f"citizen:{turn.citizen.id}"))
    turn.message.case_id = case.id
    if yes:
        turn.say("publish.on", ((("button.publish_no", Publish(code=code, answer="no")),),), code=code)
    else:
        turn.say("publish.off", code=code)


@dataclass(frozen=True, slots=True)
class PublicStep:
    kind: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PublicCase:
    code: str
    domain: str
    province: str | None
    status: str
    unit: str
    deadline: datetime
    result: str | None
    steps: tuple[PublicStep, ...]


async def public_case(core: Core, code: str) -> PublicCase | None:
    """The case as the public may see it, or None unless its citizen agreed (and has not withdrawn)."""
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code, Case.public_since.is_not(None)))
        if case is None:
            return None
        events = (await session.execute(
            select(CaseEvent.kind, CaseEvent.created_at).where(CaseEvent.case_id == case.id,
                                                              CaseEvent.kind.in_(TIMELINE_KINDS))
            .order_by(CaseEvent.created_at, CaseEvent.id))).all()
        return PublicCase(case.code, case.domain, case.province, case.status.value, case.unit.name,
                          case.resolve_deadline, mask_personal(case.result) if case.result else None,
                          tuple(PublicStep(kind, at) for kind, at in events))
