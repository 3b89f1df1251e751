"""The `langnghe` command line, run as a user would run it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
