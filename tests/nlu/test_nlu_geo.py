"""A shared location becomes a province and commune offline, also near a provincial border."""
from __future__ import annotations

import pytest

from nlu.geo import locate_point


@pytest.mark.parametrize("lat, lon, province, commune", [
    (21.0285, 105.8542, "Hà Nội", "Phường Hoàn Kiếm"),             # Hoàn Kiếm lake
    (10.7769, 106.7009, "TP Hồ Chí Minh", "Phường Sài Gòn"),       # District 1 of old
    (16.0544, 108.2022, "Đà Nẵng", None),
    (22.3364, 103.8438, "Lào Cai", "Phường Sa Pa"),
    (10.0452, 105.7469, "Cần Thơ", None),
    # Từ Sơn, a few kilometres from Hà Nội's Đông Anh across the border: still Bắc Ninh
    (21.1167, 105.9667, "Bắc Ninh", "Phường Từ Sơn"),
    # Thủ Dầu Một: old Bình Dương, now part of TP Hồ Chí Minh, next to Đồng Nai
    (10.98, 106.65, "TP Hồ Chí Minh", "Phường Thủ Dầu Một"),
])
def test_points_in_five_provinces(lat: float, lon: float, province: str, commune: str | None) -> None:
    place = locate_point(lat, lon)
    assert place is not None and place.province == province and place.commune
    if commune:
        assert place.commune == commune


@pytest.mark.parametrize("lat, lon", [(21.0, 117.9), (48.85, 2.35), (0.0, 0.0), (13.75, 100.5)])
def test_points_outside_vietnam_give_no_place(lat: float, lon: float) -> None:
    assert locate_point(lat, lon) is None
