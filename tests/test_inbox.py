"""The console inbox: the default tab holds every case still to work on, most urgent and nearest
deadline first, and pages on past 200 rows."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from handlers import Core
from storage import Case, CaseStatus, Citizen, Conversation, Unit
from tests.clients import StaffApi, WebCitizen
from tests.test_console import login
from tests.test_webchat_flow import report_wage_case


def codes_on(page: str) -> list[str]:
    return re.findall(r'href="/console/cases/(LN-\w+)"', page)


async def test_accepted_case_stays_in_the_default_inbox(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
    api = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
    staff = await login(live_app, "congdoan.bacninh", "demo-bacninh")
    try:
        assert (await api.act(code, "accept")).status_code == 200
        inbox = await staff.get("/console")
        assert code in codes_on(inbox.text), "an accepted case is still to work on: it belongs in 'Đang mở'"
        assert "Đang xử lý" in inbox.text
        assert (await api.act(code, "ask", text="Công ty tên gì?")).status_code == 200
        assert code in codes_on((await staff.get("/console")).text), "waiting on the citizen is still open"
        assert code in codes_on((await staff.get("/console?status_filter=waiting_citizen")).text)
        assert (await api.act(code, "resolve", text="Đã giải quyết xong.")).status_code == 200
        assert code not in codes_on((await staff.get("/console")).text)
        assert code in codes_on((await staff.get("/console?status_filter=resolved")).text)
    finally:
        await api.aclose()
        await staff.aclose()


async def add_cases(core: Core, count: int) -> list[str]:
    """Many open cases for one unit, written straight to the database (filing 200 by chat would be slow)."""
    now = core.clock()
    async with core.db.transaction() as session:
        unit = await session.scalar(select(Unit).where(Unit.key == "union.bac-ninh"))
        assert unit is not None
        citizen = Citizen(channel="web", external_id="many")
        session.add(citizen)
        await session.flush()
        conversation = Conversation(channel="web", chat_id="many", citizen_id=citizen.id)
        session.add(conversation)
        await session.flush()
        codes = []
        for n in range(count):
            code = f"LN-T{n:05d}"
            codes.append(code)
            session.add(Case(code=code, citizen_id=citizen.id, conversation_id=conversation.id, channel="web",
                             description=f"phản ánh số {n}", domain="union", unit_id=unit.id,
                             status=[CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN][n % 3],
                             urgent=n == count - 1, accept_deadline=now + timedelta(hours=1),
                             resolve_deadline=now + timedelta(hours=count - n)))
    return codes


async def test_inbox_pages_past_two_hundred_rows_most_urgent_first(live_app: str, core: Core) -> None:
    codes = await add_cases(core, 205)
    staff = await login(live_app, "congdoan.bacninh", "demo-bacninh")
    try:
        first = await staff.get("/console")
        on_first = codes_on(first.text)
        assert len(on_first) == 200 and 'rel="next"' in first.text
        assert on_first[0] == codes[-1], "the urgent case comes first"
        assert on_first[1:4] == [codes[-2], codes[-3], codes[-4]], "then the nearest resolve deadline"
        second = await staff.get("/console?page=2")
        on_second = codes_on(second.text)
        assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
        assert sorted(on_first + on_second) == sorted(codes), "every open case is on exactly one page"
        assert (await staff.get("/console?page=0")).status_code == 422
        assert (await staff.get("/console?page=abc")).status_code == 422
    finally:
        await staff.aclose()
