"""Counting trips to aiosqlite's thread: what the embedded driver's shortcuts are for."""
from __future__ import annotations

from typing import Any

import aiosqlite
import pytest


def count_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the name of each function sent to the driver's thread, in order."""
    trips: list[str] = []
    stock = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(fn.__name__)
        return await stock(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips
