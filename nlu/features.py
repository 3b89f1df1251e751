"""Text -> sparse TF-IDF vector, one code path for training and prediction.

Why not sklearn's TfidfVectorizer at prediction time: its per-call overhead
(~100+ µs) alone eats the budget of 10,000 classifications/s.  Here a message
becomes a list of column indices (cached per word), ``np.unique`` counts them
and a few numpy operations give the TF-IDF values.

Two feature blocks, each l2-normalised on its own (measured: one joint norm
lets the many character n-grams drown the words):
  words   the accented normalised words and word bigrams;
  chars   character 2-5-grams of each space-padded accented word
          (" lương " -> " l", "lư", ..., "ơng "), which catch compounds,
          spelling slips and inflected teencode.
Term frequency is sublinear (1 + log tf): real messages are long stories
where the topic words come back, binary tf threw that away (real-dev
macro-F1 0.73 -> 0.77 in the ablation).

Why no diacritic-stripped copies of accented features: they made "cơ quan"
and "co quan", "bán" and "bạn" one feature for accented text too, and cost
5-6 points on real comments.  An unaccented message is simply its own
(stripped) spelling; training adds a stripped copy of every accented example
(see ``train.augment``), so those spellings are learnt as such.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .normalize import normalize

__all__ = ["feature_list", "feature_strings", "Vectorizer", "CHAR_NS", "CHAR_PREFIX"]

CHAR_NS = (2, 3, 4, 5)
CHAR_PREFIX = "#"          # tokens are letters/digits only, so "#..." never equals a word
WORD_BLOCK_WEIGHT = 2.0    # words vs chars after per-block l2 (1.0-2.0 within noise on the test sets; 2.0 best OOF)
WORD_MIN_DF, CHAR_MIN_DF = 1, 2
WORD_CACHE_MAX = 200_000


def char_grams(word: str) -> list[str]:
    """Character n-grams of the space-padded word, with their repeats (tf counts them)."""
    padded = " " + word + " "
    n_chars = len(padded)
    return [CHAR_PREFIX + padded[i:i + n] for n in CHAR_NS for i in range(n_chars - n + 1)]


def _bigrams(words: list[str]) -> list[str]:
    return list(map(" ".join, zip(words, words[1:])))


def feature_list(acc: str) -> list[str]:
    """Feature strings of an already normalised message, with repeats.

    A word or bigram never starts with CHAR_PREFIX, a character n-gram always
    does, so the two blocks can share one vocabulary.
    """
    aw = acc.split()
    if not aw:
        return ["<empty>"]
    feats = list(aw)
    feats.extend(_bigrams(aw))
    for w in aw:
        feats.extend(char_grams(w))
    return feats


def feature_strings(text: str) -> set[str]:
    """Distinct feature strings of one raw message."""
    return set(feature_list(normalize(text)))


_EMPTY_COLS = np.empty(0, dtype=np.intp)
_EMPTY_VALS = np.empty(0, dtype=np.float32)


class Vectorizer:
    """Vocabulary + IDF + block of each column; ``transform_normalized`` is the hot path.

    Per-word work (character n-grams and their look-ups) is cached by word:
    chat vocabulary is Zipfian, so almost every word of a new message has been
    seen before and costs one dict hit.
    """

    def __init__(self, vocab: dict[str, int], idf: np.ndarray,
                 word_weight: float = WORD_BLOCK_WEIGHT) -> None:
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self.word_weight = float(word_weight)
        # block of each column: 0 = words and bigrams, 1 = character n-grams
        self.block = np.zeros(len(vocab), dtype=np.intp)
        for f, i in vocab.items():
            if f.startswith(CHAR_PREFIX):
                self.block[i] = 1
        self._block_weight = np.array([self.word_weight, 1.0], dtype=np.float32)
        self._word_cache: dict[str, tuple[int, ...]] = {}
        self._empty_idx = vocab.get("<empty>")

    @classmethod
    def fit(cls, texts: Sequence[str], word_weight: float = WORD_BLOCK_WEIGHT) -> Vectorizer:
        df: Counter[str] = Counter()
        for t in texts:
            df.update(feature_strings(t))
        kept = sorted(f for f, c in df.items()
                      if c >= (CHAR_MIN_DF if f.startswith(CHAR_PREFIX) else WORD_MIN_DF))
        vocab = {f: i for i, f in enumerate(kept)}
        n = len(texts)
        idf = np.array([np.log((1 + n) / (1 + df[f])) + 1.0 for f in kept], dtype=np.float32)
        return cls(vocab, idf, word_weight)

    def _word(self, w: str) -> tuple[int, ...]:
        """Columns of the word and of its character n-grams (repeats kept)."""
        hit = self._word_cache.get(w)
        if hit is None:
            get = self.vocab.get
            hit = tuple(i for i in map(get, [w, *char_grams(w)]) if i is not None)
            if len(self._word_cache) >= WORD_CACHE_MAX:
                self._word_cache.clear()   # crude bound; refills with the frequent words
            self._word_cache[w] = hit
        return hit

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, TF-IDF values) of a raw message."""
        return self.transform_normalized(normalize(text))

    def transform_normalized(self, acc: str) -> tuple[np.ndarray, np.ndarray]:
        """Same as ``transform_one`` for text already passed through ``normalize``."""
        aw = acc.split()
        ids: list[int] = []
        word = self._word
        for w in aw:
            ids.extend(word(w))
        get = self.vocab.get
        for b in _bigrams(aw):
            i = get(b)
            if i is not None:
                ids.append(i)
        if not aw and self._empty_idx is not None:
            ids.append(self._empty_idx)
        if not ids:
            return _EMPTY_COLS, _EMPTY_VALS
        cols, counts = np.unique(np.array(ids, dtype=np.intp), return_counts=True)
        vals = (1.0 + np.log(counts, dtype=np.float32)) * self.idf[cols]
        blocks = self.block[cols]
        sq = np.bincount(blocks, weights=vals * vals, minlength=2)
        scale = self._block_weight / np.sqrt(np.maximum(sq, 1e-12)).astype(np.float32)
        return cols, vals * scale[blocks]

    def transform(self, texts: Iterable[str]) -> Any:
        """Sparse CSR matrix for training/batch prediction."""
        from scipy.sparse import csr_matrix

        indptr = [0]
        all_idx: list[np.ndarray] = []
        all_val: list[np.ndarray] = []
        for t in texts:
            c, v = self.transform_one(t)
            all_idx.append(c)
            all_val.append(v)
            indptr.append(indptr[-1] + len(c))
        idx = np.concatenate(all_idx) if all_idx else np.empty(0, dtype=np.int64)
        val = np.concatenate(all_val) if all_val else np.empty(0, dtype=np.float32)
        return csr_matrix((val, idx, np.asarray(indptr)), shape=(len(indptr) - 1, len(self.vocab)))
