"""SQLite under asyncio with one thread hop per statement.

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
"""
from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

__all__ = ["begin_immediately", "one_hop_dbapi"]

_Outcome = tuple[Any, list[Any], int, int | None, bool]


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool, immediate: bool) -> _Outcome:
    """In aiosqlite's thread: the whole statement, start to finish (after BEGIN IMMEDIATE, when asked)."""
    if immediate and not connection._conn.in_transaction:
        connection._conn.execute("BEGIN IMMEDIATE")
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
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
        immediate, adapt._immediate = adapt._immediate, False
        async with adapt._execute_mutex:
            outcome: _Outcome = await self._connection._execute(_run, self._connection, operation, parameters, many,
                                                                immediate)
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

    __slots__ = ("_immediate", "_settled")
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._immediate = False   # the next statement opens the transaction with BEGIN IMMEDIATE
        self._settled = False     # True: SQLite has no transaction open on this connection, as far as we know

    def cursor(self, server_side: bool = False) -> Any:
        self._settled = False   # every statement, this module's cursor or a server-side one, comes through here
        return super().cursor(server_side)

    def commit(self) -> None:
        self._immediate = False
        super().commit()
        self._settled = True   # not reached when the commit failed: the rollback that follows runs

    def rollback(self) -> None:
        self._immediate = False
        if self._settled:
            return
        super().rollback()
        self._settled = True


def begin_immediately(dbapi_connection: Any) -> None:
    """Open this connection's next transaction with BEGIN IMMEDIATE, in the same trip as its first
    statement: the transaction holds SQLite's write lock before it reads anything, so what it read
    cannot change before it writes (no SQLITE_BUSY on upgrading from reader to writer), without a
    statement of its own. A connection of another driver is left as it is."""
    if isinstance(dbapi_connection, _OneHopConnection):
        dbapi_connection._immediate = True


class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        stock = super().connect(*arg, **kw)
        return _OneHopConnection(self, stock._connection)


def one_hop_dbapi() -> Any:
    """The `module` to give create_async_engine for a sqlite+aiosqlite URL."""
    return _OneHopDbapi(aiosqlite, sqlite3)
