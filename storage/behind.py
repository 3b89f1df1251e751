"""Statements a turn writes behind (`storage.sqlite_driver.write_behind`), from a session."""
from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from storage.sqlite_driver import returned_later

__all__ = ["Returned", "insert_returning_later"]


class Returned:
    """The RETURNING rows of an INSERT that may have been written behind: on SQLite, in a turn's
    transaction, they exist once the transaction has committed, and are read after it."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def one(self) -> tuple[Any, ...]:
        if not self._rows:   # an INSERT returns its row: none yet means the statement has not run
            raise RuntimeError("the rows of a statement written behind are read before its transaction committed")
        return tuple(self._rows[0])


async def insert_returning_later(session: AsyncSession, statement: Executable,
                                 values: dict[str, Any]) -> Returned:
    """Run `statement` (marked WRITE_BEHIND); its rows now if it ran at once, else after the commit.
    It must be a Core INSERT (on a Table): the ORM's INSERT reads its RETURNING rows at once."""
    result = await session.execute(statement, values)
    assert isinstance(result, CursorResult), "an ORM statement reads its rows at once: use the Table"
    if result.returns_rows:
        return Returned(list(result.all()))
    connection = await session.connection()
    later = returned_later((await connection.get_raw_connection()).dbapi_connection)
    assert later is not None, "a statement without rows was not written behind"
    return Returned(later)
