"""SQLite under asyncio with at most one thread hop per statement, and none when the database is quiet.

SQLAlchemy's aiosqlite adapter makes up to four trips to aiosqlite's thread for each statement
(open a cursor, execute, fetch the rows, close the cursor), and each trip waits for the event loop
to come round again. SQLite has one writer at a time, so every trip inside a write transaction
holds up every other writer: under load a citizen's turn (about ten statements) held the write
lock for 16 ms, most of it waiting for those trips. Here a statement is one trip: the worker
thread opens a cursor, executes, reads every row and closes the cursor, and hands back the rows
with the cursor's description, row count and last row id.

Measured against the stock adapter (bench/capacity.py's load: 20 clients posting Telegram webhook
turns through the whole core on SQLite, same code otherwise, runs interleaved on this 2-core VM):
CPU per turn 11.7 and 14.7 ms with the stock cursor, 10.1 and 12.3 ms with this one; turns per
second 66.9 and 43.4 against 74.0 and 50.3. Everything else (connecting, transactions, errors,
server-side cursors) is the stock adapter's: this module only replaces its client-side cursor,
through create_engine's documented `module` argument. It leans on SQLAlchemy's and aiosqlite's
adapter internals, so pyproject.toml pins both to the minor versions it was written against;
tests/test_sqlite_driver.py runs one story through both adapters and compares the answers.

A citizen's turn goes further (`write_behind`): its writes whose answer it does not read wait and
go to the thread with its next statement, or with its commit, so a typical turn holds SQLite's one
writer for two trips (its read; its writes and the commit) instead of six. Trips over the six steps
of a dialogue: 26 against 50. Measured the same way as above, interleaved pairs on a slow VM hour
(3 Dec): turns per second 75.0 / 70.0 / 50.8 against 55.3 / 40.4 / 44.2 before.

A job (a statement with what it carries, a commit, a rollback) skips the trip altogether when the
database is quiet: if no other transaction has a connection out of the pool, it runs in the event
loop's thread (SQLite's part is a fraction of a millisecond; the hop there and back cost more).
When several transactions are open, their jobs go to their threads, where SQLite's own work runs
beside the event loop (sqlite3 lets go of the GIL). Nothing run in the loop's thread may wait: its
connections have no busy timeout, and a job that finds another process's write lock before it has
done anything goes to the thread, which waits for it (`_Busy`, `_patiently`); commits never
checkpoint the log, a thread does every CHECKPOINT_EVERY commits (`pragmas`). Measured inside one
server run, switching every 1 to 1.5 s between this and every job in a thread (3 Dec, NLU read in
the loop in both): bench/capacity.py's turns per second 112.2 / 99.0 and 93.0 / 80.3; the load
bench's first answers, p50 12.26 / 13.25 ms and 26.76 / 39.69 ms (p99 54.9 / 84.8 and 157 / 391).
Every job in the loop's thread, busy or not, was slower under the capacity load: 106.2 / 111.9
and 99.7 / 110.3 turns per second.
"""
from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

__all__ = ["WRITE_BEHIND", "begin_immediately", "one_hop_dbapi", "pragmas", "returned_later", "write_behind"]

_Outcome = tuple[Any, list[Any], int, int | None, bool]
# A statement written behind: its SQL, parameters, whether executemany, the row count it must have
# (None: any), and where its RETURNING rows go (None: it has none). It runs in the trip of the
# connection's next statement, or of its commit.
_Behind = tuple[str, Any, bool, int | None, list[Any] | None]

WRITE_BEHIND = "/* write-behind */"   # a statement marked with it may be written behind (`write_behind`)
PATIENCE_MS = 10_000    # how long a statement sent to the driver's thread waits for another process's write lock
CHECKPOINT_EVERY = 200  # commits between two checkpoints of the write-ahead log, in the driver's thread


class _Busy(Exception):
    """Run in the event loop's thread, a job found SQLite's write lock taken (by another process,
    or a connection that writes outside `storage.Database.transaction`) before it did anything:
    it goes to the driver's thread, which may wait for the lock."""

    def __init__(self, error: sqlite3.OperationalError) -> None:
        super().__init__(str(error))
        self.error = error


def _busy(error: Exception) -> bool:
    return isinstance(error, sqlite3.OperationalError) and (getattr(error, "sqlite_errorcode", 0) & 0xFF) == 5


def _written_behind(connection: aiosqlite.Connection, behind: list[_Behind]) -> None:
    """In aiosqlite's thread: the statements held back, in order, each checked for its row count."""
    for operation, parameters, many, expected, rows in behind:
        cursor = connection._conn.executemany(operation, parameters) if many else \
            connection._conn.execute(operation, parameters)
        if rows is not None:
            rows.extend(cursor.fetchall())
        count = cursor.rowcount
        cursor.close()
        if expected is not None and count != expected:
            raise sqlite3.DatabaseError(f"a statement written behind matched {count} rows, not {expected}: "
                                        f"{operation[:200]}")


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool, immediate: bool,
         behind: list[_Behind]) -> _Outcome:
    """The whole statement, start to finish (after BEGIN IMMEDIATE, when asked, and the statements
    written behind). SQLite's write lock taken by another before anything was done: `_Busy`."""
    if immediate and not connection._conn.in_transaction:
        try:
            connection._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _busy(error):
                raise _Busy(error) from None
            raise
    _written_behind(connection, behind)
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        try:
            if many:
                cursor.executemany(operation, parameters)
            elif parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
        except sqlite3.OperationalError as error:   # a write of a transaction that did not begin IMMEDIATE
            if _busy(error) and not behind:
                raise _Busy(error) from None
            raise
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid, connection._conn.in_transaction
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose rows arrive with its execution, in one trip."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: Any) -> None:   # no trip to open a driver cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _call(self, operation: str, parameters: Any, many: bool) -> None:
        adapt: _OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        if adapt._behind is not None and (expected := _behind_count(operation, parameters, many)) != -1:
            adapt._returned = [] if " RETURNING " in operation else None
            adapt._behind.append((operation, parameters, many, expected, adapt._returned))
            self._description, self._rowcount, self._lastrowid = None, len(parameters) if many else 1, None
            self._rows = collections.deque()
            return
        immediate, adapt._immediate, adapt._returned = adapt._immediate, False, None
        behind, adapt._behind = adapt._behind, [] if adapt._behind is not None else None
        outcome: _Outcome = await adapt._trip(_run, operation, parameters, many, immediate, behind or [])
        self._description, rows, self._rowcount, self._lastrowid, in_transaction = outcome
        adapt._settled = not in_transaction   # a read outside a transaction leaves nothing to roll back
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._call(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            await_(self._call(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _async_soft_close(self) -> None:
        return None   # nothing is open in the driver after a statement

    def close(self) -> None:
        self._rows.clear()


def _behind_count(operation: str, parameters: Any, many: bool) -> int | None:
    """Whether a statement may be written behind, and the row count it must then have: -1, it may
    not. A statement marked WRITE_BEHIND may, whatever its count; so may an UPDATE by primary key
    (the unit of work's), which must match one row per parameter set, as the unit of work checks."""
    if WRITE_BEHIND in operation:
        return None
    if operation.startswith("UPDATE ") and operation.endswith(".id = ?"):
        return len(parameters) if many else 1
    return -1


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The stock connection adapter, with this module's cursor, BEGIN IMMEDIATE on request, and
    no trip for a rollback with nothing to roll back.

    SQLAlchemy's pool rolls back every connection handed back to it, even one whose transaction
    has just committed (`Connection.close` skips the reset only when it ended the transaction
    itself). For aiosqlite that is one more trip to the driver's thread at the end of every write
    transaction, after the commit and before the caller goes on: a citizen's reply waited for it.
    Taking a cursor marks the connection unsettled; a statement run by this module's cursor leaves
    it settled only if SQLite has no transaction open afterwards (read in the driver's thread, with
    the statement), and a commit or rollback that succeeded settles it. A server-side cursor's
    statements leave it unsettled until then."""

    __slots__ = ("_behind", "_immediate", "_in_thread", "_returned", "_settled")
    _cursor_cls = OneHopCursor
    dbapi: _OneHopDbapi

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._immediate = False   # the next statement opens the transaction with BEGIN IMMEDIATE
        self._settled = False     # True: SQLite has no transaction open on this connection, as far as we know
        self._behind: list[_Behind] | None = None   # None: nothing is written behind in this transaction
        self._returned: list[Any] | None = None     # where the last statement written behind puts its rows
        self._in_thread = 0   # jobs sent to the driver's thread and not yet done: the next ones queue behind them

    async def _trip(self, job: Callable[..., Any], *args: Any) -> Any:
        """Run `job(connection, *args)`: in the event loop's thread when the database is quiet and
        this connection has nothing left in its thread (see the module's docstring), else, or when
        it would have to wait for another process's write lock, in the driver's thread, in order."""
        if self.dbapi.inline and self._in_thread == 0 and not self.dbapi.crowded():
            try:
                return job(self._connection, *args)
            except _Busy:
                pass
        self._in_thread += 1
        try:
            async with self._execute_mutex:
                return await self._connection._execute(_patiently, job, self._connection, *args)
        finally:
            self._in_thread -= 1

    def _committed(self) -> None:
        """Every CHECKPOINT_EVERY commits of the database, a checkpoint of its write-ahead log, in
        this connection's thread (its file writes and syncs never hold up the event loop; nothing
        checkpoints on commit: `pragmas`). Until it is done, this connection's statements queue
        behind it in that thread."""
        self.dbapi.commits += 1
        if self.dbapi.commits < CHECKPOINT_EVERY:
            return
        self.dbapi.commits = 0
        self._in_thread += 1
        task = asyncio.get_running_loop().create_task(self._connection._execute(_checkpoint, self._connection))
        _CHECKPOINTS.add(task)
        task.add_done_callback(self._checkpointed)

    def _checkpointed(self, task: asyncio.Task[None]) -> None:
        _CHECKPOINTS.discard(task)
        self._in_thread -= 1
        if not task.cancelled() and task.exception() is not None:   # the next one will try again
            self.dbapi.commits = CHECKPOINT_EVERY

    def cursor(self, server_side: bool = False) -> Any:
        self._settled = False   # every statement, this module's cursor or a server-side one, comes through here
        return super().cursor(server_side)

    def commit(self) -> None:
        self._immediate = False
        behind, self._behind = self._behind, None
        if not self._connection._connection:   # closed (as the stock adapter checks)
            return
        try:
            await_(self._trip(_commit_after, behind or []))
        except Exception as error:
            self._handle_exception(error)
        self._committed()
        self._settled = True   # not reached when the commit failed: the rollback that follows runs

    def rollback(self) -> None:
        self._immediate = False
        self._behind = None   # what was held back goes with the rest
        if self._settled or not self._connection._connection:
            return
        try:
            await_(self._trip(_rollback))
        except Exception as error:
            self._handle_exception(error)
        self._settled = True


_CHECKPOINTS: set[asyncio.Task[None]] = set()   # running checkpoints (a task nobody holds may be collected)


def _commit_after(connection: aiosqlite.Connection, behind: list[_Behind]) -> None:
    """The statements written behind, then the commit."""
    _written_behind(connection, behind)
    connection._conn.commit()


def _rollback(connection: aiosqlite.Connection) -> None:
    connection._conn.rollback()


def _checkpoint(connection: aiosqlite.Connection) -> None:
    """In aiosqlite's thread: copy what the write-ahead log holds into the database, waiting for nobody."""
    connection._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _patiently(job: Callable[..., Any], connection: aiosqlite.Connection, *args: Any) -> Any:
    """In aiosqlite's thread: `job`; if it found another process's write lock before doing
    anything, again, allowed to wait PATIENCE_MS for it (in the loop's thread nothing may wait: `pragmas`)."""
    try:
        return job(connection, *args)
    except _Busy as busy:
        if not _OneHopDbapi.inline:   # the connection waits by itself (`pragmas`)
            raise busy.error from None
    connection._conn.execute(f"PRAGMA busy_timeout={PATIENCE_MS}")
    try:
        return job(connection, *args)
    except _Busy as busy:
        raise busy.error from None
    finally:
        connection._conn.execute("PRAGMA busy_timeout=0")


def write_behind(dbapi_connection: Any) -> None:
    """Until this connection's transaction ends, let statements whose answer the caller does not
    read wait for the trip of the next statement, or of the commit: each trip to aiosqlite's thread
    under SQLite's one writer waits for the event loop to come round, while every other writer
    waits for it. Those are the statements marked WRITE_BEHIND (an INSERT whose new id nobody
    reads, or whose RETURNING rows it reads after the commit: `returned_later`) and the unit of
    work's UPDATEs by primary key. Their errors are raised by the statement or commit that carried
    them, in the same transaction. A connection of another driver is left as it is."""
    if isinstance(dbapi_connection, _OneHopConnection):
        dbapi_connection._behind = []


def returned_later(dbapi_connection: Any) -> list[Any] | None:
    """The list that the RETURNING rows of the statement just written behind will fill, once it
    has run (at the latest, once its transaction has committed); None if it was not written
    behind (its rows came with it)."""
    if isinstance(dbapi_connection, _OneHopConnection):
        return dbapi_connection._returned
    return None


def begin_immediately(dbapi_connection: Any) -> None:
    """Open this connection's next transaction with BEGIN IMMEDIATE, in the same trip as its first
    statement: the transaction holds SQLite's write lock before it reads anything, so what it read
    cannot change before it writes (no SQLITE_BUSY on upgrading from reader to writer), without a
    statement of its own. A connection of another driver is left as it is."""
    if isinstance(dbapi_connection, _OneHopConnection):
        dbapi_connection._immediate = True


def pragmas(dbapi_connection: Any) -> list[str]:
    """What a new connection must set: run in the event loop's thread, this driver's statements
    never wait for a lock (they go to the driver's thread instead, `_OneHopConnection._trip`), and
    none of its commits checkpoints the log (`_OneHopConnection._committed` has a thread do it).
    Any other connection waits for a lock PATIENCE_MS, and checkpoints as SQLite does."""
    if isinstance(dbapi_connection, _OneHopConnection) and dbapi_connection.dbapi.inline:
        return ["PRAGMA busy_timeout=0", "PRAGMA wal_autocheckpoint=0"]
    return [f"PRAGMA busy_timeout={PATIENCE_MS}"]


class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    inline = True   # jobs may run in the event loop's thread (`_OneHopConnection._trip`); False: measuring without

    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self.commits = 0   # since the last checkpoint, over all of this engine's connections
        self.crowded: Callable[[], bool] = lambda: False   # several transactions at once (set by the engine's maker)

    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        kw.setdefault("check_same_thread", False)   # made in aiosqlite's thread, used in the loop's too
        if self.inline:
            kw.setdefault("timeout", 0)   # not even its first statements may wait in the event loop's thread
        stock = super().connect(*arg, **kw)
        return _OneHopConnection(self, stock._connection)


def one_hop_dbapi() -> Any:
    """The `module` to give create_async_engine for a sqlite+aiosqlite URL."""
    return _OneHopDbapi(aiosqlite, sqlite3)
