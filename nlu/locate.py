"""Find the province (and commune) a message talks about, the way people name places.

What people write, in the order it decides the province:
  1. a province, new or old ("Bình Dương" -> TP Hồ Chí Minh), or a big city;
  2. a landmark or industrial park from nlu/data/places/landmarks.yml ("KCN Quế Võ");
  3. a commune after its type word ("xã Tân Hội", "P.Bến Nghé"), new or pre-2025, when the
     name exists in a single province;
  4. an old district ("quận 7", "huyện Yên Phong", "TP Thủ Đức", "Q.Bình Thạnh").
The commune is then looked for inside that province: after a type word (a pre-2025 name is
turned into the commune it became), else the one commune an old district became, else the
landmark's commune.

Rules that keep false positives low:
  * longest match over token n-grams, keyed on diacritic-stripped tokens;
  * a token typed WITH diacritics must equal the alias's own diacritics
    ("Huệ" is not "Huế"), a token typed without them matches any;
  * guarded aliases (short forms like "hn"/"dn", and names that are everyday
    words without diacritics like "hai phong", "lam dong") need a location cue
    before them ("ở", "tại", "tỉnh", "quê", ...) or capital letters ("HN");
  * a place name right after a title ("chú Thái Bình", "chị Hà Giang") is a person;
  * a commune is only looked for after "xã"/"phường"/"thị trấn"/"đặc khu" in free text;
    an old district without its type word only when written with capitals and 2+ words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import _TOKEN_RE, Alias, Commune, Gazetteer, gazetteer
from .landmarks import PARK_PREFIXES, Landmark
from .normalize import lowered, strip_tokens
from .oldunits import District
from .types import Location

__all__ = ["locate", "locate_lowered", "EMPTY_LOCATION"]

EMPTY_LOCATION = Location(None, None, None, None, None)

_CUES = {"o", "tai", "tinh", "tp", "ve", "que", "song", "den", "ra", "vao", "len", "xuong",
         "dan", "khu", "vuc", "thanh", "pho", "cua", "tu", "huyen", "quan", "xa", "phuong"}
_ORIGIN_CUES = {"que", "goc"}   # "quê Nghệ An": where the person is from, not where it happens
# type word (stripped) -> (kind, accented spelling); "p", "x", "tt" are typed without accents
_COMMUNE_PREFIX: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {
    ("xa",): ("xã", ("xã",)), ("x",): ("xã", ("x",)),
    ("phuong",): ("phường", ("phường",)), ("p",): ("phường", ("p",)),
    ("dac", "khu"): ("đặc khu", ("đặc", "khu")),
    ("thi", "tran"): ("thị trấn", ("thị", "trấn")), ("tt",): ("thị trấn", ("tt",)),
}
_COMMUNE_PREFIX_LAST = {k[-1] for k in _COMMUNE_PREFIX}
_DISTRICT_PREFIX: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {
    ("quan",): ("quận", ("quận",)), ("q",): ("quận", ("q",)), ("huyen",): ("huyện", ("huyện",)),
    ("thi", "xa"): ("thị xã", ("thị", "xã")), ("tx",): ("thị xã", ("tx",)),
    ("thanh", "pho"): ("thành phố", ("thành", "phố")), ("tp",): ("thành phố", ("tp",)),
}
_DISTRICT_PREFIX_LAST = {k[-1] for k in _DISTRICT_PREFIX}
_Q_NUMBER = re.compile(r"q(\d{1,2})")   # "Q7", "q12"
_Q_TOKENS = frozenset(f"q{n}" for n in range(1, 13)) | frozenset(f"q0{n}" for n in range(1, 10))
# Titles before a name: "chú Thái Bình", "bà Hà Giang" are people.  After "nhà"/"quê"/"ở"
# ("nhà em Hà Giang") the name is a place again.
_TITLES = {"anh", "chị", "em", "cô", "chú", "bác", "ông", "bà", "cháu", "bạn", "tên", "thằng", "mẹ",
           "bố", "dì", "cậu", "mợ", "thím", "bé", "nàng", "chi", "chu", "ong", "ban", "thang"}
_SURNAMES = {"nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ", "hồ", "ngô",
             "dương", "lý", "tăng", "trương", "đinh", "lâm", "trịnh", "đoàn", "lương", "tạ", "quách", "đào", "kiều",
             "lưu", "văn", "thị", "nguyen", "tran", "le", "pham", "hoang", "huynh", "vu", "vo", "dang", "bui", "do",
             "ngo", "duong", "ly", "truong", "dinh", "trinh", "doan", "luong", "ta", "quach", "dao", "kieu", "luu"}
_PLACE_BEFORE_TITLE = {"nha", "que", "o", "tai", "ve", "dat"}
# words that make a province name part of something else: "công an giang hồ"
_VETO_PREV: dict[tuple[str, ...], set[str]] = {("an", "giang"): {"cong"}, ("long", "an"): {"bao"}}
# one-word commune names that are everyday words once typed without diacritics
_WORDS = {"cho", "co", "la", "va", "ma", "thi", "de", "se", "da", "di", "ve", "ra", "vao", "nay", "no", "toi",
          "minh", "ban", "em", "anh", "chi", "khong", "duoc", "roi", "len", "xuong", "noi", "hoi", "an", "o",
          "tai", "nhung", "cung", "con", "hay", "ai", "gi", "sao", "vi", "nen", "neu", "mot", "hai", "ba",
          "bon", "nam", "sau", "bay", "tam", "chin", "muoi", "lam", "dat", "nha", "nuoc", "dan", "ngay", "het"}
_VETO_NEXT: dict[tuple[str, ...], set[str]] = {("an", "giang"): {"ho"}}


class _Tokens:
    """The message's tokens three ways: accented lowercase, stripped, and original case.

    ``orig`` is only read to test capitals around a candidate place, so it is tokenised on
    first use (most messages never need it), and never for a text without a capital letter;
    the stripped tokens come from a per-token cache (chat vocabulary is Zipfian).  Together
    that halves the cost of ``locate``.
    """

    __slots__ = ("acc", "strip", "_nfc", "_orig", "_orig_done")

    def __init__(self, nfc: str, acc: list[str]) -> None:
        self.acc = acc
        self.strip = strip_tokens(acc)
        self._nfc = nfc
        self._orig: list[str] | None = None
        self._orig_done = nfc.islower()   # no capital anywhere: every test of capitals is false

    @property
    def orig(self) -> list[str] | None:
        """Tokens in their original case; None when their boundaries differ from ``acc``, or when
        the text has no capital letter (each reader then answers "not capitalised")."""
        if not self._orig_done:
            orig = _TOKEN_RE.findall(self._nfc)
            self._orig = orig if len(orig) == len(self.acc) else None
            self._orig_done = True
        return self._orig


def _tokenize(nfc: str, low: str, tokens: list[str] | None = None) -> _Tokens:
    """Tokens of ``nlu.normalize.lowered(text)``: numbers and abbreviations stay as written.
    ``tokens``: this very scan of ``low``, already done by the caller."""
    # stripping maps one letter to one letter, so token boundaries stay the same
    return _Tokens(nfc, _TOKEN_RE.findall(low.replace("’", "'")) if tokens is None else tokens)


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


def _capitalised(toks: _Tokens, i: int) -> bool:
    orig = toks.orig   # tokenised here, on first need
    return orig is not None and orig[i][:1].isupper()


def _is_person(toks: _Tokens, i: int) -> bool:
    """'chú Thái Bình': a title right before the name, and no 'nhà'/'ở' before the title;
    'Võ Thanh Bình', 'Lê Hoài Đức': a capitalised family name right before it."""
    if i == 0:
        return False
    if toks.acc[i - 1] in _SURNAMES and toks.orig is not None and toks.orig[i - 1][:1].isupper():
        return True
    if toks.acc[i - 1] not in _TITLES:
        return False
    return i < 2 or toks.strip[i - 2] not in _PLACE_BEFORE_TITLE


def _alias_ok(toks: _Tokens, i: int, n: int, a: Alias) -> bool:
    if not _accent_ok(toks, i, a.accented):
        return False
    key = tuple(toks.strip[i:i + n])
    if (i > 0 and toks.strip[i - 1] in _VETO_PREV.get(key, ())) or \
            (i + n < len(toks.strip) and toks.strip[i + n] in _VETO_NEXT.get(key, ())):
        return False
    if n >= 2 and _is_person(toks, i):
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


def _key_starts(strip: list[str], table: str, gz: Gazetteer) -> list[int]:
    """Positions where some key of the gazetteer's ``table`` really starts.  Most words that
    start a key ("ha", "nam", "an") start none in the text at hand: two set operations in C
    (one-word keys, first two words of the longer ones) find the few positions worth a look."""
    singles, heads = gz.heads[table]
    pairs = heads.intersection(zip(strip, strip[1:]))
    if not pairs and singles.isdisjoint(strip):
        return []
    firsts, last = {a for a, _ in pairs}, len(strip) - 1
    cand = singles.intersection(strip) | firsts   # one set test for the many words that start nothing
    return [k for k, t in enumerate(strip) if t in cand and (
        t in singles or (t in firsts and k < last and (t, strip[k + 1]) in pairs))]


def _province_mentions(toks: _Tokens, gz: Gazetteer, where: list[int]) -> list[_Mention]:
    """Province names at the positions ``where`` (``_key_starts``), longest first, not overlapping."""
    out: list[_Mention] = []
    starts = gz.starts["alias"]
    n_tok = len(toks.strip)
    free = 0   # first position not inside an earlier match
    for i in where:
        if i < free:
            continue
        for n in starts[toks.strip[i]]:
            if i + n > n_tok:
                continue
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
                free = i + n
                break
    return out


def _after_park_word(toks: _Tokens, i: int) -> bool:
    return any(tuple(toks.strip[i - k:i]) in PARK_PREFIXES for k in (1, 3) if i >= k)


def _landmarks(toks: _Tokens, gz: Gazetteer, where: list[int]) -> list[Landmark]:
    """Landmarks named at the positions ``where`` (``_key_starts``); a park only right after
    'KCN'/'khu công nghiệp'/..."""
    out: list[Landmark] = []
    starts = gz.starts["landmark"]
    n_tok = len(toks.strip)
    for i in where:
        for n in starts[toks.strip[i]]:
            cands = gz.landmarks.get(tuple(toks.strip[i:i + n])) if i + n <= n_tok else None
            if not cands or not _accent_ok(toks, i, cands[0].accented):
                continue
            after_park_word = _after_park_word(toks, i)
            ok = [c for c in cands if after_park_word or not c.park]
            if ok:
                out.extend(ok)
                break
    return out


def _prefix_at(toks: _Tokens, i: int, table: dict[tuple[str, ...], tuple[str, tuple[str, ...]]]) \
        -> tuple[str, int, bool] | None:
    """(kind, length, typed with diacritics) of a type word ending right before token i."""
    for k in (2, 1):
        if i - k < 0:
            continue
        hit = table.get(tuple(toks.strip[i - k:i]))
        if hit is None:
            continue
        accented = not _is_ascii_span(toks, i - k, k)
        if accented and tuple(toks.acc[i - k:i]) != hit[1]:
            continue   # "quán", "xà", "phương": not a type word
        return hit[0], k, accented
    return None


@dataclass(slots=True)
class _DistrictMention:
    pos: int
    cands: list[District]


def _district_mentions(toks: _Tokens, gz: Gazetteer, taken: set[int]) -> list[_DistrictMention]:
    """Old districts: after "quận/huyện/thị xã/tp" always; without a type word only
    names of 2+ words written with capitals ("Gò Vấp", "Củ Chi") that are not already
    a province (``taken``: where province names start)."""
    out: list[_DistrictMention] = []
    starts = gz.starts["district"]
    n_tok = len(toks.strip)
    strip = toks.strip
    maybe = _district_starts(strip, gz)
    if not maybe:
        return out
    # with no type word before it, only a capitalised name of 2+ words, not a number, names a
    # district below: looking at that first spares tokenising the original case for the many
    # bare numbers and one-word names ("2", "3", "chu", "vinh")
    where = [k for k in maybe if strip[k] in _Q_TOKENS or strip[k - 1] in _DISTRICT_PREFIX_LAST
             or (not strip[k].isdigit() and _longer_district_at(strip, k, gz) and _capitalised(toks, k))]
    for i in where:
        tok = strip[i]
        q = _Q_NUMBER.fullmatch(tok) if tok in _Q_TOKENS else None
        if q is not None:   # "Q7" written in capitals, or "ở q7"
            cands = gz.districts.get((str(int(q.group(1))),), [])
            if cands and (_has_cue(toks, i) or (toks.orig is not None and toks.orig[i][0] == "Q")):
                out.append(_DistrictMention(i, [d for d in cands if d.kind == "quận"] or cands))
            continue
        lens = starts.get(tok)
        if not lens:
            continue
        prefix = _prefix_at(toks, i, _DISTRICT_PREFIX) if i and toks.strip[i - 1] in _DISTRICT_PREFIX_LAST else None
        if prefix is None and (i == 0 or toks.orig is None or not toks.orig[i][:1].isupper()
                               or _prefix_at(toks, i, _COMMUNE_PREFIX) is not None):
            continue   # no type word and not a capitalised name (or the name of a commune: "xã Yên Phong")
        for n in lens:
            found = gz.districts.get(tuple(toks.strip[i:i + n])) if i + n <= n_tok else None
            if not found:
                continue
            cands = [d for d in found if _accent_ok(toks, i, d.body)]
            if not cands:
                continue
            numeric = tok.isdigit()
            if prefix is not None and (n >= 2 or numeric or len(tok) > 2):
                same_kind = [d for d in cands if d.kind == prefix[0]]
                out.append(_DistrictMention(i, same_kind or cands))
                break
            if prefix is None and n >= 2 and not numeric and i not in taken \
                    and _cased(toks, i, n, short=False) and not _is_person(toks, i) \
                    and (_has_cue(toks, i) or _only_a_district(gz, tuple(toks.strip[i:i + n]), cands)):
                out.append(_DistrictMention(i, cands))
                break
    return out


def _district_starts(strip: list[str], gz: Gazetteer) -> list[int]:
    """Where a district name really starts ("q7" anywhere, a name never as the first word), so
    capitals are rarely needed.  Fewer than one token in thirty starts a name: two set
    intersections in C find the candidates before any n-gram tuple is built."""
    singles, all_heads = gz.heads["district"]
    n_tok = len(strip)
    heads = all_heads.intersection(zip(strip, strip[1:]))
    if singles.isdisjoint(strip) and not heads and _Q_TOKENS.isdisjoint(strip):
        return []
    firsts = {h[0] for h in heads}
    cand = singles.intersection(strip) | firsts | _Q_TOKENS.intersection(strip)
    return [k for k, t in enumerate(strip) if t in cand and (t in _Q_TOKENS or k and (t in singles or (
        t in firsts and k + 1 < n_tok and (t, strip[k + 1]) in heads
        and any(tuple(strip[k:k + n]) in gz.districts for n in gz.starts["district"][t] if k + n <= n_tok))))]


def _longer_district_at(strip: list[str], k: int, gz: Gazetteer) -> bool:
    """A district name of 2+ words starts at token k."""
    n_tok = len(strip)
    return k + 1 < n_tok and (strip[k], strip[k + 1]) in gz.heads["district"][1] and any(
        tuple(strip[k:k + n]) in gz.districts for n in gz.starts["district"][strip[k]] if 2 <= n and k + n <= n_tok)


def _only_a_district(gz: Gazetteer, key: tuple[str, ...], cands: list[District]) -> bool:
    """Without its type word or a cue ("ở", "tại"), 'An Phú' may be the district in An Giang or the
    ward in Thủ Đức: take it only when no ward (phường, thị trấn) of another province has that name."""
    provinces = {d.province_code for d in cands}
    # only urban names compete: a rural "xã" of the same name elsewhere is too obscure to matter
    return all(c.province_code in provinces for c in gz.communes_by_body.get(key, ()) if c.kind != "xã") and \
        all(w.province_code in provinces for w in gz.old_wards.get(key, ()) if w.kind != "xã")


@dataclass(slots=True)
class _CommuneMention:
    kind: str
    accented_prefix: bool
    new: list[Commune]        # current communes with that name
    old: list[Commune]        # communes that pre-2025 units of that name became (unsplit)
    old_split: set[int]       # provinces where a pre-2025 unit of that name was split
    districts: list[str]      # old district of each ``old`` entry
    strong: bool              # 2+ words, one word typed with diacritics ("xã Chờ", not "xa cho"), or
                              # after a two-word type ("thi tran cho")
    word: str                 # the name's first token, stripped


def _commune_mentions(toks: _Tokens, gz: Gazetteer) -> list[_CommuneMention]:
    """'xã X' / 'P.Y' / 'thị trấn Z': current communes and pre-2025 ones, longest name first."""
    out: list[_CommuneMention] = []
    n_tok = len(toks.strip)
    for i in [k + 1 for k, t in enumerate(toks.strip[:-1]) if t in _COMMUNE_PREFIX_LAST]:
        if toks.strip[i - 2:i] == ["thi", "xa"]:
            continue
        prefix = _prefix_at(toks, i, _COMMUNE_PREFIX)
        if prefix is None:
            continue
        kind = prefix[0]
        for n in range(min(max(gz.max_body_len, 4), n_tok - i), 0, -1):
            key = tuple(toks.strip[i:i + n])
            new = [c for c in gz.communes_by_body.get(key, ()) if _accent_ok(toks, i, c.body)]
            olds = [w for w in gz.old_wards.get(key, ()) if _accent_ok(toks, i, w.body)]
            if not new and not olds:
                continue
            new = [c for c in new if c.kind == kind] or new
            olds = [w for w in olds if w.kind == kind] or olds
            old_ok = [w for w in olds if w.commune_code is not None]
            out.append(_CommuneMention(
                kind, prefix[2], new, [gz.commune_by_code[w.commune_code] for w in old_ok if w.commune_code],
                {w.province_code for w in olds if w.commune_code is None}, [w.district for w in old_ok],
                n >= 2 or toks.acc[i] != toks.strip[i] or prefix[1] == 2, toks.strip[i]))
            break
    return out


def _commune_in_province(toks: _Tokens, gz: Gazetteer, code: int, communes: list[_CommuneMention],
                         district: District | None, landmark: Landmark | None, loose: bool) -> Commune | None:
    for m in communes:
        if not m.strong and m.word in _WORDS:
            continue   # "xa cho vay": "cho" is a word, not "Chờ"
        inside = [c for c in m.new if c.province_code == code]
        if inside:
            return inside[0]
        old = [(c, d) for c, d in zip(m.old, m.districts) if c.province_code == code]
        if district is not None:
            old = [(c, d) for c, d in old if d == district.name] or old
        if len({c.code for c, _ in old}) == 1:
            return old[0][0]
    if district is not None and len(district.communes) == 1:
        return gz.commune_by_code.get(district.communes[0])
    if landmark is not None and landmark.commune is not None:
        return next((c for c in gz.communes_by_province.get(code, ()) if c.name == landmark.commune), None)
    if not loose:
        return None
    # no type word: "hoan kiem", "Tân Hội" -- only for names of 2+ words, or when
    # the whole text is the name
    n_tok = len(toks.strip)
    for i in range(n_tok):
        if _prefix_at(toks, i, _DISTRICT_PREFIX) is not None or _after_park_word(toks, i):
            continue   # "huyện Yên Phong", "KCN Quế Võ" are not the commune of that name
        for n in range(min(gz.max_body_len, n_tok - i), 0, -1):
            cands = gz.communes_by_body.get(tuple(toks.strip[i:i + n]))
            if not cands:
                continue
            inside = [c for c in cands if c.province_code == code and _accent_ok(toks, i, c.body)]
            if inside and (n >= 2 or n_tok <= n + 1):
                return inside[0]
            break
    return None


def _province_of_commune(communes: list[_CommuneMention]) -> Commune | None:
    """A commune named in free text decides the province only when its name is in one province."""
    for m in communes:
        cands = m.new + m.old
        codes = {c.province_code for c in cands} | m.old_split
        if cands and len(codes) == 1 and m.strong:
            return m.new[0] if m.new else (m.old[0] if len({c.code for c in m.old}) == 1 else None)
    return None


def _pick_district(districts: list[_DistrictMention], code: int | None) -> District | None:
    """The first old district in province ``code``; with no province, one of a single province."""
    for m in districts:
        if code is not None:
            inside = [d for d in m.cands if d.province_code == code]
            if inside:
                return inside[0]
        elif len({d.province_code for d in m.cands}) == 1:
            return m.cands[0]
    return None


def locate(text: str, province: str | None = None) -> Location:
    """Province/commune named in ``text``; with ``province`` given, find a commune of it."""
    nfc, low = lowered(text)
    return locate_lowered(nfc, low, province)


def locate_lowered(nfc: str, low: str, province: str | None = None, tokens: list[str] | None = None) -> Location:
    """``locate`` for ``nlu.normalize.lowered(text)``, which ``NLU.analyse`` shares with ``normalize``
    (``tokens``: the locator's tokens of ``low`` when the caller has them, ``nlu.text.Prepared``)."""
    gz = gazetteer()
    toks = _tokenize(nfc, low, tokens)
    words = set(toks.strip)   # each finder scans the tokens only when one of its first words is there
    where = _key_starts(toks.strip, "alias", gz)
    mentions = _province_mentions(toks, gz, where) if where else []
    where = _key_starts(toks.strip, "landmark", gz)
    landmarks = _landmarks(toks, gz, where) if where else []
    communes = [] if _COMMUNE_PREFIX_LAST.isdisjoint(words) else _commune_mentions(toks, gz)
    districts = [] if gz.starts["district"].keys().isdisjoint(words) and _Q_TOKENS.isdisjoint(words) \
        else _district_mentions(toks, gz, {m.pos for m in mentions})

    old: str | None = None
    code: int | None = None
    if province is not None:
        prov = gz.province_by_name(province)
        if prov is not None:
            code = prov.code
            old = next((m.alias.old_province for m in mentions
                        if m.alias.province_code == code and m.alias.old_province), None)
    if code is None and mentions:
        best = max(mentions, key=lambda m: (m.score, -m.pos))
        code, old = best.alias.province_code, best.alias.old_province
    landmark: Landmark | None = None
    if landmarks:
        if code is None:
            landmark = landmarks[0]
            code = gz.province_by_name(landmark.province).code  # type: ignore[union-attr]
            old = landmark.old_province
        else:
            landmark = next((lm for lm in landmarks if gz.province_by_name(lm.province) == gz.by_code[code]), None)
    if code is None:
        c = _province_of_commune(communes)
        if c is not None:
            d = _pick_district(districts, c.province_code)
            p = gz.by_code[c.province_code]
            return Location(p.name, p.code, c.name, c.code, d.old_province if d else None, d.name if d else None)
    district = _pick_district(districts, code)
    if code is None and district is not None:
        code, old = district.province_code, district.old_province
    if code is None:
        return EMPTY_LOCATION
    p = gz.by_code[code]
    c = _commune_in_province(toks, gz, code, communes, district, landmark, loose=province is not None)
    return Location(p.name, p.code, c.name if c else None, c.code if c else None, old,
                    district.name if district else None, landmark.name if landmark else None)
