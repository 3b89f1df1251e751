"""The board names the problems people report ("nợ lương rose in Bắc Ninh this month") with words
from our own public vocabulary only, so no name, phone or rare word of a citizen is ever shown.

The first tests feed the aggregation rows written here; the last files reports through the real
Open311 road and reads the topic on /cong-khai and in the open data over HTTP.
"""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from bot.runtime import Runtime
from handlers import NluPort
from handlers.anonymise import anonymise_cases
from handlers.board import CaseRow, aggregate
from handlers.open311 import NewRequest, file_request
from handlers.topics import case_terms, parse_terms
from storage import Case, CaseStatus

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCES = ("Bắc Ninh", "Gia Lai")
WAGES = "Công ty nợ lương công nhân hai tháng nay"


def rows_of(nlu_port: NluPort, text: str, n: int, days_ago: float = 3, province: str = "Bắc Ninh",
            domain: str = "union") -> list[CaseRow]:
    terms = parse_terms(case_terms(text, nlu_port.public_terms()))
    created = NOW - timedelta(days=days_ago)
    return [CaseRow(domain, province, CaseStatus.OPEN, created, created + timedelta(days=15), None, None, None,
                    None, False, terms) for _ in range(n)]


def topics(rows: list[CaseRow], period: str = "4w", province: str = "Bắc Ninh") -> list[dict[str, object]]:
    shown: list[dict[str, object]] = aggregate(rows, NOW, TZ, PROVINCES).figures(period, "union", province).public()["topics"]
    return shown


def test_the_public_vocabulary_is_ours_not_the_citizens(nlu_port: NluPort) -> None:
    vocabulary = nlu_port.public_terms()
    assert "nợ lương" in vocabulary and "bảo hiểm" in vocabulary
    for never in ("zphone", "znum", "tôi", "và", "hùng", "nguyễn", "<empty>", "0912345678", "xuềnh"):
        assert never not in vocabulary, never
    assert not any(term.startswith("#") for term in vocabulary)   # no character n-grams
    terms = parse_terms(case_terms("Tôi là Xuềnh Quánh, gọi 0912345678: công ty nợ lương", vocabulary))
    assert "nợ lương" in terms and not any("xuềnh" in t or "quánh" in t or "091" in t for t in terms)


def test_a_name_and_a_phone_in_six_cases_never_become_a_topic(nlu_port: NluPort) -> None:
    text = "Xuềnh Quánh Khoằng số 0912345678 báo công ty nợ lương"
    shown = topics(rows_of(nlu_port, text, 6))
    names = [t["topic"] for t in shown]
    assert names == ["nợ lương"]
    assert not any(part in str(shown) for part in ("xuềnh", "quánh", "khoằng", "0912345678", "zphone"))


def test_a_topic_needs_five_distinct_cases(nlu_port: NluPort) -> None:
    assert topics(rows_of(nlu_port, WAGES, 4)) == []
    five = topics(rows_of(nlu_port, WAGES, 5))
    assert [(t["topic"], t["count"]) for t in five] == [("nợ lương", 5)]


def test_a_rise_against_the_four_weeks_before(nlu_port: NluPort) -> None:
    insurance = "Công ty không đóng bảo hiểm xã hội cho công nhân"
    rows = (rows_of(nlu_port, WAGES, 8, days_ago=5) + rows_of(nlu_port, WAGES, 2, days_ago=35)
            + rows_of(nlu_port, insurance, 5, days_ago=6) + rows_of(nlu_port, insurance, 9, days_ago=40))
    shown = {t["topic"]: t for t in topics(rows)}
    wages = shown["nợ lương"]
    assert wages["count"] == 8 and wages["previous"] == "< 5" and wages["trend"] == "up"
    falling = shown["bảo hiểm"]
    assert falling["count"] == 5 and falling["previous"] == 9 and falling["trend"] == "down"
    assert topics(rows, "4w", "Gia Lai") == []   # another province saw none of it
    everything = {t["topic"]: t for t in topics(rows, "all")}
    assert everything["nợ lương"]["count"] == 10 and everything["nợ lương"]["trend"] is None   # nothing before "all"


def test_each_case_counts_under_one_topic_the_most_shared(nlu_port: NluPort) -> None:
    both = "Công ty nợ lương và không đóng bảo hiểm xã hội"
    rows = rows_of(nlu_port, WAGES, 6) + rows_of(nlu_port, both, 3)
    shown = topics(rows)
    assert [(t["topic"], t["count"]) for t in shown] == [("nợ lương", 9)]   # bảo hiểm: only 3 cases


async def _file(runtime: Runtime, text: str, n: int, province: str) -> None:
    for _ in range(n):
        await file_request(runtime.core, NewRequest(client="test", service_code="union", description=text,
                                                    address_string=province))


async def test_the_board_and_its_open_data_show_a_topic_of_filed_reports(runtime: Runtime, live_app: str) -> None:
    await _file(runtime, "Xưởng may nợ lương công nhân, chị Xuềnh gọi 0912345678", 6, "Bắc Ninh")
    await _file(runtime, "Xưởng may nợ lương công nhân", 4, "Gia Lai")
    assert runtime.board is not None
    await runtime.board.refresh()
    async with httpx.AsyncClient(base_url=live_app) as http:
        page = (await http.get("/cong-khai", params={"province": "Bắc Ninh", "domain": "union", "period": "4w"})).text
        english = (await http.get("/cong-khai", params={"province": "Bắc Ninh", "domain": "union", "period": "4w",
                                                       "lang": "en"})).text
        small = (await http.get("/cong-khai", params={"province": "Gia Lai", "domain": "union", "period": "4w"})).text
        data = (await http.get("/cong-khai/du-lieu.json")).json()
        figures = (await http.get("/cong-khai/du-lieu-chi-so.csv")).text
        popup = (await http.get("/cong-khai/ban-do.json", params={"domain": "union", "period": "4w"})).json()
    tile = page.split('data-k="topics">')[1].split("</b>")[0]
    assert "nợ lương (6, tăng so với 0 kỳ trước)" in tile
    assert "nợ lương (6, up from 0 the period before)" in english
    assert "nợ lương" not in small.split('data-k="topics">')[1].split("</b>")[0]   # four reports: no topic
    cell = next(p for p in data["periods"] if (p["period"], p["domain"], p["province"]) == ("4w", "union", "Bắc Ninh"))
    assert {"topic": "nợ lương", "count": 6, "previous": 0, "trend": "up"} in cell["topics"]
    row = next(r for r in csv.DictReader(io.StringIO(figures.split("\n", 1)[1]))
               if (r["period"], r["domain"], r["province"]) == ("4w", "union", "Bắc Ninh"))
    assert "nợ lương=6 (before 0, up)" in row["topics"]
    bac_ninh = next(p for p in popup["provinces"] if p["name"] == "Bắc Ninh")
    assert any(t["text"].startswith("nợ lương (6") for t in bac_ninh["topics"])
    for secret in ("Xuềnh", "xuềnh", "0912345678"):
        assert secret not in page + english + figures + str(data) + str(popup)


async def test_a_filed_case_keeps_only_public_words_and_keeps_them_when_anonymised(runtime: Runtime) -> None:
    filed = await file_request(runtime.core, NewRequest(
        client="test", service_code="union", address_string="Bắc Ninh",
        description="Tôi là Xuềnh Quánh, số 0912345678, công ty may ở phường Khoằng nợ lương ba tháng"))
    async with runtime.core.db.transaction() as session:
        case = await session.scalar(select(Case).where(Case.code == filed.code))
        assert case is not None
        terms = parse_terms(case.topic_terms)
        assert "nợ lương" in terms
        assert set(terms) <= set(runtime.core.nlu.public_terms())
        assert not any(w in " ".join(terms) for w in ("xuềnh", "quánh", "khoằng", "0912345678", "zphone"))
        await anonymise_cases(session, [case.id])
    async with runtime.core.db.sessions() as session:
        after = await session.scalar(select(Case).where(Case.code == filed.code))
        assert after is not None and "nợ lương" not in after.description   # the story is gone...
        assert parse_terms(after.topic_terms) == terms   # ...its public words stay, so past topics do not shift
