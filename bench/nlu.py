"""NLU benchmark: quality on the dev set and speed on one core, vs two baselines.

Run:  python -m bench.nlu        -> bench/results/nlu.json + a table on stdout

Environment:
  LANGNGHE_DEV_SET   dev JSONL (default ../shared/nlu/dev.jsonl next to the repo)
  LANGNGHE_NLU_DATA  training data directory (default nlu/data)

All three systems are trained here on the same data:
  ours      nlu.train (normalisation, accent-free copies, char+word TF-IDF, LR)
  keywords  a rule classifier: the 40 most label-specific words of each label
            (log-odds on the training data), most hits wins, none -> other
  tfidf_lr  sklearn TfidfVectorizer (defaults) + LogisticRegression on raw text
"""
from __future__ import annotations

import os

# one core, one thread: set before numpy/scipy/sklearn are imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
try:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
except (AttributeError, OSError):   # not Linux
    pass

import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = Path(os.environ.get("LANGNGHE_DEV_SET", Path(__file__).resolve().parents[2] / "shared/nlu/dev.jsonl"))
DATA_DIR = Path(os.environ.get("LANGNGHE_NLU_DATA", ROOT / "nlu" / "data"))
RESULTS = ROOT / "bench" / "results" / "nlu.json"
TIMED_SECONDS = 2.0


# --- baselines ----------------------------------------------------------------

class KeywordBaseline:
    """Most label-specific words of the training data; most hits wins, none -> other."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str], per_label: int = 40) -> None:
        from nlu import LABELS

        self.labels = LABELS
        counts = {l: Counter() for l in LABELS}
        for t, l in zip(texts, labels):
            counts[l].update(set(self._words(t)))
        total = Counter()
        for c in counts.values():
            total.update(c)
        self.keywords: dict[str, str] = {}
        scored = []
        for l in LABELS:
            n_l = sum(1 for x in labels if x == l) or 1
            n_o = max(len(labels) - n_l, 1)
            for w, c in counts[l].items():
                if c < 2:
                    continue
                other = total[w] - c
                scored.append((math.log((c + 0.5) / n_l) - math.log((other + 0.5) / n_o), w, l))
        taken = Counter()
        for _s, w, l in sorted(scored, reverse=True):
            if w not in self.keywords and taken[l] < per_label and l != "other":
                self.keywords[w] = l
                taken[l] += 1

    @staticmethod
    def _words(text: str) -> list[str]:
        return re.findall(r"[^\W_]+", text.lower())

    def predict_one(self, text: str) -> str:
        hits = Counter(self.keywords[w] for w in self._words(text) if w in self.keywords)
        return hits.most_common(1)[0][0] if hits else "other"

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.predict_one(t) for t in texts]


class TfidfBaseline:
    """Plain sklearn pipeline on the raw text: no normalisation, no accent-free copies."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.pipe = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))
        self.pipe.fit(list(texts), list(labels))

    def predict_one(self, text: str) -> str:
        return str(self.pipe.predict([text])[0])

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(x) for x in self.pipe.predict(list(texts))]


# --- timing -------------------------------------------------------------------

def _single_call_stats(fn: Callable[[str], object], texts: Sequence[str]) -> tuple[float, float]:
    """(messages/s, p99 latency in µs) calling fn one message at a time."""
    for t in texts[:50]:
        fn(t)   # warm-up
    lat: list[int] = []
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < TIMED_SECONDS or i < len(texts):
        t = texts[i % len(texts)]
        t0 = time.perf_counter_ns()
        fn(t)
        lat.append(time.perf_counter_ns() - t0)
        i += 1
    elapsed = time.perf_counter() - start
    lat.sort()
    return i / elapsed, lat[min(len(lat) - 1, int(0.99 * len(lat)))] / 1000


def _batch_throughput(fn: Callable[[Sequence[str]], object], texts: Sequence[str], size: int = 256) -> float:
    batch = [texts[i % len(texts)] for i in range(size)]
    fn(batch)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < TIMED_SECONDS:
        fn(batch)
        n += size
    return n / (time.perf_counter() - start)


def _load_in_fresh_process(model_path: Path) -> dict:
    """Import + load time and peak memory, measured where nothing is cached yet."""
    code = (
        "import time,resource,json,sys;t0=time.perf_counter();import nlu;t1=time.perf_counter();"
        f"m=nlu.load({str(model_path)!r});t2=time.perf_counter();m.analyse('xin chào');"
        "print(json.dumps({'import_s':t1-t0,'load_s':t2-t1,"
        "'maxrss_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main -----------------------------------------------------------------------

def _row(name: str, metrics: dict, single: tuple[float, float], batch: float, extra: dict) -> dict:
    return {
        "system": name,
        "macro_f1": metrics["macro_f1"],
        "accented_macro_f1": metrics.get("accented_macro_f1"),
        "unaccented_macro_f1": metrics.get("unaccented_macro_f1"),
        "accuracy": metrics["accuracy"],
        "other_recall": metrics["per_label"]["other"]["recall"],
        "province_accuracy": metrics.get("province_accuracy"),
        "false_province_rate": metrics.get("false_province_rate"),
        "single_msgs_per_s": round(single[0], 1),
        "p99_latency_us": round(single[1], 1),
        "batch256_msgs_per_s": round(batch, 1),
        **extra,
    }


def _fmt(v: object, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec) if isinstance(v, float) else str(v)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import nlu
    from nlu.dataset import load_examples
    from nlu.evaluate import read_gold, score

    if not DEV_SET.is_file():
        print(f"bench.nlu needs the dev set, which is kept outside the repository on purpose (measuring only): "
              f"{DEV_SET} is missing; set LANGNGHE_DEV_SET to its path", file=sys.stderr)
        return 2
    gold = read_gold(DEV_SET)
    texts = [g.text for g in gold]
    examples = load_examples(DATA_DIR)
    tr_texts = [e.text for e in examples]
    tr_labels = [e.label for e in examples]

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.bin"
        report = nlu.train(DATA_DIR, model_path)
        load_info = _load_in_fresh_process(model_path)
        model = nlu.load(model_path)
        preds = [c.label for c in model.classify_batch(texts)]
        provs = [model.locate(t).province for t in texts]
        metrics = score(gold, preds, provs)
        single = _single_call_stats(model.classify, texts)
        batch = _batch_throughput(model.classify_batch, texts)
        analyse_single = _single_call_stats(model.analyse, texts)
        rows.append(_row("ours", metrics, single, batch, {
            "analyse_msgs_per_s": round(analyse_single[0], 1),
            "analyse_p99_latency_us": round(analyse_single[1], 1),
            "import_s": round(load_info["import_s"], 3),
            "load_s": round(load_info["load_s"], 3),
            "peak_rss_mb_after_load": round(load_info["maxrss_mb"], 1),
            "train_s": round(report.seconds, 2),
            "model_bytes": report.model_bytes,
            "threshold": report.threshold,
            "abstain_rate_dev": round(sum(c.abstain for c in model.classify_batch(texts)) / len(texts), 4),
        }))
        ours_metrics = metrics

    for name, cls in (("keywords", KeywordBaseline), ("tfidf_lr", TfidfBaseline)):
        t0 = time.perf_counter()
        base = cls(tr_texts, tr_labels)
        train_s = time.perf_counter() - t0
        m = score(gold, base.predict(texts), None)
        rows.append(_row(name, m, _single_call_stats(base.predict_one, texts),
                         _batch_throughput(base.predict, texts), {"train_s": round(train_s, 2)}))

    out = {
        "dev_set": str(DEV_SET),
        "data_dir": str(DATA_DIR),
        "n_dev": len(gold),
        "n_train": len(examples),
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "peak_rss_mb_bench": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "systems": rows,
        "ours_per_label": ours_metrics["per_label"],
        "ours_confusion": ours_metrics["confusion"],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    cols = [("system", "system", "s"), ("macro-F1", "macro_f1", ".3f"), ("accent", "accented_macro_f1", ".3f"),
            ("no-acc", "unaccented_macro_f1", ".3f"), ("oth-rec", "other_recall", ".3f"),
            ("prov-acc", "province_accuracy", ".3f"), ("msg/s 1", "single_msgs_per_s", ".0f"),
            ("msg/s 256", "batch256_msgs_per_s", ".0f"), ("p99 µs", "p99_latency_us", ".0f")]
    print(f"dev: {DEV_SET} (n={len(gold)}), train: {DATA_DIR} (n={len(examples)})")
    print(" | ".join(f"{c[0]:>9}" for c in cols))
    for r in rows:
        print(" | ".join(f"{_fmt(r[c[1]], c[2]):>9}" for c in cols))
    o = rows[0]
    print(f"ours: import {o['import_s']} s + load {o['load_s']} s, peak RSS after load "
          f"{o['peak_rss_mb_after_load']} MB, train {o['train_s']} s, model {o['model_bytes'] / 1e6:.2f} MB, "
          f"analyse() {o['analyse_msgs_per_s']:.0f} msg/s (p99 {o['analyse_p99_latency_us']:.0f} µs), "
          f"abstain threshold {o['threshold']} (abstains on {o['abstain_rate_dev']:.1%} of dev)")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
