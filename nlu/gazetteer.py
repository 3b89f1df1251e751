"""The 34 provinces, 3,321 communes and the 63 old provinces, built from packages.

Sources (no network, ~60 ms, cached per process):
  * vietnam_provinces NESTED_DIVISIONS_JSON_PATH: the 2025 provinces and wards
    with official codes;
  * vietnamadminunits data/converter_2025.json DICT_PROVINCE: which old
    provinces each new one absorbed (squashed ascii keys like 'tinhbinhduong');
  * vietnamadminunits data/parser_legacy.json DICT_PROVINCE: the accented
    display name of each old key ('tinhbinhduong' -> 'Bình Dương').

Every alias is stored as a tuple of diacritic-stripped tokens (the look-up key)
plus the accented tokens, so the matcher can accept "binh duong" typed without
diacritics but refuse "hòa bình" when the alias is "Hòa Bình" only as a
province, see ``locate``.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .normalize import fix_tone_placement, strip_diacritics

if TYPE_CHECKING:
    from .landmarks import Landmark
    from .oldunits import District, OldWard

__all__ = ["Province", "Commune", "Alias", "Gazetteer", "gazetteer", "split_tokens", "squash", "strip_key"]

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def split_tokens(text: str) -> list[str]:
    """Lowercase NFC tokens with canonical tone placement (keeps digits)."""
    t = fix_tone_placement(unicodedata.normalize("NFC", text).lower())
    return [tok.replace("’", "'") for tok in _TOKEN_RE.findall(t)]


def strip_key(tokens: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Look-up key of a token sequence: its tokens without diacritics."""
    return tuple(strip_diacritics(t) for t in tokens)


def squash(name: str) -> str:
    """'Tỉnh Bình Dương' -> 'tinhbinhduong' (vietnamadminunits key style)."""
    return re.sub(r"[^a-z0-9]", "", strip_diacritics(unicodedata.normalize("NFC", name).lower()))


@dataclass(frozen=True, slots=True)
class Province:
    name: str          # canonical, as in domains.md
    code: int
    full_name: str     # as in vietnam_provinces ("Thành phố Hà Nội")


@dataclass(frozen=True, slots=True)
class Commune:
    name: str          # "Phường Hoàn Kiếm"
    code: int
    province_code: int
    kind: str          # "xã" | "phường" | "đặc khu"
    body: tuple[str, ...]   # accented tokens of the name without its type word


@dataclass(frozen=True, slots=True)
class Alias:
    """One way of writing a province (new, old, short form or big city)."""

    accented: tuple[str, ...]
    province_code: int
    old_province: str | None = None
    guard: str = "none"   # "none" | "ascii" (needs a cue when typed without diacritics) | "always"


@dataclass
class Gazetteer:
    provinces: list[Province]
    by_code: dict[int, Province]
    aliases: dict[tuple[str, ...], list[Alias]]        # stripped tokens -> aliases
    communes_by_body: dict[tuple[str, ...], list[Commune]]  # stripped body -> communes
    communes_by_province: dict[int, list[Commune]] = field(default_factory=dict)
    # old (pre-2025) districts and wards, stripped body -> units (vietnamadminunits)
    districts: dict[tuple[str, ...], list[District]] = field(default_factory=dict)
    old_wards: dict[tuple[str, ...], list[OldWard]] = field(default_factory=dict)
    landmarks: dict[tuple[str, ...], list[Landmark]] = field(default_factory=dict)
    commune_by_code: dict[int, Commune] = field(default_factory=dict)
    # first stripped token -> lengths (longest first) of the keys starting with it, per table:
    # the matcher only builds tuples where something can start
    starts: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    max_alias_len: int = 1
    max_body_len: int = 1
    max_district_len: int = 1
    # per table, the keys of one word ("7", "pleiku", "hn") and the first two words of the longer
    # ones: where any key starts in a text is then set look-ups in C, not n-gram tuples
    heads: dict[str, tuple[frozenset[str], frozenset[tuple[str, str]]]] = field(default_factory=dict)

    def province_by_name(self, name: str) -> Province | None:
        """Canonical name, full name or any unguarded alias -> Province."""
        for p in self.provinces:
            if name in (p.name, p.full_name):
                return p
        toks = tuple(strip_diacritics(t) for t in split_tokens(name))
        for a in self.aliases.get(toks, []):
            if a.old_province is None:
                return self.by_code[a.province_code]
        return None


def _canonical(full: str) -> str:
    if full == "Thành phố Hồ Chí Minh":
        return "TP Hồ Chí Minh"
    return full.removeprefix("Thành phố ").removeprefix("Tỉnh ")


# Short forms and big-city names that people use for a province.  Guarded ones
# collide with everyday words/abbreviations ("hn" is also "hôm nay", "dn"
# "doanh nghiệp", "ct" "công ty", "bn" "bao nhiêu", "hp" "học phí") and need a
# location cue before them ("ở hn", "tại đn") or upper case ("HN").
_EXTRA_ALIASES: list[tuple[str, str, str | None, str]] = [
    # alias, new province, old province, guard
    ("hcm", "TP Hồ Chí Minh", None, "none"),
    ("tphcm", "TP Hồ Chí Minh", None, "none"),
    ("tp hcm", "TP Hồ Chí Minh", None, "none"),
    ("hồ chí minh", "TP Hồ Chí Minh", None, "none"),
    ("sài gòn", "TP Hồ Chí Minh", None, "none"),
    ("sg", "TP Hồ Chí Minh", None, "ascii"),
    ("hn", "Hà Nội", None, "always"),
    ("hà lội", "Hà Nội", None, "none"),
    ("đn", "Đà Nẵng", None, "always"),
    ("dn", "Đà Nẵng", None, "always"),
    ("hp", "Hải Phòng", None, "always"),
    ("ct", "Cần Thơ", None, "always"),
    ("bn", "Bắc Ninh", None, "always"),
    ("thừa thiên huế", "Huế", None, "none"),
    ("tt huế", "Huế", None, "none"),
    ("brvt", "TP Hồ Chí Minh", "Bà Rịa - Vũng Tàu", "none"),
    ("bà rịa vũng tàu", "TP Hồ Chí Minh", "Bà Rịa - Vũng Tàu", "none"),
    ("vũng tàu", "TP Hồ Chí Minh", "Bà Rịa - Vũng Tàu", "none"),
    ("bà rịa", "TP Hồ Chí Minh", "Bà Rịa - Vũng Tàu", "none"),
    ("đắc lắc", "Đắk Lắk", None, "none"),
    ("daklak", "Đắk Lắk", None, "none"),
    ("đắk nông", "Lâm Đồng", "Đắk Nông", "none"),
    ("đắc nông", "Lâm Đồng", "Đắk Nông", "none"),
    ("kontum", "Quảng Ngãi", "Kon Tum", "none"),
    # big cities (former provincial capitals and famous towns)
    ("thủ đức", "TP Hồ Chí Minh", None, "none"),
    ("thủ dầu một", "TP Hồ Chí Minh", "Bình Dương", "none"),
    ("biên hòa", "Đồng Nai", None, "none"),
    ("nha trang", "Khánh Hòa", None, "none"),
    ("cam ranh", "Khánh Hòa", None, "none"),
    ("phan rang", "Khánh Hòa", "Ninh Thuận", "none"),
    ("đà lạt", "Lâm Đồng", None, "none"),
    ("bảo lộc", "Lâm Đồng", None, "none"),
    ("phan thiết", "Lâm Đồng", "Bình Thuận", "none"),
    ("buôn ma thuột", "Đắk Lắk", None, "none"),
    ("buôn mê thuột", "Đắk Lắk", None, "none"),
    ("tuy hòa", "Đắk Lắk", "Phú Yên", "none"),
    ("quy nhơn", "Gia Lai", "Bình Định", "none"),
    ("pleiku", "Gia Lai", None, "none"),
    ("hội an", "Đà Nẵng", "Quảng Nam", "none"),
    ("tam kỳ", "Đà Nẵng", "Quảng Nam", "none"),
    ("hạ long", "Quảng Ninh", None, "none"),
    ("móng cái", "Quảng Ninh", None, "none"),
    ("sa pa", "Lào Cai", None, "none"),
    ("sapa", "Lào Cai", None, "none"),
    ("phú quốc", "An Giang", "Kiên Giang", "none"),
    ("rạch giá", "An Giang", "Kiên Giang", "none"),
    ("long xuyên", "An Giang", None, "none"),
    ("châu đốc", "An Giang", None, "none"),
    ("mỹ tho", "Đồng Tháp", "Tiền Giang", "none"),
    ("cao lãnh", "Đồng Tháp", None, "none"),
    ("sa đéc", "Đồng Tháp", None, "none"),
    ("đồng hới", "Quảng Trị", "Quảng Bình", "none"),
    ("vĩnh yên", "Phú Thọ", "Vĩnh Phúc", "none"),
    ("việt trì", "Phú Thọ", None, "none"),
    ("bắc giang", "Bắc Ninh", "Bắc Giang", "none"),
    ("phủ lý", "Ninh Bình", "Hà Nam", "none"),
    ("hải dương", "Hải Phòng", "Hải Dương", "ascii"),
]

# Province names that are also ordinary words once diacritics are gone
# ("hai phòng" = two rooms, "làm đồng" = to work the fields, "hòa bình" =
# peace even with diacritics).
_ASCII_GUARDED = {"hai phong", "lam dong", "hai duong", "hue", "ha nam", "long an",
                  "thai binh", "binh dinh", "ben tre", "vinh long", "tay ninh"}
_ALWAYS_GUARDED = {"hoa binh"}


def _package_dir(name: str) -> Path:
    """Locate a package's folder without importing it.

    Importing vietnamadminunits costs ~0.5 s (it loads geopy, pandas-like
    parsers); we only need its JSON files.
    """
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"package {name!r} is required for the gazetteer")
    return Path(list(spec.submodule_search_locations)[0])


def _data_paths() -> tuple[Path, Path, Path]:
    vp = _package_dir("vietnam_provinces") / "data" / "nested-divisions.json"
    base = _package_dir("vietnamadminunits") / "data"
    return vp, base / "converter_2025.json", base / "parser_legacy.json"


def _guard_for(stripped: str) -> str:
    if stripped in _ALWAYS_GUARDED:
        return "always"
    if stripped in _ASCII_GUARDED:
        return "ascii"
    return "none"


def _starts(table: dict[tuple[str, ...], Any]) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for key in table:
        lengths.setdefault(key[0], set()).add(len(key))
    return {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Build (once per process) the gazetteer from the installed packages."""
    nested_path, conv_path, legacy_path = _data_paths()
    nested = json.loads(nested_path.read_text(encoding="utf-8"))
    conv = json.loads(conv_path.read_text(encoding="utf-8"))["DICT_PROVINCE"]
    legacy_all = json.loads(legacy_path.read_text(encoding="utf-8"))
    legacy = legacy_all["DICT_PROVINCE"]

    provinces: list[Province] = []
    communes_by_body: dict[tuple[str, ...], list[Commune]] = {}
    communes_by_province: dict[int, list[Commune]] = {}
    for p in nested:
        prov = Province(_canonical(p["name"]), int(p["code"]), p["name"])
        provinces.append(prov)
        for w in p["wards"]:
            kind = w["division_type"]
            name = " ".join(w["name"].split())   # the package has "Phường  Tân Lập"
            body_text = name[len(kind):].strip() if name.lower().startswith(kind) else name.split(" ", 1)[-1]
            body = tuple(split_tokens(body_text))
            c = Commune(name, int(w["code"]), prov.code, kind, body)
            communes_by_body.setdefault(tuple(strip_diacritics(t) for t in body), []).append(c)
            communes_by_province.setdefault(prov.code, []).append(c)
    by_code = {p.code: p for p in provinces}
    by_squash = {squash(p.full_name): p for p in provinces}
    by_squash.update({"tinh" + squash(p.name): p for p in provinces})

    aliases: dict[tuple[str, ...], list[Alias]] = {}

    def add(text: str, code: int, old: str | None, guard: str) -> None:
        acc = tuple(split_tokens(text))
        key = tuple(strip_diacritics(t) for t in acc)
        if guard == "none":
            guard = _guard_for(" ".join(key))
        lst = aliases.setdefault(key, [])
        if all(a.accented != acc or a.province_code != code for a in lst):
            lst.append(Alias(acc, code, old, guard))

    for p in provinces:
        add(p.name, p.code, None, "none")
        add(p.full_name, p.code, None, "none")
        kind = "thành phố" if p.full_name.startswith("Thành phố") else "tỉnh"
        add(f"{kind} {p.name}", p.code, None, "none")
        if kind == "thành phố":
            add(f"tp {p.name}", p.code, None, "none")
    # old provinces -> new ones
    for new_key, old_keys in conv.items():
        new = by_squash[new_key]
        for old_key in old_keys:
            info = legacy.get(old_key)
            if info is None:
                continue
            old_name = info["provinceShort"]
            if squash(old_name) == squash(new.name):
                continue
            add(old_name, new.code, old_name, "none")
            add(info["province"], new.code, old_name, "none")
    for text, new_name, old, guard in _EXTRA_ALIASES:
        prov = next(p for p in provinces if p.name == new_name)
        add(text, prov.code, old, guard)

    # old districts and wards ("quận 7", "huyện Yên Phong", "thị trấn Chờ") -> new units
    from .landmarks import load_landmarks
    from .oldunits import build_old_units

    old_to_new = {old: by_squash[new] for new, olds in conv.items() for old in olds}
    old_label = {k: (None if k in (squash(n.full_name), "tinh" + squash(n.name)) else legacy[k]["provinceShort"])
                 for k, n in old_to_new.items() if k in legacy}
    commune_by_code = {c.code: c for cs in communes_by_province.values() for c in cs}
    units = build_old_units(conv_path.parent, legacy_all, {k: n.code for k, n in old_to_new.items()},
                          {k: by_squash[k].code for k in conv}, old_label, commune_by_code)
    landmarks = load_landmarks()
    districts = units.districts
    starts = {name: _starts(table) for name, table in (
        ("alias", aliases), ("district", districts), ("landmark", landmarks))}

    return Gazetteer(
        districts=districts,
        old_wards=units.wards,
        landmarks=landmarks,
        commune_by_code=commune_by_code,
        starts=starts,
        max_district_len=max(len(k) for k in districts),
        heads={name: (frozenset(k[0] for k in table if len(k) == 1), frozenset((k[0], k[1]) for k in table if len(k) > 1))
               for name, table in (("alias", aliases), ("district", districts), ("landmark", landmarks))},
        provinces=provinces,
        by_code=by_code,
        aliases=aliases,
        communes_by_body=communes_by_body,
        communes_by_province=communes_by_province,
        max_alias_len=max(len(k) for k in aliases),
        max_body_len=max(len(k) for k in communes_by_body),
    )
