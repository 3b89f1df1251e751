"""Read-only views for the console: the inbox of a unit and one case with its transcript."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from handlers.errors import CaseNotFound
from handlers.staff_actions import can_view
from storage import Case, CaseEvent, CaseStatus, Conversation, Database, Message, StaffAccount, StaffRole, Unit


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    messages: list[Message]
    events: list[CaseEvent]


async def inbox(db: Database, staff: StaffAccount, status: CaseStatus | None = None,
                open_only: bool = False, limit: int = 200, offset: int = 0) -> list[Case]:
    """The staff member's own unit's cases (all units for moderators and admins, the province's for
    a supervisor): urgent first, then
    the nearest deadline. `open_only` means every case still to be worked on (new, in progress,
    waiting on the citizen); `offset` pages through a long inbox."""
    async with db.sessions() as session:
        query = inbox_query(staff, status, open_only, limit, offset)
        return list((await session.scalars(query)).unique().all())


def inbox_query(staff: StaffAccount, status: CaseStatus | None = None, open_only: bool = False,
                limit: int = 200, offset: int = 0) -> Select[Case]:
    """Shaped for the index ix_case_inbox (unit, status, urgent desc, deadline); tests EXPLAIN it."""
    query = select(Case)
    if staff.role is StaffRole.STAFF:
        query = query.where(Case.unit_id == staff.unit_id)
    elif staff.role is StaffRole.SUPERVISOR and staff.province is not None:   # issue 9: their province only
        query = query.where(Case.province == staff.province)
    if status is not None:
        query = query.where(Case.status == status)
    elif open_only:
        query = query.where(Case.status.in_([s for s in CaseStatus if s.is_open]))
    return query.order_by(Case.urgent.desc(), Case.resolve_deadline, Case.id).offset(offset).limit(limit)


async def case_detail(db: Database, staff: StaffAccount, code: str) -> CaseDetail:
    async with db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code.upper()))
        if case is None or not can_view(staff, case):
            raise CaseNotFound(code)
        messages = (await session.scalars(
            select(Message).where(Message.case_id == case.id).order_by(Message.id))).all()
        events = (await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))).all()
    return CaseDetail(case, list(messages), list(events))


async def active_units(db: Database) -> list[Unit]:
    async with db.sessions() as session:
        return list((await session.scalars(
            select(Unit).where(Unit.active.is_(True)).order_by(Unit.domain, Unit.level, Unit.province))).all())


async def cases_of_chat(db: Database, channel: str, chat_id: str) -> int:
    """How many cases one chat has opened: the web chat counts them to limit case creation."""
    async with db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Case).join(Conversation, Case.conversation_id == Conversation.id)
            .where(Conversation.channel == channel, Conversation.chat_id == chat_id))
    return int(count or 0)
