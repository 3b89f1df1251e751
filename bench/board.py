"""How long one refresh of the public board takes for N cases on SQLite (python -m bench.board).

A refresh is what the timed job does: three queries (cases without text, first answers, reopened)
and one pass in a worker thread. Cases are synthetic (random domain, province, dates, outcomes,
ratings, clusters and stored topic terms); nothing of a real citizen. Results go to
bench/results/board.json.
"""
from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from handlers import AppConfig, prepare_database, province_names
from handlers.board import BoardCache
from handlers.settings import ROOT
from nlu import LABELS
from storage import Case, CaseEvent, Citizen, Conversation, Unit, create_database

RESULTS = Path(__file__).parent / "results" / "board.json"
# Stored topic terms (handlers/topics.py): one problem phrase and ~30 other public words per case.
PHRASES = ("nợ lương", "đền bù", "ép giá", "bảo hiểm", "ô nhiễm", "tăng ca")
WORDS = tuple(f"từ{i}" for i in range(400))


def _terms(rng: random.Random) -> str:
    return "|".join([rng.choice(PHRASES), *rng.sample(WORDS, 30)])


def _case(i: int, now: datetime, provinces: list[str], unit_id: int, rng: random.Random) -> dict[str, Any]:
    created = now - timedelta(days=rng.uniform(0, 400))
    resolved = created + timedelta(days=rng.uniform(0.2, 25)) if rng.random() < 0.7 else None
    return {"code": f"B{i:09d}", "citizen_id": 1, "conversation_id": 1, "channel": "bench", "description": "",
            "domain": rng.choice(LABELS), "province": rng.choice(provinces), "status": "resolved" if resolved else "open",
            "unit_id": unit_id, "accept_deadline": created + timedelta(hours=8),
            "resolve_deadline": created + timedelta(days=15), "resolved_at": resolved,
            "rating": rng.choice((None, 3, 4, 5)) if resolved else None,
            "cluster_id": rng.randrange(1, 1 + i // 3 + 1) if rng.random() < 0.3 else None,
            "topic_terms": _terms(rng), "created_at": created, "updated_at": created}


async def measure(n: int, folder: Path) -> dict[str, Any]:
    db = create_database(f"sqlite+aiosqlite:///{folder}/board-{n}.db")
    provinces = province_names()
    await prepare_database(db, AppConfig.load(ROOT / "config.yml"), provinces)
    now, rng = datetime.now(UTC), random.Random(n)
    async with db.transaction() as session:
        session.add(Citizen(id=1, channel="bench", external_id="bench"))
        await session.flush()
        session.add(Conversation(id=1, channel="bench", chat_id="bench", citizen_id=1))
        unit_id = (await session.scalar(select(Unit.id).limit(1))) or 1
        await session.flush()
        rows = [_case(i, now, provinces, unit_id, rng) for i in range(n)]
        for start in range(0, n, 5000):
            await session.execute(insert(Case), rows[start:start + 5000])
        ids = (await session.scalars(select(Case.id).where(Case.resolved_at.is_not(None)))).all()
        events = [{"case_id": cid, "kind": "staff_reply", "actor": "bench", "data": {}, "created_at": now}
                  for cid in ids]
        for start in range(0, len(events), 5000):
            await session.execute(insert(CaseEvent), events[start:start + 5000])
    cache = BoardCache(db, provinces, "Asia/Ho_Chi_Minh")
    runs = []
    for _ in range(3):
        stalls: list[float] = []
        ticker = asyncio.create_task(_tick(stalls))
        started = time.perf_counter()
        snapshot = await cache.refresh()
        runs.append((time.perf_counter() - started, snapshot.seconds, max(stalls, default=0.0)))
        ticker.cancel()
    await db.dispose()
    return {"cases": n, "refresh_s_median": round(statistics.median(r[0] for r in runs), 3),
            "aggregate_s_median": round(statistics.median(r[1] for r in runs), 3),
            "loop_stall_s_max": round(max(r[2] for r in runs), 3), "cells": len(snapshot.cells)}


async def _tick(stalls: list[float], every: float = 0.01) -> None:
    """How long the event loop is kept from other work (a citizen's turn) while the board refreshes."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(every)
        stalls.append(time.perf_counter() - before - every)


async def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = [await measure(n, Path(tmp)) for n in sizes]
    for r in results:
        print(f"{r['cases']:>8} cases: refresh {r['refresh_s_median']:.3f} s "
              f"(aggregation {r['aggregate_s_median']:.3f} s), longest event-loop stall {r['loop_stall_s_max']:.3f} s, "
              f"{r['cells']} cells")
    RESULTS.write_text(json.dumps({"database": "sqlite", "runs": 3, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]))
