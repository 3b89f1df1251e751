"""Industrial parks and landmarks people name instead of an address (nlu/data/places/landmarks.yml).

The list is curated by hand (its source is noted in the file); each entry names the new
province and, when the place lies in one new commune, that commune.  Parks are matched only
after "KCN"/"khu công nghiệp"/"KCX"/"khu chế xuất"/"KKT"/"khu kinh tế" ("Quế Võ" alone is
the old town, "KCN Quế Võ" the park); other landmarks carry their kind word in the alias
("chợ Bến Thành", "sân bay Nội Bài").
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .gazetteer import split_tokens, strip_key

__all__ = ["Landmark", "LANDMARKS_PATH", "PARK_PREFIXES", "load_landmarks"]

LANDMARKS_PATH = Path(__file__).parent / "data" / "places" / "landmarks.yml"
# stripped token sequences written in front of a park's name
PARK_PREFIXES: frozenset[tuple[str, ...]] = frozenset({
    ("kcn",), ("kcx",), ("kkt",), ("khu", "cong", "nghiep"), ("khu", "che", "xuat"), ("khu", "kinh", "te"),
})


@dataclass(frozen=True, slots=True)
class Landmark:
    name: str
    province: str
    old_province: str | None
    commune: str | None
    park: bool
    accented: tuple[str, ...]   # accented tokens of the alias matched


def load_landmarks(path: Path = LANDMARKS_PATH) -> dict[tuple[str, ...], list[Landmark]]:
    """Stripped alias tokens -> landmarks written that way."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []
    out: dict[tuple[str, ...], list[Landmark]] = {}
    for e in entries:
        for alias in e["aliases"]:
            acc = tuple(split_tokens(str(alias)))
            lm = Landmark(str(e["name"]), str(e["province"]), e.get("old_province"), e.get("commune"),
                          bool(e.get("park", False)), acc)
            out.setdefault(strip_key(acc), []).append(lm)
    return out
