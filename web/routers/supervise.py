"""Supervisors' page: every unit's open cases in their province (or the country), late ones
first, with reassign, extend-deadline and escalate; and their notices."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from handlers import CaseNotFound, InvalidAction, active_units, do_reassign_case
from handlers.notices import mark_notices_read, notices_for
from handlers.supervision import do_escalate_case, do_extend_deadline, supervised_cases
from storage import StaffAccount, StaffRole
from web.deps import CoreDep, CsrfChecked, PageStaff, csrf_token
from web.templating import templates

router = APIRouter(prefix="/console/supervise", tags=["supervise"])
TextField = Annotated[str, Form()]


def supervisor(staff: PageStaff) -> StaffAccount:
    if staff.role is not StaffRole.SUPERVISOR:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy trang")
    return staff


Supervisor = Annotated[StaffAccount, Depends(supervisor)]


@router.get("", response_class=HTMLResponse)
async def supervise_page(request: Request, core: CoreDep, staff: Supervisor) -> HTMLResponse:
    now = core.clock()
    notices = await notices_for(core.db, staff)
    page = templates.TemplateResponse(request, "supervise.html", {
        "staff": staff, "rows": await supervised_cases(core.db, staff, now), "notices": notices,
        "units": await active_units(core.db), "now": now, "csrf": csrf_token(request),
        "error": request.session.pop("flash_error", None)})
    await mark_notices_read(core.db, staff, now)   # shown once as new
    return page


async def _act(request: Request, action: Awaitable[Any]) -> RedirectResponse:
    try:
        await action
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy hồ sơ") from exc
    except InvalidAction as exc:
        request.session["flash_error"] = str(exc)
    return RedirectResponse("/console/supervise", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/cases/{code}/extend", dependencies=[CsrfChecked])
async def extend(request: Request, core: CoreDep, staff: Supervisor, code: str, days: Annotated[int, Form(ge=1, le=60)],
                 reason: TextField) -> RedirectResponse:
    return await _act(request, do_extend_deadline(core, staff, code, days, reason))


@router.post("/cases/{code}/escalate", dependencies=[CsrfChecked])
async def escalate(request: Request, core: CoreDep, staff: Supervisor, code: str, reason: TextField) -> RedirectResponse:
    return await _act(request, do_escalate_case(core, staff, code, reason))


@router.post("/cases/{code}/reassign", dependencies=[CsrfChecked])
async def reassign(request: Request, core: CoreDep, staff: Supervisor, code: str, unit: TextField,
                   reason: TextField) -> RedirectResponse:
    return await _act(request, do_reassign_case(core, staff, code, unit, reason))
