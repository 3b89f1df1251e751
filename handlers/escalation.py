"""Overdue cases move up one level (commune -> province -> central) so they cannot be forgotten,
and the supervisors of the case's province (and of the country) are told in their console."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.core import Core
from handlers.live import publish_committed
from handlers.notices import already_told, notify_supervisors
from handlers.units import unit_key
from storage import Case, CaseEvent, CaseStatus, Unit, UnitLevel


def parent_key(unit: Unit) -> str | None:
    if unit.level is UnitLevel.COMMUNE:
        return unit_key(unit.domain, unit.province)
    if unit.level is UnitLevel.PROVINCE:
        return unit_key(unit.domain)
    return None


async def escalate_overdue(core: Core) -> list[str]:
    """One transaction: every open case past its resolve deadline by the configured grace goes up."""
    now = core.clock()
    cutoff = now - timedelta(hours=core.config.escalate_after_overdue_hours)
    escalated: list[str] = []
    async with core.db.transaction() as session:
        cases = (await session.scalars(select(Case).where(
            Case.status.in_([s for s in CaseStatus if s.is_open]), Case.resolve_deadline < cutoff)
            .with_for_update(of=Case, skip_locked=True))).unique().all()
        for case in cases:
            key = parent_key(case.unit)
            parent = await session.scalar(select(Unit).where(Unit.key == key)) if key else None
            if parent is None:  # already at the top: it stays overdue; supervisors hear of it once
                if not await already_told(session, case, "overdue_top"):
                    await notify_supervisors(session, case, "overdue_top",
                                             f"{case.code} quá hạn ở {case.unit.name}", now)
                continue
            session.add(CaseEvent(case_id=case.id, kind="escalated", actor="system", created_at=now,
                                  reason=f"quá hạn giải quyết từ {case.resolve_deadline.isoformat()}",
                                  data={"from_unit": case.unit.key, "to_unit": parent.key}))
            await notify_supervisors(session, case, "overdue",
                                     f"{case.code} quá hạn: chuyển từ {case.unit.name} lên {parent.name}", now)
            case.unit, case.unit_id = parent, parent.id
            case.escalation_level += 1
            case.resolve_deadline = now + timedelta(days=core.config.deadline_rule(case.domain).resolve_days / 3)
            escalated.append(case.code)
    await publish_committed(core.live, core.db, session)
    return escalated
