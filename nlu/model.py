"""The loaded model: classification + location + urgency behind one object.

Storage is a single ``.npz`` (numpy arrays + a JSON header, no pickle: loading
a model file never executes code).  Weights are kept as float16 on disk and
widened to float32 in memory; prediction is a dict look-up per feature and one
small dense product, so a single call costs tens of microseconds.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

import numpy as np

from .features import Vectorizer
from .intents import detect_intent_words
from .locate import locate as _locate
from .locate import locate_lowered
from .normalize import normalize
from .problems import second_problem
from .text import prepare
from .types import LABELS, Analysis, Classification, Location, ModelMissingError
from .urgency import assess_words
from .urgency import is_urgent as _is_urgent
from .urgency_model import UrgencyModel

__all__ = ["NLU", "load", "save", "FORMAT_VERSION"]

FORMAT_VERSION = 2


class NLU:
    """A trained classifier plus the rule-based locator and urgency detector.

    Immutable after construction, hence safe to share between threads.
    """

    def __init__(self, vectorizer: Vectorizer, weights: np.ndarray, bias: np.ndarray,
                 labels: Sequence[str], temperature: float, threshold: float,
                 meta: dict[str, Any] | None = None, close_gap: float = 0.0,
                 urgency: UrgencyModel | None = None) -> None:
        self.vectorizer = vectorizer
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)   # (n_features, n_labels)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels: tuple[str, ...] = tuple(labels)
        self.temperature = float(temperature)
        self.threshold = float(threshold)
        self.close_gap = float(close_gap)   # top-two margin below which `close` is set
        self.meta = dict(meta or {})
        self.urgency = urgency   # None: the urgency rules decide alone
        self._packed = vectorizer.pack(self.weights)

    # -- classification -----------------------------------------------------
    def _scores_normalized(self, acc: str) -> np.ndarray:
        return self.vectorizer.scores_words(acc.split(), self.weights, self.bias, self._packed)

    def _to_classification(self, scores: np.ndarray) -> Classification:
        # six numbers: plain Python is several times faster than numpy calls here
        inv_t = 1.0 / self.temperature
        s = scores.tolist()
        top = max(s)
        e = [math.exp((x - top) * inv_t) for x in s]
        total = sum(e)
        # most probable first; reverse=True keeps ties in label order, like a key of -p
        ranking = tuple(sorted(zip(self.labels, [x / total for x in e]), key=itemgetter(1), reverse=True))
        label, conf = ranking[0]
        close = conf - ranking[1][1] < self.close_gap
        return Classification(label, conf, ranking, conf < self.threshold, close)

    def classify(self, text: str) -> Classification:
        """Label one message with a calibrated confidence and the full ranking."""
        return self._to_classification(self._scores_normalized(normalize(text)))

    def decision_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Raw (uncalibrated) scores, shape (len(texts), n_labels)."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        X = self.vectorizer.transform(texts)
        return np.asarray(X @ self.weights) + self.bias

    def classify_batch(self, texts: Sequence[str]) -> list[Classification]:
        """Same results as ``classify`` for each text, computed with one sparse product."""
        return [self._to_classification(row) for row in self.decision_batch(list(texts))]

    # -- rules ----------------------------------------------------------------
    def locate(self, text: str, province: str | None = None) -> Location:
        """Province/commune named in the text; with ``province``, a commune of that province."""
        return _locate(text, province)

    def is_urgent(self, text: str) -> bool:
        """Someone in danger now (nlu.urgency: cues plus the trained urgency model when present)."""
        return _is_urgent(text, self.urgency)

    def analyse(self, text: str) -> Analysis:
        """Classification, location, urgency, intent and abuse (the text is normalised once)."""
        p = prepare(text)
        urgency = assess_words(p.words, p.stripped, self.urgency)
        intent, abusive = detect_intent_words(p.words, p.stripped)
        first = self._to_classification(self.vectorizer.scores_words(p.words, self.weights, self.bias, self._packed))
        second = second_problem(self._classify_normalized, text, first) if intent == "report" else None
        return Analysis(first, locate_lowered(p.nfc, p.low, tokens=p.place_tokens), urgency.urgent,
                        intent=intent, abusive=abusive, urgency=urgency, second=second)

    def _classify_normalized(self, acc: str) -> Classification:
        return self._to_classification(self._scores_normalized(acc))


def save(model: NLU, path: str | Path) -> int:
    """Write the model; returns its size in bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vocab = sorted(model.vectorizer.vocab, key=model.vectorizer.vocab.__getitem__)
    header = {
        "format": FORMAT_VERSION,
        "labels": list(model.labels),
        "temperature": model.temperature,
        "threshold": model.threshold,
        "word_weight": model.vectorizer.word_weight,
        "close_gap": model.close_gap,
        "meta": model.meta,
    }
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez_compressed(
            fh,
            header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
            vocab=np.frombuffer("\n".join(vocab).encode(), dtype=np.uint8),
            idf=model.vectorizer.idf.astype(np.float16),
            weights=model.weights.astype(np.float16),
            bias=model.bias.astype(np.float32),
            **cast("dict[str, Any]", model.urgency.to_arrays() if model.urgency is not None else {}),
        )
    tmp.replace(path)   # atomic: a reader never sees half a model
    return path.stat().st_size


def load(path: str | Path) -> NLU:
    """Load a model written by ``train``; ModelMissingError when there is none."""
    path = Path(path)
    if not path.is_file():
        raise ModelMissingError(
            f"NLU model not found at {path}. Train it first: `langnghe nlu train` "
            f"(or `python -m nlu.cli train --out {path}`)."
        )
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(z["header"].tobytes().decode())
        if header.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported model format {header.get('format')!r}; retrain")
        vocab_list = z["vocab"].tobytes().decode().split("\n")
        idf = z["idf"].astype(np.float32)
        weights = z["weights"].astype(np.float32)
        bias = z["bias"]
        urgency = UrgencyModel.from_arrays({k: z[k] for k in z.files if k.startswith("urgency_")})
    vocab = dict(zip(vocab_list, range(len(vocab_list))))
    labels = header["labels"]
    if tuple(labels) != LABELS:
        raise ValueError(f"{path}: model labels {labels} differ from {LABELS}; retrain")
    from .gazetteer import gazetteer

    gazetteer()   # build now so the first message is not slow
    model = NLU(Vectorizer(vocab, idf, header["word_weight"]), weights, bias, labels,
                header["temperature"], header["threshold"], header.get("meta"), header["close_gap"], urgency)
    model.analyse("xin chào")   # compiles (or loads the cached) kernels now, not on a citizen's message
    return model
