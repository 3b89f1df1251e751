"""Load benchmark: whole Telegram dialogues through the real aiogram client and the fake Bot API,
whose flood control answers 429 as Telegram's does (a burst of about 5 per chat then 1/s; about
30/s per bot). In the same run, a bare aiogram echo bot under the same load is the floor.

Run:  python -m bench.load [--waves 3] [--citizens 20] [--app-root DIR]
      -> bench/results/load.json and a table on stdout

Each wave starts `citizens` new citizens at random moments within 2 s; each goes through a whole
report (/start, consent, the story, skip the commune, contact by chat, confirm) and answers every
2 s. "First answer" is the time from the citizen's update to the first message the bot sends back.
Both bots run as their own process (`langnghe run` on SQLite, polling; `bench.echo_bot`), so the
fake platform and the citizens in this process do not share their event loop. `--app-root` runs
`langnghe run` from another checkout (the "before" numbers).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fakes import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "load.json"
STORIES = [
    "cty no luong 3 thang roi, em o Bac Ninh",
    "công ty nợ lương công nhân 2 tháng nay, tôi ở Bắc Ninh",
    "xuong may khong dong bao hiem cho cong nhan, em o Bac Ninh",
]
# (what the citizen does, what marks the end of the bot's answer); "!" presses a button
DIALOGUE = [("/start", "Nghị định 13/2023"), ("!consent:yes", "kể vấn đề"), ("{story}", "xã/phường nào"),
            ("!skip:commune", "liên hệ với bạn"), ("!contact:chat", "Gửi phản ánh này?"),
            ("!confirm:send", "Mã tra cứu")]
PACE = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Tally:
    first_answer: list[float] = field(default_factory=list)
    by_step: dict[int, list[float]] = field(default_factory=dict)
    whole_turn: list[float] = field(default_factory=list)   # until the turn's last message arrived
    finished: int = 0
    stuck: list[str] = field(default_factory=list)

    def summary(self, seconds: float, server: FakeTelegramServer) -> dict[str, Any]:
        ordered, turns = sorted(self.first_answer), sorted(self.whole_turn)

        def pct(p: float, values: list[float] = ordered) -> float:
            return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1) if values else float("nan")

        return {"first_answer_ms_p50": pct(0.50), "first_answer_ms_p90": pct(0.90), "first_answer_ms_p99": pct(0.99),
                "whole_turn_ms_p50": pct(0.5, turns), "whole_turn_ms_p99": pct(0.99, turns),
                "answers": len(ordered), "dialogues_finished": self.finished, "stuck": self.stuck[:5],
                "updates_per_second": round(len(ordered) / seconds, 2),
                "flood_429": server.flood.refused if server.flood else 0,
                "messages_sent": len(server.calls_to("sendMessage")),
                "first_answer_ms_p50_by_step": {DIALOGUE[k][0]: round(sorted(v)[len(v) // 2] * 1000, 1)
                                                for k, v in sorted(self.by_step.items())}}


Push = Callable[[dict[str, Any]], Awaitable[None]]


async def citizen(server: FakeTelegramServer, user_id: int, story: str, echo: bool, tally: Tally,
                  push: Push | None = None) -> None:
    """One citizen's whole report, answering every PACE seconds (webhook mode: `push` posts each
    update to the bot, as Telegram would; polling: the bot fetches it)."""
    server.add_user(user_id, f"Dân {user_id}")
    await asyncio.sleep(random.uniform(0, PACE))
    for step, (action, fragment) in enumerate(DIALOGUE):
        started = time.perf_counter()
        mark = len(server.messages_to(user_id))
        text = action.format(story=story)
        if not text.startswith("!"):
            update = server.user_sends_text(user_id, text)
        elif echo:  # the echo bot shows no buttons: the citizen types instead
            update = server.user_sends_text(user_id, text[1:])
        else:
            found = [m for m in reversed(server.messages_to(user_id)) if any(
                b.get("callback_data") == text[1:] for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row)]
            if not found:
                tally.stuck.append(f"{user_id}: no button {text[1:]}")
                return
            update = server.user_clicks(user_id, found[0]["message_id"], text[1:])
        if push is not None:
            await push(update)
        try:
            await server.wait_for_message(user_id, None, timeout=60, after=mark)
            tally.first_answer.append(time.perf_counter() - started)
            tally.by_step.setdefault(step, []).append(tally.first_answer[-1])
            if not echo:
                await server.wait_for_message(user_id, lambda m, f=fragment: f in (m.get("text") or ""),
                                              timeout=60, after=mark)
                tally.whole_turn.append(time.perf_counter() - started)
        except AssertionError:
            tally.stuck.append(f"{user_id}: no {fragment!r}")
            return
        await asyncio.sleep(max(0.0, started + PACE - time.perf_counter()))
    tally.finished += 1


async def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}")
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError("the bot did not become ready")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


Starter = Callable[[FakeTelegramServer, Path], tuple[subprocess.Popen[bytes], int | None]]


WEBHOOK_SECRET = "bench-webhook-secret"


def start_ours(app_root: Path, model: Path, workers: int = 1, extra: dict[str, str] | None = None) -> Starter:
    def start(server: FakeTelegramServer, folder: Path) -> tuple[subprocess.Popen[bytes], int | None]:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(app_root), "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/load.db",
               "PORT": str(port), "SECRET_KEY": "bench-" + "x" * 40, "DEMO": "false",
               "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
               "NLU_MODEL_PATH": str(model), "CONFIG_PATH": str(app_root / "config.yml"),
               "MEDIA_DIR": str(folder / "media"), **(extra or {})}
        args = ["--workers", str(workers)] if workers > 1 else []
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", *args], cwd=folder, env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(folder / "bot.log", "wb"))  # noqa: SIM115
        return process, port
    return start


def start_echo(server: FakeTelegramServer, folder: Path) -> tuple[subprocess.Popen[bytes], int | None]:
    process = subprocess.Popen([sys.executable, "-m", "bench.echo_bot", server.base_url, server.token], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=open(folder / "echo.log", "wb"))  # noqa: SIM115
    return process, None


def pusher(port: int, http: httpx.AsyncClient) -> Push:
    async def push(update: dict[str, Any]) -> None:
        while True:   # as Telegram: again until the webhook answers 200
            try:
                answer = await http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=update, timeout=30,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    return push


async def scenario(name: str, start: Starter, waves: int, citizens: int, echo: bool,
                   webhook: bool = False) -> dict[str, Any]:
    """Start a fresh fake platform and bot, run the waves of citizens, stop everything."""
    async with FakeTelegramServer() as server:
        server.enable_flood_control()
        with tempfile.TemporaryDirectory(prefix=f"load-{name}-") as tmp:
            folder = Path(tmp)
            process, port = start(server, folder)
            try:
                if port is not None:
                    await wait_ready(port, process)
                else:
                    await asyncio.sleep(3)   # the echo bot has nothing to prepare but aiogram's import
                http = httpx.AsyncClient(limits=httpx.Limits(max_connections=200))
                push = pusher(port, http) if webhook and port is not None else None
                await citizen(server, 99_999, STORIES[0], echo, Tally(), push)   # warm-up, not counted
                tally = Tally()
                started = time.perf_counter()
                for wave in range(waves):
                    await asyncio.gather(*(citizen(server, 100_000 + wave * 1000 + i, STORIES[i % len(STORIES)],
                                                   echo, tally, push) for i in range(citizens)))
                elapsed = time.perf_counter() - started
                await http.aclose()
            finally:
                stop(process)
            result = tally.summary(elapsed, server)
            if tally.stuck:
                log = (folder / ("echo.log" if echo else "bot.log")).read_text(errors="replace")[-3000:]
                print(f"{name}: {len(tally.stuck)} stuck; log tail:\n{log}", file=sys.stderr)
            return result


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'bot':<28} {'p50 ms':>8} {'p99 ms':>8} {'turn p50':>9} {'turn p99':>9} {'429s':>5} {'done':>5} "
             f"{'stuck':>5}"]
    for name, r in results.items():
        if isinstance(r, dict) and "first_answer_ms_p50" in r:
            lines.append(f"{name:<28} {r['first_answer_ms_p50']:>8} {r['first_answer_ms_p99']:>8} "
                         f"{r.get('whole_turn_ms_p50', '-'):>9} {r.get('whole_turn_ms_p99', '-'):>9} "
                         f"{r['flood_429']:>5} {r['dialogues_finished']:>5} {len(r['stuck']):>5}")
    return "\n".join(lines)


@contextmanager
def scale_out_services() -> Iterator[tuple[str, str]]:
    """A throwaway PostgreSQL and Redis from Debian's packages (the tests' helpers)."""
    from tests.postgres import postgres_server
    from tests.redis_server import redis_server

    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_server())
        redis = stack.enter_context(redis_server())
        yield database_url, redis.url


async def run(waves: int, citizens: int, app_root: Path, scale: bool = False) -> dict[str, Any]:
    from handlers import load_or_train
    from handlers.nlu_port import model_path

    await asyncio.to_thread(load_or_train, None, lambda _m: None)   # the model is a build artefact
    model = model_path(None)
    results: dict[str, Any] = {}
    results["echo (bare aiogram)"] = await scenario("echo", start_echo, waves, citizens, echo=True)
    results["langnghe sqlite/1"] = await scenario("ours", start_ours(app_root, model), waves, citizens, echo=False)
    floor, ours = results["echo (bare aiogram)"], results["langnghe sqlite/1"]
    results["ratio"] = {"p50": round(ours["first_answer_ms_p50"] / floor["first_answer_ms_p50"], 2),
                        "p99": round(ours["first_answer_ms_p99"] / floor["first_answer_ms_p99"], 2),
                        "target": {"p50": 3.0, "p99": 5.0}}
    if scale:
        with scale_out_services() as (database_url, redis_url):
            for workers in (1, 2, 4):
                from tests.postgres import empty_database

                fresh = empty_database(database_url, f"load_{workers}")   # the fake's update ids start again
                extra = {"DATABASE_URL": fresh, "REDIS_URL": redis_url, "TELEGRAM_MODE": "webhook",
                         "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "PUBLIC_URL": "https://langnghe.example"}
                results[f"langnghe pg+redis/{workers}"] = await scenario(
                    f"pg{workers}", start_ours(app_root, model, workers, extra), waves, citizens, echo=False,
                    webhook=True)
    results["load"] = {"citizens": citizens, "waves": waves, "answer_every_s": PACE,
                       "flood_control": "5/chat then 1/s, 30/bot then 30/s", "app_root": str(app_root)}
    return results


def main(argv: list[str] | None = None) -> int:
    global PACE
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--app-root", type=Path, default=ROOT, help="run `langnghe run` from this checkout")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--pace", type=float, default=PACE, help="seconds between a citizen's answers")
    parser.add_argument("--no-scale", action="store_true", help="skip PostgreSQL + Redis with 1, 2 and 4 workers")
    args = parser.parse_args(argv)
    PACE = args.pace
    results = asyncio.run(run(args.waves, args.citizens, args.app_root.resolve(), scale=not args.no_scale))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"ratio to the echo bot: median {results['ratio']['p50']}x, p99 {results['ratio']['p99']}x "
          f"(target 3x / 5x) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
