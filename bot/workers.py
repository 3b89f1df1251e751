"""`langnghe run --workers N`: one supervisor, N worker processes sharing one listening socket.

The supervisor does what must happen once: check the set-up (PostgreSQL, Redis, webhooks), migrate
the database and build the NLU model if it is missing; then it binds HOST:PORT and starts N
workers on that socket (the kernel spreads connections among them) and starts a worker again when
one dies. Workers share wake-ups, locks, rate limits and the lead for timed jobs through Redis
(bot/redis_coord.py); each loads the model read-only and never migrates or trains.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

from handlers import Settings

log = logging.getLogger(__name__)


def check_scale_out(settings: Settings) -> None:
    """Refuse set-ups that cannot work with several processes, saying what to change."""
    problems = []
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL must be PostgreSQL (postgresql+asyncpg://...), not SQLite")
    if not settings.redis_url:
        problems.append("REDIS_URL must be set (redis://host:6379/0)")
    if settings.telegram_bot_token and settings.telegram_mode != "webhook":
        problems.append("TELEGRAM_MODE=webhook is needed (two workers cannot both long-poll one bot)")
    if settings.zalo_bot_token and settings.zalo_mode != "webhook":
        problems.append("ZALO_MODE=webhook is needed (two workers cannot both long-poll one bot)")
    if problems:
        raise SystemExit("langnghe run --workers N:\n  " + "\n  ".join(problems))


async def prepare_once(settings: Settings) -> None:
    """Migrate, sync units, make demo logins, build the model: once, before any worker starts."""
    from handlers import AppConfig, load_or_train, prepare_database, province_names, seed_demo_staff
    from handlers.nlu_port import model_path
    from storage import create_database

    if not model_path(settings.nlu_model_path).exists():   # a built model is used as it is, never retrained
        await asyncio.to_thread(load_or_train, settings.nlu_model_path, print)
    db = create_database(settings.database_url)
    try:
        units = await prepare_database(db, AppConfig.load(settings.config_path), province_names())
        print(f"database ready ({units} units)", flush=True)
        for login in (await seed_demo_staff(db, AppConfig.load(settings.config_path)) if settings.demo else []):
            print(f"    {login.username:<18} {login.password:<18} ({login.where})", flush=True)
    finally:
        await db.dispose()


def worker_main(sock: socket.socket, index: int, count: int) -> None:
    """One worker process: the whole app on the shared socket."""
    logging.basicConfig(level=logging.INFO, format=f"%(levelname)s worker-{index} %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    os.umask(0o077)
    asyncio.run(_serve(Settings(workers=count), sock))


async def _serve(settings: Settings, sock: socket.socket) -> None:
    import uvicorn

    from bot.runtime import build_runtime, create_app, freeze_startup_heap
    from handlers import load_built

    port = await asyncio.to_thread(load_built, settings.nlu_model_path)
    runtime = await build_runtime(settings, nlu=port, progress=log.info, prepare=False)
    # a request stuck waiting for Redis (a chat lock) must not hold the worker past SIGTERM for ever
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), log_level="warning", timeout_graceful_shutdown=3))
    freeze_startup_heap()
    await server.serve(sockets=[sock])


class Supervisor:
    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings, self.count = settings, workers
        self.context = multiprocessing.get_context("spawn")
        self.processes: dict[int, BaseProcess] = {}
        self.stopping = False

    def _start(self, index: int, sock: socket.socket) -> None:
        process = self.context.Process(target=worker_main, args=(sock, index, self.count), name=f"langnghe-worker-{index}")
        process.start()
        self.processes[index] = process
        log.info("worker %d started (pid %s)", index, process.pid)

    def _stop(self, *_args: Any) -> None:
        self.stopping = True

    def run(self) -> int:
        check_scale_out(self.settings)
        asyncio.run(prepare_once(self.settings))
        sock = socket.socket(socket.AF_INET6 if ":" in self.settings.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.settings.host, self.settings.port))
        sock.listen(2048)
        sock.set_inheritable(True)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for index in range(1, self.count + 1):
            self._start(index, sock)
        print(f"Lắng Nghe: {self.count} workers on {self.settings.base_url} "
              f"(PostgreSQL + Redis); Ctrl+C stops them", flush=True)
        while not self.stopping:
            time.sleep(0.2)
            for index, process in list(self.processes.items()):
                if not process.is_alive() and not self.stopping:
                    log.warning("worker %d (pid %s) ended with %s; starting it again", index, process.pid,
                                process.exitcode)
                    self._start(index, sock)
        for process in self.processes.values():
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for index, process in self.processes.items():
            process.join(30)
            if process.is_alive():
                log.warning("worker %d did not stop within 30 s of SIGTERM; killing it", index)
                process.kill()
                process.join()
            log.info("worker %d stopped (exit code %s)", index, process.exitcode)
        sock.close()
        return 0
