"""A shared location (latitude, longitude) -> province and commune, offline.

The nearest commune centroid wins.  Centroids come from the maintained `vietnamadminunits`
package (post-2025 wards with their latitude/longitude); names and codes are our gazetteer's,
joined on the official commune code.  Nearest-centroid is exact far from borders and within one
commune near them, which is all routing needs: a citizen may correct the commune afterwards.
A point outside Vietnam's extent (plus a margin) gives no location rather than a wrong one.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from .gazetteer import Commune, gazetteer
from .types import Location

__all__ = ["locate_point"]

# Vietnam, islands included, with a margin: nothing outside is "nearest" to a Vietnamese commune
_LAT_RANGE, _LON_RANGE = (7.0, 24.0), (101.5, 118.0)
_MAX_KM = 60.0


@lru_cache(maxsize=1)
def _points() -> tuple[np.ndarray, np.ndarray, list[Commune]]:
    """(latitudes, longitudes in radians, communes) for every commune with a centroid."""
    import vietnamadminunits

    data_file = Path(vietnamadminunits.__file__).parent / "data" / "parser_from_2025.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    known = {c.code: c for cs in gazetteer().communes_by_province.values() for c in cs}
    lats: list[float] = []
    lons: list[float] = []
    keys: list[Commune] = []
    for wards in data["DICT_PROVINCE_WARD_NO_ACCENTED"].values():
        for ward in wards.values():
            code = int(ward["wardCode"])
            if code in known and ward.get("wardLat") is not None:
                lats.append(math.radians(ward["wardLat"]))
                lons.append(math.radians(ward["wardLon"]))
                keys.append(known[code])
    return np.array(lats), np.array(lons), keys


def locate_point(latitude: float, longitude: float) -> Location | None:
    """The commune whose centroid is nearest (haversine), or None outside Vietnam."""
    if not (_LAT_RANGE[0] <= latitude <= _LAT_RANGE[1] and _LON_RANGE[0] <= longitude <= _LON_RANGE[1]):
        return None
    lats, lons, keys = _points()
    lat, lon = math.radians(latitude), math.radians(longitude)
    a = np.sin((lats - lat) / 2) ** 2 + math.cos(lat) * np.cos(lats) * np.sin((lons - lon) / 2) ** 2
    best = int(np.argmin(a))
    distance_km = 2 * 6371.0 * math.asin(math.sqrt(float(a[best])))
    if distance_km > _MAX_KM:
        return None
    commune = keys[best]
    province = gazetteer().by_code[commune.province_code]
    return Location(province.name, province.code, commune.name, commune.code, None)
