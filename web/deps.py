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


async def _staff_from_session(request: Request, core: Core) -> StaffAccount | None:
    staff_id = request.session.get("staff_id")
    if not isinstance(staff_id, int):
        return None
    return await get_staff(core.db, staff_id)


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
