"""Scoring a model (or any ``text -> label`` function) on a labelled JSONL file.

Shared by ``nlu.cli evaluate`` and ``bench/nlu.py`` so both report the same
numbers.  A prediction equal to the line's ``also`` label counts as correct
(the second acceptable body for a genuinely two-sided message).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .normalize import has_diacritics
from .types import LABELS

__all__ = ["GoldLine", "EvalError", "read_gold", "score", "score_urgency", "format_report",
           "format_urgency", "evaluate_with"]


class EvalError(ValueError):
    """The evaluation file is missing or malformed (message says where)."""


@dataclass(frozen=True, slots=True)
class GoldLine:
    text: str
    label: str
    also: str | None
    province: str | None
    id: str | None = None
    urgent: bool | None = None   # gold urgency, when the file has an `urgent` field


def read_gold(path: str | Path) -> list[GoldLine]:
    p = Path(path)
    if not p.is_file():
        raise EvalError(f"evaluation file not found: {p}")
    out: list[GoldLine] = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{p}:{n}: invalid JSON: {exc.msg}") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or "label" not in obj:
                raise EvalError(f"{p}:{n}: each line needs string 'text' and 'label'")
            label, also = obj["label"], obj.get("also")
            for name, value in (("label", label), ("also", also)):
                if value is not None and value not in LABELS:
                    raise EvalError(f"{p}:{n}: unknown {name} {value!r} (expected one of {', '.join(LABELS)})")
            if label is None:
                raise EvalError(f"{p}:{n}: 'label' must not be null")
            urgent = obj.get("urgent")
            if urgent is not None and not isinstance(urgent, bool):
                raise EvalError(f"{p}:{n}: 'urgent' must be true or false")
            out.append(GoldLine(obj["text"], label, also, obj.get("province"), obj.get("id"), urgent))
    if not out:
        raise EvalError(f"{p}: no lines to evaluate")
    return out


def _prf(gold: Sequence[str], pred: Sequence[str]) -> tuple[dict[str, dict[str, float]], float]:
    per: dict[str, dict[str, float]] = {}
    f1s = []
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        support = tp + fn
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": support}
        if support or tp + fp:
            f1s.append(f1)
    return per, (sum(f1s) / len(f1s) if f1s else 0.0)


def score(gold: Sequence[GoldLine], pred_labels: Sequence[str],
          pred_provinces: Sequence[str | None] | None = None) -> dict[str, Any]:
    """Metrics dict (see ``nlu.cli evaluate --json``)."""
    # a prediction equal to `also` is credited as the gold label
    credited = [line.label if p == line.also else p for line, p in zip(gold, pred_labels)]
    gold_l = [g.label for g in gold]
    per, macro = _prf(gold_l, credited)
    acc = sum(g == p for g, p in zip(gold_l, credited)) / len(gold)
    result: dict[str, Any] = {"n": len(gold), "accuracy": round(acc, 4), "macro_f1": round(macro, 4), "per_label": per}
    for name, want in (("accented", True), ("unaccented", False)):
        idx = [i for i, g in enumerate(gold) if has_diacritics(g.text) == want]
        if idx:
            _, m = _prf([gold_l[i] for i in idx], [credited[i] for i in idx])
            result[f"{name}_macro_f1"] = round(m, 4)
            result[f"{name}_accuracy"] = round(sum(gold_l[i] == credited[i] for i in idx) / len(idx), 4)
            result[f"{name}_n"] = len(idx)
        else:
            result[f"{name}_macro_f1"] = None
    result["confusion"] = {g: {p: sum(1 for a, b in zip(gold_l, credited) if a == g and b == p)
                               for p in LABELS} for g in LABELS}
    if pred_provinces is not None:
        with_prov = [i for i, g in enumerate(gold) if g.province]
        result["province_n"] = len(with_prov)
        result["province_accuracy"] = (round(sum(pred_provinces[i] == gold[i].province for i in with_prov)
                                             / len(with_prov), 4) if with_prov else None)
        without = [i for i, g in enumerate(gold) if g.province is None]
        result["false_province_rate"] = (round(sum(pred_provinces[i] is not None for i in without) / len(without), 4)
                                         if without else None)
    else:
        result["province_accuracy"] = None
    return result


def score_urgency(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, Any]:
    """Precision/recall/F1 of the urgent flag, with the confusion counts.

    ``false_alarm_rate`` is the share of non-urgent messages flagged: each one
    sends a citizen emergency numbers and a case a one-hour deadline.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold flags but {len(pred)} predictions")
    tp = sum(1 for g, p in zip(gold, pred) if g and p)
    fp = sum(1 for g, p in zip(gold, pred) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred) if g and not p)
    tn = len(gold) - tp - fp - fn
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"n": len(gold), "support": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "false_alarm_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0}


def format_urgency(u: dict[str, Any]) -> str:
    """Human-readable urgency block of the evaluation report."""
    return (f"urgency: n={u['n']} urgent={u['support']}  precision={u['precision']:.4f}  "
            f"recall={u['recall']:.4f}  F1={u['f1']:.4f}  false alarms={u['false_alarm_rate']:.2%}\n"
            f"  tp={u['tp']} fp={u['fp']} fn={u['fn']} tn={u['tn']}")


def format_report(r: dict[str, Any]) -> str:
    """Human-readable evaluation report."""
    lines = [f"n={r['n']}  accuracy={r['accuracy']:.4f}  macro-F1={r['macro_f1']:.4f}"]
    for name in ("accented", "unaccented"):
        if r.get(f"{name}_macro_f1") is not None:
            lines.append(f"{name:>10}: n={r[f'{name}_n']}  accuracy={r[f'{name}_accuracy']:.4f}  "
                         f"macro-F1={r[f'{name}_macro_f1']:.4f}")
    if r.get("province_accuracy") is not None:
        lines.append(f"province accuracy={r['province_accuracy']:.4f} on {r['province_n']} lines naming one"
                     + (f"; false province on {r['false_province_rate']:.2%} of lines naming none"
                        if r.get("false_province_rate") is not None else ""))
    lines.append("")
    lines.append(f"{'label':<8} {'prec':>6} {'recall':>6} {'f1':>6} {'support':>7}")
    for lab, m in r["per_label"].items():
        lines.append(f"{lab:<8} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {m['support']:>7}")
    lines.append("")
    lines.append("confusion (rows = gold, columns = predicted)")
    lines.append(" " * 8 + "".join(f"{l[:7]:>8}" for l in LABELS))
    for g in LABELS:
        lines.append(f"{g:<8}" + "".join(f"{r['confusion'][g][p]:>8}" for p in LABELS))
    if r.get("urgency") is not None:
        lines.append("")
        lines.append(format_urgency(r["urgency"]))
    return "\n".join(lines)


def evaluate_with(predict: Callable[[Sequence[str]], Sequence[str]],
                  gold: Sequence[GoldLine],
                  locate: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    preds = list(predict([g.text for g in gold]))
    provs = [locate(g.text) for g in gold] if locate else None
    return score(gold, preds, provs)
