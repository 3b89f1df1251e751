"""Turning raw classifier scores into a confidence the dialogue can act on.

All of this is fitted on out-of-fold predictions of the training data (never
on dev): ``train`` scores each held-out fold with a model that did not see it.

The product goal decides the abstain threshold, not a cost guess: at most
``MAX_SILENT_MISROUTE`` (2 %) of all messages may go to a wrong body without
the citizen being asked, and among the thresholds that meet it we take the
one that asks least.  ``close`` marks messages whose top two labels are so
near that the dialogue should offer both first: out of fold, the second label
of a close message was the right one at least one time in three.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MAX_SILENT_MISROUTE",
    "CurvePoint",
    "softmax",
    "fit_temperature",
    "expected_calibration_error",
    "confidence_ece",
    "abstain_curve",
    "choose_threshold",
    "choose_close_gap",
    "top_two_margin",
]

MAX_SILENT_MISROUTE = 0.02
THRESHOLD_GRID = tuple(round(float(t), 2) for t in np.arange(0.0, 1.0, 0.01))
GAP_GRID = tuple(round(float(g), 2) for g in np.arange(0.02, 0.61, 0.02))


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """What one abstain threshold does to a set of messages (shares of all messages)."""

    threshold: float
    asked: float            # confidence below threshold: the citizen picks the body
    silent_misroute: float  # confidence at or above threshold and the label is wrong
    accepted_accuracy: float


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of scores / temperature."""
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood (grid over 0.05..10, log-spaced).

    One parameter cannot change which label wins, only how sure it sounds,
    so it cannot overfit the ranking.
    """
    best_t, best_nll = 1.0, np.inf
    rows = np.arange(len(y))
    for t in np.exp(np.linspace(np.log(0.05), np.log(10), 161)):
        p = softmax(scores, float(t))
        nll = -np.log(np.maximum(p[rows, y], 1e-12)).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, n_bins: int = 10) -> float:
    """Top-label ECE: |accuracy - mean confidence| per equal-width bin, weighted by bin size."""
    return confidence_ece(probs.max(axis=1), probs.argmax(axis=1) == y, n_bins)


def confidence_ece(conf: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """ECE from the confidence of each decision and whether it was right."""
    conf = np.asarray(conf, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            total += m.sum() * abs(correct[m].mean() - conf[m].mean())
    return float(total / max(len(conf), 1))


def abstain_curve(conf: np.ndarray, correct: np.ndarray,
                  thresholds: Sequence[float] = THRESHOLD_GRID) -> list[CurvePoint]:
    """Share asked and share silently misrouted for each threshold."""
    n = max(len(conf), 1)
    out = []
    for t in thresholds:
        accepted = conf >= t
        n_acc = int(accepted.sum())
        out.append(CurvePoint(
            threshold=float(t),
            asked=float((~accepted).sum() / n),
            silent_misroute=float((accepted & ~correct).sum() / n),
            accepted_accuracy=float((accepted & correct).sum() / n_acc) if n_acc else 1.0,
        ))
    return out


def choose_threshold(conf: np.ndarray, correct: np.ndarray,
                     max_silent_misroute: float = MAX_SILENT_MISROUTE) -> float:
    """Lowest threshold (fewest questions) whose silent misroute rate meets the goal."""
    for point in abstain_curve(conf, correct):
        if point.silent_misroute <= max_silent_misroute:
            return point.threshold
    return 1.0   # nothing meets the goal: always ask


def top_two_margin(probs: np.ndarray) -> np.ndarray:
    """p(first) - p(second) per row."""
    top2 = -np.sort(-probs, axis=1)[:, :2]
    out: np.ndarray = top2[:, 0] - top2[:, 1]
    return out


def choose_close_gap(probs: np.ndarray, y: np.ndarray, min_second_right: float = 1 / 3,
                     min_flagged: int = 20) -> float:
    """Margin below which the top two count as close.

    The largest gap at which, out of fold, the second label was the right one
    in at least a third of the flagged messages (so "close" means a real
    contender, offered beside the first; measured: this share is flat near
    0.25-0.35 over gaps 0.05-0.6, so a bare F1 would flag nearly everything).
    Gaps flagging fewer than ``min_flagged`` messages are too noisy to judge.
    """
    order = np.argsort(-probs, axis=1)
    second_right = (order[:, 0] != y) & (order[:, 1] == y)
    margin = top_two_margin(probs)
    best = GAP_GRID[0]
    for g in GAP_GRID:
        flagged = margin < g
        n = int(flagged.sum())
        if n >= min_flagged and (flagged & second_right).sum() / n >= min_second_right:
            best = g
    return best
