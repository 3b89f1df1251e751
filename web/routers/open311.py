"""Open311 GeoReport v2 at /open311/v2/: the spec's six methods plus discovery, in JSON and XML.

Parameters are read by hand rather than declared, so that every refusal keeps the spec's error
shape (`[{"code": 400, "description": ...}]`, or `<errors><error>...` in XML) instead of FastAPI's
422. Only POST needs a key: `OPEN311_API_KEYS`, compared in constant time.
"""
from __future__ import annotations

import hmac
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from handlers import render
from handlers.open311 import (
    NewRequest,
    Open311Error,
    PublicRequest,
    RequestQuery,
    client_id,
    file_request,
    find_requests,
    get_request,
    service,
    services,
)
from web.deps import CoreDep
from web.open311_format import Formatted, dump
from web.ratelimit import limits_of

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00Z"


def _language(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


def _answer(fmt: str, payload: Formatted, status: int = 200) -> Response:
    if fmt not in ("json", "xml"):
        fmt, payload, status = "json", _error_payload(400, render("open311.error.format")), 400
    body, media = dump(fmt, payload)
    return Response(body, status_code=status, media_type=media)


def _error_payload(code: int, description: str) -> Formatted:
    return Formatted("errors", "error", [{"code": code, "description": description}])


def _refusal(request: Request, fmt: str, exc: Open311Error) -> Response:
    text = render(exc.key, _language(request), exc.params)
    return _answer(fmt if fmt in ("json", "xml") else "json", _error_payload(exc.status, text), exc.status)


def _w3c(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds")


def _request_row(item: PublicRequest, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "service_request_id": item.code, "status": item.status, "status_notes": item.status_notes,
        "service_name": item.service_name, "service_code": item.service_code, "description": None,
        "agency_responsible": item.agency, "service_notice": item.notice,
        "requested_datetime": _w3c(item.requested, tz), "updated_datetime": _w3c(item.updated, tz),
        "expected_datetime": _w3c(item.expected, tz), "address": item.address, "address_id": None,
        "zipcode": None, "lat": None, "long": None, "media_url": None,
    }


def _parse_time(raw: str | None, field: str, tz: ZoneInfo) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, "open311.error.field", field=field) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _listed(params: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in params.get(name, "").split(",") if part.strip())


def _number(form: Mapping[str, Any], field: str) -> float | None:
    raw = form.get(field)
    if raw in (None, ""):
        return None
    try:
        return float(str(raw))
    except ValueError as exc:
        raise Open311Error(400, "open311.error.field", field=field) from exc


def _authorised(request: Request, given: str) -> str:
    """The client's short id when its key is one of OPEN311_API_KEYS; 403 otherwise."""
    keys: tuple[str, ...] = request.app.state.open311_api_keys
    for key in keys:
        if given and hmac.compare_digest(key.encode(), given.encode()):
            return client_id(key)
    raise Open311Error(403, "open311.error.api_key")


def _text(form: Mapping[str, Any], field: str) -> str | None:
    value = form.get(field)
    return str(value).strip() or None if value is not None else None


@router.get("/discovery.{fmt}")
async def discovery(request: Request, fmt: str) -> Response:
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    endpoint = {"specification": SPEC, "url": base, "changeset": CHANGESET, "type": "production",
                "formats": ["application/json", "text/xml"]}
    return _answer(fmt, Formatted("discovery", "", {"changeset": CHANGESET, "contact": base,
                                                    "key_service": base, "endpoints": [endpoint]}))


@router.get("/services.{fmt}")
async def service_list(request: Request, fmt: str, core: CoreDep) -> Response:
    rows = [{"service_code": s.code, "service_name": s.name, "description": s.description, "metadata": False,
             "type": "realtime", "keywords": None, "group": None} for s in services(core, _language(request))]
    return _answer(fmt, Formatted("services", "service", rows))


@router.get("/services/{code}.{fmt}")
async def service_definition(request: Request, code: str, fmt: str, core: CoreDep) -> Response:
    try:
        found = service(core, code, _language(request))
    except Open311Error as exc:
        return _refusal(request, fmt, exc)
    return _answer(fmt, Formatted("service_definition", "", {"service_code": found.code, "attributes": []}))


@router.get("/requests.{fmt}")
async def request_list(request: Request, fmt: str, core: CoreDep) -> Response:
    params, tz = request.query_params, ZoneInfo(core.config.timezone)
    try:
        query = RequestQuery(codes=_listed(params, "service_request_id"), service_codes=_listed(params, "service_code"),
                             statuses=_listed(params, "status"), start=_parse_time(params.get("start_date"),
                             "start_date", tz), end=_parse_time(params.get("end_date"), "end_date", tz))
        found = await find_requests(core, query, _language(request))
    except Open311Error as exc:
        return _refusal(request, fmt, exc)
    return _answer(fmt, Formatted("service_requests", "request", [_request_row(r, tz) for r in found]))


@router.post("/requests.{fmt}")
async def create_request(request: Request, fmt: str, core: CoreDep) -> Response:
    form = await request.form()
    try:
        client = _authorised(request, str(form.get("api_key") or ""))
        if (wait := limits_of(request).open311_client.retry_after(client)) > 0:
            refusal = _refusal(request, fmt, Open311Error(429, "open311.error.too_many"))
            refusal.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return refusal
        limits_of(request).open311_client.record(client)
        new = NewRequest(client=client, service_code=str(form.get("service_code") or ""),
                         description=str(form.get("description") or ""), lat=_number(form, "lat"),
                         long=_number(form, "long"), address_string=_text(form, "address_string"),
                         phone=_text(form, "phone"), first_name=_text(form, "first_name"),
                         last_name=_text(form, "last_name"))
        filed = await file_request(core, new)
    except Open311Error as exc:
        return _refusal(request, fmt, exc)
    row = {"service_request_id": filed.code, "service_notice": filed.notice}
    return _answer(fmt, Formatted("service_requests", "request", [row]))


@router.get("/requests/{code}.{fmt}")
async def one_request(request: Request, code: str, fmt: str, core: CoreDep) -> Response:
    tz = ZoneInfo(core.config.timezone)
    try:
        found = await get_request(core, code, _language(request))
    except Open311Error as exc:
        return _refusal(request, fmt, exc)
    return _answer(fmt, Formatted("service_requests", "request", [_request_row(found, tz)]))


@router.get("/tokens/{token}.{fmt}")
async def token(request: Request, token: str, fmt: str, core: CoreDep) -> Response:
    """Requests are created in real time, so no token is ever issued; a tracking code given as a
    token resolves to itself, for clients that always ask."""
    try:
        found = await get_request(core, token, _language(request))
    except Open311Error as exc:
        return _refusal(request, fmt, exc)
    return _answer(fmt, Formatted("service_requests", "request",
                                  [{"service_request_id": found.code, "token": token}]))


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
async def unknown(request: Request, rest: str) -> Response:
    fmt = rest.rsplit(".", 1)[-1] if "." in rest else "json"
    return _refusal(request, fmt, Open311Error(404, "open311.error.not_found"))
