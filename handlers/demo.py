"""Example cases for the demo province, so a newcomer's first look at the console is a living inbox.

Made only with DEMO=true and only on a database without them; they belong to the channel "demo"
(no real citizen, nothing is ever sent: a pull channel with no outbox) and the console marks them DEMO.
Every case goes through the real routing and deadlines, and its history reads like a real one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.deadlines import case_deadlines
from handlers.settings import AppConfig, DemoCase
from handlers.tracking import new_code
from handlers.units import route
from storage import (
    Case,
    CaseEvent,
    CaseStatus,
    Citizen,
    Conversation,
    Database,
    Direction,
    Message,
    StaffAccount,
    Unit,
)

DEMO_CHANNEL = "demo"


async def seed_demo_cases(db: Database, config: AppConfig, now: datetime) -> list[str]:
    """The codes of the example cases made now; none when the database has them already."""
    made: list[str] = []
    async with db.transaction() as session:
        if await session.scalar(select(Case.id).where(Case.channel == DEMO_CHANNEL).limit(1)) is not None:
            return []
        for n, example in enumerate(config.demo_cases, start=1):
            made.append(await _one(session, config, example, n, now))
    return made


async def _staff_of(session: AsyncSession, unit: Unit) -> str:
    username = await session.scalar(select(StaffAccount.username).where(StaffAccount.unit_id == unit.id)
                                    .order_by(StaffAccount.id).limit(1))
    return f"staff:{username}" if username else "system"


async def _one(session: AsyncSession, config: AppConfig, example: DemoCase, n: int, now: datetime) -> str:
    opened = now - timedelta(hours=example.hours_ago)
    citizen = Citizen(channel=DEMO_CHANNEL, external_id=f"demo-{n}", consent_at=opened, consent_version="demo",
                      created_at=opened)
    session.add(citizen)
    await session.flush()
    conversation = Conversation(channel=DEMO_CHANNEL, chat_id=f"demo-{n}", citizen_id=citizen.id, state="idle",
                                draft={}, created_at=opened)
    session.add(conversation)
    await session.flush()
    unit = await route(session, example.domain, config.demo_province, example.commune)
    accept_by, resolve_by = case_deadlines(config, example.domain, example.urgent, opened)
    code = new_code()
    while await session.scalar(select(Case.id).where(Case.code == code)) is not None:
        code = new_code()
    case = Case(code=code, citizen_id=citizen.id, conversation_id=conversation.id, channel=DEMO_CHANNEL,
                description=example.text, domain=example.domain, domain_chosen_by="nlu",
                province=config.demo_province, commune=example.commune, urgent=example.urgent,
                status=CaseStatus(example.status), unit_id=unit.id, accept_deadline=accept_by,
                resolve_deadline=resolve_by, created_at=opened, updated_at=opened)
    session.add(case)
    await session.flush()
    citizen_actor = f"citizen:{citizen.id}"
    session.add(Message(conversation_id=conversation.id, case_id=case.id, channel=DEMO_CHANNEL,
                        direction=Direction.IN, author=citizen_actor, text=example.text, created_at=opened))
    session.add(CaseEvent(case_id=case.id, kind="created", actor=citizen_actor, created_at=opened,
                          data={"unit": unit.key, "domain": example.domain, "urgent": example.urgent, "demo": True}))
    if case.status is CaseStatus.OPEN:
        return code
    staff = await _staff_of(session, unit)
    worked = opened + timedelta(hours=min(2.0, example.hours_ago / 2))
    case.accepted_at = worked
    session.add(CaseEvent(case_id=case.id, kind="accepted", actor=staff, created_at=worked))
    said = {"in_progress": ("staff_reply", example.reply), "waiting_citizen": ("information_requested", example.ask),
            "resolved": ("resolved", example.result)}[case.status.value]
    if said[1]:
        session.add(CaseEvent(case_id=case.id, kind=said[0], actor=staff, created_at=worked, data={"text": said[1]}))
        session.add(Message(conversation_id=conversation.id, case_id=case.id, channel=DEMO_CHANNEL,
                            direction=Direction.OUT, author=staff, text=said[1], created_at=worked))
    if case.status is CaseStatus.RESOLVED:
        case.resolved_at, case.result, case.rating = worked, example.result, example.rating
        if example.rating:
            session.add(CaseEvent(case_id=case.id, kind="rated", actor=citizen_actor, created_at=worked,
                                  data={"rating": example.rating}))
    return code
