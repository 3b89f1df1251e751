"""Short notices in a staff member's console: supervisors hear of cases that went overdue or that
a moderator sent up. No personal data: the code, the unit and the reason only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import Case, Database, StaffAccount, StaffNotice, StaffRole


def supervisors_of(case: Case) -> object:
    """Active supervisors of the case's province, and those of the whole country."""
    return select(StaffAccount).where(
        StaffAccount.role == StaffRole.SUPERVISOR, StaffAccount.active.is_(True),
        or_(StaffAccount.province.is_(None), StaffAccount.province == case.province))


async def notify_supervisors(session: AsyncSession, case: Case, kind: str, text: str, now: datetime) -> int:
    staff = (await session.scalars(supervisors_of(case))).unique().all()  # type: ignore[call-overload]
    for member in staff:
        session.add(StaffNotice(staff_id=member.id, case_id=case.id, kind=kind, text=text, created_at=now))
    return len(staff)


async def already_told(session: AsyncSession, case: Case, kind: str) -> bool:
    found = await session.scalar(select(StaffNotice.id).where(StaffNotice.case_id == case.id,
                                                              StaffNotice.kind == kind).limit(1))
    return found is not None


async def notices_for(db: Database, staff: StaffAccount, limit: int = 50) -> list[StaffNotice]:
    async with db.sessions() as session:
        return list((await session.scalars(select(StaffNotice).where(StaffNotice.staff_id == staff.id)
                                           .order_by(StaffNotice.read_at.is_not(None), StaffNotice.id.desc())
                                           .limit(limit))).all())


async def mark_notices_read(db: Database, staff: StaffAccount, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(update(StaffNotice).where(StaffNotice.staff_id == staff.id,
                                                        StaffNotice.read_at.is_(None)).values(read_at=now))
