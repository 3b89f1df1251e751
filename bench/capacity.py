"""Capacity of the intake without platform limits: Telegram webhook turns per second through the
whole core (store, dialogue, NLU, outbox, commit), against a bare FastAPI endpoint that stores one
row per request on the same database, in the same run (the floor any web app pays).

Run:  python -m bench.capacity [--seconds 10] [--clients 20]  -> bench/results/capacity.json

Each client is its own citizen and posts its next update as soon as the last one was answered;
the texts alternate between a report and small talk so the NLU runs on every other turn. The
replies go out to the fake Bot API without flood control.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import ROOT, WEBHOOK_SECRET, free_port, stop, wait_ready
from tests.fakes import FakeTelegramServer

TEXTS = ["công ty nợ lương 3 tháng, em ở Bắc Ninh", "cảm ơn", "/help", "xưởng may không đóng bảo hiểm ở Bắc Ninh"]


async def drive(port: int, server: FakeTelegramServer, seconds: float, clients: int) -> dict[str, Any]:
    done, ids = 0, itertools.count(1)
    deadline = time.perf_counter() + seconds

    async def client(n: int, http: httpx.AsyncClient) -> None:
        nonlocal done
        user = 500_000 + n
        server.add_user(user, "Dân")
        for turn in itertools.count():
            if time.perf_counter() >= deadline:
                return
            update = {"update_id": next(ids), "message": {
                "message_id": turn + 1, "date": int(time.time()), "text": TEXTS[turn % len(TEXTS)],
                "chat": {"id": user, "type": "private", "first_name": "Dân"},
                "from": {"id": user, "is_bot": False, "first_name": "Dân"}}}
            answer = await http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=update, timeout=60,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            if answer.status_code == 200:
                done += 1

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients + 5)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(n, http) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return {"requests_per_second": round(done / elapsed, 1), "requests": done}


async def run(seconds: float, clients: int) -> dict[str, Any]:
    from handlers import load_or_train
    from handlers.nlu_port import model_path

    await asyncio.to_thread(load_or_train, None, lambda _m: None)
    results: dict[str, Any] = {}
    async with FakeTelegramServer() as server:
        for name in ("bare FastAPI, one row", "langnghe webhook turn"):
            with tempfile.TemporaryDirectory(prefix="capacity-") as tmp:
                folder, port = Path(tmp), free_port()
                env = {**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(port),
                       "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/cap.db", "SECRET_KEY": "c" * 48,
                       "DEMO": "false", "TELEGRAM_BOT_TOKEN": server.token,
                       "TELEGRAM_API_BASE_URL": server.base_url, "TELEGRAM_MODE": "webhook",
                       "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "PUBLIC_URL": "https://langnghe.example",
                       "NLU_MODEL_PATH": str(model_path(None)), "MEDIA_DIR": str(folder / "media")}
                module = ["-m", "bench.bare_endpoint"] if name.startswith("bare") else ["-m", "bot.cli", "run"]
                process = subprocess.Popen([sys.executable, *module], cwd=folder, env=env,
                                           stdout=subprocess.DEVNULL, stderr=open(folder / "log", "wb"))  # noqa: SIM115
                try:
                    if name.startswith("bare"):
                        await asyncio.sleep(4)
                    else:
                        await wait_ready(port, process)
                    results[name] = await drive(port, server, seconds, clients)
                finally:
                    stop(process)
    floor, ours = results["bare FastAPI, one row"], results["langnghe webhook turn"]
    results["ratio"] = {"value": round(ours["requests_per_second"] / floor["requests_per_second"], 2), "target": 0.6}
    results["load"] = {"database": "SQLite (one process)", "clients": clients, "seconds": seconds}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "capacity.json")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.seconds, args.clients))
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in ("bare FastAPI, one row", "langnghe webhook turn"):
        print(f"{name:<24} {results[name]['requests_per_second']:>8} req/s")
    print(f"ratio {results['ratio']['value']} (target >= 0.6) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
