"""Supervisors: every unit's cases in one province (or the whole country), the late ones first;
they reassign (handlers/staff_actions.py lets them), extend a deadline with a reason, escalate."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.board import REOPENED
from handlers.core import Core
from handlers.deadlines import format_local
from handlers.errors import CaseNotFound, InvalidAction
from handlers.escalation import parent_key
from handlers.staff_actions import _notify, _text, can_supervise
from storage import Case, CaseEvent, CaseStatus, Database, StaffAccount, StaffRole, Unit

SOON = timedelta(hours=24)
MAX_EXTENSION_DAYS = 60


@dataclass(frozen=True)
class Watched:
    case: Case
    overdue: bool
    soon: bool
    reopened: bool = False   # the citizen said "not fixed" (issue 9.6): shown as "mở lại"


def scope_query(staff: StaffAccount) -> object:
    query = select(Case).where(Case.status.in_([s for s in CaseStatus if s.is_open]))
    if staff.province is not None:
        query = query.where(Case.province == staff.province)
    return query.order_by(Case.resolve_deadline, Case.urgent.desc(), Case.id)


async def supervised_cases(db: Database, staff: StaffAccount, now: datetime, limit: int = 300) -> list[Watched]:
    """Open cases of the supervisor's area, nearest deadline first: the overdue ones come first
    by construction, then those due within a day."""
    if staff.role is not StaffRole.SUPERVISOR:
        return []
    async with db.sessions() as session:
        cases = (await session.scalars(scope_query(staff).limit(limit))).unique().all()  # type: ignore[attr-defined]
        reopened = set((await session.scalars(select(CaseEvent.case_id).where(
            CaseEvent.kind == REOPENED, CaseEvent.case_id.in_([c.id for c in cases])))).all())
    return [Watched(c, c.resolve_deadline < now, now <= c.resolve_deadline < now + SOON, c.id in reopened)
            for c in cases]


async def _supervised(session: AsyncSession, staff: StaffAccount, code: str) -> Case:
    case = await session.scalar(select(Case).where(Case.code == code.upper()).with_for_update(of=Case))
    if case is None or not can_supervise(staff, case):
        raise CaseNotFound(code)
    if not case.status.is_open:
        raise InvalidAction(f"case {case.code} is {case.status.value}")
    return case


def _event(session: AsyncSession, case: Case, kind: str, staff: StaffAccount, now: datetime, reason: str,
           **data: object) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor=f"staff:{staff.username}", reason=reason,
                          data=dict(data), created_at=now))


async def do_extend_deadline(core: Core, staff: StaffAccount, code: str, days: int, reason: str) -> Case:
    """More time for the unit, with a reason; the citizen is told the new date."""
    why = _text(reason, "reason")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidAction(f"an extension is 1 to {MAX_EXTENSION_DAYS} days")
    async with core.db.transaction() as session:
        case = await _supervised(session, staff, code)
        now = core.clock()
        before = case.resolve_deadline
        case.resolve_deadline = max(before, now) + timedelta(days=days)
        _event(session, case, "deadline_extended", staff, now, why, before=before.isoformat(),
               after=case.resolve_deadline.isoformat())
        await _notify(session, case, "supervisor.extended", "system",
                      deadline=format_local(case.resolve_deadline, core.config, case.citizen.language))
    core.signal.wake([case.channel])
    return case


async def do_escalate_case(core: Core, staff: StaffAccount, code: str, reason: str) -> Case:
    """Up one level (commune -> province -> central) now, without waiting for the deadline."""
    why = _text(reason, "reason")
    async with core.db.transaction() as session:
        case = await _supervised(session, staff, code)
        key = parent_key(case.unit)
        parent = await session.scalar(select(Unit).where(Unit.key == key)) if key else None
        if parent is None:
            raise InvalidAction(f"case {case.code} is already with the central unit")
        now = core.clock()
        _event(session, case, "escalated", staff, now, why, from_unit=case.unit.key, to_unit=parent.key)
        case.unit, case.unit_id = parent, parent.id
        case.escalation_level += 1
        case.status, case.accepted_at = CaseStatus.OPEN, None
        await _notify(session, case, "staff.reassigned", "system")
    core.signal.wake([case.channel])
    return case
