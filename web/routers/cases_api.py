"""JSON API over cases: the same actions as the console, for tools and tests."""
from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from handlers import (
    CaseNotFound,
    InvalidAction,
    can_see_personal,
    case_detail,
    do_accept_case,
    do_reassign_case,
    do_reply_to_citizen,
    do_request_information,
    do_resolve_case,
    inbox,
    mask_contact,
    shown_text,
)
from storage import Case, CaseStatus
from web.deps import ApiStaff, CoreDep

router = APIRouter(prefix="/api/cases", tags=["cases"])


class CaseOut(BaseModel):
    code: str
    status: str
    domain: str
    urgent: bool
    province: str | None
    commune: str | None
    unit: str
    unit_name: str
    description: str
    nlu_label: str | None
    nlu_confidence: float | None
    accept_deadline: datetime
    resolve_deadline: datetime
    rating: int | None
    result: str | None
    contact_phone: str | None
    anonymous: bool
    created_at: datetime

    @classmethod
    def of(cls, case: Case, personal: bool = True) -> CaseOut:
        """`personal=False` (a viewer outside the owning unit) masks personal data."""
        hide = shown_text(personal)
        return cls(code=case.code, status=case.status.value, domain=case.domain, urgent=case.urgent,
                   province=case.province, commune=case.commune, unit=case.unit.key, unit_name=case.unit.name,
                   description=hide(case.description), nlu_label=case.nlu_label, nlu_confidence=case.nlu_confidence,
                   accept_deadline=case.accept_deadline, resolve_deadline=case.resolve_deadline,
                   rating=case.rating, result=case.result and hide(case.result),
                   contact_phone=case.contact_phone if personal else mask_contact(case.contact_phone),
                   anonymous=case.anonymous, created_at=case.created_at)


class MessageOut(BaseModel):
    direction: str
    author: str
    text: str
    created_at: datetime


class EventOut(BaseModel):
    kind: str
    actor: str
    reason: str | None
    created_at: datetime


class CaseDetailOut(BaseModel):
    case: CaseOut
    messages: list[MessageOut]
    events: list[EventOut]


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=3500)


class ReassignIn(BaseModel):
    unit: str
    reason: str = Field(min_length=1, max_length=2000)


def _errors(exc: Exception) -> HTTPException:
    if isinstance(exc, CaseNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, "case not found")
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


async def _act(action: Awaitable[Case]) -> CaseOut:
    try:
        return CaseOut.of(await action)
    except (CaseNotFound, InvalidAction) as exc:
        raise _errors(exc) from exc


@router.get("", response_model=list[CaseOut])
async def list_cases(core: CoreDep, staff: ApiStaff, status_filter: CaseStatus | None = None) -> list[CaseOut]:
    return [CaseOut.of(c, can_see_personal(staff, c)) for c in await inbox(core.db, staff, status_filter)]


@router.get("/{code}", response_model=CaseDetailOut)
async def get_case(core: CoreDep, staff: ApiStaff, code: str) -> CaseDetailOut:
    try:
        detail = await case_detail(core.db, staff, code)
    except CaseNotFound as exc:
        raise _errors(exc) from exc
    personal = can_see_personal(staff, detail.case)
    hide = shown_text(personal)
    return CaseDetailOut(
        case=CaseOut.of(detail.case, personal),
        messages=[MessageOut(direction=m.direction.value, author=m.author, text=hide(m.text), created_at=m.created_at)
                  for m in detail.messages],
        events=[EventOut(kind=e.kind, actor=e.actor, reason=e.reason and hide(e.reason), created_at=e.created_at)
                for e in detail.events],
    )


@router.post("/{code}/accept", response_model=CaseOut)
async def accept(core: CoreDep, staff: ApiStaff, code: str) -> CaseOut:
    return await _act(do_accept_case(core, staff, code))


@router.post("/{code}/reply", response_model=CaseOut)
async def reply(core: CoreDep, staff: ApiStaff, code: str, body: TextIn) -> CaseOut:
    return await _act(do_reply_to_citizen(core, staff, code, body.text))


@router.post("/{code}/ask", response_model=CaseOut)
async def ask(core: CoreDep, staff: ApiStaff, code: str, body: TextIn) -> CaseOut:
    return await _act(do_request_information(core, staff, code, body.text))


@router.post("/{code}/reassign", response_model=CaseOut)
async def reassign(core: CoreDep, staff: ApiStaff, code: str, body: ReassignIn) -> CaseOut:
    return await _act(do_reassign_case(core, staff, code, body.unit, body.reason))


@router.post("/{code}/resolve", response_model=CaseOut)
async def resolve(core: CoreDep, staff: ApiStaff, code: str, body: TextIn) -> CaseOut:
    return await _act(do_resolve_case(core, staff, code, body.text))
