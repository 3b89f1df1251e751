"""The console over HTTP: login, the inbox page, the case page, forms protected by a token."""
from __future__ import annotations

import re

import httpx

from tests.test_webchat_flow import report_wage_case
from tests.clients import WebCitizen


async def login(base_url: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=10)
    response = await client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.text
    return client


async def test_console_pages_and_form_reply(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        staff = await login(live_app, "congdoan.bacninh", "demo-bacninh")
        try:
            inbox = await staff.get("/console")
            assert code in inbox.text and "Công đoàn tỉnh Bắc Ninh" in inbox.text
            page = await staff.get(f"/console/cases/{code}")
            assert "nợ lương 3 tháng" in page.text
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            refused = await staff.post(f"/console/cases/{code}/reply", data={"text": "không có mã", "csrf": "sai"})
            assert refused.status_code == 403
            sent = await staff.post(f"/console/cases/{code}/reply", data={"text": "Đã nhận, đang xác minh.", "csrf": token})
            assert sent.status_code == 303
            await citizen.wait_for("Đã nhận, đang xác minh.")
            page = await staff.get(f"/console/cases/{code}")
            assert "Đang xử lý" in page.text and "Trả lời người dân</b> · congdoan.bacninh" in page.text
        finally:
            await staff.aclose()


async def test_login_required_and_wrong_password(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as anonymous:
        assert (await anonymous.get("/console")).headers["location"] == "/login"
        assert (await anonymous.get("/api/cases")).status_code == 401
        wrong = await anonymous.post("/login", data={"username": "congdoan.bacninh", "password": "sai-mat-khau"})
        assert wrong.status_code == 401 and "Sai tên đăng nhập" in wrong.text
