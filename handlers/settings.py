"""Typed configuration, parsed once at start-up and passed down.

`AppConfig` is the organisations/routing/deadlines file (config.yml); `Settings` is the process's
environment (addresses, database, secrets). Secrets never come from config.yml.
"""
from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from nlu import LABELS as DOMAINS

ROOT = Path(__file__).resolve().parent.parent
REOPEN_WINDOW_DAYS = 30.0   # how long after resolution a citizen may say "not fixed" (issue 9.6)


class Organisation(BaseModel):
    """One of the five organisations or the Front's desk; `unit_name` names its local units."""

    name: str
    central_unit: str
    unit_name: str = Field(description="template with {area}, e.g. 'Công đoàn {area}'")


class DeadlineRule(BaseModel):
    accept_working_hours: float = 8
    resolve_days: float = 15
    urgent_accept_hours: float = 1
    urgent_resolve_hours: float = 24


class WorkingHours(BaseModel):
    days: list[int] = Field(default=[0, 1, 2, 3, 4], description="weekday numbers, Monday is 0")
    periods: list[tuple[time, time]] = Field(default=[(time(8), time(12)), (time(13), time(17))])


class Holidays(BaseModel):
    """Public holidays off the working calendar: a country of the `holidays` package plus extra dates."""

    country: str | None = "VN"
    extra: list[date] = []


class CommuneUnit(BaseModel):
    domain: str
    province: str
    commune: str
    name: str


class DemoStaff(BaseModel):
    """A demo login: no password here, one is drawn at random when the account is first made."""

    username: str
    display_name: str
    role: Literal["staff", "moderator", "admin", "supervisor"] = "staff"
    unit: str | None = Field(default=None, description="unit key, e.g. union.bac-ninh")
    province: str | None = Field(default=None, description="a supervisor's province (none: the whole country)")


class DemoCase(BaseModel):
    """An example case of the demo province, in a given state (DEMO=true only)."""

    domain: str
    text: str
    status: Literal["open", "in_progress", "waiting_citizen", "resolved"] = "open"
    commune: str | None = None
    urgent: bool = False
    hours_ago: float = 1
    reply: str | None = None      # what the unit answered (in progress)
    ask: str | None = None        # what the unit asked (waiting for the citizen)
    result: str | None = None     # how it ended (resolved)
    rating: int | None = Field(default=None, ge=1, le=5)


class AppConfig(BaseModel):
    timezone: str = "Asia/Ho_Chi_Minh"
    working_hours: WorkingHours = WorkingHours()
    holidays: Holidays = Holidays()
    organisations: dict[str, Organisation]
    commune_units: list[CommuneUnit] = []
    deadlines: DeadlineRule = DeadlineRule()
    deadlines_per_domain: dict[str, DeadlineRule] = {}
    escalate_after_overdue_hours: float = 24
    demo_staff: list[DemoStaff] = []
    demo_province: str = "Bắc Ninh"
    demo_cases: list[DemoCase] = []

    @field_validator("organisations")
    @classmethod
    def _all_domains(cls, orgs: dict[str, Organisation]) -> dict[str, Organisation]:
        missing = set(DOMAINS) - set(orgs)
        unknown = set(orgs) - set(DOMAINS)
        if missing or unknown:
            raise ValueError(f"organisations must be exactly {DOMAINS}; missing {missing or '-'}, unknown {unknown or '-'}")
        return orgs

    def deadline_rule(self, domain: str) -> DeadlineRule:
        return self.deadlines_per_domain.get(domain, self.deadlines)

    @classmethod
    def load(cls, path: Path) -> AppConfig:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SystemExit(f"config file not found: {path}") from exc
        return cls.model_validate(raw)


class Settings(BaseSettings):
    """The environment of one process. Every field can be set by the upper-case variable."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'langnghe.db'}"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    config_path: Path = ROOT / "config.yml"
    nlu_model_path: Path | None = None
    secret_key: str | None = None
    telegram_bot_token: str | None = None
    telegram_bot_username: str | None = None    # for staff link deep links, t.me/<username>?start=... (issue 9)
    telegram_api_base_url: str | None = None
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: str | None = None
    zalo_bot_token: str | None = None
    zalo_api_base_url: str | None = None
    zalo_mode: Literal["polling", "webhook"] = "polling"
    zalo_webhook_secret: str | None = None
    media_dir: Path | None = None                # citizens' photos (default var/media)
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: str | None = None        # the OA secret key: verifies webhook signatures
    zalo_oa_app_secret: str | None = None        # the app secret: refreshes access tokens
    zalo_oa_access_token: str | None = None
    zalo_oa_refresh_token: str | None = None
    zalo_oa_api_base_url: str | None = None
    zalo_oa_oauth_base_url: str | None = None
    demo: bool = False  # `make run` sets DEMO=true: demo logins with random passwords
    outbox_poll_seconds: float = 2.0
    escalation_interval_seconds: float = 300.0
    redis_url: str | None = None   # many workers: wake-ups, locks, rate limits and the lead shared in Redis
    outbox_lease_seconds: float = Field(default=60.0, gt=0, description="a claimed message another worker "
                                        "may take over after this, when its sender died")
    lock_ttl_seconds: float = Field(default=10.0, gt=0, description="a dead worker's chat locks lapse after this")
    workers: int = Field(default=1, ge=1, description="workers sharing the bots (set by langnghe run --workers): "
                                                      "while Redis is away each paces to its share of the limits")
    outbox_retention_days: float = Field(default=30.0, gt=0, description="delivered outbox rows are deleted "
                                         "after this; the transcript keeps their text")
    resolved_retention_days: float = Field(default=365.0, gt=0, description="resolved and cancelled cases are "
                                           "anonymised this long after they closed (issue 9)")
    # Open311 clients (a city portal, a province's app) that may POST requests: a comma-separated list.
    open311_api_keys: Annotated[tuple[str, ...], NoDecode] = ()
    reopen_window_days: float = Field(default=REOPEN_WINDOW_DAYS, gt=0, description="a citizen may reopen a "
                                      "resolved case this long after its resolution (issue 9.6)")
    board_refresh_seconds: float = Field(default=300.0, gt=0, description="how often the public board's "
                                         "figures are computed again")

    @field_validator("open311_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Parsed once here, so the web layer sees a tuple of keys, never the raw variable."""
        if isinstance(value, str):
            return tuple(key.strip() for key in value.split(",") if key.strip())
        return value

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{'localhost' if self.host in ('127.0.0.1', '0.0.0.0') else self.host}:{self.port}"
