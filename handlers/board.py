"""The public board's figures: computed in one pass over all cases, kept in memory, refreshed on a timer.

Why an in-memory snapshot rather than a table: the figures are derived, fully rebuilt from the
cases in one query and one pass (bench numbers in README), so a table would add a migration and a
second source of truth for nothing; a restart simply rebuilds. Requests never touch the cases:
they read the snapshot (`BoardCache.current`), which the runtime's timed job replaces every
`BOARD_REFRESH_SECONDS`; the CPU part runs in a worker thread, off the event loop.

What is public: counts, shares, medians and average ratings per period x domain x province, and
12 weekly counts, and the top problem topics, named by words of our public vocabulary only
(handlers/topics.py). Never a citizen's text, a name, a contact or a code. A count of 1-4 is shown as "< 5", and
a share, median or average resting on fewer than 5 cases is not shown at all, so that a person in a
small commune cannot be recognised from the figures. Cancelled cases are not counted.

Definitions (the README repeats them): *received* are reports received in the period; *problems*
count a cluster of similar reports once; *on time* is the share of cases whose own resolve deadline
has come (or that are resolved) that were resolved by that deadline; *first answer* is the first
reply, question or resolution staff sent the citizen; *reopened* is the share of resolved cases
reopened afterwards (a `reopened` event, written when a citizen says "not fixed": handlers/reopen.py).
"""
from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from handlers.demo import DEMO_CHANNEL
from handlers.topics import TopicNamer, parse_terms, topic_counts
from nlu import LABELS
from storage import Case, CaseEvent, CaseStatus, Database

log = logging.getLogger(__name__)

ALL = "*"
DOMAINS: tuple[str, ...] = tuple(LABELS)  # for web/, which does not import nlu
PERIODS: dict[str, int | None] = {"4w": 28, "12w": 84, "52w": 364, "all": None}
WEEKS = 12
SMALL = 5
ANSWER_KINDS = ("staff_reply", "information_requested", "resolved")
REOPENED = "reopened"
TOP_TOPICS = 3
PARTITION = 2000   # rows fetched per step of a refresh

Cell = tuple[str, str, str]  # (period, domain or ALL, province or ALL)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What the board needs of one case: no text, no person."""

    domain: str
    province: str | None
    status: CaseStatus
    created_at: datetime
    resolve_deadline: datetime
    resolved_at: datetime | None
    rating: int | None
    cluster_id: int | None
    first_answer_at: datetime | None
    reopened: bool
    terms: tuple[str, ...] = ()   # public-vocabulary terms of its text (handlers/topics.py), never free words


@dataclass(frozen=True, slots=True)
class _Facts:
    """What one case contributes, worked out once however many cells it counts in."""

    answer_hours: float | None
    resolve_hours: float | None
    due: bool
    on_time: bool

    @classmethod
    def of(cls, row: CaseRow, now: datetime) -> _Facts:
        resolved = row.resolved_at if row.status is CaseStatus.RESOLVED else None
        return cls(_hours(row.first_answer_at - row.created_at) if row.first_answer_at else None,
                   _hours(resolved - row.created_at) if resolved else None,
                   row.resolved_at is not None or row.resolve_deadline <= now,
                   row.resolved_at is not None and row.resolved_at <= row.resolve_deadline)


@dataclass
class _Acc:
    received: int = 0
    clusters: set[int] = field(default_factory=set)
    singles: int = 0
    resolved: int = 0
    due: int = 0
    on_time: int = 0
    reopened: int = 0
    answer_hours: list[float] = field(default_factory=list)
    resolve_hours: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)
    topics: Counter[str] = field(default_factory=Counter)
    previous: Counter[str] = field(default_factory=Counter)   # topics of the period just before

    def add(self, row: CaseRow, facts: _Facts, topic: str | None) -> None:
        self.received += 1
        if row.cluster_id is None:
            self.singles += 1
        else:
            self.clusters.add(row.cluster_id)
        if facts.answer_hours is not None:
            self.answer_hours.append(facts.answer_hours)
        if facts.resolve_hours is not None:
            self.resolved += 1
            self.resolve_hours.append(facts.resolve_hours)
            self.reopened += row.reopened
        if facts.due:
            self.due += 1
            self.on_time += facts.on_time
        if row.rating is not None:
            self.ratings.append(row.rating)
        if topic:
            self.topics[topic] += 1

    def merge(self, other: _Acc) -> None:
        self.received += other.received
        self.clusters |= other.clusters
        self.singles += other.singles
        self.resolved += other.resolved
        self.due += other.due
        self.on_time += other.on_time
        self.reopened += other.reopened
        self.answer_hours += other.answer_hours
        self.resolve_hours += other.resolve_hours
        self.ratings += other.ratings
        self.topics.update(other.topics)
        self.previous.update(other.previous)

    def figures(self, compared: bool) -> Figures:
        return Figures(
            received=self.received, problems=len(self.clusters) + self.singles, resolved=self.resolved,
            due=self.due, on_time=self.on_time, reopened=self.reopened,
            answered=len(self.answer_hours), answer_hours=_median(self.answer_hours),
            resolve_hours=_median(self.resolve_hours), rated=len(self.ratings),
            rating=round(statistics.fmean(self.ratings), 2) if self.ratings else None,
            topics=topic_counts(self.topics, self.previous, TOP_TOPICS), compared=compared)


def _hours(span: timedelta) -> float:
    return max(span.total_seconds(), 0.0) / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def shown_count(n: int) -> int | str:
    """A count as the public sees it: 1-4 become "< 5"."""
    return "< 5" if 0 < n < SMALL else n


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole >= SMALL else None


@dataclass(frozen=True, slots=True)
class Figures:
    """Raw figures of one cell. Only `public()` leaves the core."""

    received: int = 0
    problems: int = 0
    resolved: int = 0
    due: int = 0
    on_time: int = 0
    reopened: int = 0
    answered: int = 0
    answer_hours: float | None = None
    resolve_hours: float | None = None
    rated: int = 0
    rating: float | None = None
    topics: tuple[tuple[str, int, int], ...] = ()   # (term, cases, cases in the period before), >= 5 cases
    compared: bool = False   # the period has one before it ("all" has not)

    def public(self) -> dict[str, Any]:
        return {
            "received": shown_count(self.received),
            "problems": shown_count(self.problems),
            "resolved": shown_count(self.resolved),
            "on_time_pct": _share(self.on_time, self.due),
            "reopened_pct": _share(self.reopened, self.resolved),
            "median_first_answer_hours": self.answer_hours if self.answered >= SMALL else None,
            "median_resolution_hours": self.resolve_hours if self.resolved >= SMALL else None,
            "rating_avg": self.rating if self.rated >= SMALL else None,
            "rating_count": shown_count(self.rated),
            "topics": [self._topic(name, n, before) for name, n, before in self.topics],
        }


    def _topic(self, name: str, n: int, before: int) -> dict[str, Any]:
        """A topic with its count and how it moved against the period before: "up", "down" or
        "same" (the count before is shown with the same "< 5" rule, so no exact small count leaks)."""
        if not self.compared:
            return {"topic": name, "count": n, "previous": None, "trend": None}
        trend = "up" if n > before else "down" if n < before else "same"
        return {"topic": name, "count": n, "previous": shown_count(before), "trend": trend}


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    received: int = 0
    resolved: int = 0

    def public(self) -> dict[str, Any]:
        return {"week": self.start.isoformat(), "received": shown_count(self.received),
                "resolved": shown_count(self.resolved)}


@dataclass(frozen=True, slots=True)
class AnonCase:
    """A resolved case for open data: dates cut to their week, no code, text, unit or person."""

    domain: str
    province: str
    week_received: date
    week_resolved: date
    on_time: bool
    rating: int | None

    def public(self) -> dict[str, Any]:
        return {"domain": self.domain, "province": self.province, "week_received": self.week_received.isoformat(),
                "week_resolved": self.week_resolved.isoformat(), "status": "resolved", "on_time": self.on_time,
                "rating": self.rating}


def anonymised(rows: Iterable[CaseRow], tz: ZoneInfo) -> tuple[AnonCase, ...]:
    """Resolved cases whose (domain, province, week received) group holds at least 5 of them
    (k-anonymity, k=5, on what someone could know about a neighbour); the rest are left out."""
    groups: dict[tuple[str, str, date], list[AnonCase]] = {}
    for row in rows:
        if row.status is not CaseStatus.RESOLVED or row.resolved_at is None or not row.province:
            continue
        item = AnonCase(row.domain, row.province, _monday(row.created_at, tz), _monday(row.resolved_at, tz),
                        row.resolved_at <= row.resolve_deadline, row.rating)
        groups.setdefault((item.domain, item.province, item.week_received), []).append(item)
    kept = [item for group in groups.values() if len(group) >= SMALL for item in group]
    return tuple(sorted(kept, key=lambda a: (a.week_received, a.domain, a.province, a.week_resolved)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    computed_at: datetime
    seconds: float
    cases: int
    provinces: tuple[str, ...]
    cells: dict[Cell, Figures]
    weeks: dict[tuple[str, str], tuple[Week, ...]]   # (domain, province) -> the last 12 weeks
    resolved_cases: tuple[AnonCase, ...] = ()

    def figures(self, period: str, domain: str = ALL, province: str = ALL) -> Figures:
        return self.cells.get((period, domain, province), Figures())

    def trend(self, domain: str = ALL, province: str = ALL) -> tuple[Week, ...]:
        """The last 12 weeks of one selection; empty weeks where it had no case."""
        found = self.weeks.get((domain, province))
        return found if found is not None else tuple(Week(w.start) for w in self.weeks[(ALL, ALL)])


def _keys(domain: str, province: str | None) -> list[tuple[str, str]]:
    provinces = (province, ALL) if province else (ALL,)
    return [(d, p) for d in (domain, ALL) for p in provinces]


def _monday(moment: datetime, tz: ZoneInfo) -> date:
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def _roll_up(leaves: dict[Cell, _Acc]) -> dict[Cell, _Acc]:
    """Leaves into every cell the board shows: (domain, province), (domain, ALL), (ALL, province), (ALL, ALL)."""
    cells: dict[Cell, _Acc] = {}
    for (period, domain, province), leaf in leaves.items():
        for d, p in _keys(domain, province or None):
            cells.setdefault((period, d, p), _Acc()).merge(leaf)
    return cells


def aggregate(rows: Sequence[CaseRow], now: datetime, tz: ZoneInfo, provinces: Sequence[str]) -> Snapshot:
    """One pass over the cases; pure and CPU-bound, so it runs in a worker thread."""
    started = time.perf_counter()
    leaves: dict[Cell, _Acc] = {}   # (period, domain, province or ""): each case counted once
    first_week = _monday(now, tz) - timedelta(weeks=WEEKS - 1)
    weekly: dict[tuple[str, str], list[list[int]]] = {}
    count = 0
    namer = TopicNamer((row.domain, row.terms) for row in rows)
    for row in rows:
        count += 1
        age = now - row.created_at
        keys = _keys(row.domain, row.province)
        facts = _Facts.of(row, now)
        topic = namer.topic(row.domain, row.terms)
        for period, days in PERIODS.items():
            current = days is None or age <= timedelta(days=days)
            if not current and not (topic and days is not None and age <= timedelta(days=2 * days)):
                continue
            leaf = (period, row.domain, row.province or "")
            acc = leaves.get(leaf)
            if acc is None:
                acc = leaves[leaf] = _Acc()
            if current:
                acc.add(row, facts, topic)
            elif topic:
                acc.previous[topic] += 1   # the period before this one: for "rose" or "fell"
        for moment, slot in ((row.created_at, 0), (row.resolved_at, 1)):
            if moment is None or (slot == 1 and row.status is not CaseStatus.RESOLVED):
                continue
            index = (_monday(moment, tz) - first_week).days // 7
            if 0 <= index < WEEKS:
                for key in keys:
                    counts = weekly.get(key)
                    if counts is None:
                        counts = weekly[key] = [[0, 0] for _ in range(WEEKS)]
                    counts[index][slot] += 1
    accs = _roll_up(leaves)
    weeks = {key: tuple(Week(first_week + timedelta(weeks=i), r, s) for i, (r, s) in enumerate(counts))
             for key, counts in weekly.items()}
    weeks.setdefault((ALL, ALL), tuple(Week(first_week + timedelta(weeks=i)) for i in range(WEEKS)))
    return Snapshot(now, time.perf_counter() - started, count, tuple(provinces),
                    {cell: acc.figures(PERIODS[cell[0]] is not None) for cell, acc in accs.items()}, weeks,
                    anonymised(rows, tz))


Raw = tuple[list[Any], dict[int, datetime], set[int]]


async def load_raw(db: Database) -> Raw:
    """Everything the board needs in three queries; no citizen text is read, only the public-vocabulary
    `topic_terms`. Turning the rows into `CaseRow`s is CPU work: `build_rows`, in the worker thread."""
    async with db.sessions() as session:
        answers: dict[int, datetime] = dict((await session.execute(
            select(CaseEvent.case_id, func.min(CaseEvent.created_at))
            .where(CaseEvent.kind.in_(ANSWER_KINDS)).group_by(CaseEvent.case_id))).all())
        reopened = set((await session.scalars(
            select(CaseEvent.case_id).where(CaseEvent.kind == REOPENED).distinct())).all())
        stream = await session.stream(
            select(Case.id, Case.domain, Case.province, Case.status, Case.created_at, Case.resolve_deadline,
                   Case.resolved_at, Case.rating, Case.cluster_id, Case.topic_terms)
            .where(Case.status != CaseStatus.CANCELLED, Case.channel != DEMO_CHANNEL))   # demo examples are not figures
        rows: list[Any] = []
        async for part in stream.partitions(PARTITION):   # the loop serves citizens between parts
            rows.extend(part)
        return rows, answers, reopened


def build_rows(raw: Raw) -> list[CaseRow]:
    rows, answers, reopened = raw
    return [CaseRow(domain, province, status, created, deadline, resolved, rating, cluster,
                    _aware(answers.get(case_id)), case_id in reopened, parse_terms(terms))
            for case_id, domain, province, status, created, deadline, resolved, rating, cluster, terms in rows]


def _aware(moment: datetime | None) -> datetime | None:
    """func.min() bypasses the column type, so SQLite hands back a naive (UTC) value."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class BoardCache:
    """The current snapshot; the first request waits for one, later ones never compute."""

    def __init__(self, db: Database, provinces: Sequence[str], timezone: str,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._db, self._provinces, self._tz = db, tuple(provinces), ZoneInfo(timezone)
        self._clock = clock
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> Snapshot:
        if self._snapshot is None:
            async with self._lock:
                if self._snapshot is None:
                    return await self.refresh()
        assert self._snapshot is not None
        return self._snapshot

    async def refresh(self) -> Snapshot:
        raw = await load_raw(self._db)
        now = self._clock() if self._clock else datetime.now(self._tz)
        snapshot = await asyncio.to_thread(lambda: aggregate(build_rows(raw), now, self._tz, self._provinces))
        self._snapshot = snapshot
        return snapshot

    async def refresh_forever(self, seconds: float) -> None:
        """The timed job: a failed round keeps the last snapshot and tries again next time."""
        while True:
            try:
                snapshot = await self.refresh()
                log.info("public board refreshed: %d cases in %.3f s", snapshot.cases, snapshot.seconds)
            except Exception:
                log.exception("public board refresh failed; keeping the last figures")
            await asyncio.sleep(seconds)
