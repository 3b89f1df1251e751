"""Similar reports form one cluster: same domain, same place, close in time, alike in text.

Thirty workers of one factory who each report unpaid wages are one problem for the union and
for the public figures, yet thirty cases for the citizens, each with its own code and answer.
A case joins the cluster of its most similar earlier case when it is created, in the same
transaction; the candidates are a bounded, indexed query (domain, province, created_at), so a
citizen's turn pays for at most MAX_CANDIDATES stored signatures, never for re-reading texts.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.similarity import THRESHOLD, Signature, same_workplace, signature, similarity
from storage import Case, CaseStatus, Database

WINDOW = timedelta(days=14)
MAX_CANDIDATES = 100
MIN_SHOWN = 2  # a "cluster" of one (its other reports moved away) is not shown as similar reports


def _same_place(case: Case, commune: str | None, same_workplace_named: bool | None) -> bool:
    """Commune when both know it, else the province (already equal); one named workplace spans
    communes: its workers live in different ones."""
    return case.commune is None or commune is None or commune == case.commune or same_workplace_named is True


async def _candidates(session: AsyncSession, case: Case) -> Sequence[Any]:
    rows = await session.execute(
        select(Case.id, Case.cluster_id, Case.commune, Case.similarity_key, Case.description)
        .where(Case.domain == case.domain, Case.province == case.province,
               Case.created_at >= case.created_at - WINDOW, Case.created_at <= case.created_at + WINDOW,
               Case.id != case.id if case.id is not None else true(), Case.status != CaseStatus.CANCELLED,
               # the demo's example cases (handlers/demo.py) never group with real reports
               (Case.channel == "demo") if case.channel == "demo" else (Case.channel != "demo"))
        .order_by(Case.created_at.desc())
        .limit(MAX_CANDIDATES))
    return rows.all()


def _best_group(scores: dict[int, list[float]]) -> int | None:
    """The group whose blend of best and mean similarity clears the threshold by most. The mean
    stops chaining: one report about unpaid insurance *and* wages must not carry every insurance
    report into the wage cluster it resembles a little."""
    best: tuple[float, int] | None = None
    for key, values in scores.items():
        score = (max(values) + sum(values) / len(values)) / 2
        if score >= THRESHOLD and (best is None or score > best[0]):
            best = (score, key)
    return None if best is None else best[1]


async def assign_cluster(session: AsyncSession, case: Case) -> int | None:
    """Put a case into the cluster of its most similar neighbour (starting one with that neighbour
    when it had none). The cluster's id is its first case's id, so two reports racing to join the
    same lone neighbour agree on it. A new case is placed before it is stored, so that it is
    written once, with its cluster."""
    mine = signature(case.description)
    case.similarity_key = mine.to_text()
    if not case.province:
        return None
    rows = await _candidates(session, case)
    signatures = [Signature.from_text(r.similarity_key) if r.similarity_key else signature(r.description) for r in rows]
    # A report that names no workplace speaks for its cluster's: "chưa trả lương" next to twelve
    # reports about factory A is about factory A, and must not pull in factory B.
    named = {r.cluster_id: s.workplace for r, s in zip(rows, signatures, strict=True) if r.cluster_id and s.workplace}
    scores: dict[int, list[float]] = {}  # cluster (or a lone case, by -id) -> its members' scores
    for row, other in zip(rows, signatures, strict=True):
        if not other.workplace and row.cluster_id in named:
            other = replace(other, workplace=named[row.cluster_id])
        if _same_place(case, row.commune, same_workplace(mine, other)):
            scores.setdefault(row.cluster_id or -row.id, []).append(similarity(mine, other))
    best = _best_group(scores)
    if best is None:
        return None
    neighbour, cluster = (-best, None) if best < 0 else (best, best)
    if cluster is None:
        await session.execute(update(Case).where(Case.id == neighbour, Case.cluster_id.is_(None))
                              .values(cluster_id=neighbour))
        cluster = neighbour
    case.cluster_id = cluster
    return cluster


async def regroup_after_domain_change(session: AsyncSession, case: Case) -> None:
    """A misrouted case is another problem than its old cluster's: it leaves, and may join one of
    its new domain."""
    case.cluster_id = None
    await assign_cluster(session, case)


async def cluster_sizes(db: Database, cluster_ids: set[int]) -> dict[int, int]:
    """How many reports each cluster holds (cancelled ones aside), for the inbox badges."""
    if not cluster_ids:
        return {}
    async with db.sessions() as session:
        rows = await session.execute(
            select(Case.cluster_id, func.count(Case.id))
            .where(Case.cluster_id.in_(cluster_ids), Case.status != CaseStatus.CANCELLED)
            .group_by(Case.cluster_id))
    return {int(cid): int(n) for cid, n in rows.all() if cid is not None and n >= MIN_SHOWN}


async def count_problems(db: Database, *, since: datetime | None = None, until: datetime | None = None,
                         domain: str | None = None, province: str | None = None,
                         statuses: set[CaseStatus] | None = None) -> int:
    """Problems reported, for public figures: a cluster counts once however many reports it holds.
    Cancelled cases are not problems unless asked for by `statuses`."""
    query = select(func.count(func.distinct(Case.cluster_id)),
                   func.coalesce(func.sum(when((Case.cluster_id.is_(None), 1), else_=0)), 0))
    if statuses is not None:
        query = query.where(Case.status.in_(statuses))
    else:
        query = query.where(Case.status != CaseStatus.CANCELLED)
    if since is not None:
        query = query.where(Case.created_at >= since)
    if until is not None:
        query = query.where(Case.created_at < until)
    if domain is not None:
        query = query.where(Case.domain == domain)
    if province is not None:
        query = query.where(Case.province == province)
    async with db.sessions() as session:
        clusters, singles = (await session.execute(query)).one()
    return int(clusters) + int(singles)
