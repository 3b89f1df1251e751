"""Personal data for people who see it masked (Decree 13/2023): one field at a time, with a typed
reason, logged (who, when, why, which case); and the audit log of reveals, reassignments and
corrections."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.core import Core
from handlers.errors import CaseNotFound, InvalidAction
from handlers.staff_actions import _text, can_view
from storage import Case, CaseEvent, Database, Message, ModerationEvent, StaffAccount

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_REASON = 10   # a reveal needs a sentence, not "ok"
FIELDS = ("phone", "description", "result", "location", "message")
# case_event kinds the audit log shows beside every moderation event
CASE_KINDS = ("reassigned", "escalated", "deadline_extended", "domain_corrected", "place_corrected")


@dataclass(frozen=True)
class Revealed:
    case: Case
    field: str
    value: str


def _value(case: Case, field: str, message: Message | None) -> str:
    if field == "phone":
        return case.contact_phone or ""
    if field == "description":
        return case.description
    if field == "result":
        return case.result or ""
    if field == "location":
        return "" if case.latitude is None else f"{case.latitude:.5f}, {case.longitude:.5f}"
    return message.text if message is not None else ""


async def do_reveal_field(core: Core, staff: StaffAccount, code: str, field: str, reason: str,
                          message_id: int | None = None) -> Revealed:
    """One field of one case, shown once to someone allowed to see the case; the reveal is logged
    in the same transaction, so no value is shown that the log does not know of."""
    why = _text(reason, "reason")
    if len(why) < MIN_REASON:
        raise InvalidAction(f"a reason of at least {MIN_REASON} characters is required")
    if field not in FIELDS:
        raise InvalidAction(f"unknown field {field!r}")
    async with core.db.transaction() as session:
        case = await session.scalar(select(Case).where(Case.code == code.upper()))
        if case is None or not can_view(staff, case):
            raise CaseNotFound(code)
        message = None
        if field == "message":
            message = await session.get(Message, message_id) if message_id is not None else None
            if message is None or message.conversation_id != case.conversation_id:
                raise InvalidAction("no such message in this case's chat")
        session.add(ModerationEvent(conversation_id=case.conversation_id, case_id=case.id, kind="revealed",
                                    actor=f"staff:{staff.username}", reason=why, created_at=core.clock(),
                                    data={"field": field, **({"message_id": message_id} if message else {})}))
        return Revealed(case, field, _value(case, field, message))


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    kind: str
    code: str | None
    reason: str | None
    data: dict[str, object]


@dataclass(frozen=True)
class AuditFilter:
    kind: str | None = None
    actor: str | None = None
    code: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _window(query, column, filters: AuditFilter):  # type: ignore[no-untyped-def]
    if filters.date_from:
        query = query.where(column >= datetime.combine(filters.date_from, time.min, LOCAL))
    if filters.date_to:
        query = query.where(column < datetime.combine(filters.date_to + timedelta(days=1), time.min, LOCAL))
    return query


async def audit_log(db: Database, filters: AuditFilter, limit: int = 300) -> list[AuditRow]:
    """Reveals, moderators' actions, correction decisions, reassignments and escalations, newest first."""
    moderation = select(ModerationEvent, Case.code).outerjoin(Case, Case.id == ModerationEvent.case_id)
    changes = (select(CaseEvent, Case.code).join(Case, Case.id == CaseEvent.case_id)
               .where(CaseEvent.kind.in_(CASE_KINDS), CaseEvent.actor.like("staff:%")))
    if filters.kind:
        moderation = moderation.where(ModerationEvent.kind == filters.kind)
        changes = changes.where(CaseEvent.kind == filters.kind)
    if filters.actor:
        actor = filters.actor if ":" in filters.actor else f"staff:{filters.actor}"
        moderation = moderation.where(ModerationEvent.actor == actor)
        changes = changes.where(CaseEvent.actor == actor)
    if filters.code:
        moderation = moderation.where(Case.code == filters.code.upper())
        changes = changes.where(Case.code == filters.code.upper())
    moderation = _window(moderation, ModerationEvent.created_at, filters)
    changes = _window(changes, CaseEvent.created_at, filters)
    async with db.sessions() as session:
        found = (await session.execute(moderation.order_by(ModerationEvent.id.desc()).limit(limit))).all()
        # moderators' case changes are in both tables: the moderation event stands for them
        moved = (await session.execute(changes.order_by(CaseEvent.id.desc()).limit(limit))).all()
    rows = [AuditRow(e.created_at, e.actor, e.kind, code, e.reason, e.data) for e, code in found]
    seen = {(r.at, r.actor, r.kind, r.code) for r in rows}
    rows += [AuditRow(e.created_at, e.actor, e.kind, code, e.reason, e.data) for e, code in moved
             if (e.created_at, e.actor, e.kind, code) not in seen]
    return sorted(rows, key=lambda r: r.at, reverse=True)[:limit]
