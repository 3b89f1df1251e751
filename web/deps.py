"""Request dependencies: the core, the signed-in staff member, CSRF checks for forms."""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request, status

from handlers import Core, get_staff
from storage import StaffAccount


class LoginRequired(Exception):
    """Raised on console pages; turned into a redirect to /login."""


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


CoreDep = Annotated[Core, Depends(get_core)]


def start_session(request: Request, staff: StaffAccount) -> None:
    """A fresh session (no fixation) bound to the account's current session version."""
    request.session.clear()
    request.session["staff_id"] = staff.id
    request.session["ver"] = staff.session_version
    csrf_token(request)


async def _staff_from_session(request: Request, core: Core) -> StaffAccount | None:
    """The signed-in member, if the cookie is still valid server-side: logout and password changes
    bump the account's session version, which ends every older cookie, copies included."""
    staff_id = request.session.get("staff_id")
    if not isinstance(staff_id, int):
        return None
    staff = await get_staff(core.db, staff_id)
    if staff is None or request.session.get("ver") != staff.session_version:
        request.session.pop("staff_id", None)
        return None
    return staff


async def page_staff(request: Request, core: CoreDep) -> StaffAccount:
    staff = await _staff_from_session(request, core)
    if staff is None:
        raise LoginRequired()
    return staff


async def api_staff(request: Request, core: CoreDep) -> StaffAccount:
    staff = await _staff_from_session(request, core)
    if staff is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "login required")
    return staff


PageStaff = Annotated[StaffAccount, Depends(page_staff)]
ApiStaff = Annotated[StaffAccount, Depends(api_staff)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def verify_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(expected, csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid form token; reload the page")


CsrfChecked = Depends(verify_csrf)
