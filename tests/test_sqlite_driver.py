"""The embedded database's driver (storage/sqlite_driver.py) answers as SQLAlchemy's own aiosqlite
adapter does: rows, counts, new ids, many rows at once, errors, RETURNING."""
from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Integer, String, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage import create_database
from storage.sqlite_driver import OneHopCursor


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


async def test_a_connection_goes_back_to_the_pool_without_a_rollback_only_when_nothing_is_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's rollback on return costs a trip to the driver's thread. After a commit, or after
    reads outside a transaction, there is nothing to roll back; a connection left inside a
    transaction (written and never committed, or a commit that failed) must still be rolled back,
    and another process can write afterwards in every case."""
    rollbacks: list[str] = []
    stock = aiosqlite.Connection.rollback

    async def counted(self: aiosqlite.Connection) -> None:
        rollbacks.append("rollback")
        await stock(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted)
    path = tmp_path / "reset.db"
    db = create_database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.transaction() as session:
            await session.run_sync(lambda s: Base.metadata.create_all(s.connection()))
            await session.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, note_id INTEGER "
                                       "REFERENCES note(id) DEFERRABLE INITIALLY DEFERRED)"))
        rollbacks.clear()
        async with db.transaction() as session:
            session.add(Note(key="a", body="kept"))
        assert rollbacks == [] and _other_process_can_write(path)
        async with db.sessions() as session:   # reads only: SQLite opened no transaction
            assert (await session.scalars(select(Note.key))).all() == ["a"]
        assert rollbacks == [] and _other_process_can_write(path)
        async with db.sessions() as session:   # written and never committed
            session.add(Note(key="b", body="dropped"))
            await session.flush()
        assert rollbacks == ["rollback"] and _other_process_can_write(path)
        with pytest.raises(IntegrityError):   # the foreign key is checked at COMMIT, which fails
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO child (note_id) VALUES (999)"))
        assert rollbacks == ["rollback", "rollback"] and _other_process_can_write(path)
        async with db.sessions() as session:
            assert (await session.scalars(select(Note.key).order_by(Note.key))).all() == ["a"]
            assert (await session.execute(text("SELECT count(*) FROM child"))).scalar_one() == 0
    finally:
        await db.dispose()
