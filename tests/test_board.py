"""The public sees progress at /cong-khai: figures per body and province, nobody recognisable.

The first tests feed the aggregation cases written here (no database), so each rule a visitor
relies on is checked on its own: small counts hidden, a cluster counted once, "on time" by each
case's own deadline. The others run the whole app over HTTP: cases filed and resolved for real,
the page, the language switch, the filters and the open-data files.
"""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.runtime import Runtime
from handlers.board import ALL, CaseRow, aggregate
from handlers.open311 import NewRequest, file_request
from storage import CaseStatus
from tests.clients import StaffApi

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCES = ("Bắc Ninh", "Gia Lai")


def row(days_ago: float, *, domain: str = "union", province: str | None = "Bắc Ninh", resolved_after: float | None = None,
        deadline_days: float = 15, rating: int | None = None, cluster: int | None = None,
        answered_after: float | None = None) -> CaseRow:
    created = NOW - timedelta(days=days_ago)
    resolved = created + timedelta(days=resolved_after) if resolved_after is not None else None
    return CaseRow(domain, province, CaseStatus.RESOLVED if resolved else CaseStatus.OPEN, created,
                   created + timedelta(days=deadline_days), resolved, rating, cluster,
                   created + timedelta(hours=answered_after) if answered_after is not None else None, False)


def test_a_small_commune_shows_less_than_five_and_no_rates() -> None:
    rows = [row(3, province="Gia Lai", resolved_after=1, rating=1)] * 3 + [row(3, resolved_after=1, rating=5)] * 6
    board = aggregate(rows, NOW, TZ, PROVINCES)
    small = board.figures("4w", "union", "Gia Lai").public()
    assert small["received"] == "< 5" and small["resolved"] == "< 5" and small["rating_count"] == "< 5"
    assert small["rating_avg"] is None and small["on_time_pct"] is None and small["median_resolution_hours"] is None
    big = board.figures("4w", "union", "Bắc Ninh").public()
    assert big["received"] == 6 and big["rating_avg"] == 5.0 and big["on_time_pct"] == 100.0
    assert board.figures("4w").public()["received"] == 9  # the country adds both


def test_similar_reports_count_as_one_problem() -> None:
    rows = [row(2, cluster=7) for _ in range(6)] + [row(2) for _ in range(5)]
    figures = aggregate(rows, NOW, TZ, PROVINCES).figures("4w", "union", "Bắc Ninh").public()
    assert figures["received"] == 11 and figures["problems"] == 6


def test_on_time_is_measured_against_each_cases_own_deadline() -> None:
    urgent_late = [row(10, resolved_after=2, deadline_days=1) for _ in range(5)]   # urgent: one day
    normal = [row(10, resolved_after=2, deadline_days=15) for _ in range(5)]      # same two days, in time
    not_due = [row(1) for _ in range(5)]                                           # open, deadline ahead
    overdue = [row(40, deadline_days=15) for _ in range(5)]                        # open, deadline passed
    board = aggregate(urgent_late + normal + not_due + overdue, NOW, TZ, PROVINCES)
    assert board.figures("all").public()["on_time_pct"] == round(100 * 5 / 15, 1)
    assert board.figures("4w").public()["on_time_pct"] == 50.0   # the overdue ones are older than 4 weeks


def test_medians_and_the_weekly_trend() -> None:
    rows = [row(d, resolved_after=d / 10, answered_after=h) for d, h in ((1, 2), (8, 4), (9, 6), (15, 30), (16, 50))]
    board = aggregate(rows, NOW, TZ, PROVINCES)
    figures = board.figures("12w").public()
    assert figures["median_first_answer_hours"] == 6.0
    assert figures["median_resolution_hours"] == 0.9 * 24
    weeks = board.trend()
    assert len(weeks) == 12 and weeks[-1].start <= NOW.astimezone(TZ).date()
    assert sum(w.received for w in weeks) == 5
    empty = board.trend("farmer", "Gia Lai")   # nothing there: twelve empty weeks, not the country's
    assert [w.start for w in empty] == [w.start for w in weeks] and sum(w.received for w in empty) == 0


async def _file_cases(runtime: Runtime, n: int, province: str, service: str = "union") -> list[str]:
    text = {"union": "Công ty nợ lương công nhân 2 tháng, gọi 0912345678",
            "farmer": "Thương lái ép giá cà phê, bà con không bán được"}[service]
    return [(await file_request(runtime.core, NewRequest(client="test", service_code=service, description=text,
                                                            address_string=province))).code for _ in range(n)]


async def test_the_board_shows_progress_and_nothing_personal(runtime: Runtime, live_app: str) -> None:
    codes = await _file_cases(runtime, 6, "Bắc Ninh") + await _file_cases(runtime, 2, "Gia Lai", "farmer")
    staff = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
    try:
        for code in codes[:5]:
            assert (await staff.act(code, "accept")).status_code == 200
            assert (await staff.act(code, "resolve", text="Đã làm việc với công ty, anh Hùng 0987654321")).status_code == 200
    finally:
        await staff.aclose()
    async with httpx.AsyncClient(base_url=live_app) as http:
        before = (await http.get("/cong-khai")).text
        assert runtime.board is not None
        await runtime.board.refresh()   # the timed job's work, done now
        page = await http.get("/cong-khai", params={"province": "Bắc Ninh", "domain": "union"})
        english = await http.get("/cong-khai", params={"lang": "en"})
    assert 'data-k="received">0<' in before   # figures come from the snapshot, not from each request
    assert page.status_code == 200
    text = page.text
    assert 'data-k="received">6<' in text and 'data-k="resolved">5<' in text and 'data-k="on_time">100,0%<' in text
    assert "<svg" in text and "Công đoàn" in text
    for secret in ("0912345678", "0987654321", "Công ty nợ lương", "Hùng", *codes):   # the citizen's words
        assert secret not in text and secret not in english.text
    assert "Public board" in english.text and "Received" in english.text
    farmer_row = text.split('id="by-domain"')[1].split("Nông nghiệp, nông thôn")[1].split("</tr>")[0]
    assert "<td>0</td>" in farmer_row  # Bắc Ninh has no farmers' case
    async with httpx.AsyncClient(base_url=live_app) as http:
        country = (await http.get("/cong-khai", params={"domain": "farmer"})).text
    assert 'data-k="received">&lt; 5<' in country   # two farmers' cases in Gia Lai: shown as "< 5"


async def test_open_data_files_carry_the_same_figures_and_a_licence(runtime: Runtime, live_app: str) -> None:
    await _file_cases(runtime, 5, "Bắc Ninh")
    assert runtime.board is not None
    await runtime.board.refresh()
    async with httpx.AsyncClient(base_url=live_app) as http:
        data = (await http.get("/cong-khai/du-lieu.json")).json()
        weekly = await http.get("/cong-khai/du-lieu-tuan.csv")
        figures = await http.get("/cong-khai/du-lieu-chi-so.csv")
    assert "CC BY 4.0" in data["licence"]
    union = next(p for p in data["periods"] if (p["period"], p["domain"], p["province"]) == ("4w", "union", "Bắc Ninh"))
    assert union["received"] == 5 and union["resolved"] == 0
    assert weekly.text.startswith("# licence: CC BY 4.0") and 'rel="license"' in weekly.headers["link"]
    rows = list(csv.DictReader(io.StringIO(figures.text.split("\n", 1)[1])))
    same = next(r for r in rows if (r["period"], r["domain"], r["province"]) == ("4w", "union", "Bắc Ninh"))
    assert same["received"] == "5"
    this_week = [r for r in csv.DictReader(io.StringIO(weekly.text.split("\n", 1)[1]))
                 if (r["domain"], r["province"]) == (ALL, ALL)][-1]
    assert this_week["received"] == "5"
    assert "Công ty nợ lương" not in weekly.text + figures.text + str(data)   # the topic "nợ lương" may be there
    assert "0912345678" not in weekly.text + figures.text + str(data)


def test_anonymised_resolved_cases_leave_out_groups_smaller_than_five() -> None:
    same_week = [row(20, resolved_after=2, rating=4) for _ in range(5)]
    few = [row(20, province="Gia Lai", resolved_after=30, rating=1) for _ in range(3)]   # late, and only three
    board = aggregate(same_week + few + [row(20)], NOW, TZ, PROVINCES)
    published = [c.public() for c in board.resolved_cases]
    assert len(published) == 5 and {c["province"] for c in published} == {"Bắc Ninh"}
    first = published[0]
    assert set(first) == {"domain", "province", "week_received", "week_resolved", "status", "on_time", "rating"}
    assert first["on_time"] is True and first["rating"] == 4
    assert datetime.fromisoformat(first["week_received"]).weekday() == 0   # dates cut to the week's Monday


async def test_demo_examples_never_count_in_public_figures(runtime: Runtime) -> None:
    from handlers.board import load_raw
    from handlers.demo import seed_demo_cases

    made = await seed_demo_cases(runtime.core.db, runtime.core.config, NOW)
    rows, _, _ = await load_raw(runtime.core.db)
    assert made   # the example cases exist in the database...
    assert rows == []   # ...and none of them is a public figure
