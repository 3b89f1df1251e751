"""Preparing a database for use: migrations, units from config.yml, demo accounts."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from handlers.accounts import create_staff
from handlers.settings import AppConfig
from handlers.units import sync_units
from storage import Database, StaffAccount, StaffRole, upgrade_to_head


async def prepare_database(db: Database, config: AppConfig, provinces: Sequence[str]) -> int:
    await upgrade_to_head(db)
    async with db.transaction() as session:
        return await sync_units(session, config, provinces)


async def seed_demo_staff(db: Database, config: AppConfig) -> list[str]:
    """The demo logins of config.yml. One that exists already is left as it is: argon2 is slow on
    purpose, a restart should not pay for it again, nor undo a password changed with create-staff."""
    async with db.sessions() as session:
        existing = set(await session.scalars(select(StaffAccount.username)))
    for staff in config.demo_staff:
        if staff.username.strip().lower() in existing:
            continue
        await create_staff(db, staff.username, staff.password, staff.display_name, StaffRole(staff.role), staff.unit)
    return [s.username for s in config.demo_staff]
