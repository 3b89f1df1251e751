"""Pre-2025 districts and communes, and the new communes each of them became.

People still write the units the 2025 reform abolished: "quận 7", "huyện Yên Phong",
"thị trấn Chờ", "xã Hòa Bắc".  The maintained package vietnamadminunits ships the
official conversion (data/converter_2025.json, built from the National Assembly's
resolutions): for every new commune, the old ``province_district_ward`` keys it absorbed,
and for every old ward that was split, its new wards.  From it and the package's legacy
names (data/parser_legacy.json) we build, without importing the package:

  * ``District``: an old district (or district-level town/city) with the new province and
    the new communes its territory now lies in;
  * ``OldWard``: an old commune/ward/township with the new commune it became (``None``
    when it was split between several).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gazetteer import Commune, split_tokens, squash, strip_key

__all__ = ["District", "OldWard", "OldUnits", "build_old_units"]


@dataclass(frozen=True, slots=True)
class District:
    """An abolished district-level unit ("Huyện Yên Phong") and where it went."""

    name: str                  # "Huyện Yên Phong", "Quận 7"
    kind: str                  # "quận" | "huyện" | "thị xã" | "thành phố"
    body: tuple[str, ...]      # accented tokens without the type word: ("yên", "phong"), ("7",)
    province_code: int         # the new province
    old_province: str | None   # the old province when it differs from the new one's name
    communes: tuple[int, ...]  # codes of the new communes its territory now lies in


@dataclass(frozen=True, slots=True)
class OldWard:
    """An abolished commune/ward/township ("Thị trấn Chờ") and the new commune it became."""

    name: str
    kind: str                  # "xã" | "phường" | "thị trấn"
    body: tuple[str, ...]
    district: str              # name of its old district
    province_code: int
    commune_code: int | None   # None when the old ward was split between new communes


@dataclass
class OldUnits:
    districts: dict[tuple[str, ...], list[District]]   # stripped body -> districts
    wards: dict[tuple[str, ...], list[OldWard]]        # stripped body -> old wards


def _body(short: str, kind: str) -> tuple[str, ...]:
    if short.lower().startswith(kind):                 # "Quận 1": the body is the number
        short = short[len(kind):]
    return tuple(split_tokens(short))


def _is_name(v: Any) -> bool:
    return isinstance(v, str) or not (isinstance(v, float) and math.isnan(v))


def build_old_units(base: Path, legacy: dict[str, Any], new_code_of: dict[str, int], new_province: dict[str, int],
                    old_label: dict[str, str | None], communes: dict[int, Commune]) -> OldUnits:
    """Index old districts and wards.

    ``new_code_of``: old province key ('tinhbinhduong') -> new province code;
    ``new_province``: new province key ('thanhphodanang') -> its code;
    ``old_label``: old province key -> its name when it is not the new province's name.
    """
    conv = json.loads((base / "converter_2025.json").read_text(encoding="utf-8"))
    from2025 = json.loads((base / "parser_from_2025.json").read_text(encoding="utf-8"))

    # the two packages number ~100 wards differently: fall back to the name in the province
    by_name = {(c.province_code, squash(c.name)): c.code for c in communes.values()}

    def new_ward_code(prov_key: str, ward_key: str) -> int | None:
        for table in ("DICT_PROVINCE_WARD_NO_ACCENTED", "DICT_PROVINCE_WARD_ACCENTED"):
            info = from2025[table].get(prov_key, {}).get(ward_key)
            if info is not None:
                code = int(info["wardCode"])
                if code in communes and squash(communes[code].name) == squash(info["ward"]):
                    return code
                return by_name.get((new_province.get(prov_key, -1), squash(info["ward"])))
        return None

    # old ward key -> new commune codes it went to
    targets: dict[str, list[int]] = {}
    for prov_key, new_wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in new_wards.items():
            code = new_ward_code(prov_key, ward_key)
            if code is not None:
                for old in olds:
                    targets.setdefault(old, []).append(code)
    for prov_key, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for n in news:
                code = new_ward_code(prov_key, n["newWardKey"])
                if code is not None:
                    targets.setdefault(old, []).append(code)

    districts: dict[tuple[str, ...], list[District]] = {}
    wards: dict[tuple[str, ...], list[OldWard]] = {}
    ward_tables = (legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"], legacy["DICT_PROVINCE_DISTRICT_WARD_ACCENTED"])
    for prov_key, dists in legacy["DICT_PROVINCE_DISTRICT"].items():
        prov_code = new_code_of.get(prov_key)
        if prov_code is None:
            continue
        for dist_key, info in dists.items():
            kind = info["districtType"].lower()
            dist_codes: set[int] = set()
            for table in ward_tables:
                for ward_key, w in table.get(prov_key, {}).get(dist_key, {}).items():
                    codes = sorted(set(targets.get(f"{prov_key}_{dist_key}_{ward_key}", ())))
                    dist_codes.update(codes)
                    if not _is_name(w.get("ward")) or not codes:
                        continue
                    wkind = str(w["wardType"]).lower()
                    wbody = _body(str(w["wardShort"]), wkind)
                    ow = OldWard(" ".join(str(w["ward"]).split()), wkind, wbody, info["district"], prov_code,
                                 codes[0] if len(codes) == 1 else None)
                    wards.setdefault(strip_key(wbody), []).append(ow)
            body = _body(info["districtShort"], kind)
            if not body:
                continue
            d = District(info["district"], kind, body, prov_code, old_label.get(prov_key), tuple(sorted(dist_codes)))
            districts.setdefault(strip_key(body), []).append(d)
            # "quận 2", "quận 9": numbered districts merged before 2025 (into Thủ Đức)
            for kw in info["districtKeywords"]:
                num = kw.removeprefix("quan")
                if kw.startswith("quan") and num.isdigit() and not body[-1].isdigit():
                    alias = District(info["district"], "quận", (str(int(num)),), prov_code, d.old_province, d.communes)
                    if alias not in districts.setdefault(alias.body, []):
                        districts[alias.body].append(alias)
    return OldUnits(districts, wards)
