"""Not a problem: greetings, thanks, small talk, questions about the bot and abuse never become cases,
while every message with content stays a report (issue 12 item 5, issue 7 item 2)."""
import pytest

from nlu.intents import detect_intent
from nlu.normalize import normalize
from nlu.types import INTENTS


def intent(text: str) -> tuple[str, bool]:
    return detect_intent(normalize(text))


@pytest.mark.parametrize("text, expected", [
    # greeting
    ("alo", "greeting"), ("a lô", "greeting"), ("chào ad", "greeting"), ("hi bot", "greeting"),
    ("xin chào", "greeting"), ("xin chao", "greeting"), ("chào cả nhà", "greeting"), ("ad ơi", "greeting"),
    ("hello admin", "greeting"),
    # thanks
    ("cảm ơn các anh chị", "thanks"), ("thanks ad", "thanks"), ("ok cảm ơn", "thanks"), ("tks bot", "thanks"),
    ("cam on ad nhieu nha", "thanks"), ("cảm ơn đã hỗ trợ", "thanks"), ("cám ơn bot nha", "thanks"), ("thank you", "thanks"),
    # chitchat
    ("ok", "chitchat"), ("uh", "chitchat"), ("😀😀👍", "chitchat"), ("hihi", "chitchat"), ("ăn cơm chưa", "chitchat"),
    ("bot mấy tuổi", "chitchat"), ("an com chua", "chitchat"), ("...", "chitchat"), ("thử thôi", "chitchat"),
    ("bot ngủ chưa", "chitchat"), ("ko", "chitchat"),
    # questions about the bot
    ("bot là ai", "bot_question"), ("cái này dùng để làm gì", "bot_question"), ("ai đọc tin nhắn này", "bot_question"),
    ("có mất phí không", "bot_question"), ("làm sao để gửi phản ánh", "bot_question"), ("co mat phi ko", "bot_question"), ("trang này do ai lập ra", "bot_question"),
    ("có phải người thật không", "bot_question"), ("thông tin có được bảo mật không", "bot_question"),
    # abuse: an insult with nothing else
    ("bot ngu vl", "abuse"), ("đm lũ vô dụng", "abuse"), ("dm lu vo dung", "abuse"), ("đồ ngu", "abuse"),
    ("mấy ông cán bộ ăn hại", "abuse"), ("cút đi", "abuse"),
])
def test_not_a_report(text, expected):
    got, abusive = intent(text)
    assert got == expected
    assert abusive == (expected == "abuse")


@pytest.mark.parametrize("text", [
    "lương chưa trả",
    "alo, cty nợ lương em",
    "chào ad, em bị chồng đánh",
    "cảm ơn, nhưng đường vẫn chưa sửa",
    "ok, nhà em ở xã Tân Hội bị ngập",
    "cứu",
    "giúp em với",
    "bot ơi em bị đánh",
    "cho hỏi đất nhà em bị thu hồi",
    "chồng đánh em",
    "bị lừa đảo",
    "rác",                               # a one-word complaint about rubbish
    "xa cho vay von",                   # "cho" is not "chó"
    "có ai không, cứu với",
    "ko có nước sạch",
    "hàng xóm chửi ngu như bò rồi đánh mẹ em",
    "mất ngủ vì karaoke",
    "tôi muốn gửi phản ánh về đường",
])
def test_content_stays_a_report(text):
    assert intent(text)[0] == "report"


@pytest.mark.parametrize("text", [
    "đm công ty nợ lương 3 tháng",
    "Cty ba trợn đéo trả lương, bọn mất dạy",
    "dm bon tin dung den dap cua nha em",
    "lũ óc chó ở xã không sửa đường",
])
def test_an_angry_report_is_a_report_flagged_abusive(text):
    assert intent(text) == ("report", True)


@pytest.mark.parametrize("text", [
    "khong ngu duoc vi karaoke",          # "ngu" typed without diacritics is "ngủ"
    "ban em bi du vao duong dây cờ bạc",  # "du" is "dụ"
    "đeo khẩu trang",
    "ông hàng xóm thả chó cắn người",
    "lợn chết hàng loạt",
    "buổi sáng xe rác không đến",
])
def test_plain_words_are_not_swearing(text):
    assert intent(text) == ("report", False)


def test_intents_are_the_contract():
    for text in ("alo", "cảm ơn", "ok", "bot là ai", "đồ ngu", "lương chưa trả"):
        assert intent(text)[0] in INTENTS


def test_analysis_carries_the_intent(model):
    a = model.analyse("alo")
    assert (a.intent, a.abusive) == ("greeting", False)
    a = model.analyse("đm công ty nợ lương 3 tháng rồi")
    assert (a.intent, a.abusive) == ("report", True) and a.classification.label == "union"
