"""The moderators' workspace: the review queue, the random sample, a chat's transcript and the
audited actions on it (handlers/moderation.py), and revealing one personal field with a reason."""
from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from handlers import CaseNotFound, InvalidAction, province_names
from handlers.moderation import (
    ABUSE_KINDS,
    do_add_note,
    do_correct_domain,
    do_correct_place,
    do_escalate_to_supervisor,
    do_flag_abuse,
    do_mark_reviewed,
)
from handlers.personal_data import do_reveal_field
from handlers.review_queue import (
    FLAGS,
    ReviewFilter,
    conversation_of_case,
    may_review,
    review_queue,
    review_sample,
    transcript,
)
from storage import StaffAccount
from web.deps import CoreDep, CsrfChecked, PageStaff, csrf_token
from web.templating import templates

router = APIRouter(prefix="/console/review", tags=["review"])
TextField = Annotated[str, Form()]
CHANNELS = ("telegram", "zalo", "zalo_oa", "web")


def moderator(staff: PageStaff) -> StaffAccount:
    if not may_review(staff):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy trang")
    return staff


Moderator = Annotated[StaffAccount, Depends(moderator)]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: Request) -> ReviewFilter:
    q = request.query_params
    return ReviewFilter(flag=q.get("flag") or None, domain=q.get("domain") or None, province=q.get("province") or None,
                        channel=q.get("channel") or None, date_from=_day(q.get("date_from", "")),
                        date_to=_day(q.get("date_to", "")))


@router.get("", response_class=HTMLResponse)
async def queue_page(request: Request, core: CoreDep, staff: Moderator, sample: bool = False) -> HTMLResponse:
    filters, now = _filters(request), core.clock()
    seed = request.query_params.get("seed") or now.date().isoformat()
    rows = await (review_sample(core.db, filters, now, seed) if sample else review_queue(core.db, filters, now))
    query = {k: v for k, v in request.query_params.items() if k not in ("sample", "seed") and v}
    return templates.TemplateResponse(request, "review.html", {
        "staff": staff, "rows": rows, "filters": filters, "flags": FLAGS, "sample": sample, "seed": seed,
        "provinces": province_names(), "channels": CHANNELS, "query": urlencode(query), "csrf": csrf_token(request),
        "now": now})


@router.get("/chats/{conversation_id}", response_class=HTMLResponse)
async def transcript_page(request: Request, core: CoreDep, staff: Moderator, conversation_id: int) -> HTMLResponse:
    try:
        seen = await transcript(core.db, staff, conversation_id)
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy hội thoại") from exc
    nlu = {e.case_id: e.data.get("nlu") or {} for e in seen.events if e.kind == "created"}
    abusive = {e.data.get("message_id") for e in seen.moderation if e.kind == "abuse_detected"} - {None}
    return templates.TemplateResponse(request, "transcript.html", {
        "staff": staff, "t": seen, "nlu": nlu, "abuse_kinds": ABUSE_KINDS, "abusive": abusive, "provinces": province_names(),
        "error": request.session.pop("flash_error", None), "csrf": csrf_token(request), "now": core.clock()})


@router.get("/cases/{code}")
async def case_transcript(core: CoreDep, _staff: Moderator, code: str) -> RedirectResponse:
    try:
        conversation_id = await conversation_of_case(core.db, code)
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy hồ sơ") from exc
    return RedirectResponse(f"/console/review/chats/{conversation_id}", status_code=status.HTTP_303_SEE_OTHER)


async def _act(request: Request, conversation_id: int, action: Awaitable[Any]) -> RedirectResponse:
    try:
        await action
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy") from exc
    except InvalidAction as exc:
        request.session["flash_error"] = str(exc)
    return RedirectResponse(f"/console/review/chats/{conversation_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/chats/{conversation_id}/reviewed", dependencies=[CsrfChecked])
async def reviewed(request: Request, core: CoreDep, staff: Moderator, conversation_id: int,
                   reason: TextField) -> RedirectResponse:
    return await _act(request, conversation_id, do_mark_reviewed(core, staff, conversation_id, reason))


@router.post("/chats/{conversation_id}/flag", dependencies=[CsrfChecked])
async def flag(request: Request, core: CoreDep, staff: Moderator, conversation_id: int, kind: TextField,
               reason: TextField) -> RedirectResponse:
    return await _act(request, conversation_id, do_flag_abuse(core, staff, conversation_id, kind, reason))


@router.post("/chats/{conversation_id}/note", dependencies=[CsrfChecked])
async def note(request: Request, core: CoreDep, staff: Moderator, conversation_id: int,
               text: TextField) -> RedirectResponse:
    return await _act(request, conversation_id, do_add_note(core, staff, conversation_id, text))


@router.post("/chats/{conversation_id}/cases/{code}/domain", dependencies=[CsrfChecked])
async def correct_domain(request: Request, core: CoreDep, staff: Moderator, conversation_id: int, code: str,
                         domain: TextField, reason: TextField) -> RedirectResponse:
    return await _act(request, conversation_id, do_correct_domain(core, staff, code, domain, reason))


@router.post("/chats/{conversation_id}/cases/{code}/place", dependencies=[CsrfChecked])
async def correct_place(request: Request, core: CoreDep, staff: Moderator, conversation_id: int, code: str,
                        province: TextField, reason: TextField,
                        commune: Annotated[str, Form()] = "") -> RedirectResponse:
    return await _act(request, conversation_id, do_correct_place(core, staff, code, province, commune, reason))


@router.post("/chats/{conversation_id}/cases/{code}/escalate", dependencies=[CsrfChecked])
async def escalate(request: Request, core: CoreDep, staff: Moderator, conversation_id: int, code: str,
                   reason: TextField) -> RedirectResponse:
    return await _act(request, conversation_id, do_escalate_to_supervisor(core, staff, code, reason))


@router.post("/cases/{code}/reveal", dependencies=[CsrfChecked], response_class=HTMLResponse)
async def reveal(request: Request, core: CoreDep, staff: PageStaff, code: str, field: TextField, reason: TextField,
                 message_id: Annotated[int | None, Form()] = None) -> HTMLResponse:
    """The value is in this one response only: never in a cookie, a URL or a log line."""
    try:
        revealed = await do_reveal_field(core, staff, code, field, reason, message_id)
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy hồ sơ") from exc
    except InvalidAction as exc:
        return templates.TemplateResponse(request, "reveal.html", {
            "staff": staff, "code": code.upper(), "error": str(exc), "csrf": csrf_token(request)},
            status_code=status.HTTP_400_BAD_REQUEST)
    return templates.TemplateResponse(request, "reveal.html", {
        "staff": staff, "code": revealed.case.code, "field": revealed.field, "value": revealed.value,
        "conversation_id": revealed.case.conversation_id if may_review(staff) else None, "csrf": csrf_token(request)},
        headers={"Cache-Control": "no-store"})
