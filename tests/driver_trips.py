"""Counting the embedded driver's jobs (a statement with what it carries, a commit, a rollback):
each is a trip to aiosqlite's thread, or, when it need not wait, a run in the event loop's thread;
what the driver's shortcuts are for is how few of them a transaction takes."""
from __future__ import annotations

from typing import Any

import pytest

from storage.sqlite_driver import _OneHopConnection


def count_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the name of each job the driver runs, in order."""
    trips: list[str] = []
    stock = _OneHopConnection._trip

    async def counted(self: _OneHopConnection, job: Any, *args: Any) -> Any:
        trips.append(job.__name__)
        return await stock(self, job, *args)

    monkeypatch.setattr(_OneHopConnection, "_trip", counted)
    return trips
