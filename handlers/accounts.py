"""Staff accounts: argon2 password hashes, a role and (for staff) the one unit they work for.

Hashing runs on its own small thread pool, never the default one the NLU shares: a flood of logins
then waits for itself and cannot delay citizens' chat turns. Too many waiting hashes are refused
(`PasswordCheckBusy`) instead of queued without end.
"""
from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from handlers.errors import InvalidAction
from storage import Database, StaffAccount, StaffRole, Unit

_hasher = PasswordHasher()
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")
MAX_WAITING_HASHES = 16
_waiting = 0
MIN_PASSWORD = 8
T = TypeVar("T")


class PasswordCheckBusy(Exception):
    """More password checks are waiting than the hashing pool should queue: ask again later."""


async def _on_hash_pool(fn: Callable[..., T], *args: str) -> T:
    global _waiting
    if _waiting >= MAX_WAITING_HASHES:
        raise PasswordCheckBusy()
    _waiting += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)
    finally:
        _waiting -= 1


async def hash_password(password: str) -> str:
    return await _on_hash_pool(_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    def check(stored: str, given: str) -> bool:
        try:
            return _hasher.verify(stored, given)
        except (VerificationError, InvalidHashError):
            return False

    return await _on_hash_pool(check, password_hash, password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidAction(f"password of at least {MIN_PASSWORD} characters required")


async def create_staff(db: Database, username: str, password: str, display_name: str,
                       role: StaffRole = StaffRole.STAFF, unit_key: str | None = None,
                       *, only_if_new: bool = False, province: str | None = None) -> StaffAccount | None:
    """Create or update an account (an update is a password reset: it ends the account's sessions).

    `only_if_new` leaves an existing account alone, active or not, and returns None: the demo seed
    must never reset or re-activate what an admin changed."""
    username = username.strip().lower()
    if not username:
        raise InvalidAction("username required")
    _check_password(password)
    if role is StaffRole.STAFF and not unit_key:
        raise InvalidAction("staff accounts need a unit (e.g. union.bac-ninh)")
    password_hash = await hash_password(password)
    async with db.transaction() as session:
        unit = None
        if unit_key:
            unit = await session.scalar(select(Unit).where(Unit.key == unit_key))
            if unit is None:
                raise InvalidAction(f"unknown unit {unit_key!r}")
        account = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if account is not None and only_if_new:
            return None
        if account is None:
            account = StaffAccount(username=username, session_version=0)
            session.add(account)
        else:
            account.session_version += 1
        account.display_name, account.password_hash, account.role = display_name, password_hash, role
        account.unit_id, account.active = (unit.id if unit else None), True
        # a supervisor's area (issue 9): one province, or None for the whole country
        account.province = province if role is StaffRole.SUPERVISOR else None
    return account


def random_password() -> str:
    """16 characters from 96 random bits: for demo logins, shown once."""
    return secrets.token_urlsafe(12)


async def authenticate(db: Database, username: str, password: str) -> StaffAccount | None:
    async with db.sessions() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username.strip().lower(), StaffAccount.active.is_(True)))
    if account is None:
        await hash_password(password)  # same cost either way: no user enumeration by timing
        return None
    return account if await _verify(account.password_hash, password) else None


async def change_password(db: Database, staff_id: int, current: str, new: str) -> StaffAccount:
    """The signed-in member changes their own password; every other session of theirs ends."""
    _check_password(new)
    async with db.sessions() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.id == staff_id, StaffAccount.active.is_(True)))
    if account is None or not await _verify(account.password_hash, current):
        raise InvalidAction("current password is wrong")
    password_hash = await hash_password(new)
    async with db.transaction() as session:
        await session.execute(update(StaffAccount).where(StaffAccount.id == staff_id).values(
            password_hash=password_hash, session_version=StaffAccount.session_version + 1))
    changed = await get_staff(db, staff_id)
    assert changed is not None
    return changed


async def end_sessions(db: Database, staff_id: int) -> None:
    """Logout: every session cookie of the account stops working, copies included."""
    async with db.transaction() as session:
        await session.execute(update(StaffAccount).where(StaffAccount.id == staff_id)
                              .values(session_version=StaffAccount.session_version + 1))


async def get_staff(db: Database, staff_id: int) -> StaffAccount | None:
    async with db.sessions() as session:
        return await session.scalar(
            select(StaffAccount).where(StaffAccount.id == staff_id, StaffAccount.active.is_(True)))
