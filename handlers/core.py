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
