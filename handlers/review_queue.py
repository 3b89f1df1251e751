"""The moderators' review queue: conversations worth a second look, and a random sample of all.

A row is a conversation (a chat with one citizen), because what needs review is not always a
case: an insult never becomes one. Filters about cases ("reassigned", "rated 1-2") select the
conversations that hold such a case.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from handlers.errors import CaseNotFound
from storage import (
    Case,
    CaseEvent,
    CaseStatus,
    Conversation,
    Database,
    Message,
    ModerationEvent,
    StaffAccount,
    StaffRole,
)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SAMPLE_SHARE = 0.01
PAGE = 100

# filter name -> what it means, in the console's words
FLAGS: dict[str, str] = {
    "flagged": "Gắn cờ",              # flagged and not reviewed since (insults, threats, spam)
    "unsure": "Máy không chắc",       # the citizen chose the domain from the buttons
    "overridden": "Khác máy đoán",    # the domain differs from the NLU's label
    "reassigned": "Bị chuyển",
    "urgent": "Khẩn cấp",
    "low_rating": "1-2 sao",
    "reopened": "Mở lại",
    "overdue": "Quá hạn",
    "unreviewed": "Chưa duyệt",
}


@dataclass(frozen=True)
class ReviewFilter:
    flag: str | None = None
    domain: str | None = None
    province: str | None = None
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class QueueRow:
    conversation: Conversation
    cases: list[Case]
    last_at: datetime | None


@dataclass(frozen=True)
class Transcript:
    conversation: Conversation
    messages: list[Message]
    cases: list[Case]
    events: list[CaseEvent]
    moderation: list[ModerationEvent]


def may_review(staff: StaffAccount) -> bool:
    return staff.role in (StaffRole.MODERATOR, StaffRole.ADMIN)


def _case_flag(flag: str, now: datetime) -> object | None:
    """The condition on a case that puts its conversation under `flag`."""
    open_statuses = [s for s in CaseStatus if s.is_open]
    return {
        "unsure": Case.domain_chosen_by == "citizen",
        "overridden": and_(Case.nlu_label.is_not(None), Case.nlu_label != Case.domain),
        "reassigned": exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "reassigned"),
        "urgent": Case.urgent.is_(True),
        "low_rating": Case.rating <= 2,
        "reopened": exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "reopened"),
        "overdue": and_(Case.status.in_(open_statuses), Case.resolve_deadline < now),
    }.get(flag)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL)


def _flagged_unreviewed() -> ColumnElement[bool]:
    """Flagged, and not reviewed since: the moderators' work list."""
    return and_(Conversation.flagged_at.is_not(None),
                or_(Conversation.reviewed_at.is_(None), Conversation.reviewed_at < Conversation.flagged_at))


def queue_query(filters: ReviewFilter, now: datetime) -> Select[Conversation]:
    query = select(Conversation)
    case_conditions: list[object] = []
    if filters.flag == "flagged":
        query = query.where(_flagged_unreviewed())
    elif filters.flag == "unreviewed":
        query = query.where(or_(Conversation.reviewed_at.is_(None), Conversation.reviewed_at < Conversation.flagged_at))
    elif filters.flag and (condition := _case_flag(filters.flag, now)) is not None:
        case_conditions.append(condition)
    if filters.domain:
        case_conditions.append(Case.domain == filters.domain)
    if filters.province:
        case_conditions.append(Case.province == filters.province)
    if case_conditions:
        query = query.where(Conversation.id.in_(select(Case.conversation_id).where(*case_conditions)))  # type: ignore[arg-type]
    if filters.channel:
        query = query.where(Conversation.channel == filters.channel)
    if filters.date_from:
        query = query.where(Conversation.updated_at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Conversation.updated_at < _day_start(filters.date_to + timedelta(days=1)))
    return query


async def _rows(db: Database, conversations: list[Conversation]) -> list[QueueRow]:
    ids = [c.id for c in conversations]
    async with db.sessions() as session:
        cases = (await session.scalars(select(Case).where(Case.conversation_id.in_(ids)).order_by(Case.id))).unique().all()
        last = dict((await session.execute(select(Message.conversation_id, func.max(Message.created_at))
                                           .where(Message.conversation_id.in_(ids))
                                           .group_by(Message.conversation_id))).all())
    by_chat: dict[int, list[Case]] = {}
    for case in cases:
        by_chat.setdefault(case.conversation_id, []).append(case)
    return [QueueRow(c, by_chat.get(c.id, []), last.get(c.id)) for c in conversations]


async def review_queue(db: Database, filters: ReviewFilter, now: datetime, page: int = 1) -> list[QueueRow]:
    """Flagged chats first (not yet reviewed before reviewed), then the most recently active."""
    query = (queue_query(filters, now)
             .order_by(_flagged_unreviewed().desc(), Conversation.updated_at.desc(), Conversation.id.desc())
             .offset((page - 1) * PAGE).limit(PAGE))
    async with db.sessions() as session:
        conversations = list((await session.scalars(query)).unique().all())
    return await _rows(db, conversations)


async def review_sample(db: Database, filters: ReviewFilter, now: datetime, seed: str) -> list[QueueRow]:
    """A random 1% (at least one) of the conversations the filters select. The seed (the day, by
    default) keeps the sample the same on every reload, so two moderators review the same chats."""
    async with db.sessions() as session:
        ids = sorted((await session.scalars(queue_query(filters, now).with_only_columns(Conversation.id))).all())
    if not ids:
        return []
    size = max(1, round(len(ids) * SAMPLE_SHARE))
    chosen = random.Random(seed).sample(ids, size)
    async with db.sessions() as session:
        conversations = list((await session.scalars(
            select(Conversation).where(Conversation.id.in_(chosen)).order_by(Conversation.id))).unique().all())
    return await _rows(db, conversations)


async def transcript(db: Database, staff: StaffAccount, conversation_id: int) -> Transcript:
    """Who said what and when, the chat's cases with the NLU's reading, their events and what
    moderators did. Moderators and admins only."""
    async with db.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None or not may_review(staff):
            raise CaseNotFound(str(conversation_id))
        messages = (await session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                          .order_by(Message.id))).all()
        cases = (await session.scalars(select(Case).where(Case.conversation_id == conversation_id)
                                       .order_by(Case.id))).unique().all()
        events = (await session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases]))
                                        .order_by(CaseEvent.id))).all()
        moderation = (await session.scalars(select(ModerationEvent)
                                            .where(ModerationEvent.conversation_id == conversation_id)
                                            .order_by(ModerationEvent.id))).all()
    return Transcript(conversation, list(messages), list(cases), list(events), list(moderation))


async def conversation_of_case(db: Database, code: str) -> int:
    async with db.sessions() as session:
        found = await session.scalar(select(Case.conversation_id).where(Case.code == code.upper()))
    if found is None:
        raise CaseNotFound(code)
    return found
