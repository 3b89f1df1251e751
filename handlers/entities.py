"""Where in the text a located place was written, for entities in Rasa's shape.

The NLU says *which* province and commune a message names; Rasa's entities also say *where*
(`start`/`end`, character offsets in the text as sent) and, when the value is not the text itself,
which processor changed it (Rasa's EntitySynonymMapper adds itself to `processors` the same way).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nlu import Location
from nlu.gazetteer import gazetteer
from nlu.normalize import strip_diacritics

EXTRACTOR = "LangNgheGazetteer"
SYNONYMS = "LangNgheSynonymMapper"      # written without diacritics, short form, other case
MERGER = "LangNgheProvinceMerger2025"   # an old (pre-2025) province, now part of a new one
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_COMMUNE_WORDS = {"xa", "phuong", "p", "x", "dac"}


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    key: str   # lowercase, no diacritics: the gazetteer's keys


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.start(), m.end(), strip_diacritics(unicodedata.normalize("NFC", m.group(0)).lower()))
            for m in _TOKEN.finditer(text)]


def _find(tokens: list[_Token], keys: Iterable[tuple[str, ...]]) -> tuple[int, int] | None:
    """The first place (token index, length) where one of `keys` is written, longest key first."""
    wanted = set(keys)
    lengths = sorted({len(key) for key in wanted}, reverse=True)
    for i in range(len(tokens)):
        for n in lengths:
            if i + n <= len(tokens) and tuple(t.key for t in tokens[i:i + n]) in wanted:
                return i, n
    return None


def _entity(text: str, tokens: list[_Token], found: tuple[int, int], entity: str, value: str, code: int | None,
            processors: list[str]) -> dict[str, Any]:
    i, n = found
    start, end = tokens[i].start, tokens[i + n - 1].end
    out: dict[str, Any] = {"entity": entity, "start": start, "end": end, "value": value, "code": code,
                           "extractor": EXTRACTOR}
    if text[start:end] != value and SYNONYMS not in processors:
        processors = [SYNONYMS, *processors]
    if processors:
        out["processors"] = processors
    return out


def _province(text: str, tokens: list[_Token], location: Location) -> dict[str, Any] | None:
    gz = gazetteer()
    names = [key for key, aliases in gz.aliases.items()
             if any(a.province_code == location.province_code and a.old_province == location.old_province
                    for a in aliases)]
    districts = [key for key, aliases in gz.districts.items()  # "huyện Gia Lâm" names Hà Nội
                 if not all(part.isdigit() for part in key)
                 and any(a.province_code == location.province_code for a in aliases)]
    found = _find(tokens, names) or _find(tokens, districts)
    if found is None or location.province is None:
        return None
    entity = _entity(text, tokens, found, "province", location.province, location.province_code,
                     [MERGER] if location.old_province else [])
    if location.old_province:
        entity["old_province"] = location.old_province
    return entity


def _commune(text: str, tokens: list[_Token], location: Location) -> dict[str, Any] | None:
    gz = gazetteer()
    bodies = [tuple(strip_diacritics(t) for t in c.body)
              for c in gz.communes_by_province.get(location.province_code or -1, []) if c.code == location.commune_code]
    found = _find(tokens, bodies)
    if found is None or location.commune is None:
        return None
    i, n = found
    if i > 0 and tokens[i - 1].key in _COMMUNE_WORDS:  # "phường Kinh Bắc", "xã ..." : the type word too
        i, n = i - 1, n + 1
        if i > 0 and tokens[i].key == "khu" and tokens[i - 1].key == "dac":
            i, n = i - 1, n + 1
    return _entity(text, tokens, (i, n), "commune", location.commune, location.commune_code, [])


def place_entities(text: str, location: Location) -> list[dict[str, Any]]:
    """Rasa-shaped entities for the province and commune the NLU found, each with the span of text
    it came from; a place whose words cannot be pointed at is left out rather than given a made-up
    span."""
    tokens = _tokens(text)
    found = [_province(text, tokens, location) if location.province else None,
             _commune(text, tokens, location) if location.commune else None]
    return [entity for entity in found if entity is not None]
