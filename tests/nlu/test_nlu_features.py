"""The compiled feature arithmetic (nlu.kernels) against a plain numpy reading of its definition."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from nlu.features import CHAR_PREFIX, Vectorizer, feature_list
from nlu.normalize import normalize

TRAIN = [
    "công ty nợ lương công nhân ba tháng",
    "lúa bị sâu bệnh, nông dân mất mùa",
    "chồng đánh vợ, chị em cần giúp",
    "cong ty no luong, cong nhan dinh cong",
    "thanh niên tình nguyện mùa hè xanh",
    "cựu chiến binh chưa được hưởng chế độ",
]


def reference(vec: Vectorizer, text: str) -> dict[int, float]:
    """TF-IDF as the module docstring defines it: 1 + ln tf, idf, each block l2-normalised and weighted."""
    counts = Counter(i for f in feature_list(normalize(text)) if (i := vec.vocab.get(f)) is not None)
    vals = {i: (1.0 + np.log(c)) * float(vec.idf[i]) for i, c in counts.items()}
    out: dict[int, float] = {}
    for is_char, weight in ((False, vec.word_weight), (True, 1.0)):
        block = {i: v for i, v in vals.items() if vec.block[i] == is_char}
        norm = np.sqrt(sum(v * v for v in block.values()))
        out.update({i: weight * v / norm for i, v in block.items()})
    return out


@pytest.fixture(scope="module")
def vec() -> Vectorizer:
    return Vectorizer.fit(TRAIN)


@pytest.mark.parametrize("text", [
    "công ty nợ lương lương lương",           # a word repeated: tf 3
    "CONG TY no luong cong nhan",             # unaccented, capitals
    "chị em bị đánh",                          # words unknown to the vocabulary mixed in
    "xyz qwv",                                 # nothing known but some character n-grams
])
def test_transform_matches_the_definition(vec: Vectorizer, text: str) -> None:
    cols, vals = vec.transform_one(text)
    assert list(cols) == sorted(cols) and len(set(cols.tolist())) == len(cols)
    ref = reference(vec, text)
    assert dict(zip(cols.tolist(), vals.tolist())) == pytest.approx(ref, rel=1e-5)


def test_each_block_has_its_own_norm(vec: Vectorizer) -> None:
    cols, vals = vec.transform_one("công ty nợ lương")
    chars = np.array([vec.block[c] == 1 for c in cols])
    assert any(f.startswith(CHAR_PREFIX) for f in vec.vocab)
    assert np.linalg.norm(vals[chars]) == pytest.approx(1.0, rel=1e-5)
    assert np.linalg.norm(vals[~chars]) == pytest.approx(vec.word_weight, rel=1e-5)


@pytest.mark.parametrize("text", [
    "", "   ", "!!!", "công ty nợ lương", "xyz",
    "công ty nợ lương, công ty nợ lương",     # each known word pair twice: tf 2 for the bigrams too
    "lương nợ ty công",                       # known words, pairs the vocabulary never saw
    "công xyz ty nợ qwv lương",               # unknown words between known ones break every pair
    "cong ty no luong cong nhan dinh cong",    # unaccented pairs are their own features
])
def test_scores_equal_transform_times_weights(vec: Vectorizer, text: str) -> None:
    rng = np.random.default_rng(7)
    weights = rng.normal(size=(len(vec.vocab), 6)).astype(np.float32)
    bias = rng.normal(size=6).astype(np.float32)
    cols, vals = vec.transform_one(text)
    expected = vals @ weights[cols] + bias
    assert vec.scores_normalized(normalize(text), weights, bias) == pytest.approx(expected, abs=1e-5)


def test_scores_from_many_threads_at_once_equal_one_at_a_time(vec: Vectorizer) -> None:
    """The counting scratch is per thread, and the kernel releases the GIL: threads really overlap."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(3)
    weights = rng.normal(size=(len(vec.vocab), 6)).astype(np.float32)
    bias = np.zeros(6, dtype=np.float32)
    texts = [normalize(t) for t in TRAIN * 50]
    alone = [vec.scores_normalized(t, weights, bias) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda t: vec.scores_normalized(t, weights, bias), texts))
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(alone, together, strict=True))


@pytest.mark.parametrize("text", ["", "!!!", "công ty nợ lương, công ty nợ lương", "lương nợ ty công", "xyz"])
def test_packed_columns_give_the_same_scores(vec: Vectorizer, text: str) -> None:
    rng = np.random.default_rng(11)
    weights = rng.normal(size=(len(vec.vocab), 6)).astype(np.float32)
    bias = rng.normal(size=6).astype(np.float32)
    words = normalize(text).split()
    plain = vec.scores_words(words, weights, bias)
    assert vec.scores_words(words, weights, bias, vec.pack(weights)).tolist() == plain.tolist()
