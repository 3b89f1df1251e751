"""What moderators do to a conversation or a case. Each `do_verb_noun` is one transaction, needs a
reason, and leaves a `moderation_event` (the audit trail); changes to a case also leave a
`case_event`, so the unit sees them on the case page."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.clusters import regroup_after_domain_change
from handlers.core import Core
from handlers.correction_queue import queue_correction
from handlers.deadlines import case_deadlines
from handlers.errors import CaseNotFound, InvalidAction
from handlers.notices import notify_supervisors
from handlers.review_queue import may_review
from handlers.staff_actions import _notify, _text
from handlers.units import route
from nlu import LABELS
from storage import Case, CaseEvent, CaseStatus, Conversation, ModerationEvent, StaffAccount

ABUSE_KINDS = ("citizen_to_staff", "staff_to_citizen", "spam")


def actor_of(staff: StaffAccount) -> str:
    return f"staff:{staff.username}"


def record(session: AsyncSession, conversation_id: int, kind: str, actor: str, now: datetime,
           reason: str | None = None, case_id: int | None = None, **data: object) -> None:
    session.add(ModerationEvent(conversation_id=conversation_id, case_id=case_id, kind=kind, actor=actor,
                                reason=reason, data=dict(data), created_at=now))


def _require(staff: StaffAccount) -> None:
    if not may_review(staff):
        raise CaseNotFound("review")


async def _conversation(session: AsyncSession, conversation_id: int) -> Conversation:
    conversation = await session.scalar(select(Conversation).where(Conversation.id == conversation_id)
                                        .with_for_update(of=Conversation))
    if conversation is None:
        raise CaseNotFound(str(conversation_id))
    return conversation


async def _case(session: AsyncSession, code: str) -> Case:
    case = await session.scalar(select(Case).where(Case.code == code.upper()).with_for_update(of=Case))
    if case is None:
        raise CaseNotFound(code)
    return case


async def _on_conversation(core: Core, staff: StaffAccount, conversation_id: int,
                           change: Callable[[AsyncSession, Conversation, datetime], Awaitable[None]]) -> None:
    _require(staff)
    async with core.db.transaction() as session:
        await change(session, await _conversation(session, conversation_id), core.clock())


async def _on_case(core: Core, staff: StaffAccount, code: str,
                   change: Callable[[AsyncSession, Case, datetime], Awaitable[None]]) -> Case:
    _require(staff)
    async with core.db.transaction() as session:
        case = await _case(session, code)
        await change(session, case, core.clock())
    core.signal.wake([case.channel])
    return case


async def do_mark_reviewed(core: Core, staff: StaffAccount, conversation_id: int, reason: str) -> None:
    why = _text(reason, "reason")

    async def change(session: AsyncSession, conversation: Conversation, now: datetime) -> None:
        conversation.reviewed_at = now
        record(session, conversation.id, "reviewed", actor_of(staff), now, why)

    await _on_conversation(core, staff, conversation_id, change)


async def do_flag_abuse(core: Core, staff: StaffAccount, conversation_id: int, kind: str, reason: str) -> None:
    """Puts the chat in the flagged queue; it never stops the citizen from writing."""
    why = _text(reason, "reason")
    if kind not in ABUSE_KINDS:
        raise InvalidAction(f"unknown kind of abuse {kind!r}")

    async def change(session: AsyncSession, conversation: Conversation, now: datetime) -> None:
        conversation.flagged_at = now
        record(session, conversation.id, "flagged", actor_of(staff), now, why, abuse=kind)

    await _on_conversation(core, staff, conversation_id, change)


async def do_add_note(core: Core, staff: StaffAccount, conversation_id: int, text: str) -> None:
    note = _text(text, "note")

    async def change(session: AsyncSession, conversation: Conversation, now: datetime) -> None:
        record(session, conversation.id, "note", actor_of(staff), now, note)

    await _on_conversation(core, staff, conversation_id, change)


def _case_event(session: AsyncSession, case: Case, kind: str, staff: StaffAccount, now: datetime, reason: str,
                **data: object) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor=actor_of(staff), reason=reason, data=dict(data),
                          created_at=now))
    record(session, case.conversation_id, kind, actor_of(staff), now, reason, case_id=case.id, **data)


async def do_correct_domain(core: Core, staff: StaffAccount, code: str, domain: str, reason: str) -> Case:
    """The right domain for a case. An open case moves to that domain's unit for its place; every
    correction waits in the corrections queue before it can teach the NLU."""
    why = _text(reason, "reason")
    if domain not in LABELS:
        raise InvalidAction(f"unknown domain {domain!r}")

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        if domain == case.domain:
            raise InvalidAction(f"case {case.code} already has domain {domain}")
        moved = case.status.is_open
        _case_event(session, case, "domain_corrected", staff, now, why, from_domain=case.domain, to_domain=domain,
                    moved=moved)
        queue_correction(session, case, "moderator", actor_of(staff), domain, why, now)
        case.domain = domain
        await regroup_after_domain_change(session, case)
        if moved:   # like a reassignment: the new unit accepts it afresh
            unit = await route(session, domain, case.province, case.commune)
            case.unit, case.unit_id = unit, unit.id
            case.status, case.accepted_at = CaseStatus.OPEN, None
            case.accept_deadline, _ = case_deadlines(core.config, domain, case.urgent, now)
            await _notify(session, case, "staff.reassigned", "system")

    return await _on_case(core, staff, code, change)


async def do_correct_place(core: Core, staff: StaffAccount, code: str, province: str, commune: str,
                           reason: str) -> Case:
    """The right province (and commune) of a case; a case no unit has accepted yet follows it."""
    why = _text(reason, "reason")
    if province.strip() not in core.nlu.provinces():
        raise InvalidAction(f"unknown province {province!r}")

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        new_commune = commune.strip() or None
        _case_event(session, case, "place_corrected", staff, now, why, from_province=case.province,
                    from_commune=case.commune, to_province=province.strip(), to_commune=new_commune)
        case.province, case.commune = province.strip(), new_commune
        if case.accepted_at is None and case.status.is_open:
            unit = await route(session, case.domain, case.province, case.commune)
            case.unit, case.unit_id = unit, unit.id

    return await _on_case(core, staff, code, change)


async def do_escalate_to_supervisor(core: Core, staff: StaffAccount, code: str, reason: str) -> Case:
    """Tell the supervisors of the case's province (and the country's) about it, in their console."""
    why = _text(reason, "reason")

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        _case_event(session, case, "sent_to_supervisor", staff, now, why)
        await notify_supervisors(session, case, "moderator", f"{case.code}: {why}", now)

    return await _on_case(core, staff, code, change)
