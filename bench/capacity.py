"""Capacity of the intake without platform limits: Telegram webhook turns per second through the
whole core (store, dialogue, NLU, outbox, commit), against a bare FastAPI endpoint that stores one
row per request on the same database, in the same run (the floor any web app pays).

Run:  python -m bench.capacity [--seconds 10] [--clients 20] [--rounds 3] [--no-scale]
      -> bench/results/capacity.json

On SQLite the two systems take turns, `--rounds` times, in alternating order (bare then ours, ours
then bare, ...), and the ratio is the median of the rounds' ratios. This VM's speed drifts by a
third within minutes (steal), and a fast minute lifts the bare endpoint more than the turn: in one
run of this bench (3 Dec 10:49) the same code gave 0.53, 0.36 and 0.51 in its three rounds, the
second round's bare endpoint taking 194.6 rows a second against 144.4 in the first. A single pair
would have reported any of them; the median of alternating rounds is steadier.

With scale (the default), the same load also runs on PostgreSQL + Redis with 1, 2 and 4 workers.

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
import statistics
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
    return {"requests_per_second": round(done / elapsed, 1), "requests": done, "seconds": round(elapsed, 3)}


def _env(server: FakeTelegramServer, folder: Path, port: int, database_url: str, model: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(port),
            "DATABASE_URL": database_url, "SECRET_KEY": "c" * 48,
            "DEMO": "false", "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_API_BASE_URL": server.base_url, "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "PUBLIC_URL": "https://langnghe.example",
            "NLU_MODEL_PATH": str(model), "MEDIA_DIR": str(folder / "media")}


async def measure(server: FakeTelegramServer, name: str, env: dict[str, str], seconds: float, clients: int,
                  workers: int = 1) -> dict[str, Any]:
    """Start one system (the bare endpoint or `langnghe run`), drive it, stop it."""
    with tempfile.TemporaryDirectory(prefix="capacity-") as tmp:
        folder, port = Path(tmp), free_port()
        env = {**env, "PORT": str(port), "MEDIA_DIR": str(folder / "media")}
        args = ["--workers", str(workers)] if workers > 1 else []
        module = ["-m", "bench.bare_endpoint"] if name.startswith("bare") else ["-m", "bot.cli", "run", *args]
        process = subprocess.Popen([sys.executable, *module], cwd=folder, env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(folder / "log", "wb"))  # noqa: SIM115
        try:
            if name.startswith("bare"):
                await asyncio.sleep(4)
            else:
                await wait_ready(port, process)
            before = _cpu_times()
            result = await drive(port, server, seconds, clients)
            result["machine_cpu_busy"] = _busy_share(before, _cpu_times())
            return result
        finally:
            stop(process)


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]   # idle + iowait
    return sum(fields) - idle, sum(fields)


def _busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """How much of all cores was busy meanwhile (1.0: every core, all the time): where the CPU,
    not the database or the code, is the limit."""
    return round((after[0] - before[0]) / max(1, after[1] - before[1]), 2)


BARE, OURS = "bare FastAPI, one row", "langnghe webhook turn"


def rounds_summary(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Each system's turns per second over all its rounds (each round's own time, which runs past
    `--seconds` by the requests still in flight), and the ratio as the median of the rounds' own
    ratios (a round's pair ran within the same minute of the VM's drifting speed)."""
    summary: dict[str, Any] = {}
    for name in (BARE, OURS):
        done = sum(r[name]["requests"] for r in rounds)
        elapsed = sum(r[name]["seconds"] for r in rounds)
        summary[name] = {"requests_per_second": round(done / elapsed, 1), "requests": done,
                         "per_round": [r[name]["requests_per_second"] for r in rounds],
                         "machine_cpu_busy": [r[name]["machine_cpu_busy"] for r in rounds]}
    if any(r[BARE]["requests"] == 0 for r in rounds):   # the floor itself failed: no ratio says anything
        raise RuntimeError("the bare endpoint answered no request in a round: see its log")
    ratios = [round(r[OURS]["requests_per_second"] / r[BARE]["requests_per_second"], 2) for r in rounds]
    summary["ratio"] = {"value": round(statistics.median(ratios), 2), "per_round": ratios, "target": 0.6}
    return summary


async def run(seconds: float, clients: int, scale: bool = False, rounds: int = 3) -> dict[str, Any]:
    from handlers import load_or_train
    from handlers.nlu_port import model_path

    await asyncio.to_thread(load_or_train, None, lambda _m: None)
    model = model_path(None)
    measured: list[dict[str, dict[str, Any]]] = []
    async with FakeTelegramServer() as server:
        with tempfile.TemporaryDirectory(prefix="capacity-db-") as tmp:
            for number in range(rounds):
                order = (BARE, OURS) if number % 2 == 0 else (OURS, BARE)
                pair: dict[str, dict[str, Any]] = {}
                for name in order:
                    url = f"sqlite+aiosqlite:///{tmp}/{name.split()[0]}-{number}.db"
                    pair[name] = await measure(server, name, _env(server, Path(tmp), 0, url, model), seconds,
                                               clients)
                print(f"round {number + 1}: bare {pair[BARE]['requests_per_second']}, "
                      f"ours {pair[OURS]['requests_per_second']} req/s", flush=True)
                measured.append(pair)
        results = rounds_summary(measured)
        if scale:
            results["postgresql + redis"] = await _scale(server, seconds, clients, model)
    results["load"] = {"database": "SQLite (one process)", "clients": clients, "seconds": seconds,
                       "rounds": rounds, "cores": os.cpu_count()}
    return results


async def _scale(server: FakeTelegramServer, seconds: float, clients: int, model: Path) -> dict[str, Any]:
    """The same turns on PostgreSQL + Redis with 1, 2 and 4 workers, and the bare endpoint on the
    same PostgreSQL: where more workers stop helping, and why."""
    from bench.load import scale_out_services
    from tests.postgres import empty_database

    rows: dict[str, Any] = {}
    with scale_out_services() as (database_url, redis_url), tempfile.TemporaryDirectory() as tmp:
        bare = _env(server, Path(tmp), 0, empty_database(database_url, "cap_bare"), model)
        rows["bare FastAPI, one row"] = await measure(server, "bare", bare, seconds, clients)
        for workers in (1, 2, 4):
            env = {**_env(server, Path(tmp), 0, empty_database(database_url, f"cap_{workers}"), model),
                   "REDIS_URL": redis_url}
            rows[f"langnghe, {workers} worker(s)"] = await measure(server, "ours", env, seconds, clients, workers)
    floor = rows["bare FastAPI, one row"]["requests_per_second"]
    for row in rows.values():
        row["ratio_to_bare"] = round(row["requests_per_second"] / floor, 2)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="SQLite: bare and ours alternate this many times")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "capacity.json")
    parser.add_argument("--no-scale", action="store_true", help="skip PostgreSQL + Redis with 1, 2 and 4 workers")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.clients < 1:
        parser.error("--rounds and --clients must be at least 1, --seconds more than 0")
    results = asyncio.run(run(args.seconds, args.clients, scale=not args.no_scale, rounds=args.rounds))
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in (BARE, OURS):
        print(f"{name:<24} {results[name]['requests_per_second']:>8} req/s (rounds: {results[name]['per_round']})")
    print(f"ratio {results['ratio']['value']}, median of {results['ratio']['per_round']} (target >= 0.6) -> {args.out}")
    for name, row in results.get("postgresql + redis", {}).items():
        print(f"postgresql + redis: {name:<24} {row['requests_per_second']:>8} req/s ({row['ratio_to_bare']}x bare), "
              f"CPU {row['machine_cpu_busy']:.0%} busy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
