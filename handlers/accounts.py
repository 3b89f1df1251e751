"""Staff accounts: argon2 password hashes, a role and (for staff) the one unit they work for."""
from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from handlers.errors import InvalidAction
from storage import Database, StaffAccount, StaffRole, Unit

_hasher = PasswordHasher()
MIN_PASSWORD = 8


async def create_staff(db: Database, username: str, password: str, display_name: str,
                       role: StaffRole = StaffRole.STAFF, unit_key: str | None = None) -> StaffAccount:
    """Create or update an account (so re-running the demo seed or a script is harmless)."""
    username = username.strip().lower()
    if not username or len(password) < MIN_PASSWORD:
        raise InvalidAction(f"username required and password of at least {MIN_PASSWORD} characters")
    if role is StaffRole.STAFF and not unit_key:
        raise InvalidAction("staff accounts need a unit (e.g. union.bac-ninh)")
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    async with db.transaction() as session:
        unit = None
        if unit_key:
            unit = await session.scalar(select(Unit).where(Unit.key == unit_key))
            if unit is None:
                raise InvalidAction(f"unknown unit {unit_key!r}")
        account = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if account is None:
            account = StaffAccount(username=username)
            session.add(account)
        account.display_name, account.password_hash, account.role = display_name, password_hash, role
        account.unit_id, account.active = (unit.id if unit else None), True
    return account


async def authenticate(db: Database, username: str, password: str) -> StaffAccount | None:
    async with db.sessions() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username.strip().lower(), StaffAccount.active.is_(True)))
    if account is None:
        await asyncio.to_thread(_hasher.hash, password)  # same cost either way: no user enumeration by timing
        return None
    try:
        await asyncio.to_thread(_hasher.verify, account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return account


async def get_staff(db: Database, staff_id: int) -> StaffAccount | None:
    async with db.sessions() as session:
        return await session.scalar(
            select(StaffAccount).where(StaffAccount.id == staff_id, StaffAccount.active.is_(True)))
