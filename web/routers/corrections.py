"""The corrections queue (accept or reject what moderators and staff relabelled) and the NLU model
versions: retrain with visible progress, the old-vs-new report, promote, roll back."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from handlers import CaseNotFound, InvalidAction
from handlers import model_registry as registry
from handlers.correction_queue import corrections, do_accept_correction, do_reject_correction
from handlers.review_queue import may_review
from storage import CorrectionStatus, ModelVersion, StaffAccount
from web.deps import CoreDep, CsrfChecked, PageStaff, csrf_token
from web.templating import templates

router = APIRouter(prefix="/console", tags=["corrections"])
TextField = Annotated[str, Form()]


def moderator(staff: PageStaff) -> StaffAccount:
    if not may_review(staff):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy trang")
    return staff


Moderator = Annotated[StaffAccount, Depends(moderator)]


def model_paths(request: Request) -> registry.ModelPaths:
    paths: registry.ModelPaths | None = getattr(request.app.state, "model_paths", None)
    return paths or registry.default_paths()


@router.get("/corrections", response_class=HTMLResponse)
async def corrections_page(request: Request, core: CoreDep, staff: Moderator, show: str = "pending") -> HTMLResponse:
    chosen = CorrectionStatus(show) if show in {s.value for s in CorrectionStatus} else None
    return templates.TemplateResponse(request, "corrections.html", {
        "staff": staff, "rows": await corrections(core.db, chosen), "show": show,
        "versions": await registry.versions(core), "serving": core.nlu.version,
        "error": request.session.pop("flash_error", None), "csrf": csrf_token(request)})


async def _act(request: Request, action: Awaitable[Any], back: str = "/console/corrections") -> RedirectResponse:
    try:
        await action
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy") from exc
    except InvalidAction as exc:
        request.session["flash_error"] = str(exc)
    return RedirectResponse(back, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/corrections/{correction_id}/accept", dependencies=[CsrfChecked])
async def accept(request: Request, core: CoreDep, staff: Moderator, correction_id: int,
                 reason: Annotated[str, Form()] = "") -> RedirectResponse:
    return await _act(request, do_accept_correction(core, staff, correction_id, reason))


@router.post("/corrections/{correction_id}/reject", dependencies=[CsrfChecked])
async def reject(request: Request, core: CoreDep, staff: Moderator, correction_id: int,
                 reason: TextField) -> RedirectResponse:
    return await _act(request, do_reject_correction(core, staff, correction_id, reason))


@router.post("/models/retrain", dependencies=[CsrfChecked])
async def retrain(request: Request, core: CoreDep, staff: Moderator) -> RedirectResponse:
    """Starts the retrain in the background (subprocesses); the version page shows its progress."""
    try:
        row = await registry.start(core, f"staff:{staff.username}")
    except InvalidAction as exc:
        request.session["flash_error"] = str(exc)
        return RedirectResponse("/console/corrections", status_code=status.HTTP_303_SEE_OTHER)
    registry.in_background(core, row.id, model_paths(request))
    return RedirectResponse(f"/console/models/{row.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/models/{version_id}", response_class=HTMLResponse)
async def version_page(request: Request, core: CoreDep, staff: Moderator, version_id: int) -> HTMLResponse:
    async with core.db.sessions() as session:
        row = await session.get(ModelVersion, version_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy phiên bản")
    return templates.TemplateResponse(request, "model_version.html", {
        "staff": staff, "v": row, "serving": core.nlu.version, "csrf": csrf_token(request),
        "error": request.session.pop("flash_error", None)})


@router.post("/models/rollback", dependencies=[CsrfChecked])
async def rollback(request: Request, core: CoreDep, _staff: Moderator) -> RedirectResponse:
    return await _act(request, registry.rollback(core, model_paths(request)))
