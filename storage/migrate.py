"""Run Alembic migrations from code: `langnghe migrate`, `make run` and the tests all use this."""
from __future__ import annotations

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


def _upgrade(connection: Connection, cfg: Config) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade_to_head(db: Database) -> None:
    """Bring the schema to the newest revision over the application's own engine."""
    cfg = alembic_config(db.url)
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, cfg)
