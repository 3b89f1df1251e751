"""Abuse resistance over real HTTP: login back-off, hashing that cannot starve the chat, body caps,
422s that never echo input, case and /model/parse limits, server-side logout, CSRF for JSON
endpoints (a page on another port of the same host must not open a case), security headers."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime, create_app
from handlers import Core
from handlers import accounts as hashing
from storage import Case
from tests.clients import JSON_HEADERS, StaffApi, WebCitizen
from tests.live import live_server
from tests.test_console import login
from tests.test_webchat_flow import report_wage_case
from web.ratelimit import Backoff, Limits, Window


@pytest.fixture
async def strict_app(runtime: Runtime) -> AsyncIterator[str]:
    """The real app with small limits, so a test reaches them in a few requests."""
    app = create_app(runtime)
    app.state.limits = Limits(login_account=Backoff(free=3, base=30, cap=900, window=3600),
                              login_address=Backoff(free=5, base=30, cap=900, window=3600),
                              cases_citizen=Window(limit=1, period=3600), cases_address=Window(limit=2, period=3600),
                              parse_address=Window(limit=3, period=60))
    async with live_server(app) as base_url:
        yield base_url


def api_login(client: httpx.AsyncClient, username: str, password: str, address: str = "10.1.1.1") -> object:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 (a local reverse proxy): it becomes the client address.
    return client.post("/api/session", json={"username": username, "password": password},
                       headers={"X-Forwarded-For": address})


async def test_login_backs_off_per_account_and_per_address(strict_app: str) -> None:
    async with httpx.AsyncClient(base_url=strict_app, headers=JSON_HEADERS) as client:
        for n in range(3):
            assert (await api_login(client, "congdoan.bacninh", "sai-mat-khau", f"10.0.0.{n}")).status_code == 401
        locked = await api_login(client, "congdoan.bacninh", "demo-bacninh", "10.0.0.9")
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1, \
            "a guessed account is locked for a while, whatever the address and even with the right password"
        assert (await api_login(client, "nongdan.gialai", "demo-gialai", "10.0.0.9")).status_code == 200

        for n in range(5):  # one address spraying many accounts
            assert (await api_login(client, f"nobody{n}", "sai-mat-khau", "10.9.9.9")).status_code == 401
        sprayed = await api_login(client, "phunu.hanoi", "demo-hanoi", "10.9.9.9")
        assert sprayed.status_code == 429 and "Retry-After" in sprayed.headers
        assert (await api_login(client, "phunu.hanoi", "demo-hanoi", "10.8.8.8")).status_code == 200

        form = await client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        page = await client.post("/login", data={"username": "congdoan.bacninh", "password": "demo-bacninh",
                                                 "csrf": token})
        assert page.status_code == 429 and "Thử lại sau" in page.text and "Retry-After" in page.headers


def test_backoff_doubles_and_forgets_after_success() -> None:
    now = [0.0]
    backoff = Backoff(free=2, base=1, cap=8, window=3600, clock=lambda: now[0])
    waits = []
    for _ in range(6):
        backoff.failed("a")
        waits.append(backoff.retry_after("a"))
    assert waits == [0, 1, 2, 4, 8, 8]
    now[0] += 8
    assert backoff.retry_after("a") == 0
    backoff.succeeded("a")
    backoff.failed("a")
    assert backoff.retry_after("a") == 0


async def test_a_login_flood_does_not_hold_up_a_citizen(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen, \
            httpx.AsyncClient(base_url=live_app, headers=JSON_HEADERS, timeout=60) as attacker:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        flood = [asyncio.create_task(api_login(attacker, f"guess{n}", "mat-khau-doan", f"10.2.{n // 200}.{n % 200}"))
                 for n in range(80)]  # type: ignore[arg-type]
        while hashing._waiting < 8:  # the flood is being hashed
            await asyncio.sleep(0.01)
        replies = await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh")
        still_hashing = hashing._waiting
        answers = await asyncio.gather(*flood)
    assert replies and "Bắc Ninh" in " ".join(m["text"] for m in replies), "the citizen got the next question"
    codes = [r.status_code for r in answers]
    assert set(codes) <= {401, 429} and 429 in codes, "a flood beyond the hashing queue is refused, not queued"
    assert still_hashing >= codes.count(401) // 2, \
        "the chat turn finished while most of the flood still waited for its own hashing pool"


async def test_bodies_are_capped(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        big = await citizen.http.post("/chat/api/messages", content=b'{"text": "' + b"a" * 70_000 + b'"}',
                                      headers={"Content-Type": "application/json"})
        assert big.status_code == 413

        async def stream() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
            yield b'{"text": "'
            for _ in range(80):
                yield b"b" * 1000
            yield b'"}'

        streamed = await citizen.http.post("/chat/api/messages", content=stream(),
                                           headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
        fine = await citizen.http.post("/chat/api/messages", json={"text": "/help"})
        assert fine.status_code == 200
        hook = await citizen.http.post("/telegram/webhook", content=b"x" * (1024 * 1024 + 1))
        assert hook.status_code == 413


async def test_a_422_never_echoes_the_input(live_app: str) -> None:
    marker = "<script>alert('0912345678')</script>"
    async with WebCitizen(live_app) as citizen:
        for body in ({"text": marker, "after": marker}, {"text": 7, "data": marker * 10},
                     {"text": marker, "client_message_id": marker * 5}):
            answer = await citizen.http.post("/chat/api/messages", json=body)
            assert answer.status_code == 422
            assert "script" not in answer.text and "0912345678" not in answer.text
            assert answer.json()["detail"][0]["loc"][0] == "body"
        broken = await citizen.http.post("/chat/api/messages", content=b'{"text": "' + marker.encode() + b'"',
                                         headers={"Content-Type": "application/json"})
        assert broken.status_code == 422 and "script" not in broken.text
    async with httpx.AsyncClient(base_url=live_app) as client:
        parse = await client.post("/model/parse", json={"text": marker * 3000})
        assert parse.status_code == 422 and "script" not in parse.text


async def test_cases_are_limited_per_citizen_and_per_address(strict_app: str, core: Core) -> None:
    async with WebCitizen(strict_app) as first:
        await report_wage_case(first)
        again = await first.http.post("/chat/api/messages", json={"data": "confirm:send", "client_message_id": "x1"})
        assert again.status_code == 429 and int(again.headers["Retry-After"]) >= 1, "one case an hour per chat here"
        assert (await first.http.post("/chat/api/messages", json={"text": "/help"})).status_code == 200, \
            "the citizen can still talk and ask about the case"
    async with WebCitizen(strict_app) as second:
        await report_wage_case(second)  # the address's second case: allowed
    async with WebCitizen(strict_app) as third:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await report_wage_case(third)  # the third from one address: refused at "send"
        assert refused.value.response.status_code == 429
        third.http.headers["X-Forwarded-For"] = "10.3.3.3"  # another address may still report
        await third.press("confirm:send")
        await third.wait_for("Mã tra cứu")
    async with core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 3


async def test_model_parse_is_limited_per_address(strict_app: str) -> None:
    async with httpx.AsyncClient(base_url=strict_app) as client:
        for _ in range(3):
            assert (await client.post("/model/parse", json={"text": "nợ lương"})).status_code == 200
        limited = await client.post("/model/parse", json={"text": "nợ lương"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        other = await client.post("/model/parse", json={"text": "nợ lương"}, headers={"X-Forwarded-For": "10.4.4.4"})
        assert other.status_code == 200


async def test_logout_ends_the_session_on_the_server(live_app: str) -> None:
    staff = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
    stolen = httpx.AsyncClient(base_url=live_app, headers=JSON_HEADERS, cookies=dict(staff.http.cookies))
    try:
        assert (await stolen.get("/api/cases")).status_code == 200
        assert (await staff.http.delete("/api/session")).status_code == 204
        assert (await stolen.get("/api/cases")).status_code == 401, "a copy of the cookie dies with the logout"
        assert (await stolen.get("/console")).headers["location"] == "/login"
    finally:
        await stolen.aclose()
        await staff.aclose()


async def test_password_change_in_the_console_ends_other_sessions(live_app: str) -> None:
    here = await login(live_app, "phunu.hanoi", "demo-hanoi")
    elsewhere = await login(live_app, "phunu.hanoi", "demo-hanoi")
    try:
        page = await here.get("/account/password")
        assert page.status_code == 200 and "Đổi mật khẩu" in (await here.get("/console")).text
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        wrong = await here.post("/account/password", data={"current": "khong-dung-dau", "new": "mat-khau-moi-123",
                                                           "repeat": "mat-khau-moi-123", "csrf": token})
        assert wrong.status_code == 400 and "không đúng" in wrong.text
        forged = await here.post("/account/password", data={"current": "demo-hanoi", "new": "mat-khau-moi-123",
                                                            "repeat": "mat-khau-moi-123", "csrf": "sai"})
        assert forged.status_code == 403
        done = await here.post("/account/password", data={"current": "demo-hanoi", "new": "mat-khau-moi-123",
                                                          "repeat": "mat-khau-moi-123", "csrf": token})
        assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text
        assert (await here.get("/console")).status_code == 200, "the browser that changed it stays signed in"
        assert (await elsewhere.get("/console")).headers["location"] == "/login"
    finally:
        await here.aclose()
        await elsewhere.aclose()
    async with httpx.AsyncClient(base_url=live_app, headers=JSON_HEADERS) as client:
        assert (await api_login(client, "phunu.hanoi", "demo-hanoi")).status_code == 401
        assert (await api_login(client, "phunu.hanoi", "mat-khau-moi-123")).status_code == 200


async def test_a_page_on_another_port_cannot_send_a_case(live_app: str, core: Core) -> None:
    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh")
        await citizen.press("skip:commune")
        await citizen.press("contact:chat")
        await citizen.wait_for("Gửi phản ánh này?")
        port = live_app.rsplit(":", 1)[1]
        evil = f"http://127.0.0.1:{int(port) + 1}"
        press = {"data": "confirm:send", "client_message_id": "forged"}
        for headers in ({"Origin": evil, "Sec-Fetch-Site": "same-site"}, {"Origin": evil},
                        {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"}):
            assert (await citizen.http.post("/chat/api/messages", json=press, headers=headers)).status_code == 403
        plain = httpx.AsyncClient(base_url=live_app, cookies=dict(citizen.http.cookies))  # no custom header
        try:
            assert (await plain.post("/chat/api/messages", json=press)).status_code == 403
            assert (await plain.post("/api/session", json={"username": "x", "password": "y"})).status_code == 403
        finally:
            await plain.aclose()
        async with core.db.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Case)) == 0
        own = await citizen.http.post("/chat/api/messages", json=press,
                                      headers={"Origin": live_app, "Sec-Fetch-Site": "same-origin"})
        assert own.status_code == 200 and any("Mã tra cứu" in m["text"] for m in own.json()["messages"])


@pytest.mark.parametrize("path", ["/chat", "/login", "/console", "/api/docs", "/healthz", "/nowhere",
                                  "/chat/chat.js", "/static/style.css"])
async def test_every_page_has_security_headers(live_app: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as client:
        response = await client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if path in ("/chat", "/login"):
        assert "script-src 'self';" in response.headers["Content-Security-Policy"]
        assert "<script>" not in response.text, "no inline script: the CSP forbids it"
