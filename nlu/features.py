"""Text -> sparse TF-IDF vector, one code path for training and prediction.

Why not sklearn's TfidfVectorizer at prediction time: its per-call overhead
(~100+ µs) alone eats the budget of 10,000 classifications/s.  Here a message
becomes an array of column indices (cached per word) and one compiled call
(``nlu.kernels``) counts them and gives the TF-IDF values or the label scores.

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

import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import kernels
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


class Packed(NamedTuple):
    """Views of one (n_features, n_labels + 2) float32 table (``Vectorizer.pack``)."""

    idf: np.ndarray
    block: np.ndarray     # 0.0 = words and bigrams, 1.0 = character n-grams
    weights: np.ndarray   # (n_features, n_labels)


_EMPTY_IDS = np.frombuffer(b"", dtype=np.int64)   # read-only like every other id array: one compiled signature


def _pair_index(vocab: dict[str, int]) -> tuple[dict[str, int], np.ndarray]:
    """(word -> pair code, ``kernels.pair_table`` of the bigram columns): a bigram "a b" is
    the key ``code(a) << 32 | code(b)``.  A word and a bigram never start with CHAR_PREFIX
    and words hold no space, so the bigrams are exactly the other features with a space."""
    code: dict[str, int] = {}
    keys: list[int] = []
    cols: list[int] = []
    for f, col in vocab.items():
        if " " in f and not f.startswith(CHAR_PREFIX):
            a, b = f.split(" ")
            keys.append(code.setdefault(a, len(code)) << 32 | code.setdefault(b, len(code)))
            cols.append(col)
    size = 1 << max(4, (2 * len(keys) - 1).bit_length())   # at most half full: short probes
    return code, kernels.pair_table(np.array(keys, dtype=np.int64), np.array(cols, dtype=np.int64), size)


class Vectorizer:
    """Vocabulary + IDF + block of each column; ``scores_normalized`` is the hot path.

    Per-word work (character n-grams and their look-ups, the word's bigram code) is
    cached by word, as the bytes of one entry: chat vocabulary is Zipfian, so almost
    every word of a new message has been seen before and costs one dict hit, and a
    message's entries are one ``bytes.join``.  The arithmetic lives in ``nlu.kernels``.
    """

    def __init__(self, vocab: dict[str, int], idf: np.ndarray,
                 word_weight: float = WORD_BLOCK_WEIGHT) -> None:
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self.word_weight = float(word_weight)
        # block of each column: 0 = words and bigrams, 1 = character n-grams
        self.block = np.zeros(len(vocab), dtype=np.int64)
        for f, i in vocab.items():
            if f.startswith(CHAR_PREFIX):
                self.block[i] = 1
        self.block_weight = np.array([self.word_weight, 1.0], dtype=np.float64)
        self._word_cache: dict[str, bytes] = {}
        self._local = threading.local()
        empty = [] if (e := vocab.get("<empty>")) is None else [e]
        self._empty_ids = np.frombuffer(array("q", empty).tobytes(), dtype=np.int64)
        # a message with no word: one entry of no pair code and the "<empty>" column
        self._empty_entry = np.frombuffer(array("q", [-1, len(empty), *empty]).tobytes(), dtype=np.int64)
        self._pair_code, self._pairs = _pair_index(vocab)

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

    def _word(self, w: str) -> bytes:
        """The word's entry, as int64 bytes: its pair code (-1: in no bigram), how many columns
        follow, and the columns of the word and of its character n-grams (repeats kept)."""
        hit = self._word_cache.get(w)
        if hit is None:
            get = self.vocab.get
            ids = [i for i in map(get, [w, *char_grams(w)]) if i is not None]
            hit = array("q", [self._pair_code.get(w, -1), len(ids), *ids]).tobytes()
            if len(self._word_cache) >= WORD_CACHE_MAX:
                self._word_cache.clear()   # crude bound; refills with the frequent words
            self._word_cache[w] = hit
        return hit

    def _entries(self, words: list[str]) -> np.ndarray:
        """The words' entries end to end, for ``kernels.scores``: when every word is cached (almost
        always) one ``map`` and one ``join`` in C; a miss fills the cache word by word."""
        if not words:
            return self._empty_entry
        try:
            buf = b"".join(map(self._word_cache.__getitem__, words))
        except KeyError:
            buf = b"".join([self._word(w) for w in words])
        return np.frombuffer(buf, dtype=np.int64)

    def ids_normalized(self, acc: str) -> np.ndarray:
        """Column ids of every feature of a normalised message, repeats kept (int64)."""
        aw = acc.split()
        if not aw:
            return self._empty_ids
        parts = [self._word(w)[16:] for w in aw]   # each entry without its code and length
        get = self.vocab.get
        bigrams = [i for i in map(get, _bigrams(aw)) if i is not None]
        if bigrams:
            parts.append(array("q", bigrams).tobytes())
        return np.frombuffer(b"".join(parts), dtype=np.int64) if parts else _EMPTY_IDS

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, TF-IDF values) of a raw message."""
        return self.transform_normalized(normalize(text))

    def transform_normalized(self, acc: str) -> tuple[np.ndarray, np.ndarray]:
        """Same as ``transform_one`` for text already passed through ``normalize``."""
        cols, vals = kernels.tfidf(self.ids_normalized(acc), self.idf, self.block, self.block_weight)
        return cols, vals

    def scores_normalized(self, acc: str, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """``transform_normalized(acc) @ weights + bias`` in one compiled call."""
        return self.scores_words(acc.split(), weights, bias)

    def scores_words(self, words: list[str], weights: np.ndarray, bias: np.ndarray,
                     packed: Packed | None = None) -> np.ndarray:
        """``scores_normalized`` for the words of the normalised text (``nlu.text.Prepared``);
        ``packed``: the same idf, blocks and ``weights`` laid out by ``pack`` (same scores)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:   # one zeroed counter per column and thread (the NLU runs in worker threads)
            scratch = self._local.scratch = np.zeros(len(self.vocab), dtype=np.int32)
        idf, block = (self.idf, self.block) if packed is None else (packed.idf, packed.block)
        out: np.ndarray = kernels.scores(self._entries(words), self._pairs, scratch, idf, block, self.block_weight,
                                         weights if packed is None else packed.weights, bias)
        return out

    def pack(self, weights: np.ndarray) -> Packed:
        """Each column's label weights, idf and block side by side in one float32 row, so the
        kernel's look-ups of a column share a cache line (measured in the analyse loop: the
        kernel 10% cheaper than with four separate arrays; the same numbers, so the same scores)."""
        n_labels = weights.shape[1]
        table = np.empty((weights.shape[0], n_labels + 2), dtype=np.float32)
        table[:, :n_labels] = weights
        table[:, n_labels] = self.idf
        table[:, n_labels + 1] = self.block
        return Packed(table[:, n_labels], table[:, n_labels + 1], table[:, :n_labels])

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
