"""How well does `handlers.similarity` tell the same problem from another? And what does it cost?

Run:  python -m bench.clusters   -> bench/results/clusters.json + a table on stdout

bench/data/cluster_reports.jsonl holds reports written for this (not taken from any dev set),
grouped by the problem they describe. Every pair of reports of the same domain is scored, as if
they came from one place within the time window (the worst case: the place and window filters
are not there to help). A pair of one group is "similar"; a pair of two groups is not.
"""
from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from handlers.similarity import THRESHOLD, signature, similarity

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "cluster_reports.jsonl"
# Written after the comparison and its threshold were settled, and not used to change them since.
HELD_OUT = ROOT / "bench" / "data" / "cluster_reports_heldout.jsonl"


def load(path: Path = DATA) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scored_pairs(reports: list[dict[str, str]]) -> list[tuple[float, bool, str, str]]:
    sigs = [signature(r["text"]) for r in reports]
    out = []
    for (i, a), (j, b) in itertools.combinations(enumerate(reports), 2):
        if a["domain"] == b["domain"]:
            out.append((similarity(sigs[i], sigs[j]), a["group"] == b["group"], a["text"], b["text"]))
    return out


def precision_recall(pairs: list[tuple[float, bool, str, str]], threshold: float) -> tuple[float, float]:
    tp = sum(1 for s, same, *_ in pairs if same and s >= threshold)
    fp = sum(1 for s, same, *_ in pairs if not same and s >= threshold)
    fn = sum(1 for s, same, *_ in pairs if same and s < threshold)
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def cost_us(reports: list[dict[str, str]], candidates: int = 200) -> tuple[float, float]:
    """Microseconds for one signature, and for comparing one new report with `candidates` others."""
    texts = [r["text"] for r in reports]
    started = time.process_time()
    for _ in range(20):
        sigs = [signature(t) for t in texts]
    per_signature = (time.process_time() - started) / (20 * len(texts)) * 1e6
    pool = list(itertools.islice(itertools.cycle(sigs), candidates))
    started = time.process_time()
    for _ in range(20):
        new = signature(texts[0])
        max(similarity(new, c) for c in [signature(t) for t in texts[:1]] + pool)
    per_case = (time.process_time() - started) / 20 * 1e6
    return per_signature, per_case


async def assign_cost_ms(reports: list[dict[str, str]], existing: int = 100, rounds: int = 40) -> dict[str, Any]:
    """CPU milliseconds `assign_cluster` adds to opening a case when `existing` cases of the same
    domain and province lie in the window (the most the candidate query returns), on SQLite.
    Process time, not wall time: on a shared machine wall time measures the neighbours. Also
    clusters all written reports one after another as if from one place, end to end."""
    import statistics
    import tempfile
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from handlers import AppConfig, prepare_database, province_names
    from handlers.clusters import _candidates, assign_cluster
    from storage import Case, Citizen, Conversation, Unit, create_database

    config = AppConfig.load(ROOT / "config.yml")
    with tempfile.TemporaryDirectory() as folder:
        db = create_database(f"sqlite+aiosqlite:///{folder}/bench.db")
        await prepare_database(db, config, province_names())
        now = datetime.now(UTC)
        texts = [r["text"] for r in reports if r["domain"] == "union"]
        async with db.transaction() as session:
            unit = await session.scalar(select(Unit.id).where(Unit.key == "union.bac-ninh"))
            citizen = Citizen(channel="bench", external_id="c")
            session.add(citizen)
            await session.flush()
            chat = Conversation(channel="bench", chat_id="c", citizen_id=citizen.id)
            session.add(chat)
            await session.flush()

            def new_case(n: int, text: str) -> Case:
                return Case(code=f"B{n:06d}", citizen_id=citizen.id, conversation_id=chat.id, channel="bench",
                            description=text, domain="union", province="Bắc Ninh", commune="Phường Quế Võ",
                            unit_id=unit, accept_deadline=now, resolve_deadline=now,
                            created_at=now - timedelta(hours=n))
            for n in range(existing):
                case = new_case(n + 1, texts[n % len(texts)])
                session.add(case)
                await session.flush()
                await assign_cluster(session, case)
        async with db.transaction() as session:
            members: dict[int, int] = {}
            for n, r in enumerate(reports):
                case = new_case(20_000 + n, r["text"])
                case.domain, case.province, case.created_at = r["domain"], "Hà Nội", now + timedelta(minutes=n)
                session.add(case)
                await session.flush()
                await assign_cluster(session, case)
                members[n] = case.id
            ids = {cid: cluster for cid, cluster in (await session.execute(
                select(Case.id, Case.cluster_id).where(Case.id.in_(members.values())))).all()}
            await session.rollback()
        timings: list[float] = []
        queries: list[float] = []
        for n in range(rounds):
            async with db.sessions() as session, session.begin():
                case = new_case(10_000 + n, texts[n % len(texts)])
                case.created_at = now
                session.add(case)
                await session.flush()
                started = time.process_time()
                await _candidates(session, case)
                queries.append((time.process_time() - started) * 1000)
                started = time.process_time()
                await assign_cluster(session, case)
                timings.append((time.process_time() - started) * 1000)
                await session.rollback()
        await db.dispose()
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(reports)), 2):
        if reports[i]["domain"] != reports[j]["domain"]:
            continue
        a, b = ids[members[i]], ids[members[j]]
        together, same = a is not None and a == b, reports[i]["group"] == reports[j]["group"]
        tp, fp, fn = tp + (together and same), fp + (together and not same), fn + (same and not together)
    timings.sort()
    formed: dict[int, list[dict[str, str]]] = {}
    for n, r in enumerate(reports):
        if ids[members[n]] is not None:
            formed.setdefault(ids[members[n]], []).append(r)
    examples = sorted(formed.values(), key=len, reverse=True)
    return {"examples": [[f"[{r['group']}] {r['text']}" for r in cluster] for cluster in examples],
            "clustered_precision": round(tp / max(1, tp + fp), 3), "clustered_recall": round(tp / max(1, tp + fn), 3),"existing_cases": existing, "assign_p50_ms": round(statistics.median(timings), 2),
            "assign_p90_ms": round(timings[int(len(timings) * 0.9) - 1], 2),
            "candidate_query_p50_ms": round(statistics.median(queries), 2)}


def main() -> None:
    import asyncio

    reports = load()
    pairs = scored_pairs(reports)
    rows = []
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        p, r = precision_recall(pairs, threshold)
        rows.append({"threshold": threshold, "precision": round(p, 3), "recall": round(r, 3)})
    per_signature, per_case = cost_us(reports)
    held_pairs = scored_pairs(load(HELD_OUT))
    held_p, held_r = precision_recall(held_pairs, THRESHOLD)
    in_db = asyncio.run(assign_cost_ms(reports))
    examples = in_db.pop("examples")
    wrong = [p for p in pairs if not p[1] and p[0] >= THRESHOLD]
    unnamed = sum(1 for _s, _same, a, b in wrong if not signature(a).workplace or not signature(b).workplace)
    result = {"reports": len(reports), "groups": len({r["group"] for r in reports}),
              "similar_pairs": sum(1 for p in pairs if p[1]), "dissimilar_pairs": sum(1 for p in pairs if not p[1]),
              "chosen_threshold": THRESHOLD, "by_threshold": rows,
              "held_out": {"reports": len(load(HELD_OUT)), "similar_pairs": sum(1 for p in held_pairs if p[1]),
                           "dissimilar_pairs": sum(1 for p in held_pairs if not p[1]),
                           "precision": round(held_p, 3), "recall": round(held_r, 3)},
              "false_matches": len(wrong), "false_matches_with_an_unnamed_workplace": unnamed,
              "signature_us": round(per_signature, 1), "compare_with_200_us": round(per_case, 1),
              **in_db, "examples": examples}
    print(f"{result['reports']} reports, {result['groups']} groups, {result['similar_pairs']} similar and "
          f"{result['dissimilar_pairs']} dissimilar pairs (same domain)")
    for row in rows:
        mark = " <- chosen" if row["threshold"] == THRESHOLD else ""
        print(f"  threshold {row['threshold']:.2f}: precision {row['precision']:.3f} recall {row['recall']:.3f}{mark}")
    print(f"  held-out reports at {THRESHOLD}: precision {held_p:.3f} recall {held_r:.3f} "
          f"({result['held_out']['similar_pairs']} similar, {result['held_out']['dissimilar_pairs']} dissimilar pairs)")
    print(f"  at {THRESHOLD}: {len(wrong)} false matches, {unnamed} of them where one text names no workplace")
    print(f"  one signature {per_signature:.0f} us; a new report against 200 candidates {per_case / 1000:.1f} ms")
    print(f"  assign_cluster with {in_db['existing_cases']} cases in the window (SQLite): "
          f"p50 {in_db['assign_p50_ms']} ms, p90 {in_db['assign_p90_ms']} ms CPU, "
          f"of which the candidate query {in_db['candidate_query_p50_ms']} ms")
    print(f"  whole reports clustered one after another in one place: precision {in_db['clustered_precision']}"
          f" recall {in_db['clustered_recall']} (pairs of one cluster vs pairs of one group)")
    print(f"  {len(examples)} clusters formed; the two largest ([group written] text):")
    for cluster in examples[:2]:
        print(f"    {len(cluster)} reports:")
        for line in cluster:
            print(f"      {line}")
    errors = sorted((p for p in pairs if (p[0] >= THRESHOLD) != p[1]), key=lambda p: -abs(p[0] - THRESHOLD))
    for s, same, a, b in errors[:12]:
        print(f"  {'MISSED' if same else 'WRONG '} {s:.2f}  {a[:60]!r} ~ {b[:60]!r}")
    out = ROOT / "bench" / "results" / "clusters.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
