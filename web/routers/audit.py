"""The audit log: reveals of personal data, moderators' actions, correction decisions, reassignments
and escalations, with filters. Moderators, admins and supervisors read it."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from handlers.personal_data import AuditFilter, audit_log
from storage import StaffRole
from web.deps import CoreDep, PageStaff, csrf_token
from web.templating import MODERATION_LABELS, templates

router = APIRouter(prefix="/console/audit", tags=["audit"])
READERS = (StaffRole.MODERATOR, StaffRole.ADMIN, StaffRole.SUPERVISOR)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("", response_class=HTMLResponse)
async def audit_page(request: Request, core: CoreDep, staff: PageStaff, kind: str = "", actor: str = "", code: str = "",
                     date_from: str = "", date_to: str = "") -> HTMLResponse:
    if staff.role not in READERS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy trang")
    filters = AuditFilter(kind=kind or None, actor=actor.strip() or None, code=code.strip() or None,
                          date_from=_day(date_from), date_to=_day(date_to))
    rows = await audit_log(core.db, filters)
    return templates.TemplateResponse(request, "audit.html", {
        "staff": staff, "rows": rows, "filters": filters, "kinds": MODERATION_LABELS, "csrf": csrf_token(request)})
