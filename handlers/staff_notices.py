"""Short notices to staff members' own chats: a case arrived at their unit (urgent ones marked),
a citizen answered on one of their unit's cases, a deadline is about an hour away.

Why a flush hook: cases arrive at a unit from many places (a citizen's turn, a reassignment, an
escalation, a reroute once an urgent case's place is known), each already writing a case event in
its own transaction. Reading those events as they are flushed queues the notice in the very same
transaction, so a notice exists exactly when its change was committed, and no caller has to
remember to send it. The outbox's sender delivers it after the commit like any other reply.

Notices carry the code, the domain and the deadline only: no name, contact or citizen's words.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from handlers.core import SESSION_CONFIG, SESSION_SIGNAL, Core
from handlers.deadlines import format_local
from handlers.live import publish_committed
from handlers.settings import AppConfig
from handlers.signals import Signal
from handlers.texts import render
from storage import (
    Case,
    CaseEvent,
    CaseStatus,
    Conversation,
    DeadlineReminder,
    Direction,
    Message,
    OutboxItem,
    StaffAccount,
    StaffLink,
    Unit,
)

ARRIVALS = frozenset({"created", "reassigned", "escalated", "rerouted", "reopened"})
ANSWERS = frozenset({"citizen_message"})
REMIND_BEFORE = timedelta(hours=1)
AUTHOR = "system:staff_notice"
_QUEUED = "staff_notices.channels"      # session.info: channels that got a notice in this transaction


def _chats_of_unit(session: Session, unit_id: int) -> list[tuple[str, str, int]]:
    """(channel, chat id, conversation id) of every active staff member of the unit with a linked chat."""
    rows = session.execute(
        select(StaffLink.channel, StaffLink.chat_id, Conversation.id)
        .join(StaffAccount, StaffAccount.id == StaffLink.staff_id)
        .join(Conversation, (Conversation.channel == StaffLink.channel) & (Conversation.chat_id == StaffLink.chat_id))
        .where(StaffAccount.unit_id == unit_id, StaffAccount.active.is_(True))
        .order_by(StaffLink.id)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def notice_text(key: str, case: Case, config: AppConfig, deadline: datetime | None = None,
                language: str = "vi") -> str:
    return render(key, language, {
        "code": case.code, "domain": render(f"domain.{case.domain}", language),
        "deadline": format_local(deadline or case.resolve_deadline, config, language)})


def queue_notice(session: Session, case: Case, unit_id: int, key: str, config: AppConfig,
                 deadline: datetime | None = None) -> list[str]:
    """Queue `key` about `case` to every linked chat of the unit's staff; the channels queued to."""
    chats = _chats_of_unit(session, unit_id)
    text = notice_text(key, case, config, deadline)
    for channel, chat_id, conversation_id in chats:
        message = Message(conversation_id=conversation_id, channel=channel, direction=Direction.OUT,
                          author=AUTHOR, text=text, buttons=[])
        session.add(message)
        session.add(OutboxItem(message=message, channel=channel, chat_id=chat_id))
        session.info.setdefault(_QUEUED, set()).add(channel)
    return [channel for channel, _, _ in chats]


def _target_unit(session: Session, case: Case, item: CaseEvent) -> int | None:
    key = (item.data or {}).get("to_unit")
    if isinstance(key, str):
        return session.scalar(select(Unit.id).where(Unit.key == key))
    return case.unit_id


def _key_for(item: CaseEvent, case: Case) -> str | None:
    if item.kind == "reopened":
        return "staff_notice.reopened"
    if item.kind in ARRIVALS:
        return "staff_notice.urgent" if case.urgent else "staff_notice.new"
    if item.kind in ANSWERS:
        return "staff_notice.answer"
    return None


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    config = session.info.get(SESSION_CONFIG)
    if not isinstance(config, AppConfig):
        return
    items = [o for o in session.new if isinstance(o, CaseEvent) and o.kind in ARRIVALS | ANSWERS]
    if not items:
        return
    told: set[tuple[int, int, str]] = set()
    with session.no_autoflush:
        for item in sorted(items, key=lambda i: i.kind != "created"):
            case = session.get(Case, item.case_id) if item.case_id is not None else None
            key = _key_for(item, case) if case is not None else None
            unit_id = _target_unit(session, case, item) if case is not None and key else None
            if case is None or key is None or unit_id is None or (case.id, unit_id, key) in told:
                continue
            told.add((case.id, unit_id, key))
            queue_notice(session, case, unit_id, key, config)


@event.listens_for(Session, "after_commit")
def _wake_senders(session: Session) -> None:
    """A notice to a staff chat on another channel than the change's own is sent at once, not at
    that sender's next poll: an urgent case filed in the web chat reaches Telegram straight away."""
    channels: set[str] | None = session.info.pop(_QUEUED, None)
    signal = session.info.get(SESSION_SIGNAL)
    if channels and isinstance(signal, Signal):
        signal.wake(sorted(channels))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def _due(case: Case, now: datetime) -> Iterable[datetime]:
    if case.status is CaseStatus.OPEN and now < case.accept_deadline <= now + REMIND_BEFORE:
        yield case.accept_deadline
    if now < case.resolve_deadline <= now + REMIND_BEFORE:
        yield case.resolve_deadline


def _remind(session: Session, case: Case, deadline: datetime, config: AppConfig) -> list[str]:
    return queue_notice(session, case, case.unit_id, "staff_notice.reminder", config, deadline)


async def remind_deadlines(core: Core) -> list[str]:
    """The timed job: a notice about every open case whose deadline is within the hour, once per
    case and deadline (a `deadline_reminder` row says it was done; safe to run any number of times)."""
    now = core.clock()
    soon = now + REMIND_BEFORE
    reminded: list[str] = []
    async with core.db.transaction() as session:
        cases = (await session.scalars(select(Case).where(
            Case.status.in_([s for s in CaseStatus if s.is_open]),
            ((Case.resolve_deadline > now) & (Case.resolve_deadline <= soon))
            | ((Case.status == CaseStatus.OPEN) & (Case.accept_deadline > now) & (Case.accept_deadline <= soon)))
            .order_by(Case.id))).unique().all()
        for case in cases:
            for deadline in _due(case, now):
                done = await session.scalar(select(DeadlineReminder.id).where(
                    DeadlineReminder.case_id == case.id, DeadlineReminder.deadline == deadline))
                if done is not None:
                    continue
                session.add(DeadlineReminder(case_id=case.id, deadline=deadline, sent_at=now))
                sent = await session.run_sync(_remind, case, deadline, core.config)
                if sent:
                    reminded.append(case.code)
    await publish_committed(core.live, core.db, session)
    return reminded
