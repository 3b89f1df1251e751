"""Command line: ``langnghe nlu train|evaluate|predict`` (also ``python -m nlu.cli``)."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["main"]

PREDICT_BATCH = 256


def _default_paths() -> tuple[Path, Path]:
    from . import DEFAULT_DATA_DIR, DEFAULT_MODEL_PATH

    return DEFAULT_DATA_DIR, DEFAULT_MODEL_PATH


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _cmd_train(args: argparse.Namespace) -> int:
    from .dataset import DataError
    from .train import train

    try:
        report = train(args.data, args.out, progress=lambda m: print(m, flush=True))
    except (DataError, FileNotFoundError, ValueError) as exc:
        _err(str(exc))
        return 2
    print(report)
    return 0


def _load(path: Path) -> Any:
    from .model import load
    from .types import ModelMissingError

    try:
        return load(path)
    except ModelMissingError as exc:
        _err(str(exc))
        return None


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import EvalError, format_report, read_gold, score

    try:
        gold = read_gold(args.file)
    except EvalError as exc:
        _err(str(exc))
        return 2
    model = _load(args.model)
    if model is None:
        return 3
    texts = [g.text for g in gold]
    preds = [c.label for c in model.classify_batch(texts)]
    provs = [model.locate(t).province for t in texts]
    result = score(gold, preds, provs)
    urgency_gold = [g for g in gold if g.urgent is not None]
    if urgency_gold:   # only lines that carry an `urgent` field are scored for urgency
        from .evaluate import score_urgency
        from .normalize import normalize
        from .urgency import assess_normalized

        flags = [assess_normalized(normalize(g.text), model.urgency).urgent for g in urgency_gold]
        result["urgency"] = score_urgency([bool(g.urgent) for g in urgency_gold], flags)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(format_report(result))
    return 0


def _read_requests(stream: IO[str]) -> Iterator[tuple[object, str | None, str | None]]:
    """(id, text, error) per non-empty input line."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield None, None, f"line {n}: invalid JSON: {exc.msg}"
            continue
        if not isinstance(obj, dict):
            yield None, None, f"line {n}: expected a JSON object"
            continue
        text = obj.get("text")
        if not isinstance(text, str):
            yield obj.get("id"), None, f"line {n}: 'text' must be a string"
            continue
        yield obj.get("id"), text, None


def _cmd_predict(args: argparse.Namespace) -> int:
    model = _load(args.model)
    if model is None:
        return 3
    out = sys.stdout

    def flush(batch: list[tuple[object, str | None, str | None]]) -> None:
        texts = [t for _, t, e in batch if e is None]
        results = iter(model.classify_batch(texts))
        for id_, text, error in batch:
            if error is not None:
                out.write(json.dumps({"id": id_, "error": error}, ensure_ascii=False) + "\n")
                continue
            c = next(results)
            loc = model.locate(text)
            out.write(json.dumps({
                "id": id_, "label": c.label, "confidence": round(c.confidence, 4),
                "province": loc.province, "commune": loc.commune, "urgent": model.is_urgent(text),
            }, ensure_ascii=False) + "\n")
        out.flush()

    batch: list[tuple[object, str | None, str | None]] = []
    for item in _read_requests(sys.stdin):
        batch.append(item)
        if len(batch) >= PREDICT_BATCH:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    return 0


def build_parser() -> argparse.ArgumentParser:
    data_dir, model_path = _default_paths()
    p = argparse.ArgumentParser(prog="langnghe nlu", description="Lắng Nghe NLU: train, evaluate, predict.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model from the YAML files in a data directory")
    t.add_argument("--data", type=Path, default=data_dir, help=f"training data directory (default {data_dir})")
    t.add_argument("--out", type=Path, default=model_path, help=f"model path (default {model_path})")
    t.set_defaults(func=_cmd_train)

    e = sub.add_parser("evaluate", help="score a model on a labelled JSONL file")
    e.add_argument("file", type=Path,
                   help="JSONL lines with text, label, optional also, province and urgent (true/false)")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--model", type=Path, default=model_path)
    e.set_defaults(func=_cmd_evaluate)

    r = sub.add_parser("predict", help="JSON lines {id, text} on stdin -> one JSON result per line")
    r.add_argument("--model", type=Path, default=model_path)
    r.set_defaults(func=_cmd_predict)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
