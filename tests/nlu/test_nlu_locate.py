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


# --- places as people name them (issue 12 item 4) ------------------------------------------

@pytest.mark.parametrize("text, province, district", [
    ("nhà em ở quận 7", "TP Hồ Chí Minh", "Quận 7"),
    ("cty ở Q7 nợ lương", "TP Hồ Chí Minh", "Quận 7"),
    ("cty o quan 7 no luong", "TP Hồ Chí Minh", "Quận 7"),
    ("phòng trọ ở quận 2 ngập", "TP Hồ Chí Minh", "Thành phố Thủ Đức"),
    ("huyện Yên Phong có nhiều công nhân", "Bắc Ninh", "Huyện Yên Phong"),
    ("huyen yen phong nhieu cong nhan", "Bắc Ninh", "Huyện Yên Phong"),
    ("thị xã Từ Sơn ô nhiễm", "Bắc Ninh", "Thành phố Từ Sơn"),
    ("tx tu son o nhiem", "Bắc Ninh", "Thành phố Từ Sơn"),
    ("đường ở TP Thủ Đức hỏng", "TP Hồ Chí Minh", "Thành phố Thủ Đức"),
    ("kẹt xe Q.Bình Thạnh", "TP Hồ Chí Minh", "Quận Bình Thạnh"),
    ("ket xe q.binh thanh", "TP Hồ Chí Minh", "Quận Bình Thạnh"),
    ("quán nhậu ở quận Tân Phú hát tới khuya", "TP Hồ Chí Minh", "Quận Tân Phú"),   # not huyện Tân Phú, Đồng Nai
    ("huyện Tân Phú mất mùa", "Đồng Nai", "Huyện Tân Phú"),
    ("thị xã Thuận An", "TP Hồ Chí Minh", "Thành phố Thuận An"),
])
def test_old_district_named_by_its_type_word(text, province, district):
    loc = locate(text)
    assert (loc.province, loc.district) == (province, district)


def test_old_district_that_became_one_commune_gives_that_commune():
    loc = locate("nhà tôi ở huyện Cô Tô")
    assert loc.province == "Quảng Ninh" and loc.commune == "Đặc khu Cô Tô" and loc.district == "Huyện Cô Tô"


@pytest.mark.parametrize("text, province, landmark", [
    ("em làm ở KCN Quế Võ bị nợ lương", "Bắc Ninh", "KCN Quế Võ"),
    ("em lam o kcn que vo bi no luong", "Bắc Ninh", "KCN Quế Võ"),
    ("công nhân KCN VSIP bị cắt ca", "TP Hồ Chí Minh", "KCN VSIP"),
    ("khu công nghiệp Amata đóng bảo hiểm thiếu", "Đồng Nai", "KCN Amata"),
    ("trộm cắp ở chợ Bến Thành", "TP Hồ Chí Minh", "Chợ Bến Thành"),
    ("trom cap o cho ben thanh", "TP Hồ Chí Minh", "Chợ Bến Thành"),
    ("sinh viên ở Làng Đại học bị mất xe", "TP Hồ Chí Minh", "Làng Đại học"),
    ("sông Tô Lịch bốc mùi", "Hà Nội", "Sông Tô Lịch"),
    ("kcn dinh vu tai nan lao dong", "Hải Phòng", "KCN Đình Vũ"),
])
def test_landmarks_and_industrial_parks(text, province, landmark):
    loc = locate(text)
    assert (loc.province, loc.landmark) == (province, landmark)


def test_landmark_commune_after_the_merger():
    assert locate("trộm cắp ở chợ Bến Thành").commune == "Phường Bến Thành"


def test_province_named_beside_a_park_wins():
    loc = locate("KCN VSIP Bắc Ninh cắt lương")
    assert loc.province == "Bắc Ninh"


def test_every_landmark_resolves_in_the_gazetteer():
    from nlu.gazetteer import gazetteer

    gz = gazetteer()
    for lms in gz.landmarks.values():
        for lm in lms:
            prov = gz.province_by_name(lm.province)
            assert prov is not None, lm.name
            if lm.commune:
                assert lm.commune in {c.name for c in gz.communes_by_province[prov.code]}, lm.name


@pytest.mark.parametrize("text, province, commune", [
    ("xã Tân Lập, Đồng Nai", "Đồng Nai", "Xã Đồng Phú"),            # pre-2025 name -> its new commune
    ("xa tan lap, dong nai", "Đồng Nai", "Xã Đồng Phú"),
    ("P.Bến Nghé, đường ngập", "TP Hồ Chí Minh", "Phường Sài Gòn"),
    ("phuong ben nghe quan 1", "TP Hồ Chí Minh", "Phường Sài Gòn"),
    ("thị trấn Chờ, Yên Phong", "Bắc Ninh", "Xã Yên Phong"),
    ("thi tran cho yen phong bac ninh", "Bắc Ninh", "Xã Yên Phong"),
    ("xã Hòa Bắc, Đà Nẵng", "Đà Nẵng", "Phường Hải Vân"),
    ("ở phường Hoàn Kiếm, Hà Nội", "Hà Nội", "Phường Hoàn Kiếm"),   # a current name stays
    ("xã Phước Kiển nước ngập", "TP Hồ Chí Minh", "Xã Nhà Bè"),
])
def test_commune_named_with_its_province_is_kept(text, province, commune):
    loc = locate(text)
    assert (loc.province, loc.commune) == (province, commune)
    assert loc.commune_code


@pytest.mark.parametrize("text", [
    "Bình ơi lương tháng này sao chưa có",
    "anh Hòa nói công ty sắp phá sản",
    "bọn công an giang hồ đánh người",
    "lũ giang hồ an giang hồ gì",
    "chú Thái Bình hàng xóm đánh vợ",
    "bà Hà Giang bán hàng rong bị đuổi",
    "quy ho tro cua xa cho vay nuoi de",       # "xa cho" is not "xã Chờ"
    "xin xã cho sửa đường",
    "nhà ở xã Yên Phong",                      # Xã Yên Phong exists in two provinces
    "xã Hòa Bắc ngập",                          # new name in Lâm Đồng, old name in Đà Nẵng
    "lương tháng 7 chưa trả",
    "q7 ngày nào cũng tăng ca",                  # lower-case q7 with no cue: not a district
    "sản phẩm khu công nghiệp nào cũng vậy",
    "hôm qua Võ Thanh Bình gọi điện cho tôi",     # a person's full name, not huyện Thanh Bình
    "tôi gặp Lê Hoài Đức ngoài chợ",
    "nút giao An Phú kẹt xe cả sáng",             # the ward in Thủ Đức, not huyện An Phú (An Giang)
])
def test_no_false_place(text):
    assert locate(text).province is None


@pytest.mark.parametrize("text, commune", [
    ("huyện Yên Phong", None),                   # five communes now: not one of them
    ("thị trấn Chờ", "Xã Yên Phong"),
    ("KCN Quế Võ", None),
])
def test_second_turn_with_province_given(text, commune):
    loc = locate(text, "Bắc Ninh")
    assert loc.province == "Bắc Ninh" and loc.commune == commune


def test_unprefixed_district_after_a_cue():
    loc = locate("xưởng gỗ ở Thuận An bắt làm ca đêm")
    assert (loc.province, loc.district, loc.old_province) == ("TP Hồ Chí Minh", "Thành phố Thuận An", "Bình Dương")
