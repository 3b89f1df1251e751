"""Where the 34 provinces are, for the public map, from packages only (no download, no tile server).

No package we can use ships licence-clean *boundaries* of the 34 provinces formed on 1 July 2025,
so the map says honestly what it has:
- a point per province: its coordinates in `vietnamadminunits` (MIT), joined to our province
  names by the official province code;
- an approximate area per province: the convex hull of its communes' centres (same package), with
  communes far out at sea (Trường Sa, Hoàng Sa, Bạch Long Vĩ...) left out so a hull does not span
  the sea. Hulls are drawn as a pale background only: they are not borders and may overlap.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.gazetteer import gazetteer

OFFSHORE_KM = 110.0   # a commune centre farther than this from its province's point is an island


@dataclass(frozen=True, slots=True)
class ProvincePlace:
    name: str
    code: int
    lat: float
    lon: float
    outline: tuple[tuple[float, float], ...]   # (lon, lat) ring of the approximate area


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """Andrew's monotone chain; a closed ring, as GeoJSON wants."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return tuple(pts)
    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    ring = lower[:-1] + upper[:-1]
    return (*ring, ring[0])


def _package_data() -> dict[str, Any]:
    import vietnamadminunits

    path = Path(vietnamadminunits.__file__).parent / "data" / "parser_from_2025.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def province_places() -> tuple[ProvincePlace, ...]:
    data = _package_data()
    ours = {p.code: p.name for p in gazetteer().provinces}
    places = []
    for key, info in data["DICT_PROVINCE"].items():
        code = int(info["provinceCode"])
        lat, lon = float(info["provinceLat"]), float(info["provinceLon"])
        wards = data["DICT_PROVINCE_WARD_NO_ACCENTED"].get(key, {}).values()
        near = [(float(w["wardLon"]), float(w["wardLat"])) for w in wards
                if w.get("wardLat") is not None and _km(lat, lon, float(w["wardLat"]), float(w["wardLon"])) <= OFFSHORE_KM]
        places.append(ProvincePlace(ours.get(code, info["provinceShort"]), code, lat, lon, convex_hull(near)))
    return tuple(sorted(places, key=lambda p: p.code))


def outline_geojson() -> dict[str, Any]:
    """The approximate areas as one GeoJSON FeatureCollection (property `name`)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": p.name},
         "geometry": {"type": "Polygon", "coordinates": [[list(pt) for pt in p.outline]]}}
        for p in province_places() if len(p.outline) >= 4]}
