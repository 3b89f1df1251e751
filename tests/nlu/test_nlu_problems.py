"""Two problems in one message: the second body is named, one problem stays one (issue 12 item 5)."""
import pytest

from nlu.problems import clauses, second_problem
from nlu.types import LABELS, Classification


def _cls(label: str, conf: float, runner_up: tuple[str, float] | None = None) -> Classification:
    rest = [(lab, 0.0) for lab in LABELS if lab != label and (runner_up is None or lab != runner_up[0])]
    ranking = [(label, conf)] + ([runner_up] if runner_up else []) + rest
    return Classification(label, conf, tuple(ranking), conf < 0.6)


# a stand-in classifier that knows one topic per keyword, so these tests check the splitting and
# the decision rules, not the trained model
_TOPICS = {"lương": "union", "luong": "union", "đánh": "women", "danh": "women", "lúa": "farmer",
           "bắt nạt": "youth", "liệt sĩ": "veteran", "đường": "other"}


def fake_classify(acc: str) -> Classification:
    found = [lab for kw, lab in _TOPICS.items() if kw in acc]
    if len(set(found)) == 1:
        return _cls(found[0], 0.95)
    return _cls("other", 0.4)


@pytest.mark.parametrize("text, expected", [
    ("Công ty nợ lương em 3 tháng rồi. Còn chồng em thì say rượu về đánh em suốt", "women"),
    ("cty no luong 3 thang, con chong em say ruou ve danh em hoai", "women"),
    ("Công ty nợ lương em 3 tháng rồi; ngoài ra chồng em hay đánh em", "women"),
    ("Công ty nợ lương em 3 tháng rồi\nchồng em say rượu về đánh em", "women"),
    ("Ruộng lúa nhà tôi bị sâu bệnh mất trắng, thêm nữa con tôi bị bạn bè bắt nạt ở trường", "youth"),
    ("Công ty nợ lương em mấy tháng nay với lại chồng em về nhà là đánh em", "women"),
])
def test_two_bodies_give_a_second_problem(text, expected):
    first = _cls("union" if "lương" in text or "luong" in text else "farmer", 0.6, (expected, 0.3))
    second = second_problem(fake_classify, text, first)
    assert second is not None and second.label == expected


@pytest.mark.parametrize("text", [
    "Công ty nợ lương em 3 tháng rồi. Đi hỏi thì quản lý bảo chờ lương tháng sau.",   # one problem, two sentences
    "Công ty nợ lương em 3 tháng rồi",                                                 # one clause
    "Công ty nợ lương. Còn đánh",                                                      # the second clause is too short
])
def test_one_problem_gives_none(text):
    assert second_problem(fake_classify, text, _cls("union", 0.6, ("women", 0.3))) is None


def test_a_generic_clause_is_not_a_second_body():
    # "đường" lands on the general desk: that is leftover text, not a second problem
    text = "Công ty nợ lương em 3 tháng rồi. Còn con đường trước nhà thì ai cũng biết"
    assert second_problem(fake_classify, text, _cls("union", 0.6, ("other", 0.3))) is None


def test_no_room_for_a_second_body_skips_the_work():
    calls = []

    def spy(acc: str) -> Classification:
        calls.append(acc)
        return fake_classify(acc)

    text = "Công ty nợ lương em 3 tháng rồi. Còn chồng em thì say rượu về đánh em suốt"
    assert second_problem(spy, text, _cls("union", 0.995, ("women", 0.005))) is None
    assert calls == []


def test_clauses_glue_short_pieces():
    assert clauses("alo. Công ty nợ lương em 3 tháng rồi. Còn chồng em đánh em suốt") == [
        "alo Công ty nợ lương em 3 tháng rồi", "chồng em đánh em suốt"]


@pytest.mark.parametrize("text, first, second", [
    ("Công ty nợ lương em 3 tháng rồi, quản lý còn dọa đuổi việc. Còn chồng em thì say rượu về đánh em, "
     "chửi em suốt đêm", "union", "women"),
])
def test_analyse_names_the_second_problem(model, text, first, second):
    a = model.analyse(text)
    assert a.classification.label == first
    assert a.second is not None and a.second.label == second


@pytest.mark.parametrize("text", [
    "Công ty nợ lương công nhân 3 tháng rồi. Đi hỏi thì quản lý bảo chờ tháng sau, ai không chờ được thì nghỉ.",
    "Chồng em say rượu về đánh em. Em không dám về nhà, đang ở nhờ nhà chị gái.",
    "alo",
])
def test_analyse_one_problem_has_no_second(model, text):
    assert model.analyse(text).second is None
