"""The console's view of one case's similar reports: who they are and which ones staff may answer."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from handlers.clusters import MIN_SHOWN
from handlers.staff_actions import can_act
from storage import Case, CaseStatus, Database, StaffAccount


@dataclass(frozen=True)
class ClusterView:
    """The reports of one cluster, oldest first; `answerable` are the codes an answer-all reaches."""

    cluster_id: int
    members: list[Case]
    answerable: list[str]

    @property
    def size(self) -> int:
        return len(self.members)


async def cluster_of(db: Database, staff: StaffAccount, case: Case) -> ClusterView | None:
    """None when the case has no similar reports. Members show code, status and date only, so
    listing other units' cases reveals nothing personal."""
    if case.cluster_id is None:
        return None
    async with db.sessions() as session:
        members = list((await session.scalars(
            select(Case).where(Case.cluster_id == case.cluster_id, Case.status != CaseStatus.CANCELLED)
            .order_by(Case.created_at, Case.id))).unique().all())
    if len(members) < MIN_SHOWN:
        return None
    answerable = [m.code for m in members
                  if m.status.is_open and m.unit_id == case.unit_id and can_act(staff, m)]
    return ClusterView(case.cluster_id, members, answerable)
