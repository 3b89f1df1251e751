"""The urgency cue matcher finds exactly the phrases the plain one-pass definition finds.

``_matches`` is written for speed (longer phrases looked up only where a word pair starts
one); ``_reference`` below is the definition it must agree with: at each position, every
phrase starting there, longest first, until a harmless phrase (neutral, figurative, about an
animal or a past or resolved event) hides the shorter ones and every word inside it.
"""
import pytest

from nlu.normalize import normalize, strip_diacritics
from nlu.urgency_cues import _ACCENTED, _SHADOWING, _STRIPPED, _matches, _Table, cue_set


def _reference(words: list[str], t: _Table) -> list[tuple[int, int, frozenset[str]]]:
    longest = max(len(p.split()) for p in t.phrases)
    out = []
    covered = 0
    for i in range(len(words)):
        if i < covered:
            continue
        for ln in range(min(longest, len(words) - i), 0, -1):
            names = t.phrases.get(" ".join(words[i:i + ln]))
            if names is None:
                continue
            if names:
                out.append((i, i + ln, names))
            if not names or names & _SHADOWING:
                covered = i + ln
                break
    return out


TEXTS = [
    "", "!!!", "😀", "chồng tôi đang đánh tôi", "tôi bị đánh giá thấp", "nó đánh con gà nhà hàng xóm",
    "ck e dang danh e, con e khoc", "nhà em bị cháy, khói đen kịt, còn người mắc kẹt bên trong",
    "chay hang roi, cháy túi luôn", "năm ngoái bị đánh, giờ ổn rồi", "nghe nói có người tự tử ở cầu",
    "nó dọa sẽ giết cả nhà tối nay", "bị nhốt trong phòng từ tối qua đến giờ", "đánh đánh đánh con gà gà",
    "thuyền đánh cá bị lật úp ngoài khơi", "ĐANG BỊ ĐÁNH", "tu tu thoi", "mẹ chồng đuổi ra khỏi nhà",
]


@pytest.mark.parametrize("text", TEXTS)
def test_matcher_agrees_with_the_definition(text):
    acc = normalize(text)
    for words, table in ((strip_diacritics(acc).split(), _STRIPPED), (acc.split(), _ACCENTED)):
        assert sorted(_matches(words, table).spans()) == sorted(_reference(words, table))


def test_a_harmless_phrase_hides_the_words_inside_it():
    assert "violence" in cue_set(normalize("nó đánh tôi"))
    assert "violence" not in cue_set(normalize("nó đánh con gà"))
