"""The case lifecycle seen from the citizen's side: open, add to, look up, rate."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from handlers.clusters import assign_cluster
from handlers.deadlines import case_deadlines, format_local
from handlers.topics import case_terms
from handlers.tracking import new_code, parse_code
from handlers.turn import Turn
from handlers.units import route
from storage import Case, CaseEvent, CaseStatus, Message


def citizen_actor(turn: Turn) -> str:
    return f"citizen:{turn.citizen.id}"


async def _unique_code(turn: Turn) -> str:
    for _ in range(10):
        code = new_code()
        if await turn.session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code
    raise RuntimeError("could not find a free tracking code")


async def open_case(turn: Turn) -> Case:
    """Turn the draft into a case owned by exactly one unit, with its deadlines."""
    d = turn.draft
    if d.domain is None:
        raise ValueError("a case needs a domain")
    now = turn.core.clock()
    unit = await route(turn.session, d.domain, d.province, d.commune)
    accept_by, resolve_by = case_deadlines(turn.core.config, d.domain, d.urgent, now)
    nlu: dict[str, Any] = d.nlu.model_dump(mode="json") if d.nlu else {}
    case = Case(
        code=await _unique_code(turn),
        citizen_id=turn.citizen.id,
        conversation_id=turn.conversation.id,
        channel=turn.conversation.channel,
        description=d.description,
        domain=d.domain,
        nlu_label=nlu.get("label"),
        nlu_confidence=nlu.get("confidence"),
        model_version=turn.core.nlu.version if nlu else None,
        domain_chosen_by=d.domain_by or "nlu",
        province=d.province,
        commune=d.commune,
        urgent=d.urgent,
        anonymous=d.contact == "anonymous",
        contact_phone=d.phone,
        latitude=d.latitude,
        longitude=d.longitude,
        status=CaseStatus.OPEN,
        unit=unit,
        accept_deadline=accept_by,
        resolve_deadline=resolve_by,
        created_at=now,
        topic_terms=case_terms(d.description, turn.core.nlu.public_terms()),   # public board topics
    )
    await assign_cluster(turn.session, case)   # before it is added: one INSERT, with its cluster
    turn.session.add(case)
    turn.opened.append(case)
    await turn.session.flush()
    first = d.first_message_id or turn.message.id
    await turn.session.execute(
        update(Message)
        .where(Message.conversation_id == turn.conversation.id, Message.case_id.is_(None), Message.id >= first)
        .values(case_id=case.id)
    )
    if turn.message.case_id is None and turn.message.id >= first:   # written by that statement already
        set_committed_value(turn.message, "case_id", case.id)
    else:
        turn.message.case_id = case.id
    data: dict[str, Any] = {"unit": unit.key, "domain": case.domain, "nlu": nlu,
                            "domain_by": case.domain_chosen_by, "urgent": case.urgent,
                            "cluster": case.cluster_id}
    if d.split_from:
        data["split_from"] = d.split_from
    turn.session.add(CaseEvent(case_id=case.id, kind="created", actor=citizen_actor(turn), created_at=now, data=data))
    return case


async def own_open_case(turn: Turn, code: str) -> Case | None:
    return await turn.session.scalar(
        select(Case).where(Case.code == code, Case.conversation_id == turn.conversation.id,
                           Case.status.in_([s for s in CaseStatus if s.is_open])).with_for_update(of=Case))


async def complete_case(turn: Turn, case: Case) -> bool:
    """An urgent case was filed before its place and contact were known: what the citizen tells
    now completes it. A case no unit has accepted yet moves to the more specific unit the place
    points to; once accepted, its unit keeps it. True when anything changed."""
    d = turn.draft
    changes: dict[str, Any] = {}
    wanted = {"province": d.province, "commune": d.commune, "contact_phone": d.phone,
              "anonymous": d.contact == "anonymous"}
    for field_name, value in wanted.items():
        if value != getattr(case, field_name) and (value or field_name == "anonymous"):
            changes[field_name] = value
            setattr(case, field_name, value)
    turn.message.case_id = case.id
    if not changes:
        return False
    event = {k: ("<phone>" if k == "contact_phone" else v) for k, v in changes.items()}
    turn.session.add(CaseEvent(case_id=case.id, kind="details", actor=citizen_actor(turn), data=event))
    unit = await route(turn.session, case.domain, case.province, case.commune)
    if case.status is CaseStatus.OPEN and unit.id != case.unit_id:
        turn.session.add(CaseEvent(case_id=case.id, kind="rerouted", actor="system",
                                   reason="citizen gave the place after an urgent filing",
                                   data={"from_unit": case.unit.key, "to_unit": unit.key}))
        case.unit = unit
    return True


async def case_for_reply(turn: Turn) -> Case | None:
    """The open case a citizen's free text belongs to: one waiting on their answer first, else the
    one staff wrote to last (then the newest). Locked, so a staff action cannot race the change."""
    waiting_first = (Case.status == CaseStatus.WAITING_CITIZEN).desc()
    return await turn.session.scalar(
        select(Case)
        .where(Case.conversation_id == turn.conversation.id, Case.status.in_([s for s in CaseStatus if s.is_open]))
        .order_by(waiting_first, Case.updated_at.desc(), Case.id.desc())
        .limit(1)
        .with_for_update(of=Case)
    )


async def named_open_case(turn: Turn, text: str) -> Case | None:
    """The citizen's own open case whose tracking code the text names, if any."""
    code = parse_code(text)
    return None if code is None else await own_open_case(turn, code)


async def last_resolved_unrated(turn: Turn) -> Case | None:
    return await turn.session.scalar(
        select(Case)
        .where(Case.conversation_id == turn.conversation.id, Case.status == CaseStatus.RESOLVED,
               Case.rating.is_(None))
        .order_by(Case.resolved_at.desc())
        .limit(1)
    )


async def add_to_case(turn: Turn, case: Case) -> None:
    """What a citizen writes while a case is open joins that case; an answer resumes the work."""
    turn.message.case_id = case.id
    turn.session.add(CaseEvent(case_id=case.id, kind="citizen_message", actor=citizen_actor(turn),
                               data={"message_id": turn.message.id}))
    if case.status is CaseStatus.WAITING_CITIZEN:
        case.status = CaseStatus.IN_PROGRESS
        turn.session.add(CaseEvent(case_id=case.id, kind="status", actor=citizen_actor(turn),
                                   data={"from": "waiting_citizen", "to": "in_progress"}))
    turn.say("case.appended", code=case.code)


async def rate_case(turn: Turn, code: str, rating: int) -> Case | None:
    """The rated case, or None when it cannot be rated (the citizen is told why)."""
    case = await turn.session.scalar(select(Case).where(Case.code == code, Case.citizen_id == turn.citizen.id))
    if case is None or case.status is not CaseStatus.RESOLVED or case.rating is not None or not 1 <= rating <= 5:
        turn.say("rating.invalid", code=code)
        return None
    case.rating = rating
    turn.message.case_id = case.id
    turn.session.add(CaseEvent(case_id=case.id, kind="rated", actor=citizen_actor(turn), data={"rating": rating}))
    turn.say("rating.thanks", code=code, rating=rating)
    return case


def status_line(turn: Turn, case: Case) -> str:
    return turn.t("status.line", code=case.code, status=turn.t(f"status.{case.status.value}"),
                  unit=case.unit.name, deadline=format_local(case.resolve_deadline, turn.core.config, turn.language))


async def report_status(turn: Turn, code: str | None) -> None:
    """A code shows status and the responsible body only: nothing personal, so any holder may ask."""
    if code is None:
        cases = (await turn.session.scalars(
            select(Case).where(Case.citizen_id == turn.citizen.id).order_by(Case.id.desc()).limit(5))).all()
        if not cases:
            turn.say("status.none")
            return
        turn.say("status.mine", lines="\n\n".join(status_line(turn, c) for c in cases))
        return
    case = await turn.session.scalar(select(Case).where(Case.code == code))
    if case is None:
        turn.say("status.not_found", code=code)
        return
    turn.say("raw", text=status_line(turn, case))
