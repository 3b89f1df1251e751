"""Run Alembic migrations from code: `langnghe migrate`, `make run` and the tests all use this."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _downgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


def _foreign_key_problems(connection: Connection) -> list[tuple[object, ...]]:
    return [tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]


async def upgrade_to(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` over the application's own engine (see `_migrate`)."""
    await _migrate(db, revision, _upgrade)


async def downgrade_to(db: Database, revision: str) -> None:
    """Take the schema back to `revision` (tests and rollbacks), with the same care as upgrades."""
    await _migrate(db, revision, _downgrade)


async def _migrate(db: Database, revision: str, step: Callable[[Connection, Config, str], None]) -> None:
    """Run one Alembic command over the application's own engine.

    SQLite changes a table's constraints by rebuilding it, and dropping the old copy would trip the
    foreign keys of the rows pointing at it; so they are off during the migration (a PRAGMA that
    only works outside a transaction), checked before the commit, and on again afterwards.
    """
    cfg = alembic_config(db.url)
    async with db.engine.connect() as conn:
        if db.is_sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(step, cfg, revision)
                if db.is_sqlite and (problems := await conn.run_sync(_foreign_key_problems)):
                    raise RuntimeError(f"migration broke foreign keys: {problems[:5]}")
        finally:
            if db.is_sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def upgrade_to_head(db: Database) -> None:
    await upgrade_to(db, "head")
