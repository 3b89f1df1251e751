"""Process wiring: one typed Settings in, a running system out (database, NLU, channels, web)."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI

from bot.coordination import Coordination, local_coordination
from bot.media_fetch import PhotoSource, run_photo_fetcher
from bot.pacing import TELEGRAM_LIMITS, ZALO_LIMITS, RateLimiter
from bot.sender import Deliverer, run_sender
from bot.telegram import TelegramChannel
from bot.webchat import webchat_router
from bot.webchat_identity import ChatIdentity
from bot.zalo_bot import ZaloBotChannel
from bot.zalo_oa import OaCredentials, TokenStore, ZaloOaChannel
from handlers import (
    AppConfig,
    Core,
    DemoLogin,
    NluPort,
    Settings,
    escalate_overdue,
    load_or_train,
    model_registry,
    prepare_database,
    prune_sent,
    recent_sends,
    retention,
    seed_demo_staff,
)
from handlers.board import BoardCache
from handlers.demo import seed_demo_cases
from handlers.staff_notices import remind_deadlines
from storage import create_database
from storage.media import LocalMediaStore, MediaStore
from web import create_web_app
from web.routers.health import ChannelHealth

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    core: Core
    telegram: TelegramChannel | None = None
    zalo: ZaloBotChannel | None = None
    zalo_oa: ZaloOaChannel | None = None
    media: MediaStore = field(default_factory=lambda: LocalMediaStore(Path("var/media")))
    demo_logins: list[DemoLogin] = field(default_factory=list)
    board: BoardCache | None = None   # the public board's figures, refreshed by a timed job
    coordination: Coordination = field(default_factory=local_coordination)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def _sender(self, deliverer: Deliverer) -> asyncio.Task[None]:
        """The outbox sender of one channel; its chat locks shared with the other workers."""
        return asyncio.create_task(run_sender(
            self.core, deliverer, self.settings.outbox_poll_seconds, self.coordination.locks(f"{deliverer.channel}-out"),
            timedelta(seconds=self.settings.outbox_lease_seconds)), name=f"{deliverer.channel}-sender")

    async def start(self) -> None:
        await self.coordination.start()
        self._tasks.append(asyncio.create_task(self._escalate_forever(), name="escalation"))
        if self.board is not None:
            self._tasks.append(asyncio.create_task(
                self.board.refresh_forever(self.settings.board_refresh_seconds), name="board-refresh"))
        if self.telegram is not None:
            self._tasks.append(self._sender(self.telegram))
            if self.settings.telegram_mode == "polling":
                self._tasks.append(asyncio.create_task(self.telegram.run_polling(), name="telegram-polling"))
            else:
                await self._register_webhook(self.telegram, f"{self.settings.base_url}/telegram/webhook")
        if self.zalo is not None:
            self._tasks.append(self._sender(self.zalo))
            if self.settings.zalo_mode == "polling":
                self._tasks.append(asyncio.create_task(self.zalo.run_polling(), name="zalo-polling"))
            else:
                await self.zalo.set_webhook(f"{self.settings.base_url}/zalo/webhook", self.zalo_webhook_secret)
        if self.zalo_oa is not None:
            self._tasks.append(self._sender(self.zalo_oa))
        for source in self.photo_sources:
            self._tasks.append(asyncio.create_task(
                run_photo_fetcher(self.core, source, self.media, self.settings.outbox_poll_seconds),
                name=f"{source.channel}-photos"))

    @property
    def photo_sources(self) -> list[PhotoSource]:
        """The channels citizens can send photos on (the web chat takes text only)."""
        return [c for c in (self.telegram, self.zalo, self.zalo_oa) if c is not None]

    async def _register_webhook(self, telegram: TelegramChannel, url: str) -> None:
        """One quick try at start; if the Bot API does not answer, keep trying in the background
        (start-up never hangs on Telegram)."""
        try:
            await asyncio.wait_for(telegram.set_webhook_once(url, self.webhook_secret), 10)
        except Exception as exc:
            telegram.health.down(f"{type(exc).__name__}: {exc}")
            log.warning("Telegram setWebhook failed at start (%s); retrying in the background", exc)
            self._tasks.append(asyncio.create_task(telegram.set_webhook(url, self.webhook_secret),
                                                   name="telegram-webhook"))

    async def stop(self) -> None:
        if self.telegram is not None and self.settings.telegram_mode == "polling":
            with contextlib.suppress(RuntimeError):  # polling may not have started yet
                await self.telegram.dispatcher.stop_polling()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.telegram is not None:
            await self.telegram.close()
        if self.zalo is not None:
            await self.zalo.close()
        if self.zalo_oa is not None:
            await self.zalo_oa.close()
        await self.coordination.close()
        await self.core.db.dispose()

    async def _escalate_forever(self) -> None:
        """Every few minutes, move overdue cases up a level and drop delivered outbox rows past their
        retention; with many workers only the one holding the lead does it."""
        while True:
            await asyncio.sleep(self.settings.escalation_interval_seconds)
            if not await self.coordination.leader.lead():
                continue
            try:
                if codes := await escalate_overdue(self.core):
                    log.info("escalated overdue cases: %s", ", ".join(codes))
            except Exception:
                log.exception("escalation round failed; will retry")
            try:
                if reminded := await remind_deadlines(self.core):
                    log.info("reminded staff of deadlines within the hour: %s", ", ".join(reminded))
            except Exception:
                log.exception("deadline reminders failed; will retry")
            try:
                keep = timedelta(days=self.settings.outbox_retention_days)
                if pruned := await prune_sent(self.core.db, keep):
                    log.info("deleted %d delivered outbox rows older than %s", pruned, keep)
            except Exception:
                log.exception("outbox pruning failed; will retry")
            try:
                paths = model_registry.default_paths(self.settings.nlu_model_path,
                                                     Path(self.settings.config_path).resolve().parent / "var")
                if served := await model_registry.sync_serving(self.core, paths):
                    log.info("now serving NLU model version %s (changed from the command line)", served)
            except Exception:
                log.exception("checking the served NLU model version failed; will retry")
            try:
                keep = timedelta(days=self.settings.resolved_retention_days)
                if anonymised := await retention.anonymise_expired(self.core, keep):
                    log.info("anonymised %d closed cases past their retention", len(anonymised))
            except Exception:
                log.exception("anonymising closed cases failed; will retry")

    @property
    def zalo_webhook_secret(self) -> str:
        secret = self.settings.zalo_webhook_secret
        if not secret or not 8 <= len(secret) <= 256:
            raise SystemExit("ZALO_MODE=webhook needs ZALO_WEBHOOK_SECRET (8-256 characters)")
        return secret

    @property
    def webhook_secret(self) -> str:
        secret = self.settings.telegram_webhook_secret
        if not secret:
            raise SystemExit("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET (8-256 characters)")
        return secret


def session_secret(settings: Settings) -> str:
    """SECRET_KEY from the environment; on a laptop, one made once and kept under var/."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.config_path).resolve().parent / "var" / "secret_key"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # created 0600, never readable by others even briefly
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def coordination_for(settings: Settings) -> Coordination:
    """Redis when REDIS_URL is set (many workers), else this process alone."""
    if not settings.redis_url:
        return local_coordination()
    from bot.redis_coord import redis_coordination

    return redis_coordination(settings.redis_url, lock_ttl=settings.lock_ttl_seconds,
                              leader_ttl=3 * settings.escalation_interval_seconds, workers=settings.workers)


async def build_runtime(settings: Settings, *, nlu: NluPort | None = None,
                        progress: Callable[[str], None] = print, prepare: bool = True) -> Runtime:
    """`prepare=False` for a worker of `langnghe run --workers N`: the supervisor has migrated the
    database (and trained the model) once before starting any worker."""
    config = AppConfig.load(Path(settings.config_path))
    port: NluPort = nlu if nlu is not None else await asyncio.to_thread(
        load_or_train, settings.nlu_model_path, progress)
    db = create_database(settings.database_url)
    demo: list[DemoLogin] = []
    if prepare:
        units = await prepare_database(db, config, port.provinces())
        progress(f"database ready ({units} units)")
        demo = await seed_demo_staff(db, config) if settings.demo else []
        if settings.demo:   # after the logins: the examples' history names the demo staff
            made = await seed_demo_cases(db, config, datetime.now(UTC))
            if made:
                progress(f"{len(made)} hồ sơ mẫu (DEMO) cho {config.demo_province} / example cases")
    coordination = coordination_for(settings)
    core = Core(db=db, nlu=port, config=config, signal=coordination.signal, live=coordination.live,
                reopen_window_days=settings.reopen_window_days)
    if nlu is None and (served := await model_registry.load_active(core)) is not None:
        progress(f"NLU model version {served} (promoted) is serving")
    telegram = None
    if settings.telegram_bot_token:
        telegram = TelegramChannel(core, settings.telegram_bot_token, settings.telegram_api_base_url,
                                   pacer=coordination.pacer("telegram", TELEGRAM_LIMITS))
        telegram.chat_locks = coordination.locks("telegram-in")
    zalo = None
    if settings.zalo_bot_token:
        zalo = ZaloBotChannel(core, settings.zalo_bot_token, settings.zalo_api_base_url)
        zalo.pacer, zalo.chat_locks = coordination.pacer("zalo", ZALO_LIMITS), coordination.locks("zalo-in")
    for name, paced in (("telegram", telegram), ("zalo", zalo)):
        if paced is not None:
            await recall_recent_sends(core, name, paced.pacer)
    zalo_oa = zalo_oa_channel(settings, core)
    if zalo_oa is not None:
        zalo_oa.chat_locks = coordination.locks("zalo_oa-in")
    return Runtime(settings=settings, core=core, telegram=telegram, zalo=zalo, zalo_oa=zalo_oa,
                   media=LocalMediaStore(media_dir(settings)), demo_logins=demo, coordination=coordination,
                   board=BoardCache(db, port.provinces(), config.timezone, core.clock))


async def recall_recent_sends(core: Core, channel: str, pacer: RateLimiter, within: float = 10.0) -> None:
    """A restarted process's buckets start full, but the platform still counts what the last one
    sent in its final seconds: booked now, the first sends after a restart provoke no flood control."""
    now = datetime.now(UTC)
    sent = await recent_sends(core.db, channel, now - timedelta(seconds=within))
    pacer.recall((chat_id, (now - at).total_seconds()) for chat_id, at in sent)


def media_dir(settings: Settings) -> Path:
    """Where citizens' photos are kept: MEDIA_DIR, else var/media beside the configuration."""
    return settings.media_dir or Path(settings.config_path).resolve().parent / "var" / "media"


def zalo_oa_channel(settings: Settings, core: Core) -> ZaloOaChannel | None:
    """The Official Account channel when its four credentials are set (ZALO_OA_*)."""
    s = settings
    if not (s.zalo_oa_app_id and s.zalo_oa_secret_key and s.zalo_oa_access_token):
        return None
    credentials = OaCredentials(s.zalo_oa_app_id, s.zalo_oa_secret_key, s.zalo_oa_app_secret or "",
                                s.zalo_oa_access_token, s.zalo_oa_refresh_token or "")
    store = TokenStore(Path(s.config_path).resolve().parent / "var" / "zalo_oa_tokens.json")
    return ZaloOaChannel(core, credentials, store, s.zalo_oa_api_base_url, s.zalo_oa_oauth_base_url)


def freeze_startup_heap() -> int:
    """Move what start-up built (the NLU model, the app, SQLAlchemy's mappers: about 440,000
    objects) out of the collector's reach, after one last collection; returns how many.

    Those objects live as long as the process, yet every full collection walked them all: under
    load that paused the event loop for about 300 ms each time (bench/capacity.py, measured with
    gc.callbacks). A pause that long wakes a whole stretch of booked sends at once, and delays
    every turn queued behind it. Only a serving process calls this: a test process that starts the
    app many times must not pin each start's objects for good."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _channel_routers(runtime: Runtime, secret: str, https_only: bool) -> list[APIRouter]:
    """The web chat and each channel's webhook: the routes every citizen's message comes through."""
    routers = [webchat_router(runtime.core, ChatIdentity(secret, https_only=https_only))]
    if runtime.telegram is not None and runtime.settings.telegram_mode == "webhook":
        routers.append(runtime.telegram.webhook_router(runtime.webhook_secret))
    if runtime.zalo is not None and runtime.settings.zalo_mode == "webhook":
        routers.append(runtime.zalo.webhook_router(runtime.zalo_webhook_secret))
    if runtime.zalo_oa is not None:
        routers.append(runtime.zalo_oa.webhook_router())
    return routers


def create_app(runtime: Runtime) -> FastAPI:
    """The one ASGI app: console, APIs, web chat and (in webhook mode) Telegram's endpoint."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    https_only = (runtime.settings.public_url or "").startswith("https://")
    secret = session_secret(runtime.settings)   # read once: on a laptop it is a file under var/
    app = create_web_app(runtime.core, secret, https_only=https_only, lifespan=lifespan,
                         public_url=runtime.settings.public_url, open311_api_keys=runtime.settings.open311_api_keys,
                         channel_routers=_channel_routers(runtime, secret, https_only))
    app.state.media = runtime.media
    app.state.telegram_bot_username = runtime.settings.telegram_bot_username  # staff link deep links
    app.state.board = runtime.board
    app.state.model_paths = model_registry.default_paths(runtime.settings.nlu_model_path,
                                                         Path(runtime.settings.config_path).resolve().parent / "var")
    app.state.channels["web"] = ChannelHealth("web", state="up")  # served by this very app
    if runtime.telegram is not None:
        app.state.channels["telegram"] = runtime.telegram.health
    if runtime.zalo is not None:
        app.state.channels["zalo"] = runtime.zalo.health
    if runtime.zalo_oa is not None:
        app.state.channels["zalo_oa"] = runtime.zalo_oa.health
    return app
