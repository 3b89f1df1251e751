"""A small logistic regression that weighs the urgency cues against the words around them.

Why a model on top of the cues: the cue groups say *what* could be dangerous
and *which* words may undo it, but how much "đang" outweighs "năm ngoái", or
that "chồng" + "tát" + "từ tối" is urgent while "đánh" + "con gà" is not, is
learned better from a few hundred hand-written sentences (nlu/data/urgency/)
than tuned by hand.  Features are binary: the cue groups, each danger kind
crossed with each modifier, and the diacritic-free words and word pairs.
Scoring is a dict look-up per feature plus a sigmoid (a few microseconds).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np
import yaml

from .normalize import has_diacritics, normalize, strip_diacritics
from .urgency_cues import BLOCKERS, KINDS, cues

__all__ = ["UrgencyModel", "features", "rule_verdict", "load_urgency_examples", "fit_urgency", "train_urgency",
           "URGENT_KEY", "NOT_URGENT_KEY"]

URGENT_KEY, NOT_URGENT_KEY = "urgent", "not_urgent"
C = 0.5
URGENT_WEIGHT = 2.0   # a miss costs more than a false alarm
THRESHOLD = 0.5
MIN_DF = 2


_WEAK = ("help", "injury")   # a cry for help or a wound alone may be about anything


def rule_verdict(c: dict[str, bool]) -> bool:
    """The hand rule: a danger kind, not undone by a blocker unless it is said to be happening now."""
    strong = any(c[k] for k in KINDS if k not in _WEAK)
    if not strong and not (c["now"] and any(c[k] for k in _WEAK)):
        return False
    blocked = any(c[b] for b in BLOCKERS)
    return not blocked or (c["now"] and not (c["figurative"] or c["animal"] or c["hearsay"]))


def _cue_features(c: dict[str, bool]) -> list[str]:
    on = [k for k, v in c.items() if v]
    kinds = [k for k in on if k in KINDS]
    mods = [k for k in on if k not in KINDS]
    feats = ["c:" + k for k in on]
    if kinds:
        feats.append("c:any_kind")
        feats.extend("x:" + m for m in mods)
        feats.extend(f"x:{k}&{m}" for k in kinds for m in mods)
    if rule_verdict(c):
        feats.append("c:rule")
    return feats


def features(acc: str, stripped: str, c: dict[str, bool]) -> list[str]:
    """Feature strings of one normalised message (``stripped`` = its diacritic-free form)."""
    feats = _cue_features(c)
    words = stripped.split()
    feats.extend("w:" + w for w in words)
    feats.extend("b:" + a + " " + b for a, b in zip(words, words[1:]))
    return feats


class UrgencyModel:
    """Weights by feature string; immutable after construction, safe to share between threads."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float = THRESHOLD) -> None:
        self.weights = weights
        self.bias = float(bias)
        self.threshold = float(threshold)
        # split by feature family so scoring needs no string prefixes (same sum as ``features``)
        self._words = {k[2:]: v for k, v in weights.items() if k.startswith("w:")}
        self._pairs = {k[2:]: v for k, v in weights.items() if k.startswith("b:")}

    def score(self, acc: str, stripped: str, c: dict[str, bool]) -> float:
        """Probability-like 0-1 score that someone is in danger now."""
        return self.score_words(stripped.split(), c)

    def score_words(self, words: list[str], c: dict[str, bool]) -> float:
        """``score`` for the diacritic-free words of the message."""
        # sums of dict look-ups mapped in C (same terms in the same order as a generator)
        z = self.bias + sum(map(self.weights.get, set(_cue_features(c)), repeat(0.0)))
        z += sum(map(self._words.get, set(words), repeat(0.0)))
        z += sum(map(self._pairs.get, set(map(" ".join, zip(words, words[1:]))), repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    # -- storage: plain arrays so the model file stays pickle-free ----------
    def to_arrays(self) -> dict[str, np.ndarray]:
        names = sorted(self.weights)
        return {
            "urgency_vocab": np.frombuffer("\n".join(names).encode(), dtype=np.uint8),
            "urgency_weights": np.array([self.weights[n] for n in names], dtype=np.float32),
            "urgency_params": np.array([self.bias, self.threshold], dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> UrgencyModel | None:
        """The model stored by ``to_arrays``; None when the file predates it."""
        if "urgency_vocab" not in arrays:
            return None
        names = arrays["urgency_vocab"].tobytes().decode().split("\n")
        w = arrays["urgency_weights"].astype(np.float64).tolist()
        bias, threshold = (float(x) for x in arrays["urgency_params"])
        return cls(dict(zip(names, w)), bias, threshold)


def _texts(block: object, path: Path, key: str) -> list[str]:
    if block is None:
        return []
    if not isinstance(block, list) or not all(isinstance(x, str) for x in block):
        raise ValueError(f"{path}: '{key}' must be a list of strings")
    return [x.strip() for x in block if x.strip()]


def load_urgency_examples(folder: str | Path) -> tuple[list[str], list[bool]]:
    """(texts, urgent flags) from every ``*.yml`` in ``folder`` (keys ``urgent``/``not_urgent``)."""
    d = Path(folder)
    texts: list[str] = []
    labels: list[bool] = []
    for path in sorted(d.glob("*.y*ml")) if d.is_dir() else []:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: expected a mapping with '{URGENT_KEY}' and '{NOT_URGENT_KEY}' lists")
        for key, flag in ((URGENT_KEY, True), (NOT_URGENT_KEY, False)):
            got = _texts(doc.get(key), path, key)
            texts.extend(got)
            labels.extend([flag] * len(got))
    return texts, labels


def _feature_rows(texts: Iterable[str]) -> list[list[str]]:
    rows = []
    for t in texts:
        acc = normalize(t)
        s = strip_diacritics(acc)
        rows.append(sorted(set(features(acc, s, cues(acc, s)))))
    return rows


def fit_urgency(texts: Sequence[str], labels: Sequence[bool], *, c: float = C) -> UrgencyModel:
    """Logistic regression on the examples, each accented one also seen without diacritics."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    all_t, all_y = list(texts), list(labels)
    for t, y in zip(texts, labels):
        if has_diacritics(t):
            all_t.append(strip_diacritics(t))
            all_y.append(y)
    rows = _feature_rows(all_t)
    # only messages naming a kind of danger reach the model (see nlu.urgency); train on those
    keep = [i for i, r in enumerate(rows) if "c:any_kind" in r]
    rows, all_y = [rows[i] for i in keep], [all_y[i] for i in keep]
    df = Counter(f for r in rows for f in r)
    names = sorted(f for f, n in df.items() if n >= MIN_DF or not f.startswith(("w:", "b:")))
    index = {f: i for i, f in enumerate(names)}
    ind: list[int] = []
    ptr = [0]
    for r in rows:
        ind.extend(index[f] for f in r if f in index)
        ptr.append(len(ind))
    X = csr_matrix((np.ones(len(ind), dtype=np.float32), ind, ptr), shape=(len(rows), len(names)))
    target = np.array(all_y, dtype=int)
    clf = LogisticRegression(C=c, class_weight={0: 1.0, 1: URGENT_WEIGHT}, max_iter=2000)
    clf.fit(X, target)
    coef = clf.coef_[0]
    weights = {n: float(w) for n, w in zip(names, coef) if abs(w) > 1e-4}
    return UrgencyModel(weights, float(clf.intercept_[0]))


def train_urgency(data_dir: str | Path) -> UrgencyModel | None:
    """The urgency model from ``data_dir/urgency/*.yml``; None when there are no examples of both kinds."""
    texts, labels = load_urgency_examples(Path(data_dir) / "urgency")
    if not any(labels) or all(labels):
        return None
    return fit_urgency(texts, labels)
