"""The staff console: the unit's inbox and the case page with its transcript and actions."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from handlers import (
    CaseNotFound,
    InvalidAction,
    active_units,
    can_act,
    can_see_personal,
    case_detail,
    cluster_of,
    cluster_sizes,
    do_accept_case,
    do_answer_cluster,
    do_reassign_case,
    do_reply_to_citizen,
    do_request_information,
    do_resolve_case,
    inbox,
)
from handlers.attachments import photos_of_case
from handlers.console_views import group_units, staff_names
from handlers.outbox import undelivered_for_case
from storage import Case, CaseStatus
from web.deps import CoreDep, CsrfChecked, PageStaff, csrf_token
from web.templating import DOMAIN_LABELS, templates

router = APIRouter(prefix="/console", tags=["console"])
TextField = Annotated[str, Form()]


PAGE_SIZE = 200


@router.get("", response_class=HTMLResponse)
async def inbox_page(request: Request, core: CoreDep, staff: PageStaff, status_filter: str = "open",
                     page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    # "open" is the tab of every case still to work on, not only the status "open" (new) ones.
    chosen = CaseStatus(status_filter) if status_filter != "open" and status_filter in {s.value for s in CaseStatus} else None
    cases = await inbox(core.db, staff, chosen, open_only=status_filter == "open",
                        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    has_next, cases = len(cases) > PAGE_SIZE, cases[:PAGE_SIZE]
    return templates.TemplateResponse(request, "inbox.html", {
        "staff": staff, "cases": cases, "personal": {c.id for c in cases if can_see_personal(staff, c)}, "status_filter": status_filter, "now": core.clock(),
        "csrf": csrf_token(request), "page": page, "has_next": has_next,
        "cluster_sizes": await cluster_sizes(core.db, {c.cluster_id for c in cases if c.cluster_id is not None})})


@router.get("/cases/{code}", response_class=HTMLResponse)
async def case_page(request: Request, core: CoreDep, staff: PageStaff, code: str) -> HTMLResponse:
    error = request.session.pop("flash_error", None)
    try:
        detail = await case_detail(core.db, staff, code)
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy hồ sơ") from exc
    units = [u for u in await active_units(core.db) if u.id != detail.case.unit_id]
    actors = [e.actor for e in detail.events] + [m.author for m in detail.messages]
    return templates.TemplateResponse(request, "case.html", {
        "staff": staff, "detail": detail, "case": detail.case, "error": error,
        "unit_groups": group_units(units, list(DOMAIN_LABELS), "Trung ương"),
        "names": await staff_names(core.db, actors),
        "can_act": can_act(staff, detail.case), "personal": can_see_personal(staff, detail.case),
        "now": core.clock(), "csrf": csrf_token(request),
        "cluster": await cluster_of(core.db, staff, detail.case),
        "photos": await photos_of_case(core.db, detail.case.id),
        "undelivered": await undelivered_for_case(core.db, detail.case.id)})


async def _act(request: Request, code: str, action: Awaitable[Case]) -> RedirectResponse:
    try:
        await action
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy hồ sơ") from exc
    except InvalidAction as exc:
        request.session["flash_error"] = str(exc)  # shown once on the case page
    return RedirectResponse(f"/console/cases/{quote(code)}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/cases/{code}/accept", dependencies=[CsrfChecked])
async def accept(request: Request, core: CoreDep, staff: PageStaff, code: str) -> RedirectResponse:
    return await _act(request, code, do_accept_case(core, staff, code))


@router.post("/cases/{code}/reply", dependencies=[CsrfChecked])
async def reply(request: Request, core: CoreDep, staff: PageStaff, code: str, text: TextField) -> RedirectResponse:
    return await _act(request, code, do_reply_to_citizen(core, staff, code, text))


@router.post("/cases/{code}/ask", dependencies=[CsrfChecked])
async def ask(request: Request, core: CoreDep, staff: PageStaff, code: str, text: TextField) -> RedirectResponse:
    return await _act(request, code, do_request_information(core, staff, code, text))


@router.post("/cases/{code}/reassign", dependencies=[CsrfChecked])
async def reassign(request: Request, core: CoreDep, staff: PageStaff, code: str, unit: TextField, reason: TextField) -> RedirectResponse:
    return await _act(request, code, do_reassign_case(core, staff, code, unit, reason))


@router.post("/cases/{code}/resolve", dependencies=[CsrfChecked])
async def resolve(request: Request, core: CoreDep, staff: PageStaff, code: str, text: TextField) -> RedirectResponse:
    return await _act(request, code, do_resolve_case(core, staff, code, text))


@router.post("/cases/{code}/answer-similar", dependencies=[CsrfChecked])
async def answer_similar(request: Request, core: CoreDep, staff: PageStaff, code: str, text: TextField) -> RedirectResponse:
    """One answer to all open similar reports the unit owns; each citizen gets it in their chat."""
    async def first_answered() -> Case:
        return (await do_answer_cluster(core, staff, code, text))[0]

    return await _act(request, code, first_answered())
