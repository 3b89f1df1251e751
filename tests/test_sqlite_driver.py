"""The embedded database's driver (storage/sqlite_driver.py) answers as SQLAlchemy's own aiosqlite
adapter does: rows, counts, new ids, many rows at once, errors, RETURNING; and writes behind
(`write_behind`) keep what a transaction means."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Integer, String, bindparam, insert, select, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage import WRITE_BEHIND, Database, create_database, insert_returning_later, sqlite_driver
from storage.sqlite_driver import OneHopCursor
from tests.driver_trips import count_trips


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)
    body: Mapped[str] = mapped_column(String(64))


async def _story(engine: AsyncEngine) -> list[object]:
    """One sequence of everyday statements; what each returns, in order."""
    seen: list[object] = []
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        first = await connection.execute(insert(Note).values(key="a", body="một"))
        seen.append(first.inserted_primary_key)
        many = await connection.execute(insert(Note), [{"key": k, "body": f"body {k}"} for k in "bcde"])
        seen.append(many.rowcount)
        changed = await connection.execute(update(Note).where(Note.key.in_(["b", "c"])).values(body="đổi"))
        seen.append(changed.rowcount)
        seen.append((await connection.execute(select(Note.key, Note.body).order_by(Note.id))).all())
        seen.append((await connection.execute(select(Note.id).where(Note.key == "zz"))).first())
        returned = await connection.execute(update(Note).where(Note.key == "e").values(body="e2").returning(Note.id, Note.body))
        seen.append(returned.all())
        by_name = await connection.execute(text("SELECT body FROM note WHERE key = :k"), {"k": "a"})
        seen.append(by_name.scalar_one())
        expanding = select(Note.key).where(Note.id.in_(bindparam("ids", expanding=True))).order_by(Note.id)
        seen.append((await connection.execute(expanding, {"ids": [2, 4]})).scalars().all())
    return seen


@pytest.mark.parametrize("rows", [0, 1, 500])
async def test_the_driver_reads_every_row_of_a_statement(tmp_path: Path, rows: int) -> None:
    db = create_database(f"sqlite+aiosqlite:///{tmp_path / 'rows.db'}")
    try:
        async with db.transaction() as session:
            await session.run_sync(lambda s: Base.metadata.create_all(s.connection()))
            if rows:
                await session.execute(insert(Note), [{"key": str(n), "body": "x" * 60} for n in range(rows)])
        async with db.sessions() as session:
            assert len((await session.scalars(select(Note))).all()) == rows
    finally:
        await db.dispose()


async def test_the_driver_answers_as_the_stock_adapter_does(tmp_path: Path) -> None:
    ours = create_database(f"sqlite+aiosqlite:///{tmp_path / 'ours.db'}")
    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")
    try:
        async with ours.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert type(raw.dbapi_connection.cursor()) is OneHopCursor   # the story below runs through it
        expected = await _story(stock)
        assert await _story(ours.engine) == expected
        assert expected[1] == 4 and expected[2] == 2   # the story itself means something
    finally:
        await ours.dispose()
        await stock.dispose()


async def test_a_broken_rule_is_an_integrity_error_and_the_transaction_rolls_back(tmp_path: Path) -> None:
    db = create_database(f"sqlite+aiosqlite:///{tmp_path / 'rules.db'}")
    try:
        async with db.transaction() as session:
            await session.run_sync(lambda s: Base.metadata.create_all(s.connection()))
            session.add(Note(key="a", body="một"))
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                session.add(Note(key="b", body="hai"))
                await session.flush()
                session.add(Note(key="a", body="lần nữa"))
        async with db.sessions() as session:
            assert (await session.scalars(select(Note.key))).all() == ["a"]
    finally:
        await db.dispose()


def _other_process_can_write(path: Path) -> bool:
    """What another process (a CLI command) sees: may it write now, without waiting?"""
    import sqlite3

    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("INSERT INTO note (key, body) VALUES ('other', 'x')")
        other.rollback()
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


async def test_a_write_transaction_holds_the_write_lock_from_its_first_read(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE rides with the first statement: what the transaction reads cannot change
    before it writes, and no lock statement of its own is needed."""
    path = tmp_path / "lock.db"
    db = create_database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.transaction() as session:
            await session.run_sync(lambda s: Base.metadata.create_all(s.connection()))
        async with db.transaction() as session:
            assert (await session.scalars(select(Note))).all() == []   # a read, nothing written yet
            assert not _other_process_can_write(path)
        assert _other_process_can_write(path)
        async with db.transaction():
            pass   # no statement: nothing begun, nothing left over for the connection's next user
        async with db.sessions() as session:   # a plain reading session stays a reader
            assert (await session.scalars(select(Note))).all() == []
            assert _other_process_can_write(path)
    finally:
        await db.dispose()


def rolled_back(jobs: list[str]) -> int:
    return jobs.count("_rollback")


async def test_a_connection_goes_back_to_the_pool_without_a_rollback_only_when_nothing_is_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's rollback on return costs a job of the driver. After a commit, or after
    reads outside a transaction, there is nothing to roll back; a connection left inside a
    transaction (written and never committed, or a commit that failed) must still be rolled back,
    and another process can write afterwards in every case."""
    jobs = count_trips(monkeypatch)
    path = tmp_path / "reset.db"
    db = create_database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.transaction() as session:
            await session.run_sync(lambda s: Base.metadata.create_all(s.connection()))
            await session.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, note_id INTEGER "
                                       "REFERENCES note(id) DEFERRABLE INITIALLY DEFERRED)"))
        jobs.clear()
        async with db.transaction() as session:
            session.add(Note(key="a", body="kept"))
        assert rolled_back(jobs) == 0 and _other_process_can_write(path)
        async with db.sessions() as session:   # reads only: SQLite opened no transaction
            assert (await session.scalars(select(Note.key))).all() == ["a"]
        assert rolled_back(jobs) == 0 and _other_process_can_write(path)
        async with db.sessions() as session:   # written and never committed
            session.add(Note(key="b", body="dropped"))
            await session.flush()
        assert rolled_back(jobs) == 1 and _other_process_can_write(path)
        with pytest.raises(IntegrityError):   # the foreign key is checked at COMMIT, which fails
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO child (note_id) VALUES (999)"))
        assert rolled_back(jobs) == 2 and _other_process_can_write(path)
        async with db.sessions() as session:
            assert (await session.scalars(select(Note.key).order_by(Note.key))).all() == ["a"]
            assert (await session.execute(text("SELECT count(*) FROM child"))).scalar_one() == 0
    finally:
        await db.dispose()


@pytest.fixture
async def notes(tmp_path: Path) -> AsyncIterator[Database]:
    db = create_database(f"sqlite+aiosqlite:///{tmp_path / 'behind.db'}")
    async with db.transaction() as session:
        await session.run_sync(lambda s: Base.metadata.create_all(s.connection()))
        session.add(Note(key="a", body="một"))
    yield db
    await db.dispose()


_ADD_NOTE = insert(Note).prefix_with(WRITE_BEHIND)


@pytest.mark.parametrize(("behind", "trips_taken"), [(False, 7), (True, 4)])
async def test_writes_behind_go_with_the_next_statement_and_the_commit(
        notes: Database, monkeypatch: pytest.MonkeyPatch, behind: bool, trips_taken: int) -> None:
    """An UPDATE by primary key (the unit of work's) and a marked INSERT wait for the next trip;
    the statement that carries them reads what they wrote."""
    trips = count_trips(monkeypatch)
    async with notes.transaction(behind=behind) as session:
        note = await session.scalar(select(Note).where(Note.key == "a"))   # trip 1, with BEGIN IMMEDIATE
        assert note is not None
        note.body = "đổi"
        await session.execute(_ADD_NOTE, {"key": "b", "body": "hai"})   # the update's autoflush, then the insert
        seen = (await session.execute(select(Note.key, Note.body).order_by(Note.key))).all()
        assert seen == [("a", "đổi"), ("b", "hai")]
        session.add(Note(key="c", body="ba"))
        await session.flush()   # an ORM insert needs its new id: never written behind
        note.body = "đổi lại"   # behind: goes with the commit
    assert len(trips) == trips_taken
    async with notes.sessions() as session:
        assert (await session.execute(select(Note.key, Note.body).order_by(Note.key))).all() == [
            ("a", "đổi lại"), ("b", "hai"), ("c", "ba")]


async def test_a_write_behind_that_fails_fails_the_commit_and_nothing_is_kept(notes: Database) -> None:
    with pytest.raises(IntegrityError):
        async with notes.transaction(behind=True) as session:
            note = await session.scalar(select(Note).where(Note.key == "a"))
            assert note is not None
            note.body = "không giữ"
            await session.execute(_ADD_NOTE, {"key": "n", "body": "mới"})
            await session.execute(_ADD_NOTE, {"key": "a", "body": "trùng"})   # the key is taken: raised at commit
    async with notes.transaction(behind=True) as session:   # the connection is usable again
        assert (await session.execute(select(Note.key, Note.body))).all() == [("a", "một")]


async def test_an_update_written_behind_that_finds_no_row_fails_the_commit(notes: Database) -> None:
    """The unit of work checks that its UPDATE matched its row; written behind, the driver checks it."""
    with pytest.raises(DatabaseError, match="matched 0 rows"):
        async with notes.transaction(behind=True) as session:
            note = await session.scalar(select(Note).where(Note.key == "a"))
            assert note is not None
            await session.execute(text("DELETE FROM note WHERE key = 'a'"))
            note.body = "gone"
    async with notes.sessions() as session:
        assert (await session.scalars(select(Note.key))).all() == ["a"]


async def test_a_transaction_that_raises_drops_its_writes_behind(notes: Database) -> None:
    with pytest.raises(LookupError):
        async with notes.transaction(behind=True) as session:
            await session.execute(_ADD_NOTE, {"key": "n", "body": "mới"})
            raise LookupError
    async with notes.transaction(behind=True) as session:
        assert (await session.scalars(select(Note.key))).all() == ["a"]


@pytest.mark.parametrize("behind", [False, True])
async def test_rows_returned_by_a_write_behind_are_read_after_the_commit(notes: Database, behind: bool) -> None:
    statement = insert(Note.__table__).prefix_with(WRITE_BEHIND).returning(Note.id, Note.body)  # type: ignore[arg-type]
    async with notes.transaction(behind=behind) as session:
        await session.execute(select(Note.id))   # the transaction has begun
        returned = await insert_returning_later(session, statement, {"key": "r", "body": "về"})
        if behind:
            with pytest.raises(RuntimeError, match="before its transaction committed"):
                returned.one()
    async with notes.sessions() as session:
        stored = (await session.execute(select(Note.id, Note.body).where(Note.key == "r"))).one()
    assert returned.one() == tuple(stored)


def _driver_thread_jobs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function sent to aiosqlite's thread, from now on."""
    sent: list[str] = []
    stock = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await stock(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def test_statements_that_need_not_wait_run_without_a_trip_to_the_driver_thread(
        notes: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _driver_thread_jobs(monkeypatch)
    async with notes.transaction(behind=True) as session:
        note = await session.scalar(select(Note).where(Note.key == "a"))
        assert note is not None
        note.body = "hai"
    async with notes.sessions() as session:
        assert await session.scalar(select(Note.body)) == "hai"
    assert sent == []


async def test_a_write_lock_held_by_another_process_is_waited_for_in_the_driver_thread(
        notes: Database, tmp_path: Path) -> None:
    """Run in the event loop's thread, SQLite's busy handler would stop every citizen's turn while
    another process (a CLI command) writes: the statement goes to the driver's thread and waits
    there, and the event loop goes on meanwhile."""
    holding, release = threading.Event(), threading.Event()

    def other_process() -> None:
        other = sqlite3.connect(tmp_path / "behind.db", timeout=0)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO note (key, body) VALUES ('other', 'x')")
        holding.set()
        release.wait(5)
        other.commit()
        other.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    assert await asyncio.to_thread(holding.wait, 5)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1
            if ticks == 20:
                release.set()

    ticking = asyncio.create_task(ticker())
    try:
        async with notes.transaction() as session:
            session.add(Note(key="b", body="hai"))
    finally:
        ticking.cancel()
        release.set()
        await asyncio.to_thread(holder.join)
    assert ticks >= 20, "the event loop went on while the statement waited"
    async with notes.sessions() as session:
        assert sorted((await session.scalars(select(Note.key))).all()) == ["a", "b", "other"]


async def test_the_log_is_checkpointed_in_the_driver_thread_every_so_many_commits(
        notes: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY", 5)
    driver: Any = notes.engine.sync_engine.dialect.dbapi
    driver.commits = 0   # the fixture's own commits do not count
    sent = _driver_thread_jobs(monkeypatch)
    for n in range(12):
        async with notes.transaction() as session:
            session.add(Note(key=f"k{n}", body="x" * 60))
    for _ in range(50):   # the checkpoint is not awaited by the commit that asked for it
        if sent.count("_checkpoint") == 2:
            break
        await asyncio.sleep(0.01)
    assert sent.count("_checkpoint") == 2
    async with notes.sessions() as session:
        assert len((await session.scalars(select(Note.key))).all()) == 13


async def test_while_transactions_run_at_once_their_statements_go_to_the_driver_threads(
        notes: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under load, SQLite's own work runs in the drivers' threads, beside the event loop."""
    async with notes.sessions() as first, notes.sessions() as second:   # two connections in the pool
        await first.execute(select(Note.key))
        await second.execute(select(Note.key))
    async with notes.sessions() as first, notes.sessions() as second:
        await first.execute(select(Note.key))   # its connection is out of the pool
        sent = _driver_thread_jobs(monkeypatch)
        assert (await second.scalars(select(Note.key))).all() == ["a"]
        assert sent == ["_patiently"]
