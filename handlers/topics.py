"""Problem topics for the public board, named by words, that cannot carry personal data.

A case's *terms* are the words and word pairs of its text (after `nlu.normalize`) that belong to
the PUBLIC VOCABULARY: the domain classifier's word and bigram features, which come only from the
training examples we wrote ourselves (nlu/data), never from a citizen. Stop words, the NLU's
placeholders (znum, zmoney, zphone), one-letter tokens and common personal names are taken out of
it. So whatever a citizen writes, only phrases already in our own examples can ever be published:
a citizen's name, phone, street or rare word is simply not a term.

Terms are computed once, when the case is filed (`case_terms`), and stored on the case
(`cases.topic_terms`). At each board refresh `TopicNamer` gives each case one *topic*: its most
frequent term among the cases of its body (domain), bigrams first. Why frequency and not tf-idf:
tf-idf picks each case's *rarest* term, which splits one problem into fragments below the
threshold of 5 and favours pairs that only met across a phrase boundary ("ty nợ" for "công ty nợ
lương"); the most shared specific phrase names the problem many people report. Terms that half of
a large body's cases carry ("công ty", "người dân") say nothing about the problem and are skipped.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from nlu.normalize import normalize

SEPARATOR = "|"          # between stored terms; a term is letters and one space at most
MAX_TERMS = 120          # stored per case: the first distinct ones (a long story repeats itself)
MIN_CASES = 5            # a topic needs this many distinct cases, like every public count
GENERIC_SHARE = 0.5      # a term in more than half of a body's cases does not tell problems apart...
GENERIC_MIN_CASES = 50   # ...once the body has enough cases for the share to mean anything

PLACEHOLDERS = frozenset({"znum", "zmoney", "zphone"})
STOP = frozenset("""
à ạ ai anh ấy bà bác bạn bị bởi các cái cần cháu chị cho chú chúng chưa có còn cô của cũng cứ đã đang
đây để đến đi đó đều được em gì giúp hả hay hết họ hỏi khi không là lại làm lắm lên mà mình mong một
mọi muốn nay này nào nên nếu nhé nhỉ nhưng những như nó ở ông ơi qua quá ra rất rồi sao sẽ tại thế thì
theo tôi trong từ và vào vẫn vậy về với vì xin ạ nhờ ngày tháng năm hôm tuần nữa thêm đâu bao nhiêu
a ai anh ay ba bac ban bi boi cac cai can chau chi cho chu chung chua co con cua cung cu da dang day
de den di do deu duoc em gi giup ha hay het ho hoi khi khong la lai lam lam len ma minh mong mot moi
muon nay nao nen neu nhe nhi nhung nhu no o ong oi qua ra rat roi sao se tai the thi theo toi trong tu
va vao van vay ve voi vi xin nho ngay thang nam hom tuan nua them dau bao nhieu
""".split())
# Not a name list for finding people: a second guard, because our own examples mention sample
# people ("chị Lan", "anh Hùng"), so those names are in the classifier's vocabulary.
NAMES = frozenset("""
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh đoàn lương văn thị
hùng lan mai minh hoa tuấn hương linh dũng hải hà nam thảo trang hằng huy hạnh hòa hiếu hiền hoàn
hưng khánh long nga ngọc nhung phong phúc phương quang quân sơn tâm thắng thành thanh thủy thu trung
tùng vân yến việt bình cường đức giang
nguyen tran le pham hoang huynh vu vo dang bui do ngo duong ly dinh trinh doan van thi hung lan mai
minh hoa tuan huong linh dung hai ha nam thao trang hang huy hanh hoa hieu hien hoan long nga ngoc
nhung phong phuc phuong quang quan son tam thang thanh thuy thu trung tung yen viet binh cuong duc
giang
""".split()) - {"lương", "dương", "hà", "nam", "thanh", "bình"}   # words of place names and of wages
# "lương" (wages) and the place words stay; a pair is dropped when both of its words are names.
GENERIC = frozenset({
    "công ty", "công nhân", "người dân", "bà con", "nông dân", "thanh niên", "phụ nữ", "chị em",
    "cựu chiến binh", "người lao động", "lao động", "gia đình", "địa phương", "chính quyền",
    "cong ty", "cong nhan", "nguoi dan", "ba con", "nong dan", "thanh nien", "phu nu", "chi em",
})


def _word_ok(word: str) -> bool:
    return len(word) > 1 and word not in STOP and word not in PLACEHOLDERS and not word.isdigit()


def is_public_term(feature: str) -> bool:
    """May this classifier feature name a topic? One or two plain words, none of them a stop word,
    a placeholder or a personal name."""
    if feature.startswith("#") or feature == "<empty>" or feature in GENERIC:
        return False
    words = feature.split(" ")
    if len(words) == 1:
        return _word_ok(words[0]) and words[0] not in NAMES
    if len(words) != 2 or not all(map(_word_ok, words)):
        return False
    return not (words[0] in NAMES and words[1] in NAMES)


def public_vocabulary(features: Mapping[str, float]) -> dict[str, float]:
    """Public terms with their idf in our training examples (low: an established phrase)."""
    return {f: idf for f, idf in features.items() if is_public_term(f)}


def case_terms(text: str, vocabulary: Mapping[str, float]) -> str | None:
    """The case's public terms, stored once, `|`-joined: distinct, the phrases most common in our
    own examples first. That order breaks ties when the topic is chosen: "nợ lương" is an
    established phrase, "báo công" two words that met across a phrase boundary."""
    if not vocabulary:
        return None
    words = normalize(text).split()
    seen: dict[str, None] = {}
    for i, word in enumerate(words):
        for term in (word, f"{word} {words[i + 1]}" if i + 1 < len(words) else ""):
            if term in vocabulary and term not in seen:
                seen[term] = None
        if len(seen) >= MAX_TERMS:
            break
    return SEPARATOR.join(sorted(seen, key=vocabulary.__getitem__)) or None


def parse_terms(stored: str | None) -> tuple[str, ...]:
    return tuple(stored.split(SEPARATOR)) if stored else ()


class TopicNamer:
    """Gives each case its topic: its most frequent specific term among its body's cases."""

    def __init__(self, cases: Iterable[tuple[str, Sequence[str]]]) -> None:
        df: dict[str, Counter[str]] = {}
        n: Counter[str] = Counter()
        for domain, terms in cases:
            n[domain] += 1
            df.setdefault(domain, Counter()).update(set(terms))
        # per body, the usable terms only, each with its rank: pairs before words, then more cases
        self._rank: dict[str, dict[str, tuple[bool, int]]] = {
            domain: {term: (" " in term, k) for term, k in counts.items()
                     if k >= MIN_CASES and not (n[domain] >= GENERIC_MIN_CASES and k > GENERIC_SHARE * n[domain])}
            for domain, counts in df.items()}

    def topic(self, domain: str, terms: Sequence[str]) -> str | None:
        """Bigrams first (a phrase names a problem better than a word); then the most cases;
        then the stored order (the most established phrase: `max` keeps the first of equals), so
        every refresh names the same way."""
        rank = self._rank.get(domain)
        if not rank:
            return None
        usable = [term for term in terms if term in rank]
        return max(usable, key=rank.__getitem__) if usable else None


def topic_counts(topics: Mapping[str, int], previous: Mapping[str, int], top: int) -> tuple[tuple[str, int, int], ...]:
    """The cell's most frequent topics carried by at least 5 cases, with their count in the period
    before: (term, count, previous count)."""
    shown = [(term, n) for term, n in topics.items() if n >= MIN_CASES]
    shown.sort(key=lambda item: (-item[1], item[0]))
    return tuple((term, n, previous.get(term, 0)) for term, n in shown[:top])
