"""Resuming a web chat on another device: the code plus the secret shown once with it; only a hash is
kept, guesses back off, and the chat's cookie is its own (30 days, renewed at each visit)."""
from __future__ import annotations

import asyncio
import hashlib
import re

import httpx
from sqlalchemy import select

from handlers import Core
from storage import Case
from tests.clients import JSON_HEADERS, WebCitizen
from tests.test_webchat_flow import report_wage_case

SECRET = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}")


async def _secret_of_report(citizen: WebCitizen) -> tuple[str, str]:
    await citizen.say("/start")
    await citizen.press("consent:yes")
    await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh")
    await citizen.wait_for("xã/phường nào")
    await citizen.press("skip:commune")
    await citizen.press("contact:chat")
    answer = await citizen.http.post("/chat/api/messages", json={"data": "confirm:send", "after": citizen.last_id})
    body = answer.json()
    code = re.search(r"LN-\w{6}", " ".join(m["text"] for m in body["messages"])).group(0)  # type: ignore[union-attr]
    [shown] = body["secrets"]
    assert shown["code"] == code and SECRET.fullmatch(shown["secret"]) and shown["secret"] in shown["text"]
    return code, shown["secret"]


async def test_code_and_secret_open_the_chat_elsewhere_and_only_a_hash_is_kept(live_app: str, core: Core) -> None:
    async with WebCitizen(live_app) as citizen:
        code, secret = await _secret_of_report(citizen)
        cookie = citizen.http.cookies["langnghe_chat"]
    async with core.db.sessions() as session:
        stored = await session.scalar(select(Case.resume_secret_hash).where(Case.code == code))
    assert stored == hashlib.sha256(secret.replace("-", "").encode()).hexdigest() and secret not in (stored or "")

    async with httpx.AsyncClient(base_url=live_app, headers=JSON_HEADERS) as phone:
        opened = await phone.post("/chat/api/resume", json={"code": code.lower(), "secret": secret.lower()})
        assert opened.status_code == 200 and code in opened.json()["text"]
        assert phone.cookies["langnghe_chat"].rsplit(".", 2)[0] == cookie.rsplit(".", 2)[0], "the same chat"
        transcript = (await phone.get("/chat/api/messages")).json()["messages"]
        assert any("nợ lương 3 tháng" in m["text"] for m in transcript)


async def test_wrong_secrets_are_refused_clearly_then_back_off(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        renewed = (await citizen.http.post("/chat/api/secrets")).json()["secrets"]   # the page lost it
        assert [s["code"] for s in renewed] == [code]
        secret = renewed[0]["secret"]
    async with httpx.AsyncClient(base_url=live_app, headers=JSON_HEADERS) as stranger:
        for _ in range(5):
            wrong = await stranger.post("/chat/api/resume", json={"code": code, "secret": "AAAA-BBBB"})
            assert wrong.status_code == 403
            assert "Mã tra cứu hoặc mã bí mật không đúng" in wrong.json()["detail"]
            assert "langnghe_chat" not in wrong.headers.get("set-cookie", "")
        locked = await stranger.post("/chat/api/resume", json={"code": code, "secret": secret})
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1, "even the right one waits"
        assert "thử lại sau" in locked.json()["detail"]


async def test_the_chat_cookie_is_its_own_and_lasts_thirty_days_from_each_visit(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app, headers=JSON_HEADERS) as browser:
        page = await browser.get("/chat")
        header = page.headers["set-cookie"]
        assert header.startswith("langnghe_chat=") and "Max-Age=2592000" in header and "HttpOnly" in header
        assert "langnghe_session" not in page.headers.get("set-cookie", "")
        first = browser.cookies["langnghe_chat"]
        await asyncio.sleep(1.1)   # the signature carries the time: a later visit renews it
        await browser.get("/chat/api/messages")
        assert browser.cookies["langnghe_chat"] != first
        assert browser.cookies["langnghe_chat"].rsplit(".", 2)[0] == first.rsplit(".", 2)[0], "same chat, renewed"
