import pytest

import nlu
from nlu.locate import locate


def test_provinces_are_the_34():
    ps = nlu.provinces()
    assert len(ps) == 34
    names = {n for n, _ in ps}
    for n in ("Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "TP Hồ Chí Minh", "Cần Thơ", "Khánh Hòa",
              "Thanh Hóa", "Đắk Lắk", "An Giang"):
        assert n in names
    assert ps == nlu.provinces()   # stable order
    assert dict(ps)["Hà Nội"] == 1


@pytest.mark.parametrize("text, province", [
    ("Tôi ở Lạng Sơn, đất đai chưa có sổ", "Lạng Sơn"),
    ("ho tieu o gia lai chet hang loat", "Gia Lai"),
    ("mưa lũ ở Khánh Hoà", "Khánh Hòa"),
    ("ở thừa thiên huế", "Huế"),
    ("đường hỏng ở tp.hcm", "TP Hồ Chí Minh"),
])
def test_new_province_names(text, province):
    assert locate(text).province == province


@pytest.mark.parametrize("text, province, old", [
    ("cty o Binh Duong no luong", "TP Hồ Chí Minh", "Bình Dương"),
    ("Tôi ở Hà Giang", "Tuyên Quang", "Hà Giang"),
    ("lũ ở Quảng Nam", "Đà Nẵng", "Quảng Nam"),
    ("nha em o ba ria vung tau", "TP Hồ Chí Minh", "Bà Rịa - Vũng Tàu"),
    ("Kiên Giang mất mùa", "An Giang", "Kiên Giang"),
    ("tinh hai duong", "Hải Phòng", "Hải Dương"),
])
def test_old_province_maps_to_new(text, province, old):
    loc = locate(text)
    assert (loc.province, loc.old_province) == (province, old)


@pytest.mark.parametrize("text, province", [
    ("cty o hcm no luong", "TP Hồ Chí Minh"), ("tphcm", "TP Hồ Chí Minh"),
    ("làm ở tp hcm", "TP Hồ Chí Minh"), ("sài gòn ngập", "TP Hồ Chí Minh"),
    ("tôi ở hn", "Hà Nội"), ("nhà ở ĐN", "Đà Nẵng"), ("tai hp", "Hải Phòng"),
])
def test_short_forms(text, province):
    assert locate(text).province == province


@pytest.mark.parametrize("text", [
    "hn lương chưa về",          # hn = hôm nay
    "dn nợ lương công nhân",      # dn = doanh nghiệp
    "ct không đóng bhxh",         # ct = công ty
    "chúng tôi có hai phòng trọ",
    "đi làm đồng cả ngày", "di lam dong ca ngay",
    "mong cho hòa bình",
    "Huệ ơi cho hỏi",
    "xin chào bot",
    "xã hội bây giờ loạn quá",
])
def test_no_false_province(text):
    assert locate(text).province is None


@pytest.mark.parametrize("text, province, commune", [
    ("phuong hoan kiem", "Hà Nội", "Phường Hoàn Kiếm"),
    ("xã Tân Hội", "Lâm Đồng", "Xã Tân Hội"),
    ("hoan kiem", "Hà Nội", "Phường Hoàn Kiếm"),
    ("Phường Hoàn Kiếm, ổ gà to", "Hà Nội", "Phường Hoàn Kiếm"),
])
def test_commune_inside_given_province(text, province, commune):
    loc = locate(text, province)
    assert loc.province == province and loc.commune == commune and loc.commune_code


def test_commune_in_free_text_implies_province():
    loc = locate("đường ở phường Hoàn Kiếm bị hỏng")
    assert loc.province == "Hà Nội" and loc.commune == "Phường Hoàn Kiếm"


def test_commune_of_other_province_not_returned():
    assert locate("phuong hoan kiem", "Cà Mau").commune is None


@pytest.mark.parametrize("text, province, old", [
    ("nhà em ở quận 7", "TP Hồ Chí Minh", None),
    ("công ty ở Gò Vấp nợ lương", "TP Hồ Chí Minh", None),
    ("huyen cu chi", "TP Hồ Chí Minh", None),
    ("huyện Yên Phong có nhiều công nhân", "Bắc Ninh", None),
    ("thị xã Thuận An", "TP Hồ Chí Minh", "Bình Dương"),
])
def test_old_districts(text, province, old):
    loc = locate(text)
    assert (loc.province, loc.old_province) == (province, old)
