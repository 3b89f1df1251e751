import pytest

from nlu.urgency import is_urgent


@pytest.mark.parametrize("text", [
    "Nó đang đánh tôi, cứu với",
    "ck say ruou dang danh em",
    "chồng dọa giết hai mẹ con em",
    "chong doa giet hai me con",
    "em muốn tự tử",
    "em muon tu tu",
    "không muốn sống nữa",
    "khong muon song nua",
    "con tôi bị bắt cóc",
    "hàng xóm cầm dao đuổi chém",
    "be bi nhot trong nha 3 ngay khong cho an",
    "bị chồng bạo hành",
])
def test_urgent(text):
    assert is_urgent(text)


@pytest.mark.parametrize("text", [
    "bạo lực học đường ngày càng nhiều, đề nghị có giải pháp",
    "bao luc hoc duong can duoc quan tam",
    "đánh giá cán bộ xã",
    "chính sách dành cho thanh niên",
    "từ từ rồi tính", "tu tu roi tinh",
    "em không dám nói với ai",
    "ổ đánh bạc trong xóm",
    "ngư dân đánh cá xa bờ",
    "phòng chống xâm hại trẻ em ở trường",
    "luong chua tra 3 thang",
    "danh ba dien thoai bi mat",
])
def test_not_urgent(text):
    assert not is_urgent(text)
