"""Engine and session factory for SQLite (embedded default) or PostgreSQL (scale-out)."""
from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool

from storage.sqlite_driver import begin_immediately, one_hop_dbapi, pragmas, write_behind


@dataclass
class Database:
    """One engine and its session factory, passed explicitly to whoever needs the database."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    _writer: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self, *, background: bool = False, behind: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any error.

        SQLite has one writer at a time; queueing this process's writers here is fairer and far
        faster under load than letting them sleep in SQLite's busy handler. A `background` writer
        (bookkeeping nobody waits for, such as recording deliveries) lets the writers already
        queued go first: a citizen's turn should not wait behind it. On SQLite the transaction
        begins IMMEDIATE: it is the database's one writer from its first statement on. With `behind`,
        its writes whose answer nobody reads go with its next statement or its commit
        (`storage.sqlite_driver.write_behind`): for a citizen's turn, the writer held for fewer trips.
        """
        async with contextlib.AsyncExitStack() as stack:
            # the session is opened outside the writer's turn and closed after it: closing hands the
            # connection back to the pool, with nothing to guard (and, after a commit, no trip)
            session = await stack.enter_async_context(self.sessions())
            if self.is_sqlite:
                if background:
                    await self._after_queued_writers()
                await stack.enter_async_context(self._writer)
            await stack.enter_async_context(session.begin())
            if self.is_sqlite:   # the write lock before the first read, in the first statement's trip
                connection = await session.connection()
                dbapi_connection = (await connection.get_raw_connection()).dbapi_connection
                begin_immediately(dbapi_connection)
                if behind:
                    write_behind(dbapi_connection)
            yield session

    async def _after_queued_writers(self, rounds: int = 3) -> None:
        """Queue behind the writers waiting now, a few times over (bounded: never starved)."""
        for _ in range(rounds):
            if not self._writer.locked():
                return
            async with self._writer:
                pass

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    for pragma in pragmas(dbapi_connection):   # the driver's: how long a statement may wait for a lock, when to checkpoint
        cursor.execute(pragma)
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: only a power cut can lose the last commits
    cursor.close()


def private_file(path: Path) -> None:
    """Create `path` readable by this user only (its folder too, when made here), before anyone
    writes to it: citizens' reports and secrets never sit world-readable, not even for a moment.
    SQLite gives its -wal and -shm files the mode of the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def create_database(url: str, *, echo: bool = False) -> Database:
    """Build the engine; for a SQLite file, make its folder so a fresh checkout just works."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))
        if parsed.get_driver_name() == "aiosqlite":
            kwargs["module"] = one_hop_dbapi()
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        pool = engine.sync_engine.pool
        if "module" in kwargs and isinstance(pool, QueuePool):   # transactions at once: jobs overlap in threads
            kwargs["module"].crowded = lambda: pool.checkedout() > 1
    return Database(url=url, engine=engine, sessions=async_sessionmaker(engine, expire_on_commit=False))
