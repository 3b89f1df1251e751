"""Find the province (and commune) a message talks about.

Rules that keep false positives low:
  * longest match over token n-grams, keyed on diacritic-stripped tokens;
  * a token typed WITH diacritics must equal the alias's own diacritics
    ("Huệ" is not "Huế"), a token typed without them matches any;
  * guarded aliases (short forms like "hn"/"dn", and names that are everyday
    words without diacritics like "hai phong", "lam dong") need a location cue
    before them ("ở", "tại", "tỉnh", "quê", ...) or capital letters ("HN");
  * a commune is only looked for after "xã"/"phường"/"đặc khu" in free text;
    it implies its province only when that name exists in a single province.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .gazetteer import _TOKEN_RE, Alias, Commune, Gazetteer, gazetteer, split_tokens
from .normalize import strip_diacritics
from .types import Location

__all__ = ["locate", "EMPTY_LOCATION"]

EMPTY_LOCATION = Location(None, None, None, None, None)

_CUES = {"o", "tai", "tinh", "tp", "ve", "que", "song", "den", "ra", "vao", "len", "xuong",
         "dan", "khu", "vuc", "thanh", "pho", "cua", "tu", "huyen", "quan", "xa", "phuong"}
_ORIGIN_CUES = {"que", "goc"}   # "quê Nghệ An": where the person is from, not where it happens
_COMMUNE_PREFIX = {("xa",): "xã", ("phuong",): "phường", ("p",): "phường",
                   ("dac", "khu"): "đặc khu", ("x",): "xã"}


@dataclass(slots=True)
class _Tokens:
    acc: list[str]
    strip: list[str]
    orig: list[str] | None   # original case, None when boundaries differ


def _tokenize(text: str) -> _Tokens:
    acc = split_tokens(text)
    strip = [strip_diacritics(t) for t in acc]
    orig = _TOKEN_RE.findall(unicodedata.normalize("NFC", text))
    return _Tokens(acc, strip, orig if len(orig) == len(acc) else None)


def _accent_ok(toks: _Tokens, i: int, expected: tuple[str, ...]) -> bool:
    """A span typed with any diacritics must match them exactly; an all-ascii span matches."""
    n = len(expected)
    if _is_ascii_span(toks, i, n):
        return True
    return tuple(toks.acc[i:i + n]) == expected


def _is_ascii_span(toks: _Tokens, i: int, n: int) -> bool:
    return all(toks.acc[k] == toks.strip[k] for k in range(i, i + n))


def _has_cue(toks: _Tokens, i: int) -> bool:
    return i > 0 and toks.strip[i - 1] in _CUES


def _cased(toks: _Tokens, i: int, n: int, short: bool) -> bool:
    """'HN' (short form in capitals) or 'Hòa Bình' (every word capitalised, not sentence start)."""
    if toks.orig is None:
        return False
    span = toks.orig[i:i + n]
    if short:
        return all(t.isupper() and len(t) > 1 for t in span)
    return i > 0 and all(t[:1].isupper() for t in span)


def _alias_ok(toks: _Tokens, i: int, n: int, a: Alias) -> bool:
    if not _accent_ok(toks, i, a.accented):
        return False
    if a.guard == "none":
        return True
    if a.guard == "ascii" and not _is_ascii_span(toks, i, n):
        return True
    short = n == 1 and len(toks.strip[i]) <= 3
    return _has_cue(toks, i) or _cased(toks, i, n, short)


@dataclass(slots=True)
class _Mention:
    pos: int
    alias: Alias
    score: int


def _province_mentions(toks: _Tokens, gz: Gazetteer) -> list[_Mention]:
    out: list[_Mention] = []
    n_tok = len(toks.strip)
    i = 0
    while i < n_tok:
        matched = 0
        for n in range(min(gz.max_alias_len, n_tok - i), 0, -1):
            cands = gz.aliases.get(tuple(toks.strip[i:i + n]))
            if not cands:
                continue
            ok = [a for a in cands if _alias_ok(toks, i, n, a)]
            if ok:
                # prefer an exact accented match, then a current (not old) name
                ok.sort(key=lambda a: (a.accented != tuple(toks.acc[i:i + n]), a.old_province is not None))
                prev = toks.strip[i - 1] if i else ""
                score = 2 if prev in ("o", "tai") else (-1 if prev in _ORIGIN_CUES else 0)
                out.append(_Mention(i, ok[0], score))
                matched = n
                break
        i += matched or 1
    return out


def _commune_candidates(toks: _Tokens, gz: Gazetteer, start: int) -> tuple[list[Commune], int]:
    """Communes whose name body starts at token ``start`` (longest match)."""
    n_tok = len(toks.strip)
    for n in range(min(gz.max_body_len, n_tok - start), 0, -1):
        cands = gz.communes_by_body.get(tuple(toks.strip[start:start + n]))
        if cands:
            ok = [c for c in cands if _accent_ok(toks, start, c.body)]
            if ok:
                return ok, n
    return [], 0


def _prefixed_communes(toks: _Tokens, gz: Gazetteer) -> list[tuple[list[Commune], str, bool]]:
    """(candidates, kind named by the prefix, prefix typed with diacritics) per 'xã X' mention."""
    out = []
    n_tok = len(toks.strip)
    for i in range(n_tok):
        for plen in (2, 1):
            kind = _COMMUNE_PREFIX.get(tuple(toks.strip[i:i + plen]))
            if kind is None or i + plen >= n_tok:
                continue
            if toks.acc[i] != toks.strip[i] and not kind.startswith(toks.acc[i]):
                continue  # "xà", "phương": not a prefix
            cands, n = _commune_candidates(toks, gz, i + plen)
            if cands:
                same_kind = [c for c in cands if c.kind == kind]
                out.append((same_kind or cands, kind, not _is_ascii_span(toks, i, plen)))
            break
    return out


def _commune_in_province(toks: _Tokens, gz: Gazetteer, code: int, loose: bool) -> Commune | None:
    for cands, _, _ in _prefixed_communes(toks, gz):
        inside = [c for c in cands if c.province_code == code]
        if inside:
            return inside[0]
    if not loose:
        return None
    # no prefix: "hoan kiem", "Tân Hội" -- only for names of 2+ words, or when
    # the whole text is the name
    n_tok = len(toks.strip)
    for i in range(n_tok):
        cands, n = _commune_candidates(toks, gz, i)
        inside = [c for c in cands if c.province_code == code]
        if inside and (n >= 2 or n_tok <= n + 1):
            return inside[0]
    return None


_DISTRICT_PREFIX = {("quan",), ("q",), ("huyen",), ("h",), ("thi", "xa"), ("tx",), ("thanh", "pho"), ("tp",)}


def _district_mentions(toks: _Tokens, gz: Gazetteer) -> list[_Mention]:
    """Old districts: after "quận/huyện/thị xã/tp" always; without a prefix only
    names of 2+ words written with capitals ("Gò Vấp", "Củ Chi")."""
    out: list[_Mention] = []
    n_tok = len(toks.strip)
    for i in range(n_tok):
        prefixed = any(tuple(toks.strip[i - k:i]) in _DISTRICT_PREFIX for k in (1, 2) if i - k >= 0)
        for n in range(min(gz.max_district_len, n_tok - i), 0, -1):
            cands = gz.districts.get(tuple(toks.strip[i:i + n]))
            if not cands or not _accent_ok(toks, i, cands[0].accented):
                continue
            numeric = toks.strip[i].isdigit()
            if (prefixed and (n >= 2 or numeric or len(toks.strip[i]) > 2)) or \
                    (not prefixed and n >= 2 and not numeric and _cased(toks, i, n, short=False)):
                out.append(_Mention(i, cands[0], 0))
                break
    return out


def locate(text: str, province: str | None = None) -> Location:
    """Province/commune named in ``text``; with ``province`` given, find a commune of it."""
    gz = gazetteer()
    toks = _tokenize(text)
    if province is not None:
        prov = gz.province_by_name(province)
        if prov is not None:
            c = _commune_in_province(toks, gz, prov.code, loose=True)
            old = next((m.alias.old_province for m in _province_mentions(toks, gz)
                        if m.alias.province_code == prov.code and m.alias.old_province), None)
            return Location(prov.name, prov.code, c.name if c else None, c.code if c else None, old)

    mentions = _province_mentions(toks, gz)
    if mentions:
        best = max(mentions, key=lambda m: (m.score, -m.pos))
        prov = gz.by_code[best.alias.province_code]
        c = _commune_in_province(toks, gz, prov.code, loose=False)
        return Location(prov.name, prov.code, c.name if c else None, c.code if c else None,
                        best.alias.old_province)

    for cands, _, accented_prefix in _prefixed_communes(toks, gz):
        codes = {c.province_code for c in cands}
        if len(codes) == 1 and (accented_prefix or len(cands[0].body) >= 2):
            c = cands[0]
            prov = gz.by_code[c.province_code]
            return Location(prov.name, prov.code, c.name, c.code, None)
    districts = _district_mentions(toks, gz)
    if districts:
        a = districts[0].alias
        prov = gz.by_code[a.province_code]
        return Location(prov.name, prov.code, None, None, a.old_province)
    return EMPTY_LOCATION

