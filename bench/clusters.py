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

from handlers.similarity import THRESHOLD, signature, similarity

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "cluster_reports.jsonl"


def load() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


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
    started = time.perf_counter()
    for _ in range(20):
        sigs = [signature(t) for t in texts]
    per_signature = (time.perf_counter() - started) / (20 * len(texts)) * 1e6
    pool = list(itertools.islice(itertools.cycle(sigs), candidates))
    started = time.perf_counter()
    for _ in range(20):
        new = signature(texts[0])
        max(similarity(new, c) for c in [signature(t) for t in texts[:1]] + pool)
    per_case = (time.perf_counter() - started) / 20 * 1e6
    return per_signature, per_case


def main() -> None:
    reports = load()
    pairs = scored_pairs(reports)
    rows = []
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        p, r = precision_recall(pairs, threshold)
        rows.append({"threshold": threshold, "precision": round(p, 3), "recall": round(r, 3)})
    per_signature, per_case = cost_us(reports)
    wrong = [p for p in pairs if not p[1] and p[0] >= THRESHOLD]
    unnamed = sum(1 for _s, _same, a, b in wrong if not signature(a).workplace or not signature(b).workplace)
    result = {"reports": len(reports), "groups": len({r["group"] for r in reports}),
              "similar_pairs": sum(1 for p in pairs if p[1]), "dissimilar_pairs": sum(1 for p in pairs if not p[1]),
              "chosen_threshold": THRESHOLD, "by_threshold": rows,
              "false_matches": len(wrong), "false_matches_with_an_unnamed_workplace": unnamed,
              "signature_us": round(per_signature, 1), "compare_with_200_us": round(per_case, 1)}
    print(f"{result['reports']} reports, {result['groups']} groups, {result['similar_pairs']} similar and "
          f"{result['dissimilar_pairs']} dissimilar pairs (same domain)")
    for row in rows:
        mark = " <- chosen" if row["threshold"] == THRESHOLD else ""
        print(f"  threshold {row['threshold']:.2f}: precision {row['precision']:.3f} recall {row['recall']:.3f}{mark}")
    print(f"  at {THRESHOLD}: {len(wrong)} false matches, {unnamed} of them where one text names no workplace")
    print(f"  one signature {per_signature:.0f} us; a new report against 200 candidates {per_case / 1000:.1f} ms")
    errors = sorted((p for p in pairs if (p[0] >= THRESHOLD) != p[1]), key=lambda p: -abs(p[0] - THRESHOLD))
    for s, same, a, b in errors[:12]:
        print(f"  {'MISSED' if same else 'WRONG '} {s:.2f}  {a[:60]!r} ~ {b[:60]!r}")
    out = ROOT / "bench" / "results" / "clusters.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
