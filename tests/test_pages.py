"""A newcomer's first pages: a landing page that leads citizens and staff their way, and errors as
pages with a way back (Vietnamese first), while programs keep getting JSON."""
from __future__ import annotations

import httpx
import pytest

from tests.clients import StaffApi

HTML = {"Accept": "text/html,application/xhtml+xml"}


async def test_the_landing_page_leads_citizens_to_the_chat_and_staff_to_the_console(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as http:
        page = await http.get("/", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="/chat"' in page.text and 'href="/console"' in page.text
    assert 'href="tel:113"' in page.text and "1900 969 680" in page.text


@pytest.mark.parametrize("path, back", [("/nowhere", "/chat"), ("/console/cases/LN-AAAAAA", "/console")])
async def test_a_wrong_address_is_a_page_with_a_way_back(live_app: str, path: str, back: str) -> None:
    staff = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        page = await staff.http.get(path, headers=HTML)
    finally:
        await staff.aclose()
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.text and f'href="{back}"' in page.text
    assert "{\"detail\"" not in page.text


@pytest.mark.parametrize("path", ["/nowhere", "/api/cases/LN-AAAAAA"])
async def test_programs_still_get_json(live_app: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as http:
        answer = await http.get(path, headers={"Accept": "application/json"})
    assert answer.status_code in (401, 404) and answer.headers["content-type"].startswith("application/json")
