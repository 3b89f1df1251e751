"""Urgency: someone in danger now gets the emergency numbers at once; the same words about the
past, hearsay, a figure of speech, a procedure, a topic or an animal do not.

Sentences here are written for the tests and are not in nlu/data/urgency/ (the trained model
must generalise to them); the rule-only path (no model) is checked on the plain cases.
"""
import json

import pytest

from nlu.cli import main
from nlu.evaluate import score_urgency
from nlu.normalize import normalize
from nlu.urgency import REASONS, assess_normalized, is_urgent
from nlu.urgency_cues import cue_set


def _assess(model, text):
    return assess_normalized(normalize(text), model.urgency)


# (danger now, the same words without present danger, the kind of danger)
PAIRS = [
    # ongoing vs past
    ("chồng tôi đang đánh tôi trong bếp, tôi chảy máu mũi",
     "hồi mới cưới chồng tôi có đánh tôi, nay anh ấy đã thay đổi hẳn", "violence"),
    ("ck e dang danh e, con e khoc thet",
     "hoi moi cuoi ck e co xo e nga mot lan, may nam nay anh ay hien lanh", "violence"),
    ("bố dượng đang cầm gậy đánh em trai tôi mới 6 tuổi",
     "hồi nhỏ tôi hay bị bố dượng đánh, giờ tôi đã ra ở riêng", "child"),
    # negated
    ("nó đang bóp cổ chị tôi, chị ấy không thở được",
     "chồng chị ấy hay to tiếng nhưng không hề đánh vợ", "violence"),
    # hearsay / news
    ("con gái tôi vừa bị một nhóm người bắt lên xe chở đi, gọi không được",
     "đọc báo thấy vụ bắt cóc trẻ em ở tỉnh khác, phụ huynh ai cũng lo", "kidnap"),
    ("cháy nhà bên cạnh, ông cụ còn kẹt ở tầng hai",
     "xem thời sự thấy cháy chung cư ở thành phố, thương các nạn nhân quá", "disaster"),
    # figurative
    ("em không muốn sống nữa, em đang đứng ở thành cầu",
     "nợ lương hai tháng, cả nhà chết đói mất thôi", "self_harm"),
    ("e dinh uong het lo thuoc ngu toi nay",
     "ong quan ly nay lam e muon chet voi ong ay, bat lam them ma khong tra tien", "self_harm"),
    # procedural
    ("chồng em đang cầm dao đuổi hai mẹ con, cứu em",
     "xin hướng dẫn cách làm đơn trình báo khi bị chồng bạo hành", "violence"),
    # topic
    ("mấy đứa lớp trên đang đánh hội đồng con tôi ở cổng trường, cháu nằm dưới đất",
     "bạo lực học đường ngày càng nhiều, đề nghị nhà trường có giải pháp", "violence"),
    # animals and things
    ("nước lũ đang lên tới mái, cả nhà tôi đang trèo lên nóc",
     "lũ về cuốn trôi cả đàn bò của tôi, xin hỏi có hỗ trợ không", "disaster"),
    ("anh thợ bị điện giật đang nằm bất tỉnh dưới cột điện",
     "con trâu nhà tôi bị điện giật chết ngoài đồng, đề nghị điện lực sửa dây", "disaster"),
    # hypothetical
    ("thằng đó nhắn tối nay sẽ đến chém cả nhà tôi, nó đang đứng đầu ngõ",
     "nếu chẳng may bị kẻ xấu đe dọa thì nên gọi số nào", "threat"),
    # resolved
    ("xe tải vừa tông xe máy ở ngã ba, người đi xe máy nằm bất động",
     "vụ va chạm hôm qua người bị thương đã xuất viện, xin làm gờ giảm tốc", "accident"),
    # trafficking, confinement, elder
    ("em bị lừa sang Campuchia, họ giữ hộ chiếu và không cho em về",
     "xin hỏi thủ tục đi xuất khẩu lao động sang Hàn Quốc", "trafficking"),
    ("chồng khóa trái cửa nhốt em trong nhà mấy ngày nay, lấy mất điện thoại",
     "quên chìa khóa nên bị nhốt ngoài cửa, xin số thợ sửa khóa", "confinement"),
    ("bà nội tôi bị con trai út đánh và đuổi ra đường giữa đêm",
     "bà nội tôi đã già, muốn hỏi chế độ trợ cấp người cao tuổi", "elder"),
]


@pytest.mark.parametrize(("urgent", "calm", "kind"), PAIRS)
def test_danger_now_is_urgent_and_the_same_words_without_it_are_not(model, urgent, calm, kind):
    a = _assess(model, urgent)
    assert a.urgent, f"missed: {urgent!r} (cues {cue_set(normalize(urgent))}, score {a.score})"
    assert a.reason in REASONS
    b = _assess(model, calm)
    assert not b.urgent, f"false alarm: {calm!r} (cues {cue_set(normalize(calm))}, score {b.score})"
    assert b.reason is None and b.score < a.score


@pytest.mark.parametrize(("urgent", "kind"), [
    ("ck dang danh em, cuu em voi", "violence"),
    ("Chồng đang đánh em, cứu em với", "violence"),
    ("em muon tu tu, khong ai hieu em", "self_harm"),
    ("em muốn tự tử, không ai hiểu em", "self_harm"),
    ("con toi bi bat coc o cong truong", "kidnap"),
    ("con tôi bị bắt cóc ở cổng trường", "kidnap"),
    ("nha ben canh dang chay lon, con nguoi ben trong", "disaster"),
    ("hàng xóm bị sập nhà, còn người bị vùi bên dưới", "disaster"),
    ("phong tro ben canh dang chay, khoi mu mit, co nguoi ket ben trong", "disaster"),
])
def test_with_and_without_diacritics_and_teencode(model, urgent, kind):
    a = _assess(model, urgent)
    assert a.urgent and a.reason == kind, (urgent, a)


@pytest.mark.parametrize("text", [
    "từ từ rồi tính", "tu tu roi tinh",
    "đánh giá cán bộ xã", "chính sách dành cho thanh niên",
    "em không dám nói với ai", "ổ đánh bạc trong xóm", "ngư dân đánh cá xa bờ",
    "phòng chống xâm hại trẻ em ở trường", "luong chua tra 3 thang", "danh ba dien thoai bi mat",
    "cháy hàng rồi shop ơi", "lũ trẻ trong xóm chơi ngoan lắm", "sắp tới xã có họp dân",
    "bot oi cuu toi voi, quen mat khau roi",
    "em dang chay xe ve que, duong dong qua", "sáng nào tôi cũng chạy bộ ở công viên",
])
def test_everyday_words_that_look_alarming_are_not_urgent(model, text):
    assert not _assess(model, text).urgent
    assert not is_urgent(text), "the rules alone agree"


@pytest.mark.parametrize("text", [
    "Nó đang đánh tôi, cứu với",
    "chồng dọa giết hai mẹ con em tối nay",
    "không muốn sống nữa",
    "hàng xóm cầm dao đuổi chém",
    "be bi nhot trong nha 3 ngay khong cho an",
])
def test_rules_alone_catch_plain_emergencies(text):
    """Without a trained model (an old model file), the hand rule still raises the alarm."""
    assert is_urgent(text)
    u = assess_normalized(normalize(text))
    assert u.urgent and u.score == 1.0 and u.reason in REASONS


def test_the_model_file_keeps_the_urgency_model(model):
    assert model.urgency is not None
    assert model.analyse("chồng đang đánh em, cứu em với").urgency.reason == "violence"
    assert model.is_urgent("chồng đang đánh em, cứu em với")


def test_score_urgency_counts():
    r = score_urgency([True, True, False, False, True], [True, False, True, False, True])
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (2, 1, 1, 1)
    assert r["precision"] == pytest.approx(2 / 3, abs=1e-4) and r["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert r["false_alarm_rate"] == 0.5


def _write(tmp_path, rows):
    p = tmp_path / "urgency.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def urgency_gold(tmp_path):
    return _write(tmp_path, [
        {"text": "chồng đang cầm dao đuổi đánh em, cứu em", "label": "women", "urgent": True},
        {"text": "nước lũ ngập tới mái, cả nhà đang ngồi trên nóc chờ cứu", "label": "other", "urgent": True},
        {"text": "năm ngoái bị chồng đánh, nay đã ly hôn, muốn học nghề", "label": "women", "urgent": False},
        {"text": "công ty nợ lương ba tháng", "label": "union", "urgent": False},
        {"text": "xin chào", "label": "other"},
    ])


def test_evaluate_reports_urgency_in_json(model_path, urgency_gold, capsys):
    assert main(["evaluate", str(urgency_gold), "--json", "--model", str(model_path)]) == 0
    u = json.loads(capsys.readouterr().out)["urgency"]
    assert u["n"] == 4 and u["support"] == 2, "only lines with an urgent field are scored"
    assert (u["tp"], u["fp"], u["fn"], u["tn"]) == (2, 0, 0, 2)
    assert u["precision"] == u["recall"] == u["f1"] == 1.0


def test_evaluate_reports_urgency_as_text(model_path, urgency_gold, capsys):
    assert main(["evaluate", str(urgency_gold), "--model", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert "urgency: n=4 urgent=2" in out and "tp=2 fp=0 fn=0 tn=2" in out


def test_evaluate_without_urgent_field_has_no_urgency_report(model_path, tmp_path, capsys):
    p = _write(tmp_path, [{"text": "công ty nợ lương", "label": "union"}])
    assert main(["evaluate", str(p), "--json", "--model", str(model_path)]) == 0
    assert "urgency" not in json.loads(capsys.readouterr().out)


def test_evaluate_rejects_a_non_boolean_urgent(tmp_path, capsys):
    p = _write(tmp_path, [{"text": "a", "label": "other", "urgent": "yes"}])
    assert main(["evaluate", str(p)]) != 0
    assert "urgent" in capsys.readouterr().err


def test_retraining_notices_a_change_in_the_urgency_examples(tmp_path):
    """`make run` retrains when nlu/data or any of its subfolders (nlu/data/urgency/) changes."""
    from handlers.nlu_port import data_fingerprint

    (tmp_path / "union.yml").write_text("nlu: []\n", encoding="utf-8")
    sub = tmp_path / "urgency"
    sub.mkdir()
    (sub / "violence.yml").write_text("urgent: [chồng đang đánh em]\n", encoding="utf-8")
    before = data_fingerprint(tmp_path)
    assert data_fingerprint(tmp_path) == before
    (sub / "violence.yml").write_text("urgent: [chồng đang đánh em, cứu em]\n", encoding="utf-8")
    assert data_fingerprint(tmp_path) != before
