"""Reading the Rasa-NLU-style YAML training files in ``nlu/data``.

Every ``*.yml``/``*.yaml`` file in the directory is read (label files, and
later a corrections file that may hold several intents).  Unknown intents are
an error naming the file, so a typo never silently creates a seventh class.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .types import LABELS

__all__ = ["Example", "DataError", "load_examples"]

_ENTITY_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


class DataError(ValueError):
    """Training data is malformed (message names the file)."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    source: str


def _strip_entities(text: str) -> str:
    """'[Hà Nội](province)' -> 'Hà Nội' (Rasa entity annotation)."""
    return _ENTITY_RE.sub(lambda m: m.group(1) or m.group(2), text)


def _parse_examples(block: object, path: Path, intent: str) -> list[str]:
    if isinstance(block, list):  # tolerate a YAML list instead of the '|' block
        lines = [str(x.get("text", "")) if isinstance(x, dict) else str(x) for x in block]
    elif isinstance(block, str):
        lines = []
        for raw in block.splitlines():
            s = raw.strip()
            if not s:
                continue
            if not s.startswith("-"):
                raise DataError(f"{path}: intent {intent!r}: example line does not start with '- ': {raw!r}")
            lines.append(s[1:].strip())
    else:
        raise DataError(f"{path}: intent {intent!r}: 'examples' must be a block of '- ' lines")
    out = []
    for s in lines:
        s = _strip_entities(s).strip()
        if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
            s = s[1:-1].strip()
        if s:
            out.append(s)
    return out


def load_file(path: Path) -> list[Example]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: invalid YAML: {exc}") from exc
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise DataError(f"{path}: expected a mapping with an 'nlu:' list")
    items = doc.get("nlu") or []
    if not isinstance(items, list):
        raise DataError(f"{path}: 'nlu' must be a list")
    out: list[Example] = []
    for item in items:
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, lookups, regexes: not ours
        intent = str(item["intent"]).strip()
        if intent not in LABELS:
            raise DataError(f"{path}: unknown intent {intent!r} (expected one of {', '.join(LABELS)})")
        for text in _parse_examples(item.get("examples", ""), path, intent):
            out.append(Example(text, intent, path.name))
    return out


def load_examples(data_dir: str | Path) -> list[Example]:
    """All examples of every YAML file in ``data_dir``, one per distinct text.

    Files whose name contains "correction" are read last and their label wins
    for a text that also appears elsewhere: corrections fix earlier mistakes.
    """
    d = Path(data_dir)
    if not d.is_dir():
        raise FileNotFoundError(f"training data directory not found: {d}")
    files = sorted({*d.glob("*.yml"), *d.glob("*.yaml")},
                   key=lambda p: ("correction" in p.name.lower(), p.name))
    if not files:
        raise DataError(f"{d}: no *.yml training files")
    by_text: dict[str, Example] = {}
    for f in files:
        for ex in load_file(f):
            by_text[ex.text] = ex
    return list(by_text.values())
