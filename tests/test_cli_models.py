"""`langnghe` for issue 9: a supervisor account with its province; model versions and rollback."""
from __future__ import annotations

import shutil
from pathlib import Path

import nlu
from handlers.nlu_port import data_fingerprint
from tests.test_cli import langnghe


def test_supervisor_accounts_and_the_model_commands(tmp_path: Path, nlu_model_path: Path) -> None:
    model = tmp_path / "model.bin"
    shutil.copy(nlu_model_path, model)   # trained from nlu/data: stamped so nothing retrains
    model.with_name("model.bin.data-sha256").write_text(data_fingerprint(Path(nlu.DEFAULT_DATA_DIR)))
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "NLU_MODEL_PATH": str(model),
           "LANGNGHE_PASSWORD": "mat-khau-dai-du", "CONFIG_PATH": str(Path(__file__).parents[1] / "config.yml")}
    assert langnghe("migrate", env=env).returncode == 0
    created = langnghe("create-staff", "giamsat.bacninh", "--role", "supervisor", "--province", "Bắc Ninh", env=env)
    assert created.returncode == 0, created.stderr

    import asyncio

    from handlers import authenticate
    from storage import create_database

    async def check() -> None:
        db = create_database(env["DATABASE_URL"])
        account = await authenticate(db, "giamsat.bacninh", "mat-khau-dai-du")
        assert account is not None and (account.role.value, account.province) == ("supervisor", "Bắc Ninh")
        await db.dispose()

    asyncio.run(check())
    listed = langnghe("models", env=env)
    assert listed.returncode == 0 and "serving base-" in listed.stdout, listed.stderr
    rollback = langnghe("model-rollback", env=env)
    assert rollback.returncode == 2 and "nothing to roll back" in rollback.stderr
