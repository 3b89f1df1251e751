"""Resolved and cancelled cases are anonymised once their retention period has passed (Decree
13/2023: keep personal data no longer than needed). A scheduled job; running it twice changes
nothing the second time."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, func, select

from handlers.anonymise import anonymise_cases
from handlers.core import Core
from storage import Case, CaseEvent, CaseStatus

ANONYMISED = "anonymised"


async def anonymise_expired(core: Core, retention: timedelta) -> list[str]:
    """The codes of the cases anonymised by this run."""
    now = core.clock()
    closed_at = func.coalesce(Case.resolved_at, Case.updated_at)
    async with core.db.transaction() as session:
        cases = (await session.scalars(
            select(Case).where(Case.status.in_([CaseStatus.RESOLVED, CaseStatus.CANCELLED]), closed_at < now - retention,
                               ~exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == ANONYMISED))
            .order_by(Case.id).with_for_update(of=Case, skip_locked=True))).unique().all()
        await anonymise_cases(session, [c.id for c in cases])
        for case in cases:
            session.add(CaseEvent(case_id=case.id, kind=ANONYMISED, actor="system", created_at=now,
                                  reason=f"quá thời hạn lưu trữ {retention.days} ngày sau khi đóng hồ sơ"))
        return [c.code for c in cases]
