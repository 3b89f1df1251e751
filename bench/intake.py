"""Intake benchmark: whole citizen turns through the core (store, dialogue, NLU, outbox, commit)
on the embedded SQLite database, the path every message of every channel takes.

Run:  python -m bench.intake     -> bench/results/intake.json + a line on stdout

It measures complete reports (consent -> story -> commune -> contact -> confirm: 5 turns each)
from many citizens at once, and reports turns per second and latency percentiles of one turn.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from handlers import AppConfig, Core, Inbound, InboundKind, handle_inbound, load_or_train, prepare_database
from storage import create_database

ROOT = Path(__file__).resolve().parents[1]
STORIES = [
    "công ty nợ lương 3 tháng, em ở Bắc Ninh",
    "lua nha toi bi sau cuon la, thuoc tru sau ko an thua, o Dong Thap",
    "chồng tôi say rượu về chửi bới vợ con, tôi ở Hà Nội",
    "em la sinh vien o Can Tho muon hoi ve hoc bong",
    "hẻm nhà tôi ở Đà Nẵng có người bán ma túy công khai",
    "đèn đường ở phường tôi hỏng cả tháng, tôi ở Huế",
]


async def one_report(core: Core, user: str, story: str, latencies: list[float]) -> None:
    steps = [(InboundKind.TEXT, "/start", None), (InboundKind.BUTTON, "", "consent:yes"),
             (InboundKind.TEXT, story, None), (InboundKind.BUTTON, "", "skip:commune"),
             (InboundKind.BUTTON, "", "contact:chat"), (InboundKind.BUTTON, "", "confirm:send")]
    for n, (kind, text, data) in enumerate(steps):
        started = time.perf_counter()
        await handle_inbound(core, Inbound(channel="bench", chat_id=user, user_id=user, kind=kind, text=text,
                                           data=data, update_id=f"{user}:{n}"))
        latencies.append(time.perf_counter() - started)


async def run(citizens: int = 200, concurrency: int = 20) -> dict[str, float]:
    config = AppConfig.load(ROOT / "config.yml")
    nlu = load_or_train(None, progress=lambda _m: None)
    with tempfile.TemporaryDirectory() as folder:
        db = create_database(f"sqlite+aiosqlite:///{folder}/bench.db")
        await prepare_database(db, config, nlu.provinces())
        core = Core(db=db, nlu=nlu, config=config)
        latencies: list[float] = []
        gate = asyncio.Semaphore(concurrency)

        async def citizen(i: int) -> None:
            async with gate:
                await one_report(core, f"c{i}", STORIES[i % len(STORIES)], latencies)

        started = time.perf_counter()
        await asyncio.gather(*(citizen(i) for i in range(citizens)))
        elapsed = time.perf_counter() - started
        await db.dispose()
    latencies.sort()
    return {
        "database": "sqlite", "citizens": citizens, "concurrent_citizens": concurrency,
        "turns": len(latencies), "turns_per_s": round(len(latencies) / elapsed, 1),
        "reports_per_s": round(citizens / elapsed, 1),
        "turn_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "turn_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def main() -> None:
    result = asyncio.run(run())
    out = ROOT / "bench" / "results" / "intake.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
