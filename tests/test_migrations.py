"""The schema matches its queries and refuses nonsense: a database from the first release upgrades
with its data intact, and the inbox and outbox queries are answered from their indexes."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from handlers.outbox import claim_query
from handlers.queries import inbox_query
from storage import (
    Case,
    CaseEvent,
    CaseStatus,
    Database,
    Message,
    OutboxItem,
    StaffAccount,
    StaffRole,
    create_database,
    upgrade_to,
)
from tests.postgres import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        server: str = request.getfixturevalue("postgres_template")
        yield empty_database(server, f"m_{uuid.uuid4().hex[:12]}")


async def _first_release_data(db: Database) -> None:
    """What a live 0001 database holds: a resolved, rated case with its transcript and outbox.

    Written as plain SQL in the 0001 columns: today's models have columns a 0001 table lacks."""
    now = datetime.now(UTC)
    rows = [
        ("unit", {"id": 1, "key": "union.bac-ninh", "domain": "union", "level": "province", "province": "Bắc Ninh",
                  "name": "Công đoàn tỉnh Bắc Ninh", "active": True}),
        ("citizen", {"id": 1, "channel": "web", "external_id": "u1", "language": "vi", "created_at": now}),
        ("conversation", {"id": 1, "channel": "web", "chat_id": "c1", "citizen_id": 1, "state": "idle",
                          "draft": "{}", "created_at": now, "updated_at": now}),
        ("staff_account", {"id": 1, "username": "cb", "display_name": "Cán bộ", "password_hash": "x",
                           "role": "staff", "unit_id": 1, "active": True, "created_at": now}),
        ("cases", {"id": 1, "code": "LN-7K3Q9P", "citizen_id": 1, "conversation_id": 1, "channel": "web",
                   "description": "công ty nợ lương", "domain": "union", "domain_chosen_by": "nlu", "urgent": False,
                   "anonymous": False, "status": "resolved", "unit_id": 1, "accept_deadline": now,
                   "resolve_deadline": now + timedelta(days=15), "rating": 5, "result": "đã trả",
                   "escalation_level": 0, "created_at": now, "updated_at": now}),
        ("message", {"id": 1, "conversation_id": 1, "case_id": 1, "channel": "web", "direction": "out",
                     "author": "bot", "kind": "text", "text": "Mã tra cứu LN-7K3Q9P", "buttons": "[]",
                     "created_at": now}),
        ("case_event", {"id": 1, "case_id": 1, "kind": "created", "actor": "system", "data": "{}",
                        "created_at": now}),
        ("outbox_item", {"id": 1, "message_id": 1, "channel": "web", "chat_id": "c1", "status": "sent",
                         "attempts": 1, "next_attempt_at": now, "sent_at": now, "created_at": now}),
    ]
    async with db.transaction() as session:
        for table, values in rows:
            columns = ", ".join(values)
            marks = ", ".join(f":{c}" for c in values)
            await session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)


def _schema(connection: object) -> tuple[set[str], set[str]]:
    inspector = inspect(connection)
    indexes = {i["name"] for t in ("cases", "outbox_item") for i in inspector.get_indexes(t)}
    checks = {c["name"] for t in inspector.get_table_names() for c in inspector.get_check_constraints(t)}
    return indexes, checks


async def test_a_first_release_database_upgrades_with_its_data_and_then_refuses_nonsense(empty_url: str) -> None:
    db = create_database(empty_url)
    try:
        await upgrade_to(db, "0001")
        await _first_release_data(db)
        await upgrade_to(db, "head")
        async with db.sessions() as session:
            case = await session.scalar(select(Case))
            assert (case.code, case.rating, case.status, case.unit.key) == ("LN-7K3Q9P", 5, CaseStatus.RESOLVED,
                                                                              "union.bac-ninh")
            assert await session.scalar(select(func.count()).select_from(Message)) == 1
            assert await session.scalar(select(func.count()).select_from(OutboxItem)) == 1
            assert await session.scalar(select(func.count()).select_from(CaseEvent)) == 1
        async with db.engine.connect() as conn:
            indexes, checks = await conn.run_sync(_schema)
        assert {"ix_case_inbox", "ix_case_escalation", "ix_outbox_chat", "ix_outbox_pending"} <= indexes
        assert {"ck_cases_rating", "ck_cases_status", "ck_message_direction", "ck_outbox_item_status",
                "ck_unit_level", "ck_staff_account_role"} <= checks
        for bad in ({"rating": 6}, {"rating": 0}, {"status": "lost"}, {"escalation_level": -1}):
            with pytest.raises(IntegrityError):
                async with db.transaction() as session:
                    await session.execute(update(Case.__table__).values(**bad))
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                await session.execute(update(StaffAccount.__table__).values(role="root"))
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                await session.execute(update(Message.__table__).values(direction="sideways"))
        async with db.transaction() as session:
            await session.execute(update(Case.__table__).values(rating=1))
        if db.is_sqlite:
            with pytest.raises(IntegrityError, match="FOREIGN KEY"):  # foreign keys are back on after migrating
                async with db.transaction() as session:
                    await session.execute(update(Message.__table__).values(case_id=999))
    finally:
        await db.dispose()


async def _plan(db: Database, statement: object) -> str:
    """The database's own plan for a query built by the application."""
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
    async with db.engine.connect() as conn:
        if db.is_sqlite:
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            return "\n".join(str(r[-1]) for r in rows)
        await conn.execute(text("SET enable_seqscan = off"))  # a test table is tiny; ask which index fits
        rows = await conn.exec_driver_sql(f"EXPLAIN {compiled}")
        return "\n".join(r[0] for r in rows)


async def test_the_inbox_and_the_outbox_claim_read_their_indexes(database_url: str) -> None:
    db = create_database(database_url)
    try:
        staff = StaffAccount(username="cb", display_name="Cán bộ", password_hash="x", role=StaffRole.STAFF, unit_id=1)
        inbox_plan = await _plan(db, inbox_query(staff, CaseStatus.OPEN))
        assert "ix_case_inbox" in inbox_plan, inbox_plan
        if db.is_sqlite:
            assert "TEMP B-TREE" not in inbox_plan, f"one status of one unit comes out of the index in order:\n{inbox_plan}"
        open_plan = await _plan(db, inbox_query(staff, open_only=True))
        assert "ix_case_inbox" in open_plan, open_plan
        claim_plan = await _plan(db, claim_query("telegram", datetime.now(UTC)))
        assert "ix_outbox_chat" in claim_plan, claim_plan  # the per-row "earlier message waiting?" check
        assert "Seq Scan on outbox_item" not in claim_plan and "SCAN outbox_item" not in claim_plan, claim_plan
    finally:
        await db.dispose()
