"""Who may open the issue-9 pages, and the reveal form's rules, over real HTTP; the 0008 schema
upgrades an existing database and knows the supervisor role."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from handlers import Core, create_staff
from storage import ModerationEvent, StaffAccount, StaffRole, create_database
from storage.migrate import downgrade_to, upgrade_to_head
from tests.clients import WebCitizen
from tests.test_console import login
from tests.test_webchat_flow import report_wage_case

PAGES = ("/console/review", "/console/audit", "/console/corrections", "/console/supervise")


def _token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_each_role_opens_only_its_own_pages(live_app: str, core: Core) -> None:
    await create_staff(core.db, "giamsat.quocgia", "supervisor-pass", "Giám sát", StaffRole.SUPERVISOR)
    expected = {"congdoan.bacninh": (404, 404, 404, 404), "kiemduyet": (200, 200, 200, 404),
                "giamsat.quocgia": (404, 200, 404, 200)}
    passwords = {"congdoan.bacninh": "demo-bacninh", "kiemduyet": "demo-moderator", "giamsat.quocgia": "supervisor-pass"}
    for username, codes in expected.items():
        client = await login(live_app, username, passwords[username])
        try:
            assert tuple([(await client.get(p)).status_code for p in PAGES]) == codes, username
        finally:
            await client.aclose()


async def test_a_reveal_needs_the_form_token_and_a_real_reason_and_is_never_cached(live_app: str, core: Core) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
    moderator = await login(live_app, "kiemduyet", "demo-moderator")
    try:
        page = await moderator.get(f"/console/review/cases/{code}", follow_redirects=True)
        assert page.status_code == 200 and "Người dân" in page.text
        token = _token(page.text)
        forged = await moderator.post(f"/console/review/cases/{code}/reveal",
                                      data={"field": "description", "reason": "cần xác minh nội dung"})
        assert forged.status_code == 403
        short = await moderator.post(f"/console/review/cases/{code}/reveal",
                                     data={"field": "description", "reason": "xem", "csrf": token})
        assert short.status_code == 400 and "nợ lương" not in short.text
        shown = await moderator.post(f"/console/review/cases/{code}/reveal",
                                     data={"field": "description", "reason": "cần xác minh nội dung", "csrf": token})
        assert shown.status_code == 200 and "công ty nợ lương 3 tháng" in shown.text
        assert shown.headers["cache-control"] == "no-store"
    finally:
        await moderator.aclose()
    async with core.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ModerationEvent)
                                    .where(ModerationEvent.kind == "revealed")) == 1


async def test_0008_upgrades_a_database_and_knows_supervisors(database_url: str) -> None:
    db = create_database(database_url)
    try:
        await downgrade_to(db, "0005")
        async with db.transaction() as session:
            with pytest.raises(IntegrityError):
                async with session.begin_nested():
                    await session.execute(text("UPDATE staff_account SET role = 'supervisor'"))
        await upgrade_to_head(db)
        async with db.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(StaffAccount)) >= 1
        async with db.transaction() as session:
            await session.execute(update(StaffAccount.__table__).where(StaffAccount.username == "kiemduyet")
                                  .values(role="supervisor", province="Bắc Ninh"))
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                await session.execute(update(StaffAccount.__table__).values(role="root"))
    finally:
        await db.dispose()


async def test_a_supervisor_reveals_a_phone_of_their_province_only(live_app: str, core: Core) -> None:
    await create_staff(core.db, "giamsat.bacninh", "supervisor-pass", "Giám sát", StaffRole.SUPERVISOR,
                       province="Bắc Ninh")
    await create_staff(core.db, "giamsat.hanoi", "supervisor-pass", "Giám sát", StaffRole.SUPERVISOR,
                       province="Hà Nội")
    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh, gọi em 0912345678")
        await citizen.press("skip:commune")
        await citizen.say("0912345678")
        await citizen.press("confirm:send")
        code = re.search(r"LN-\w{6}", (await citizen.wait_for("Mã tra cứu"))["text"]).group(0)  # type: ignore[union-attr]
    boss = await login(live_app, "giamsat.bacninh", "supervisor-pass")
    stranger = await login(live_app, "giamsat.hanoi", "supervisor-pass")
    try:
        page = await boss.get(f"/console/cases/{code}")
        assert page.status_code == 200 and "0912345678" not in page.text and "Xem số điện thoại" in page.text
        shown = await boss.post(f"/console/review/cases/{code}/reveal", data={
            "field": "phone", "reason": "gọi người dân xác nhận gia hạn", "csrf": _token(page.text)})
        assert shown.status_code == 200 and "0912345678" in shown.text and f"/console/cases/{code}" in shown.text
        assert (await stranger.get(f"/console/cases/{code}")).status_code == 404
        refused = await stranger.post(f"/console/review/cases/{code}/reveal", data={
            "field": "phone", "reason": "gọi người dân xác nhận gia hạn",
            "csrf": _token((await stranger.get("/console/supervise")).text)})
        assert refused.status_code == 404 and "0912345678" not in refused.text
    finally:
        await boss.aclose()
        await stranger.aclose()
