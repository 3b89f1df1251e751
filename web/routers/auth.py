"""Signing staff in and out, for the console (form) and the API (JSON)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from handlers import authenticate
from web.deps import CoreDep, CsrfChecked, csrf_token
from web.templating import templates

router = APIRouter(tags=["auth"])


class Credentials(BaseModel):
    username: str
    password: str


class SessionInfo(BaseModel):
    username: str
    display_name: str
    role: str
    unit: str | None


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": None, "csrf": csrf_token(request)})


@router.post("/login", response_model=None, dependencies=[CsrfChecked])
async def login_form(request: Request, core: CoreDep, username: Annotated[str, Form()],
                     password: Annotated[str, Form()]) -> HTMLResponse | RedirectResponse:
    staff = await authenticate(core.db, username, password)
    if staff is None:
        return templates.TemplateResponse(
            request, "login.html", {"error": "Sai tên đăng nhập hoặc mật khẩu.", "csrf": csrf_token(request)},
            status_code=status.HTTP_401_UNAUTHORIZED)
    request.session.clear()
    request.session["staff_id"] = staff.id
    csrf_token(request)
    return RedirectResponse("/console", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/api/session", response_model=SessionInfo)
async def api_login(request: Request, core: CoreDep, credentials: Credentials) -> SessionInfo:
    staff = await authenticate(core.db, credentials.username, credentials.password)
    if staff is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    request.session.clear()
    request.session["staff_id"] = staff.id
    return SessionInfo(username=staff.username, display_name=staff.display_name, role=staff.role.value,
                       unit=staff.unit.key if staff.unit else None)


@router.delete("/api/session", status_code=status.HTTP_204_NO_CONTENT)
async def api_logout(request: Request) -> None:
    request.session.clear()
