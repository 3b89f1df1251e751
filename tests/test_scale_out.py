"""Many workers under faults: `langnghe run --workers 3` on real PostgreSQL and Redis, Telegram in
webhook mode against the fake Bot API, while citizens go through whole reports and
(a) a worker is killed with SIGKILL (the supervisor starts it again), (b) the Bot API answers some
sends with 429, 500, slowly or not at all (the connection drops after the message went out), and
(c) Redis restarts. Afterwards every acknowledged update is stored once, every finished dialogue
made one case, every reply reached its chat in order, and a reply shows twice only right after
itself, counted (the drops: the platform took it but never said so; a kill between a send and its
record). The same story runs on one process with SQLite and no Redis.

The burst here is small (CI budget); `python -m bench.load` carries the bigger loads.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.fakes import FakeTelegramServer
from tests.postgres import clone_database
from tests.redis_server import RedisServer, redis_server

ROOT = Path(__file__).resolve().parent.parent
SECRET = "scale-out-webhook-secret"
CITIZENS = 12
STORY = "cty no luong 3 thang roi, em o Bac Ninh"
DIALOGUE = [("/start", "Nghị định 13/2023"), ("!consent:yes", "kể vấn đề"), (STORY, "xã/phường nào"),
            ("!skip:commune", "liên hệ với bạn"), ("!contact:chat", "Gửi phản ánh này?"),
            ("!confirm:send", "Mã tra cứu")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_pids(supervisor: int) -> list[int]:
    """The supervisor's worker processes (spawned interpreters; not multiprocessing's tracker)."""
    pids: list[int] = []
    for task in Path(f"/proc/{supervisor}/task").iterdir():
        children = (task / "children").read_text().split()
        for pid in map(int, children):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in cmdline:
                pids.append(pid)
    return sorted(pids)


@dataclass
class Deployment:
    """The system under test as processes, and how to hurt it."""

    port: int
    env: dict[str, str]
    workers: int
    redis: RedisServer | None
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        args = ["--workers", str(self.workers)] if self.workers > 1 else []
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", *args], cwd=self.folder,
                                        env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=open(self.folder / "app.log", "ab"))  # noqa: SIM115

    async def ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                assert self.process is not None and self.process.poll() is None, self.log_tail()
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/readyz")).status_code == 200 and (
                            self.workers == 1 or len(worker_pids(self.process.pid)) == self.workers):
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
        raise AssertionError("the app did not become ready\n" + self.log_tail())

    def kill_a_worker(self) -> None:
        """SIGKILL one worker (or the only process, which this test then starts again)."""
        assert self.process is not None
        self.kills += 1
        if self.workers > 1:
            os.kill(worker_pids(self.process.pid)[0], signal.SIGKILL)
        else:
            self.process.kill()
            self.process.wait()
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self) -> str:
        path = self.folder / "app.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@dataclass
class Platform:
    """Telegram's side: it posts each update to the webhook until it gets a 200, one chat's updates
    one after another, as Telegram does."""

    server: FakeTelegramServer
    port: int
    acknowledged: list[str] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)

    async def push(self, http: httpx.AsyncClient, update: dict[str, Any]) -> None:
        while True:
            try:
                answer = await http.post(f"http://127.0.0.1:{self.port}/telegram/webhook", json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30)
                if answer.status_code == 200:
                    self.acknowledged.append(str(update["update_id"]))
                    return
            except httpx.HTTPError:
                pass   # a worker died mid-request, or none listens yet: Telegram tries again
            await asyncio.sleep(0.2)

    async def citizen(self, user_id: int) -> None:
        self.server.add_user(user_id, f"Dân {user_id}")
        async with httpx.AsyncClient() as http:
            for action, fragment in DIALOGUE:
                mark = len(self.server.messages_to(user_id))
                if action.startswith("!"):
                    shown = [m for m in reversed(self.server.messages_to(user_id)) if any(
                        b.get("callback_data") == action[1:]
                        for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)]
                    update = self.server.user_clicks(user_id, shown[0]["message_id"], action[1:])
                else:
                    update = self.server.user_sends_text(user_id, action)
                await self.push(http, update)
                await self.server.wait_for_message(user_id, lambda m, f=fragment: f in (m.get("text") or ""),
                                                   timeout=90, after=mark)
        self.finished.append(user_id)


async def stored(database_url: str) -> dict[str, Any]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as db:
            updates = Counter(r[0] for r in await db.execute(text(
                "SELECT platform_update_id FROM message WHERE channel = 'telegram' AND direction = 'in'"
                " AND platform_update_id IS NOT NULL")))
            cases = Counter(r[0] for r in await db.execute(text(
                "SELECT c.external_id FROM cases k JOIN citizen c ON c.id = k.citizen_id WHERE k.channel = 'telegram'")))
            replies: dict[int, list[str]] = {}
            for chat, body in await db.execute(text(
                    "SELECT v.chat_id, m.text FROM message m JOIN conversation v ON v.id = m.conversation_id"
                    " WHERE m.channel = 'telegram' AND m.direction = 'out' ORDER BY m.id")):
                replies.setdefault(int(chat), []).append(body)
            pending = (await db.execute(text(
                "SELECT count(*) FROM outbox_item WHERE channel = 'telegram' AND status <> 'sent'"))).scalar_one()
    finally:
        await engine.dispose()
    return {"updates": updates, "cases": cases, "replies": replies, "pending": pending}


def compare(delivered: list[str], written: list[str]) -> int:
    """How many deliveries repeat the one before; fails when one is missing or out of order."""
    repeats, n = 0, 0
    for message in delivered:
        if n < len(written) and message == written[n]:
            n += 1
        elif n > 0 and message == written[n - 1]:
            repeats += 1
        else:
            raise AssertionError(f"out of order or unknown: {message[:60]!r}; expected {written[n:n + 1]}")
    assert n == len(written), f"{len(written) - n} replies never delivered"
    return repeats


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture(params=["postgresql-redis-3-workers", "sqlite-1-process"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path, nlu_model_path: Path,
               fake_telegram_server: FakeTelegramServer) -> Iterator[Deployment]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(port), "SECRET_KEY": "s" * 48, "DEMO": "false",
           "CONFIG_PATH": str(ROOT / "config.yml"), "NLU_MODEL_PATH": str(nlu_model_path),
           "MEDIA_DIR": str(tmp_path / "media"), "TELEGRAM_BOT_TOKEN": fake_telegram_server.token,
           "TELEGRAM_API_BASE_URL": fake_telegram_server.base_url, "TELEGRAM_MODE": "webhook",
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "PUBLIC_URL": "https://langnghe.example",
           "OUTBOX_POLL_SECONDS": "0.5", "OUTBOX_LEASE_SECONDS": "4", "LOCK_TTL_SECONDS": "2"}
    if request.param.startswith("postgresql"):
        template: str = request.getfixturevalue("postgres_template")
        env["DATABASE_URL"] = clone_database(template, f"t_{uuid.uuid4().hex[:12]}")
        server: RedisServer = request.getfixturevalue("redis")
        env["REDIS_URL"] = server.url
        deployment = Deployment(port, env, 3, server, tmp_path)
    else:
        env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'langnghe.db'}"
        deployment = Deployment(port, env, 1, None, tmp_path)
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()


async def test_nothing_lost_doubled_or_reordered_when_workers_die_and_the_platform_misbehaves(
        deployment: Deployment, fake_telegram_server: FakeTelegramServer) -> None:
    await deployment.ready()
    chaos = fake_telegram_server.enable_chaos(share=0.15, slow_seconds=1.5)
    platform = Platform(fake_telegram_server, deployment.port)
    users = [300_000 + n for n in range(CITIZENS)]
    burst = asyncio.gather(*(platform.citizen(u) for u in users))

    async def faults() -> None:
        await asyncio.sleep(2)
        deployment.kill_a_worker()
        if deployment.redis is not None:
            await asyncio.sleep(2)
            await asyncio.to_thread(deployment.redis.restart)
        await asyncio.sleep(3)
        deployment.kill_a_worker()

    await asyncio.gather(burst, faults())
    assert sorted(platform.finished) == users, "every citizen finished a report"

    for _ in range(200):   # the last replies may still be on their way
        result = await stored(deployment.env["DATABASE_URL"])
        if result["pending"] == 0:
            break
        await asyncio.sleep(0.3)
    assert result["pending"] == 0, "every reply was delivered"

    assert set(platform.acknowledged) == set(result["updates"]), "every acknowledged update is stored"
    assert set(result["updates"].values()) == {1}, "and stored once"
    assert result["cases"] == Counter({str(u): 1 for u in users}), "one case per finished report"
    repeats = {u: compare([m["text"] for m in fake_telegram_server.messages_to(u)], result["replies"][u])
               for u in users}
    dropped = Counter(call.params["chat_id"] for call in fake_telegram_server.dropped)
    unexplained = {u: r - dropped[u] for u, r in repeats.items() if r > dropped[u]}
    print(f"\n{deployment.workers} worker(s): {len(platform.acknowledged)} updates acknowledged, "
          f"{sum(len(r) for r in result['replies'].values())} replies; faults {chaos.counts}, kills "
          f"{deployment.kills}; repeated deliveries {sum(repeats.values())} "
          f"(answers lost by the platform {sum(dropped.values())}, after a kill {sum(unexplained.values())})")
    # A repeat the platform did not cause comes from a kill between a send and its record: at most
    # the chats the killed worker was sending to at that moment.
    assert sum(unexplained.values()) <= deployment.kills * CITIZENS


def test_many_workers_say_what_they_need() -> None:
    from bot.workers import check_scale_out
    from handlers import Settings

    with pytest.raises(SystemExit) as refused:
        check_scale_out(Settings(database_url="sqlite+aiosqlite:///x.db", telegram_bot_token="1:x",
                                 telegram_mode="polling", _env_file=None))
    assert all(word in str(refused.value) for word in ("PostgreSQL", "REDIS_URL", "TELEGRAM_MODE=webhook"))
    check_scale_out(Settings(database_url="postgresql+asyncpg://u@h/db", redis_url="redis://h:6379/0",
                             telegram_bot_token="1:x", telegram_mode="webhook", _env_file=None))
