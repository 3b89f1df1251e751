"""What the core needs to do its work, passed explicitly: no globals."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from handlers.live import InProcessBus, LiveBus
from handlers.nlu_port import NluPort
from handlers.settings import REOPEN_WINDOW_DAYS, AppConfig
from handlers.signals import OutboxSignal, Signal
from storage import Database

SESSION_CONFIG = "langnghe.config"   # every session's info carries the config (handlers/staff_notices.py)
SESSION_SIGNAL = "langnghe.signal"   # ... and the signal that wakes a channel's sender after commit


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Core:
    db: Database
    nlu: NluPort
    config: AppConfig
    signal: Signal = field(default_factory=OutboxSignal)
    live: LiveBus = field(default_factory=InProcessBus)   # pages told of committed changes (handlers/live.py)
    clock: Callable[[], datetime] = utcnow
    reopen_window_days: float = REOPEN_WINDOW_DAYS   # Settings.reopen_window_days, parsed once at start-up

    def __post_init__(self) -> None:
        """Staff notices are queued from a flush hook, which sees only the session: give it the
        config (time zone of deadlines) and the signal (to wake the notices' senders after commit)
        through the sessions' `info`."""
        self.db.sessions.configure(info={SESSION_CONFIG: self.config, SESSION_SIGNAL: self.signal})
