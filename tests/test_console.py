"""The console over HTTP: login, the inbox page, the case page, forms protected by a token."""
from __future__ import annotations

import re

import httpx

from tests.clients import WebCitizen
from tests.test_webchat_flow import report_wage_case


async def login(base_url: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=10)
    form = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    response = await client.post("/login", data={"username": username, "password": password, "csrf": token})
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
            assert "Đang xử lý" in page.text and "Trả lời người dân</b> · Cán bộ Công đoàn Bắc Ninh" in page.text
        finally:
            await staff.aclose()


async def test_login_required_and_wrong_password(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as anonymous:
        assert (await anonymous.get("/console")).headers["location"] == "/login"
        assert (await anonymous.get("/api/cases")).status_code == 401
        forged = await anonymous.post("/login", data={"username": "congdoan.bacninh", "password": "demo-bacninh"})
        assert forged.status_code == 403, "a login form posted from elsewhere (no token) is refused"
        token = re.search(r'name="csrf" value="([^"]+)"', (await anonymous.get("/login")).text).group(1)
        wrong = await anonymous.post("/login", data={"username": "congdoan.bacninh", "password": "sai-mat-khau",
                                                     "csrf": token})
        assert wrong.status_code == 401 and "Sai tên đăng nhập" in wrong.text


async def test_moderators_see_every_case_but_personal_data_masked(live_app: str) -> None:
    from tests.clients import StaffApi

    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh, gọi em 0912345678")
        await citizen.press("skip:commune")
        await citizen.say("0912345678")
        await citizen.press("confirm:send")
        code = re.search(r"LN-\w{6}", (await citizen.wait_for("Mã tra cứu"))["text"]).group(0)
    owner = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
    moderator = await StaffApi(live_app).login("kiemduyet", "demo-moderator")
    try:
        mine = (await owner.http.get(f"/api/cases/{code}")).json()
        assert mine["case"]["contact_phone"] == "0912345678"
        seen = (await moderator.http.get(f"/api/cases/{code}")).json()
        assert seen["case"]["contact_phone"] == "<phone>"
        assert "0912345678" not in str(seen)
        page = await moderator.http.get(f"/console/cases/{code}")
        inbox = await moderator.http.get("/console")
        assert page.status_code == 200 and code in inbox.text
        assert "0912345678" not in page.text and "0912345678" not in inbox.text
        assert (await moderator.act(code, "reply", text="kiểm duyệt không trả lời thay")).status_code == 404
    finally:
        await owner.aclose()
        await moderator.aclose()
