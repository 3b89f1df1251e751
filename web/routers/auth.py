"""Signing staff in and out, for the console (form) and the API (JSON), and changing a password.

Logins back off per account and per address (429 with Retry-After); logout and a password change
end the account's sessions on the server, not only in this browser.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from handlers import InvalidAction, PasswordCheckBusy, authenticate, change_password, end_sessions
from storage import StaffAccount
from web.deps import CoreDep, CsrfChecked, PageStaff, csrf_token, start_session
from web.ratelimit import TooManyRequests, client_address, limits_of
from web.templating import templates

router = APIRouter(tags=["auth"])
BUSY_WAIT = 5.0


class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class SessionInfo(BaseModel):
    username: str
    display_name: str
    role: str
    unit: str | None


async def checked_login(request: Request, core: CoreDep, username: str, password: str) -> StaffAccount | None:
    """Authenticate under the back-off: a locked account or address is refused before any hashing."""
    limits, address, account = limits_of(request), client_address(request), username.strip().lower()[:64]
    wait = max(limits.login_account.retry_after(account), limits.login_address.retry_after(address))
    if wait > 0:
        raise TooManyRequests(wait, "too many failed logins; try again later")
    try:
        staff = await authenticate(core.db, username, password)
    except PasswordCheckBusy as exc:
        raise TooManyRequests(BUSY_WAIT, "login service busy; try again shortly") from exc
    if staff is None:
        limits.login_account.failed(account)
        limits.login_address.failed(address)
        return None
    limits.login_account.succeeded(account)
    return staff


def _login_page(request: Request, error: str | None, code: int = 200,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": error, "csrf": csrf_token(request)},
                                      status_code=code, headers=headers)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    return _login_page(request, None)


@router.post("/login", response_model=None, dependencies=[CsrfChecked])
async def login_form(request: Request, core: CoreDep, username: Annotated[str, Form(max_length=64)],
                     password: Annotated[str, Form(max_length=1024)]) -> HTMLResponse | RedirectResponse:
    try:
        staff = await checked_login(request, core, username, password)
    except TooManyRequests as exc:
        return _login_page(request, f"Đăng nhập sai quá nhiều lần. Thử lại sau {exc.seconds} giây.",
                           exc.status_code, exc.retry_headers)
    if staff is None:
        return _login_page(request, "Sai tên đăng nhập hoặc mật khẩu.", status.HTTP_401_UNAUTHORIZED)
    start_session(request, staff)
    return RedirectResponse("/console", status_code=status.HTTP_303_SEE_OTHER)


async def _end(request: Request, core: CoreDep) -> None:
    staff_id = request.session.get("staff_id")
    if isinstance(staff_id, int):
        await end_sessions(core.db, staff_id)
    request.session.clear()


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request, core: CoreDep) -> RedirectResponse:
    await _end(request, core)
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/api/session", response_model=SessionInfo)
async def api_login(request: Request, core: CoreDep, credentials: Credentials) -> SessionInfo:
    staff = await checked_login(request, core, credentials.username, credentials.password)
    if staff is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    start_session(request, staff)
    return SessionInfo(username=staff.username, display_name=staff.display_name, role=staff.role.value,
                       unit=staff.unit.key if staff.unit else None)


@router.delete("/api/session", status_code=status.HTTP_204_NO_CONTENT)
async def api_logout(request: Request, core: CoreDep) -> None:
    await _end(request, core)


def _password_page(request: Request, staff: StaffAccount, error: str | None = None, done: bool = False,
                   code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "password.html", {
        "staff": staff, "error": error, "done": done, "csrf": csrf_token(request)}, status_code=code, headers=headers)


@router.get("/account/password", response_class=HTMLResponse)
async def password_page(request: Request, staff: PageStaff) -> HTMLResponse:
    return _password_page(request, staff)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def password_change(request: Request, core: CoreDep, staff: PageStaff,
                          current: Annotated[str, Form(max_length=1024)], new: Annotated[str, Form(max_length=1024)],
                          repeat: Annotated[str, Form(max_length=1024)]) -> HTMLResponse:
    limits = limits_of(request)
    if (wait := limits.login_account.retry_after(staff.username)) > 0:
        exc = TooManyRequests(wait)
        return _password_page(request, staff, f"Sai mật khẩu quá nhiều lần. Thử lại sau {exc.seconds} giây.",
                              code=exc.status_code, headers=exc.retry_headers)
    if new != repeat:
        return _password_page(request, staff, "Hai lần nhập mật khẩu mới không khớp.", code=400)
    try:
        changed = await change_password(core.db, staff.id, current, new)
    except PasswordCheckBusy:
        return _password_page(request, staff, "Hệ thống đang bận, thử lại sau ít giây.", code=429,
                              headers={"Retry-After": str(int(BUSY_WAIT))})
    except InvalidAction as exc:
        if "current" in str(exc):
            limits.login_account.failed(staff.username)
            return _password_page(request, staff, "Mật khẩu hiện tại không đúng.", code=400)
        return _password_page(request, staff, "Mật khẩu mới cần ít nhất 8 ký tự.", code=400)
    start_session(request, changed)  # this browser stays signed in; every other session ends
    return _password_page(request, changed, done=True)
