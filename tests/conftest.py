"""Shared fixtures: a trained NLU model (once per run), migrated databases, the live app."""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

import nlu
from bot.pacing import Pacer
from bot.runtime import Runtime, build_runtime, create_app
from handlers import AppConfig, Core, NluPort, Settings, create_staff, prepare_database
from storage import Database, StaffRole, create_database
from tests.chromium import chromium
from tests.fakes import FakeTelegramServer, fake_telegram_bot, fake_telegram_server  # noqa: F401 (fixtures)
from tests.live import live_server
from tests.postgres import clone_database, postgres_server
from tests.virtual_time import VirtualTime

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nlu_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real model, trained from nlu/data once per test run (seconds)."""
    data = Path(os.environ.get("LANGNGHE_TEST_NLU_DATA", nlu.DEFAULT_DATA_DIR))
    path = tmp_path_factory.mktemp("nlu") / "model.bin"
    nlu.train(data, path)
    return path


@pytest.fixture(scope="session")
def nlu_port(nlu_model_path: Path) -> NluPort:
    return NluPort(nlu.load(nlu_model_path))


@pytest.fixture(scope="session")
def app_config() -> AppConfig:
    return AppConfig.load(ROOT / "config.yml")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, app_config: AppConfig, nlu_port: NluPort) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test would be slow)."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_prepare(create_database(f"sqlite+aiosqlite:///{path}"), app_config, nlu_port))
    return path


@pytest.fixture(scope="session")
def postgres_template(app_config: AppConfig, nlu_port: NluPort) -> Iterator[str]:
    """A PostgreSQL server for the run, with one migrated database to copy per test."""
    import asyncio

    with postgres_server() as url:
        db = create_database(url)
        asyncio.run(_prepare(db, app_config, nlu_port))
        yield url


# The demo accounts of config.yml with passwords the tests know. The product never has fixed
# passwords: `make run` draws random ones (tests/test_demo_logins.py).
STAFF_PASSWORDS = {"congdoan.bacninh": "demo-bacninh", "nongdan.gialai": "demo-gialai", "phunu.hanoi": "demo-hanoi",
                   "mattran.hcm": "demo-hcm", "kiemduyet": "demo-moderator"}


async def _prepare(db: Database, config: AppConfig, nlu_port: NluPort) -> None:
    await prepare_database(db, config, nlu_port.provinces())
    for staff in config.demo_staff:
        await create_staff(db, staff.username, STAFF_PASSWORDS.get(staff.username, f"demo-{staff.username}"), staff.display_name,
                           StaffRole(staff.role), staff.unit, province=staff.province)
    await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Every test that uses the database runs on both backends."""
    if request.param == "sqlite":
        target = tmp_path / "langnghe.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"
    template_url: str = request.getfixturevalue("postgres_template")
    return clone_database(template_url, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def settings(database_url: str, tmp_path: Path, nlu_model_path: Path) -> Settings:
    return Settings(database_url=database_url, config_path=ROOT / "config.yml", nlu_model_path=nlu_model_path,
                    secret_key="test-secret-key-" + "x" * 32, demo=False, outbox_poll_seconds=0.2,
                    telegram_bot_token=None, _env_file=None)


@pytest.fixture
async def runtime(settings: Settings, nlu_port: NluPort) -> AsyncIterator[Runtime]:
    rt = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    yield rt
    await rt.core.db.dispose()


@pytest.fixture
def core(runtime: Runtime) -> Core:
    return runtime.core


@pytest.fixture
async def live_app(runtime: Runtime) -> AsyncIterator[str]:
    """The whole system over real HTTP; yields its base URL."""
    async with live_server(create_app(runtime)) as base_url:
        yield base_url


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing here may reach the internet: any proxy settings from the machine are dropped."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
async def telegram_runtime(settings: Settings, nlu_port: NluPort,
                           fake_telegram_server: FakeTelegramServer) -> AsyncIterator[Runtime]:
    configured = settings.model_copy(update={"telegram_bot_token": fake_telegram_server.token,
                                              "telegram_api_base_url": fake_telegram_server.base_url})
    runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
    assert runtime.telegram is not None
    virtual = VirtualTime()  # Telegram's pacing, on virtual time: one second per message to a chat is not waited for
    runtime.telegram.pacer = Pacer.for_limits(runtime.telegram.pacer.limits, clock=virtual, sleep=virtual.sleep)
    yield runtime
    await runtime.core.db.dispose()


@pytest.fixture
async def telegram_app(telegram_runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(create_app(telegram_runtime)) as base_url:
        yield base_url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[object]:
    """One Chromium per test module that asks for it (tests/chromium.py)."""
    async with chromium() as launched:
        yield launched
