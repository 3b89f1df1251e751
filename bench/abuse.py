"""Abuse benchmark: our `abusive` flag against a plain lexicon, on real comments held out for it.

Run:  python -m bench.abuse      -> bench/results/abuse.json + a table on stdout

Sets (research-only terms: measured here, never trained on, nothing derived from them is shipped):
  ViHSD test  (LANGNGHE_VIHSD_TEST, default ../shared/data/vihsd/test.jsonl):
              OFFENSIVE + HATE count as abusive, CLEAN as not.
  ViCTSD test (LANGNGHE_VICTSD_TEST, default ../shared/data/victsd/test.jsonl):
              TOXIC vs NON_TOXIC (toxicity is broader than abuse: the floor, not the target).

Systems:
  ours      nlu.intents.detect_intent(normalize(text)) -> abusive flag (or intent "abuse")
  lexicon   a message containing any of a short list of common Vietnamese swear words and
            insults (written here from general knowledge, with accent-free forms) is abusive
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = {
    "vihsd_test": (Path(os.environ.get("LANGNGHE_VIHSD_TEST", SHARED / "data/vihsd/test.jsonl")),
                   lambda o: o.get("label") in ("OFFENSIVE", "HATE")),
    "victsd_test": (Path(os.environ.get("LANGNGHE_VICTSD_TEST", SHARED / "data/victsd/test.jsonl")),
                    lambda o: o.get("label") == "TOXIC"),
}
RESULTS = ROOT / "bench" / "results" / "abuse.json"
LEXICON = ("đm", "dm", "đcm", "dcm", "vl", "vcl", "vkl", "đéo", "deo", "địt", "dit", "lồn", "lon", "cặc",
           "cac", "buồi", "đĩ", "chó", "súc vật", "ngu", "óc chó", "thằng chó", "con chó", "mẹ mày", "me may",
           "bố mày", "bo may", "khốn nạn", "khon nan", "mất dạy", "mat day", "đần", "láo", "cút")


def lexicon_flag() -> Callable[[str], bool]:
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in LEXICON) + r")(?![\w])")
    return lambda text: pattern.search(text.lower()) is not None


def ours_flag() -> Callable[[str], bool]:
    from nlu.intents import detect_intent
    from nlu.normalize import normalize

    def flag(text: str) -> bool:
        intent, abusive = detect_intent(normalize(text))
        return abusive or intent == "abuse"
    return flag


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, float | int]:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(gold), "positives": sum(gold), "tp": tp, "fp": fp, "fn": fn,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def measure(flag: Callable[[str], bool], texts: Sequence[str], gold: Sequence[bool]) -> dict[str, float | int]:
    started = time.perf_counter()
    pred = [flag(t) for t in texts]
    seconds = time.perf_counter() - started
    return {**prf(gold, pred), "msg_per_s": round(len(texts) / seconds)}


def main() -> int:
    results: dict[str, object] = {"systems": {"ours": "nlu.intents abusive flag", "lexicon": "swear-word list"}}
    systems = {"ours": ours_flag(), "lexicon": lexicon_flag()}
    for name, (path, positive) in SETS.items():
        if not path.is_file():
            print(f"{name}: {path} not found (../shared is not beside this repository); skipped")
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts, gold = [str(r["text"]) for r in rows], [bool(positive(r)) for r in rows]
        results[name] = {system: measure(flag, texts, gold) for system, flag in systems.items()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'set':<12} {'system':<8} {'P':>6} {'R':>6} {'F1':>6} {'msg/s':>9}")
    for name in SETS:
        for system, r in (results.get(name) or {}).items():  # type: ignore[union-attr]
            print(f"{name:<12} {system:<8} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} "
                  f"{r['msg_per_s']:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
