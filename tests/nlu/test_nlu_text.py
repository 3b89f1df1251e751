"""The message prepared once (nlu.text) reads the same as each part preparing it on its own.

``NLU.analyse`` normalises, splits and strips a message once and hands the pieces to the
urgency cues, the intent rules and the locator; these tests pin that sharing changes no
answer, on the awkward inputs chat brings: nothing at all, only punctuation or emoji,
capitals, digits and phone numbers, text typed without diacritics, teencode, old-style tone
marks, decomposed (NFD) letters, underscores and apostrophes.
"""
import unicodedata

import pytest

from nlu.gazetteer import split_tokens
from nlu.intents import detect_intent, detect_intent_words
from nlu.locate import locate, locate_lowered
from nlu.normalize import lowered, normalize, normalize_lowered, strip_diacritics, strip_tokens
from nlu.problems import second_problem
from nlu.text import prepare
from nlu.types import Analysis
from nlu.urgency import assess_normalized, assess_words

AWKWARD = [
    "", "   ", "\n\t", "...!!!???", "😀👍🙏", "-_-", "a_b c_d",
    "ĐƯỜNG LÀNG TÔI HỎNG NẶNG Ở THANH HOÁ", "Chị Hà Giang ơi, quê em ở Hà Giang",
    "gọi 0912 345 678 hoặc 0987.654.321, lương 7tr5 mà nợ 3 tháng",
    "cty ko tra luong 2 thang r, e bit lm j bh", "ck e dang danh e, cuu e voi",
    "hoà bình, thuỷ lợi, khoẻ không", "quaaaaa trờiiii ơiiii", "bot ngu vl", "alo", "cảm ơn ạ",
    unicodedata.normalize("NFD", "Nhà tôi ở xã Tân Hội bị cháy, khói đen"),
    "Ông ấy doạ giết cả nhà tối nay", "tôi bị đánh giá thấp trong công ty", "nhà nuôi con gà bị chó cắn",
    "KCN Quế Võ, Bắc Ninh: công nhân bị nợ lương", "ngta bảo mn ở tphcm ko dc j", "l'eau d’or rock'n’roll", "Q7 TP.HCM", "x",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_prepared_forms_equal_each_part_on_its_own(text):
    p = prepare(text)
    assert p.acc == normalize(text)
    assert p.words == p.acc.split()
    assert p.stripped == strip_diacritics(p.acc).split()
    assert (p.nfc, p.low) == lowered(text)
    assert normalize_lowered(p.low) == p.acc
    if p.place_tokens is not None:   # one scan served both: it must be the locator's own
        assert p.place_tokens == split_tokens(p.low)


@pytest.mark.parametrize("text", AWKWARD)
def test_parts_given_the_prepared_forms_answer_as_from_text(model, text):
    p = prepare(text)
    assert assess_words(p.words, p.stripped, model.urgency) == assess_normalized(p.acc, model.urgency)
    assert assess_words(p.words, p.stripped) == assess_normalized(p.acc)
    assert detect_intent_words(p.words, p.stripped) == detect_intent(p.acc)
    assert detect_intent_words(p.words, None) == detect_intent(p.acc)
    assert locate_lowered(p.nfc, p.low) == locate(text)
    assert locate_lowered(p.nfc, p.low, tokens=p.place_tokens) == locate(text)


@pytest.mark.parametrize("text", AWKWARD)
def test_analyse_is_the_parts_put_together(model, text):
    acc = normalize(text)
    first = model.classify(text)
    urgency = assess_normalized(acc, model.urgency)
    intent, abusive = detect_intent(acc)
    second = second_problem(model._classify_normalized, text, first) if intent == "report" else None
    assert model.analyse(text) == Analysis(first, locate(text), urgency.urgent, intent=intent,
                                           abusive=abusive, urgency=urgency, second=second)


def test_one_scan_serves_the_locator_only_when_nothing_was_rewritten_first():
    assert prepare("Nhà em ở Bắc Ninh").place_tokens == ["nhà", "em", "ở", "bắc", "ninh"]
    assert prepare("nợ lương 3 tháng ở Bắc Ninh").place_tokens is None      # a number became "znum"
    assert prepare("quaaaa Bắc Ninh").place_tokens is None                 # a repeat was squeezed
    assert prepare("l'eau ở Bắc Ninh").place_tokens is None                # the locator keeps "l'eau" whole


def test_stripping_is_one_to_one_per_word():
    words = ["đường", "hỏng", "ĐÂU", "khoẻ", "l'eau", "123", ""]
    assert strip_tokens(words) == ["duong", "hong", "DAU", "khoe", "l'eau", "123", ""]
    assert strip_tokens(words) == strip_tokens(words)   # served from the cache the second time
