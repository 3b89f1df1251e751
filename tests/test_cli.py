"""The `langnghe` command line, run as a user would run it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def langnghe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def test_migrate_then_create_staff_then_log_in(tmp_path: Path, nlu_model_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "NLU_MODEL_PATH": str(nlu_model_path),
           "LANGNGHE_PASSWORD": "mat-khau-dai-du"}
    migrated = langnghe("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "211 units" in migrated.stdout
    units = langnghe("units", env=env)
    assert "youth.lao-cai" in units.stdout and "Đoàn Thanh niên tỉnh Lào Cai" in units.stdout
    bad = langnghe("create-staff", "tn.laocai", "--unit", "youth.nowhere", env=env)
    assert bad.returncode == 2 and "unknown unit" in bad.stderr
    created = langnghe("create-staff", "tn.laocai", "--unit", "youth.lao-cai", "--name", "Cán bộ Đoàn", env=env)
    assert created.returncode == 0, created.stderr

    import asyncio

    from handlers import authenticate
    from storage import create_database

    async def check() -> None:
        db = create_database(env["DATABASE_URL"])
        assert (await authenticate(db, "tn.laocai", "mat-khau-dai-du")).unit.key == "youth.lao-cai"
        assert await authenticate(db, "tn.laocai", "sai") is None
        await db.dispose()

    asyncio.run(check())


def test_nlu_commands_are_reachable(nlu_model_path: Path) -> None:
    help_text = langnghe("nlu", "--help", env={})
    assert help_text.returncode == 0 and "evaluate" in help_text.stdout
    predicted = subprocess.run([sys.executable, "-m", "bot.cli", "nlu", "predict", "--model", str(nlu_model_path)],
                               cwd=ROOT, input='{"id": 1, "text": "heo bị dịch tả châu phi ở Đồng Nai"}\n',
                               capture_output=True, text=True, timeout=120)
    assert predicted.returncode == 0 and '"label": "farmer"' in predicted.stdout


def test_the_cli_offers_exactly_the_roles_the_database_knows() -> None:
    from bot.cli import ROLES
    from storage import StaffRole

    assert set(ROLES) == {r.value for r in StaffRole}


FREEZE_PROBE = """
import asyncio, gc
from bot.runtime import build_runtime, create_app, freeze_startup_heap
from handlers import Settings

async def main() -> None:
    runtime = await build_runtime(Settings(), progress=lambda _m: None)
    create_app(runtime)
    walked_before = len(gc.get_objects())
    frozen = freeze_startup_heap()
    print(walked_before, frozen, len(gc.get_objects()))
    await runtime.core.db.dispose()

asyncio.run(main())
"""


def test_a_serving_process_takes_its_start_up_heap_out_of_the_collectors_walks(tmp_path: Path,
                                                                            nlu_model_path: Path) -> None:
    """`langnghe run` and every worker freeze what start-up built: a full collection then walks
    only what came after, instead of pausing the event loop to walk the whole model and app."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'heap.db'}", "DEMO": "false",
           "NLU_MODEL_PATH": str(nlu_model_path), "MEDIA_DIR": str(tmp_path / "media"), "PYTHONPATH": str(ROOT)}
    probe = subprocess.run([sys.executable, "-c", FREEZE_PROBE], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    walked_before, frozen, walked_after = map(int, probe.stdout.split())
    assert frozen > 100_000 and frozen >= walked_before * 0.9, "the model and the app are frozen"
    assert walked_after < walked_before / 100, "a full collection no longer walks them"


@pytest.mark.parametrize("entry", ["langnghe run", "a worker"])
async def test_both_serving_entry_points_freeze_the_heap_after_building_and_before_serving(
        entry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The freeze only pays if it comes after the model and the app are built and before the
    first request; `langnghe run` and each worker of `--workers N` are the two ways to serve."""
    import socket
    from types import SimpleNamespace

    import uvicorn

    import bot.runtime
    import handlers
    from bot.cli import cmd_run
    from bot.workers import _serve
    from handlers import Settings

    steps: list[str] = []

    async def build_runtime(*_args: object, **_kwargs: object) -> SimpleNamespace:
        steps.append("build")
        return SimpleNamespace(telegram=None, zalo=None, demo_logins=[])

    async def serve(self: uvicorn.Server, sockets: object = None) -> None:
        steps.append("serve")

    monkeypatch.setattr(bot.runtime, "build_runtime", build_runtime)
    monkeypatch.setattr(bot.runtime, "create_app", lambda _runtime: steps.append("app") or object())
    monkeypatch.setattr(bot.runtime, "freeze_startup_heap", lambda: steps.append("freeze") or 0)
    monkeypatch.setattr(handlers, "load_built", lambda _path: None)
    monkeypatch.setattr(uvicorn.Server, "serve", serve)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    if entry == "langnghe run":
        assert await cmd_run(settings) == 0
    else:
        with socket.socket() as sock:
            await _serve(settings, sock)
    assert steps == ["build", "app", "freeze", "serve"]
