"""A city's portal talks to Lắng Nghe through Open311 GeoReport v2.

Every answer is checked against the published GeoReport v2 JSON schemas (tests/open311/, copied
from open311/schema-validation) and read back with `georeport`, a third-party GeoReport client
from PyPI, against the real app over HTTP, in JSON and in XML. `georeport` has no POST, so
requests are filed form-encoded with httpx, as the spec describes.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from georeport import GeoReport
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from sqlalchemy import select

from bot.runtime import Runtime, build_runtime, create_app
from handlers import NluPort, Settings
from handlers.deadlines import case_deadlines
from storage import Case
from tests.clients import StaffApi, WebCitizen
from tests.live import live_server
from tests.test_webchat_flow import report_wage_case
from web.ratelimit import Window

SCHEMAS = Path(__file__).parent / "open311"
KEY = "portal-key-1022"
PERSONAL = ("0912345678", "0912 345 678", "Nguyễn", "Lan", "nợ lương", "@")
WAGES = "Công ty may ở KCN Quế Võ nợ lương công nhân 3 tháng nay, em ở Bắc Ninh. SĐT 0912 345 678"


FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _w3c_datetime(value: object) -> bool:
    """The spec's W3C date-time with its offset (jsonschema checks it only with an extra package)."""
    if not isinstance(value, str):
        return True
    return "T" in value and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def _schema(name: str) -> Draft4Validator:
    resources = [(p.name, Resource.opaque(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")]
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft4Validator(json.loads((SCHEMAS / name).read_text()), registry=registry,
                           format_checker=FORMATS)


def _definition(name: str) -> Draft4Validator:
    swagger = json.loads((SCHEMAS / "swagger.json").read_text())
    return Draft4Validator(swagger["definitions"][name])


def _conforms(name: str, payload: Any) -> None:
    errors = [e.message for e in _schema(name).iter_errors(payload)]
    assert not errors, errors


@pytest.fixture
async def portal(settings: Settings, nlu_port: NluPort) -> AsyncIterator[tuple[str, Runtime]]:
    """The whole system over HTTP with one Open311 client key, as OPEN311_API_KEYS would give it."""
    keyed = settings.model_copy(update={"open311_api_keys": (KEY, "another-key")})
    runtime = await build_runtime(keyed, nlu=nlu_port, progress=lambda _m: None)
    try:
        async with live_server(create_app(runtime)) as base_url:
            yield base_url + "/open311/v2", runtime
    finally:
        await runtime.core.db.dispose()


async def _post(base: str, fmt: str = "json", **form: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(f"{base}/requests.{fmt}", data=form)


async def _file(base: str, description: str = WAGES, service_code: str = "union", **extra: str) -> str:
    answer = await _post(base, api_key=KEY, service_code=service_code, description=description, **extra)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert not list(_definition("RequestResponse").iter_errors(body[0]))
    code: str = body[0]["service_request_id"]
    return code


async def test_the_services_are_the_six_bodies_with_vietnamese_names(portal: tuple[str, Runtime]) -> None:
    base, _ = portal
    client = GeoReport(base)
    services = await asyncio.to_thread(client.get_service_list)
    _conforms("services.json", services)
    assert [s["service_code"] for s in services] == ["union", "farmer", "women", "youth", "veteran", "other"]
    assert services[0]["service_name"] == "Lao động, việc làm (Công đoàn)"
    as_xml = await asyncio.to_thread(GeoReport(base, output_format="xml").get_service_list)
    assert [s["service_code"] for s in as_xml] == [s["service_code"] for s in services]
    assert [s["service_name"] for s in as_xml] == [s["service_name"] for s in services]
    definition = await asyncio.to_thread(client.get_service_definition, "women")
    _conforms("service-definition.json", definition)
    assert definition["service_code"] == "women"


async def test_a_posted_report_is_routed_and_given_a_deadline_like_a_chat_report(
        portal: tuple[str, Runtime]) -> None:
    base, runtime = portal
    code = await _file(base, address_string="Quế Võ, Bắc Ninh", phone="0912345678", first_name="Lan",
                       last_name="Nguyễn", email="lan@example.org")
    assert code.startswith("LN-")
    async with runtime.core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        assert (case.domain, case.unit.key, case.province, case.channel) == ("union", "union.bac-ninh", "Bắc Ninh",
                                                                          "open311")
        assert case.nlu_label == "union"  # the NLU read the text, as it does for a chat report
        assert (case.accept_deadline, case.resolve_deadline) == case_deadlines(
            runtime.core.config, "union", False, case.created_at)
        assert case.contact_phone == "0912345678"  # kept for the unit, never shown in GET
    for fmt in ("json", "xml"):
        shown = await asyncio.to_thread(GeoReport(base, output_format=fmt).get_service_request, code)
        assert shown["service_request_id"] == code and shown["status"] == "open"
        assert shown["agency_responsible"] == case.unit.name
        dump = json.dumps(shown, ensure_ascii=False)
        assert not [p for p in PERSONAL if p in dump], dump
    as_json = await asyncio.to_thread(GeoReport(base).get_service_requests, service_request_id=code)
    _conforms("requests.json", as_json)
    assert datetime.fromisoformat(as_json[0]["expected_datetime"]) == case.resolve_deadline


async def test_an_urgent_report_gets_the_urgent_deadline(portal: tuple[str, Runtime]) -> None:
    base, runtime = portal
    code = await _file(base, service_code="women", lat="21.0285", long="105.8542",
                       description="Hàng xóm đang đánh vợ dã man, chị ấy kêu cứu, máu chảy nhiều, cứu với")
    async with runtime.core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
    assert case is not None and case.urgent and case.province == "Hà Nội"
    assert case.resolve_deadline - case.created_at == timedelta(
        hours=runtime.core.config.deadline_rule("women").urgent_resolve_hours)


async def test_the_units_result_flows_back_without_personal_data(portal: tuple[str, Runtime]) -> None:
    base, _ = portal
    code = await _file(base, address_string="Bắc Ninh")
    staff = await StaffApi(base.removesuffix("/open311/v2")).login("congdoan.bacninh", "demo-bacninh")
    try:
        assert (await staff.act(code, "accept")).status_code == 200
        resolved = await staff.act(code, "resolve", text="Đã làm việc với công ty, gọi anh qua 0987654321, "
                                   "công ty trả đủ lương trước 15/12.")
        assert resolved.status_code == 200
    finally:
        await staff.aclose()
    shown = await asyncio.to_thread(GeoReport(base).get_service_request, code)
    _conforms("request.json", shown)
    assert shown["status"] == "closed"
    assert "công ty trả đủ lương trước 15/12" in shown["status_notes"] and "0987654321" not in shown["status_notes"]
    closed = await asyncio.to_thread(GeoReport(base, output_format="xml").get_service_requests, status="closed")
    assert closed["service_request_id"] == code  # xmltodict gives a single <request> as a mapping


async def test_filters_narrow_the_list_as_the_spec_says(portal: tuple[str, Runtime]) -> None:
    base, _ = portal
    wages = await _file(base, address_string="Bắc Ninh")
    farm = await _file(base, service_code="farmer", address_string="Gia Lai",
                       description="Thương lái ép giá cà phê, bà con thu hoạch xong không bán được")
    client = GeoReport(base)
    everything = await asyncio.to_thread(client.get_service_requests)
    _conforms("requests.json", everything)
    assert {r["service_request_id"] for r in everything} == {wages, farm}
    only_farm = await asyncio.to_thread(client.get_service_requests, service_code="farmer")
    assert [r["service_request_id"] for r in only_farm] == [farm]
    assert only_farm[0]["address"] == "Gia Lai" and only_farm[0]["agency_responsible"] == "Hội Nông dân tỉnh Gia Lai"
    assert await asyncio.to_thread(client.get_service_requests, status="closed") == []
    later = (datetime.now().astimezone() + timedelta(days=1)).isoformat(timespec="seconds")
    assert await asyncio.to_thread(client.get_service_requests, start_date=later) == []
    # a list of ids overrides every other filter
    both = await asyncio.to_thread(client.get_service_requests, service_request_id=f"{wages},{farm}",
                                   service_code="youth")
    assert {r["service_request_id"] for r in both} == {wages, farm}


def _error(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    if answer.headers["content-type"].startswith("text/xml"):
        assert f"<errors><error><code>{status}</code><description>" in answer.text
        return answer.text
    body = answer.json()
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    return str(body[0]["description"])


async def test_refusals_use_the_specs_error_format(portal: tuple[str, Runtime]) -> None:
    base, _ = portal
    form = {"service_code": "union", "description": WAGES, "address_string": "Bắc Ninh"}
    assert "api_key" in _error(await _post(base, **form), 403)
    _error(await _post(base, api_key="guessed", **form), 403)
    _error(await _post(base, "xml", api_key="guessed", **form), 403)
    _error(await _post(base, api_key=KEY, **{**form, "service_code": "roads"}), 404)
    _error(await _post(base, api_key=KEY, service_code="union", description=WAGES), 400)  # no location
    _error(await _post(base, api_key=KEY, **{**form, "lat": "north"}), 400)
    _error(await _post(base, api_key=KEY, **{**form, "description": " "}), 400)
    async with httpx.AsyncClient(base_url=base) as http:
        _error(await http.get("/requests/LN-AAAAAA.json"), 404)
        _error(await http.get("/requests/LN-AAAAAA.xml"), 404)
        _error(await http.get("/tokens/LN-AAAAAA.json"), 404)
        _error(await http.get("/services/roads.json"), 404)
        _error(await http.get("/requests.json", params={"start_date": "2026-01-01T00:00:00Z",
                                                        "end_date": "2026-06-01T00:00:00Z"}), 400)
        _error(await http.get("/requests.json", params={"status": "pending"}), 400)
        _error(await http.get("/requests.json", params={"start_date": "yesterday"}), 400)
        _error(await http.get("/requests.yaml"), 400)
        _error(await http.get("/reports.json"), 404)
        english = await http.get("/requests.json", params={"status": "pending"}, headers={"Accept-Language": "en"})
        assert "open or closed" in english.json()[0]["description"]


async def test_tokens_and_discovery(portal: tuple[str, Runtime]) -> None:
    base, _ = portal
    code = await _file(base, address_string="Bắc Ninh")
    async with httpx.AsyncClient(base_url=base) as http:
        token = (await http.get(f"/tokens/{code}.json")).json()
        assert not list(_definition("TokenResponse").iter_errors(token[0]))
        assert token[0]["service_request_id"] == code
        discovery = (await http.get("/discovery.json")).json()
        xml = await http.get("/discovery.xml")
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert discovery["endpoints"][0]["url"] == base + "/"
    assert "<format>application/json</format>" in xml.text


async def test_a_chat_report_and_a_posted_one_reach_the_same_unit_but_only_the_posted_one_is_listed(
        portal: tuple[str, Runtime]) -> None:
    """Same road for both; only what came in through Open311 is public here."""
    base, runtime = portal
    async with WebCitizen(base.removesuffix("/open311/v2")) as citizen:
        chat_code = await report_wage_case(citizen)
    posted = await _file(base, description="công ty nợ lương 3 tháng, em ở Bắc Ninh", address_string="Bắc Ninh")
    async with runtime.core.db.sessions() as session:
        units = {code: unit for code, unit in (await session.execute(select(Case.code, Case.unit_id))).all()}
    assert units[chat_code] == units[posted]
    listed = await asyncio.to_thread(GeoReport(base).get_service_requests)
    assert [r["service_request_id"] for r in listed] == [posted]
    async with httpx.AsyncClient(base_url=base) as http:
        _error(await http.get(f"/requests/{chat_code}.json"), 404)


async def test_a_greeting_files_nothing_and_a_busy_client_is_slowed_down(settings: Settings, nlu_port: NluPort) -> None:
    keyed = settings.model_copy(update={"open311_api_keys": (KEY,)})
    runtime = await build_runtime(keyed, nlu=nlu_port, progress=lambda _m: None)
    app = create_app(runtime)
    app.state.limits.open311_client = Window(limit=2, period=3600)
    try:
        async with live_server(app) as base_url:
            base = base_url + "/open311/v2"
            form = {"api_key": KEY, "service_code": "union", "address_string": "Bắc Ninh"}
            assert "không phải một phản ánh" in _error(await _post(base, **form, description="xin chào, cảm ơn bạn"), 400)
            await _file(base, address_string="Bắc Ninh")
            answer = await _post(base, **form, description=WAGES)
            assert _error(answer, 429) and int(answer.headers["retry-after"]) > 0
            listed = await asyncio.to_thread(GeoReport(base).get_service_requests)
            assert len(listed) == 1   # the greeting and the refused third request left no case
    finally:
        await runtime.core.db.dispose()
