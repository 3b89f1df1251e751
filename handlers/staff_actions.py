"""What staff do to a case. Each `do_verb_noun` is one transaction; the citizen's notification is
queued in it and delivered by the channel sender after the commit."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.abuse import flag_if_abusive, is_abusive
from handlers.buttons import Rate, Reopen
from handlers.clusters import regroup_after_domain_change
from handlers.core import Core
from handlers.correction_queue import queue_correction
from handlers.deadlines import case_deadlines
from handlers.dialogue import DRAFTING
from handlers.errors import CaseNotFound, InvalidAction
from handlers.live import publish_committed
from handlers.outbox import queue_message
from handlers.texts import render
from handlers.types import Button
from nlu import Analysis
from storage import Case, CaseEvent, CaseStatus, Conversation, StaffAccount, StaffRole, Unit

MAX_REPLY = 3500


def can_view(staff: StaffAccount, case: Case) -> bool:
    return (staff.role in (StaffRole.ADMIN, StaffRole.MODERATOR) or case.unit_id == staff.unit_id
            or can_supervise(staff, case))


def can_supervise(staff: StaffAccount, case: Case) -> bool:
    """A supervisor's area is one province (the case's place), or the whole country."""
    return staff.role is StaffRole.SUPERVISOR and (staff.province is None or case.province == staff.province)


def can_reassign(staff: StaffAccount, case: Case) -> bool:
    return can_act(staff, case) or can_supervise(staff, case)


def can_act(staff: StaffAccount, case: Case) -> bool:
    return staff.role is StaffRole.ADMIN or case.unit_id == staff.unit_id


def can_see_personal(staff: StaffAccount, case: Case) -> bool:
    """Phone numbers and the like are for the owning unit; moderators see them masked."""
    return can_act(staff, case)


Allowed = Callable[[StaffAccount, Case], bool]


async def _case_for_action(session: AsyncSession, staff: StaffAccount, code: str, allowed: Allowed = can_act) -> Case:
    case = await session.scalar(select(Case).where(Case.code == code.upper()).with_for_update(of=Case))
    if case is None or not allowed(staff, case):
        raise CaseNotFound(code)
    return case


def _text(value: str, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidAction(f"{what} must not be empty")
    if len(cleaned) > MAX_REPLY:
        raise InvalidAction(f"{what} is too long ({len(cleaned)} > {MAX_REPLY} characters)")
    return cleaned


async def _notify(session: AsyncSession, case: Case, key: str, author: str, buttons: tuple[tuple[Button, ...], ...] = (),
                  **params: str) -> None:
    conversation = await session.get(Conversation, case.conversation_id)
    assert conversation is not None
    text = render(key, case.citizen.language, {"code": case.code, "unit": case.unit.name, **params})
    queue_message(session, conversation, text, buttons, author=author, case_id=case.id)


def _event(session: AsyncSession, case: Case, kind: str, staff: StaffAccount, now: datetime,
           reason: str | None = None, **data: object) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor=f"staff:{staff.username}", reason=reason,
                          data=dict(data), created_at=now))


def _require_open(case: Case) -> None:
    if not case.status.is_open:
        raise InvalidAction(f"case {case.code} is {case.status.value}")


def _accept(case: Case, session: AsyncSession, staff: StaffAccount, now: datetime) -> None:
    if case.status is CaseStatus.OPEN:
        case.status, case.accepted_at = CaseStatus.IN_PROGRESS, now
        _event(session, case, "accepted", staff, now)


Change = Callable[[AsyncSession, Case, datetime], Awaitable[None]]


async def _rude(core: Core, body: str) -> Analysis | None:
    """Staff's words to a citizen are read for abuse too (off the event loop, before the transaction)."""
    analysis = await core.nlu.analyse(body)
    return analysis if is_abusive(analysis) else None


async def _flag_rude(session: AsyncSession, case: Case, rude: Analysis | None, now: datetime) -> None:
    """Sent all the same (moderators judge, the system does not censor), and the chat is flagged."""
    if rude is not None and (conversation := await session.get(Conversation, case.conversation_id)) is not None:
        flag_if_abusive(session, conversation, None, rude, now, "staff_to_citizen")


async def _on_open_case(core: Core, staff: StaffAccount, code: str, change: Change, allowed: Allowed = can_act) -> Case:
    """The shape of every staff action: one transaction on an open case of the staff's unit,
    then a wake-up for the channel sender once the change (and its notification) is committed."""
    async with core.db.transaction() as session:
        case = await _case_for_action(session, staff, code, allowed)
        _require_open(case)
        await change(session, case, core.clock())
    core.signal.wake([case.channel])
    await publish_committed(core.live, core.db, session)
    return case


async def do_accept_case(core: Core, staff: StaffAccount, code: str) -> Case:
    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        _accept(case, session, staff, now)

    return await _on_open_case(core, staff, code, change)


async def do_reply_to_citizen(core: Core, staff: StaffAccount, code: str, text: str) -> Case:
    body = _text(text, "reply")
    rude = await _rude(core, body)

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        _accept(case, session, staff, now)
        await _flag_rude(session, case, rude, now)
        _event(session, case, "staff_reply", staff, now, text=body)
        await _notify(session, case, "staff.reply", f"staff:{staff.username}", text=body)

    return await _on_open_case(core, staff, code, change)


async def do_request_information(core: Core, staff: StaffAccount, code: str, question: str) -> Case:
    body = _text(question, "question")

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        _accept(case, session, staff, now)
        case.status = CaseStatus.WAITING_CITIZEN
        _event(session, case, "information_requested", staff, now, text=body)
        conversation = await session.get(Conversation, case.conversation_id)
        drafting = conversation is not None and conversation.state in DRAFTING
        await _notify(session, case, "staff.ask_drafting" if drafting else "staff.ask", f"staff:{staff.username}",
                      text=body)

    return await _on_open_case(core, staff, code, change)


async def do_reassign_case(core: Core, staff: StaffAccount, code: str, unit_key: str, reason: str) -> Case:
    """Hand the case to another unit. A change of domain is a misroute: its reason and the text
    are kept on the event so they can become NLU training data."""
    why = _text(reason, "reason")

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        target = await session.scalar(select(Unit).where(Unit.key == unit_key, Unit.active.is_(True)))
        if target is None:
            raise InvalidAction(f"unknown unit {unit_key!r}")
        if target.id == case.unit_id:
            raise InvalidAction("the case already belongs to that unit")
        _event(session, case, "reassigned", staff, now, reason=why, from_unit=case.unit.key, to_unit=target.key,
               from_domain=case.domain, to_domain=target.domain, misroute=case.domain != target.domain)
        moved_domain = case.domain != target.domain
        if moved_domain:   # a misroute: the corrections queue decides whether it teaches the NLU
            queue_correction(session, case, "staff", f"staff:{staff.username}", target.domain, why, now)
        case.unit, case.unit_id, case.domain = target, target.id, target.domain
        if moved_domain:
            await regroup_after_domain_change(session, case)
        case.status, case.accepted_at = CaseStatus.OPEN, None
        case.accept_deadline, _ = case_deadlines(core.config, target.domain, case.urgent, now)
        await _notify(session, case, "staff.reassigned", "system")

    return await _on_open_case(core, staff, code, change, can_reassign)


async def do_resolve_case(core: Core, staff: StaffAccount, code: str, result: str) -> Case:
    body = _text(result, "result")

    async def change(session: AsyncSession, case: Case, now: datetime) -> None:
        _accept(case, session, staff, now)
        case.status, case.resolved_at, case.result = CaseStatus.RESOLVED, now, body
        _event(session, case, "resolved", staff, now, text=body)
        stars = tuple(Button(str(n), Rate(code=case.code, stars=n).pack()) for n in range(1, 6))
        not_fixed = (Button(render("button.reopen", case.citizen.language), Reopen(code=case.code).pack()),)
        await _notify(session, case, "staff.resolved", f"staff:{staff.username}", (stars, not_fixed), text=body)

    return await _on_open_case(core, staff, code, change)


async def do_answer_cluster(core: Core, staff: StaffAccount, code: str, text: str) -> list[Case]:
    """One answer to every open report of the case's cluster that the case's unit owns (the
    staff's own unit: `can_act` on the named case), each through its citizen's outbox, in one
    transaction. The members are locked in id order, so two answer-alls cannot deadlock."""
    body = _text(text, "reply")
    async with core.db.transaction() as session:
        named = await session.scalar(select(Case).where(Case.code == code.upper()))
        if named is None or not can_act(staff, named):
            raise CaseNotFound(code)
        if named.cluster_id is None:
            raise InvalidAction(f"case {named.code} has no similar reports")
        members = list((await session.scalars(
            select(Case).where(Case.cluster_id == named.cluster_id, Case.unit_id == named.unit_id,
                               Case.status.in_([s for s in CaseStatus if s.is_open]))
            .order_by(Case.id).with_for_update(of=Case))).unique().all())
        if not members:
            raise InvalidAction(f"no open similar report of case {named.code} belongs to this unit")
        now = core.clock()
        for case in members:
            _accept(case, session, staff, now)
            _event(session, case, "staff_reply", staff, now, text=body, cluster=named.cluster_id,
                   answered_with=len(members))
            await _notify(session, case, "staff.reply", f"staff:{staff.username}", text=body)
    core.signal.wake(sorted({case.channel for case in members}))
    await publish_committed(core.live, core.db, session)
    return members
