"""A citizen turn's change to its conversation (state, draft, last activity), written by one
statement instead of the unit of work's flush.

Nearly every turn changes the conversation and nothing else the ORM tracks (its messages and
replies are written by statements of their own: `handlers.intake`, `handlers.outbox`). The
unit of work spends most of its flush on bookkeeping for that one row. Measured in process on
SQLite over bench/capacity.py's turns (three interleaved pairs, the main thread's CPU per turn),
the flush against this statement (its SQL cached per set of changed columns): 3.95 / 4.81 / 4.31 ms
against 3.61 / 3.98 / 3.54 ms for the whole turn. Whenever the turn changed anything else (a new
case, a citizen's consent, a photo), nothing is done here and the flush writes it all, in its own
order.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import Conversation

__all__ = ["write_conversation"]

_COLUMNS = frozenset(column.key for column in inspect(Conversation).column_attrs)


async def write_conversation(session: AsyncSession, conversation: Conversation, now: datetime) -> bool:
    """Write the conversation's unwritten changes now, if they are the session's only ones, and
    take it out of the session (whose flush would otherwise look at it again). `now` stands in for
    the column's `onupdate`, as the flush would set it. False: left to the flush."""
    if session.new or session.deleted or not _only_dirty(session, conversation):
        return False
    changes = _changed_columns(conversation)
    if changes is None:
        return False
    if changes:
        changes.setdefault("updated_at", now)
        with session.no_autoflush:   # the flush would write the same change first
            await session.execute(_update(tuple(sorted(changes))), {"conversation_id": conversation.id, **changes})
    session.expunge(conversation)   # what it holds is now what the database holds: nothing left to flush
    return True


def _only_dirty(session: AsyncSession, conversation: Conversation) -> bool:
    dirty = session.dirty
    return not dirty or (len(dirty) == 1 and conversation in dirty)


def _changed_columns(conversation: Conversation) -> dict[str, Any] | None:
    """Its changed columns and their new values (a column set again to its value counts as changed:
    writing it again is harmless); None if a relationship changed."""
    state = inspect(conversation)
    changed = set(state.manager).difference(state.unmodified)
    if not changed <= _COLUMNS:
        return None
    return {key: state.dict.get(key) for key in changed}


@functools.cache
def _update(columns: tuple[str, ...]) -> Update:
    """Built once per set of changed columns. It ends `WHERE conversation.id = ?`: on SQLite a turn
    writes it behind, and a row count other than one fails the commit, as the flush would."""
    table = Conversation.__table__
    return (update(table).where(table.c.id == bindparam("conversation_id"))  # type: ignore[arg-type]
            .values({name: bindparam(name, type_=table.c[name].type) for name in columns}))
