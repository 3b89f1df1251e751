import pytest

from nlu.normalize import fix_tone_placement, has_diacritics, normalize, strip_diacritics


@pytest.mark.parametrize("raw, expected", [
    ("hoà", "hòa"), ("Khánh Hoà", "khánh hòa"), ("thuỷ lợi", "thủy lợi"), ("xoè", "xòe"),
    ("hoàng", "hoàng"), ("quý", "quý"), ("HOÀ BÌNH", "hòa bình"),
])
def test_tone_placement_is_canonical(raw, expected):
    assert normalize(raw) == expected


def test_nfd_input_becomes_nfc():
    import unicodedata
    assert normalize(unicodedata.normalize("NFD", "Đường hỏng")) == "đường hỏng"


@pytest.mark.parametrize("raw, expected", [
    ("ko", "không"), ("k", "không"), ("hok", "không"), ("kh", "không"),
    ("dc", "được"), ("đc", "được"), ("j", "gì"), ("cty", "công ty"),
    ("bhxh", "bảo hiểm xã hội"), ("bhyt", "bảo hiểm y tế"), ("ntn", "như thế nào"),
    ("vs", "với"), ("ng", "người"), ("nc", "nước"), ("ck", "chồng"), ("vk", "vợ"),
])
def test_teencode_expanded(raw, expected):
    assert normalize(raw) == expected


def test_teencode_in_sentence():
    assert normalize("Cty ko tra luong, ck e dc j dau") == "công ty không tra luong chồng em được gì dau"


@pytest.mark.parametrize("raw, expected", [
    ("quaaaa", "qua"), ("điiiii", "đi"), ("xoong", "xoong"),
])
def test_repeated_letters(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("nợ 3 tháng", "nợ znum tháng"),
    ("nợ 5tr", "nợ zmoney"), ("500k", "zmoney"), ("2.500.000 đồng", "zmoney"),
    ("gọi 0912345678", "gọi zphone"), ("sđt 0912 345 678", "số điện thoại zphone"),
])
def test_numbers_money_phones(raw, expected):
    assert normalize(raw) == expected


def test_strip_diacritics():
    assert strip_diacritics("Đường làng hỏng nặng") == "Duong lang hong nang"


@pytest.mark.parametrize("text, expected", [
    ("luong chua tra", False), ("lương chưa trả", True), ("Bao lâu", True), ("ok bot", False),
])
def test_has_diacritics(text, expected):
    assert has_diacritics(text) is expected


def test_fix_tone_placement_only_open_syllables():
    assert fix_tone_placement("toà nhà hoàng gia") == "tòa nhà hoàng gia"


# the plain reading of the phone and money patterns: the character before the match checked first
_PHONE_PLAIN = r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)"
_MONEY_PLAIN = (r"(?<![^\W\d_])\d+(?:[.,]\d+)*\s*(?:k|tr|triệu|trieu|củ|cu|nghìn|nghin|ngàn|ngan|"
                r"đồng|dong|đ|vnd|vnđ|tỷ|ty|tỏi|lít|lit|m|ka)(?![^\W\d_])")


@pytest.mark.parametrize("text", [
    "0912345678", "gọi 0912 345 678 nhé", "+84912345678", "84912345678", "số 84 912 345 678",
    "10912345678", "a0912345678", "x84912345678", "9+84912345678", "0.912.345.678", "012345678",
    "5tr", "lương 5tr5", "a5tr", "5 triệu đồng", "3.500.000đ", "x3.500.000đ", "2 củ", "7k", "7kg",
    "0", "84", "+84", "", "số nhà 12/3, tổ 4",
])
def test_phone_and_money_patterns_match_their_plain_reading(text):
    import re

    from nlu.normalize import _MONEY_RE, _PHONE_RE

    assert _PHONE_RE.sub(" zphone ", text) == re.sub(_PHONE_PLAIN, " zphone ", text)
    money = re.compile(_MONEY_PLAIN, re.IGNORECASE)
    assert _MONEY_RE.sub(" zmoney ", text) == money.sub(" zmoney ", text)
