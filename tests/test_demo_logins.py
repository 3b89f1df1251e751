"""No published credentials: demo logins get random passwords once, and only when asked for."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select, update

from bot.cli import banner
from bot.runtime import build_runtime
from handlers import NluPort, Settings, authenticate
from storage import Case, CaseStatus, StaffAccount, StaffRole, create_database
from tests.conftest import ROOT

# The demo province: one login for each of the six bodies, and a supervisor.
BAC_NINH = {"congdoan.bacninh": "union.bac-ninh", "nongdan.bacninh": "farmer.bac-ninh",
            "phunu.bacninh": "women.bac-ninh", "doanthanhnien.bacninh": "youth.bac-ninh",
            "cuuchienbinh.bacninh": "veteran.bac-ninh", "mattran.bacninh": "other.bac-ninh",
            "giamsat.bacninh": None}


def fresh(tmp_path: Path, nlu_model_path: Path, demo: bool) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", config_path=ROOT / "config.yml",
                    nlu_model_path=nlu_model_path, secret_key="k" * 48, demo=demo, _env_file=None)


async def test_demo_logins_are_random_shown_once_and_never_reset(tmp_path: Path, nlu_model_path: Path,
                                                                 nlu_port: NluPort) -> None:
    settings = fresh(tmp_path, nlu_model_path, demo=True)
    first = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    logins = {login.username: login.password for login in first.demo_logins}
    assert set(logins) == set(BAC_NINH) | {"nongdan.gialai", "phunu.hanoi", "mattran.hcm", "kiemduyet"}
    assert len(set(logins.values())) == len(logins) and all(len(p) >= 16 for p in logins.values())
    shown = banner(settings, first.demo_logins, "tắt")
    assert all(password in shown for password in logins.values()) and "MỘT lần" in shown
    db = first.core.db
    assert (await authenticate(db, "congdoan.bacninh", logins["congdoan.bacninh"])) is not None
    async with db.transaction() as session:  # an admin switches one demo login off
        await session.execute(update(StaffAccount).where(StaffAccount.username == "kiemduyet").values(active=False))
    await db.dispose()

    again = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    assert again.demo_logins == [], "a later start makes no new passwords"
    later = banner(settings, again.demo_logins, "tắt")
    assert not any(password in later for password in logins.values()) and "create-staff" in later
    db = again.core.db
    assert (await authenticate(db, "congdoan.bacninh", logins["congdoan.bacninh"])) is not None, "not reset"
    assert (await authenticate(db, "kiemduyet", logins["kiemduyet"])) is None, "not re-activated"
    await db.dispose()


async def test_without_demo_no_account_is_made(tmp_path: Path, nlu_model_path: Path, nlu_port: NluPort) -> None:
    assert Settings(_env_file=None).demo is False, "outside `make run` demo logins are off by default"
    settings = fresh(tmp_path, nlu_model_path, demo=False)
    runtime = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    assert runtime.demo_logins == []
    async with runtime.core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StaffAccount)) == 0
    assert "Tài khoản demo" not in banner(settings, [], "tắt")
    async with runtime.core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0, "no example case either"
    await runtime.core.db.dispose()


async def test_the_demo_province_has_every_body_a_supervisor_and_example_cases_marked_demo(
        tmp_path: Path, nlu_model_path: Path, nlu_port: NluPort) -> None:
    settings = fresh(tmp_path, nlu_model_path, demo=True)
    runtime = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    db = runtime.core.db
    async with db.sessions() as session:
        accounts = {a.username: a for a in (await session.scalars(select(StaffAccount))).unique().all()}
        for username, unit in BAC_NINH.items():
            assert (accounts[username].unit.key if accounts[username].unit else None) == unit, username
        assert accounts["giamsat.bacninh"].role is StaffRole.SUPERVISOR
        assert accounts["kiemduyet"].role is StaffRole.MODERATOR
        cases = (await session.scalars(select(Case))).unique().all()
    assert {c.channel for c in cases} == {"demo"}, "examples are marked demo"
    assert {c.unit.key for c in cases} == {u for u in BAC_NINH.values() if u}, "one example for each body"
    assert {c.status for c in cases} >= {CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN,
                                         CaseStatus.RESOLVED}
    assert any(c.urgent for c in cases)
    await db.dispose()

    again = await build_runtime(settings, nlu=nlu_port, progress=lambda _m: None)
    async with again.core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == len(cases), "seeded once"
    await again.core.db.dispose()


def test_no_password_is_published() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    assert all("password" not in staff for staff in config["demo_staff"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "demo-" not in readme and "create-staff" in readme and "--role admin" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "DEMO=$${DEMO:-true}" in makefile


async def test_database_and_secret_files_are_private(tmp_path: Path) -> None:
    import stat

    from bot.runtime import session_secret

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'x.db'}",
                        config_path=tmp_path / "config.yml", secret_key=None, _env_file=None)
    secret = session_secret(settings)
    assert len(secret) >= 40
    db = create_database(settings.database_url)
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x int)")
    await db.dispose()
    var = tmp_path / "var"
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for path in var.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert {p.name for p in var.iterdir()} >= {"secret_key", "x.db"}
    assert session_secret(settings) == secret, "made once, then kept"
