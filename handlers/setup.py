"""Preparing a database for use: migrations, units from config.yml, demo accounts."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.accounts import create_staff, random_password
from handlers.settings import AppConfig
from handlers.units import sync_units
from storage import Database, StaffRole, upgrade_to_head


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo account made at this start; its password exists nowhere else and is shown once."""

    username: str
    password: str
    where: str


async def prepare_database(db: Database, config: AppConfig, provinces: Sequence[str]) -> int:
    await upgrade_to_head(db)
    async with db.transaction() as session:
        return await sync_units(session, config, provinces)


async def seed_demo_staff(db: Database, config: AppConfig) -> list[DemoLogin]:
    """Make the demo logins that do not exist yet, each with a fresh random password.

    An existing account is never touched: a later start neither resets its password nor
    re-activates it after an admin switched it off."""
    made: list[DemoLogin] = []
    for staff in config.demo_staff:
        password = random_password()
        account = await create_staff(db, staff.username, password, staff.display_name, StaffRole(staff.role),
                                     staff.unit, only_if_new=True, province=staff.province)
        if account is not None:
            made.append(DemoLogin(account.username, password, staff.unit or staff.role))
    return made
