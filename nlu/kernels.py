"""The numeric core of the classifier, compiled: column ids of one message -> TF-IDF -> scores.

Why compiled (numba) rather than numpy: a message is ~280 column ids, and numpy spends
more time entering its ~15 calls (sort, unique, gathers, block norms, product) than
computing; measured on dev.jsonl, one core, same model, sum of per-message minima:

    numpy (np.unique + gathers + matmul)   49.5 µs
    numpy with fewer calls                 45.1 µs
    this kernel (one call)                 20.5 µs   (includes building the id array)

and, measured inside the ``analyse`` loop (where the caches are shared with the rest):
building the ids 26 µs -> 3.4 µs once the word pairs were looked up here in a compact
table (``pair_table``) instead of Python's vocabulary dict and each word's cache entry
carried its pair code; the kernel 14 -> 11 µs reading a column's weights, idf and block
from one packed row (``Vectorizer.pack``).

The kernel is the definition of the features' arithmetic for both training
(``tfidf``, via ``Vectorizer.transform``) and prediction (``scores``), so the two cannot
drift apart.  Compiled once per machine and cached beside this file (numba falls back to
a per-user cache directory when that is read-only; ``NUMBA_CACHE_DIR`` overrides both).
``nogil``: the bot calls the NLU from worker threads, which then really run in parallel.

Arithmetic, per block b (0 = words and word bigrams, 1 = character n-grams):
    value(c) = (1 + ln count(c)) * idf(c)           sublinear term frequency
    value(c) *= weight(b) / ||values of block b||₂  each block normalised on its own
"""
from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = ["tfidf", "scores", "pair_table"]


@numba.njit(cache=True, nogil=True)
def _counted(ids: Any) -> tuple[Any, Any]:
    """Distinct column ids (sorted) and how often each occurs."""
    a = np.sort(ids)
    n = a.shape[0]
    cols = np.empty(n, dtype=np.int64)
    counts = np.empty(n, dtype=np.int64)
    m = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and a[j] == a[i]:
            j += 1
        cols[m] = a[i]
        counts[m] = j - i
        m += 1
        i = j
    return cols[:m], counts[:m]


@numba.njit(cache=True, nogil=True)
def _slot(key: Any, mask: Any) -> Any:
    """Start slot of a word-pair key (Fibonacci hashing: the high bits of key * 2^64/phi)."""
    return np.int64((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask


@numba.njit(cache=True, nogil=True)
def pair_table(keys: Any, cols: Any, size: int) -> Any:
    """Open-addressing table (linear probing, ``size`` a power of two, key -1 = empty) of
    word-pair keys -> column: one row of two int64 per slot, so a probe reads one cache line."""
    table = np.full((size, 2), -1, dtype=np.int64)
    mask = size - 1
    for k in range(keys.shape[0]):
        s = _slot(keys[k], mask)
        while table[s, 0] != -1:
            s = (s + 1) & mask
        table[s, 0] = keys[k]
        table[s, 1] = cols[k]
    return table


@numba.njit(cache=True, nogil=True)
def _pair_column(table: Any, key: Any) -> Any:
    mask = table.shape[0] - 1
    s = _slot(key, mask)
    while table[s, 0] != -1:
        if table[s, 0] == key:
            return table[s, 1]
        s = (s + 1) & mask
    return -1


@numba.njit(cache=True, nogil=True)
def _counted_entries(entries: Any, pairs: Any, scratch: Any) -> tuple[Any, Any]:
    """Distinct columns (first-seen order) and their counts, with no sort: ``scratch`` is a
    zeroed per-thread array of one counter per column, left zeroed again on return.

    ``entries``: per word, its pair code, the number of its columns, and those columns
    (``Vectorizer._word``).  The columns of the words come first, then those of the word
    pairs (bigrams): words ``k`` and ``k + 1`` have the pair key ``code_k << 32 | code_k+1``
    (code -1: the word is in no bigram), so the order is the one of
    ``Vectorizer.ids_normalized`` (words, then pairs)."""
    n = entries.shape[0]
    cols = np.empty(n, dtype=np.int64)   # ids + pairs < n: each word takes 2 slots besides its ids
    codes = np.empty(n // 2 + 1, dtype=np.int64)
    m = 0
    n_words = 0
    pos = 0
    while pos < n:
        codes[n_words] = entries[pos]
        n_words += 1
        end = pos + 2 + entries[pos + 1]
        for k in range(pos + 2, end):
            c = entries[k]
            if scratch[c] == 0:
                cols[m] = c
                m += 1
            scratch[c] += 1
        pos = end
    for k in range(n_words - 1):
        a = codes[k]
        b = codes[k + 1]
        if a < 0 or b < 0:
            continue
        c = _pair_column(pairs, (a << 32) | b)
        if c < 0:
            continue
        if scratch[c] == 0:
            cols[m] = c
            m += 1
        scratch[c] += 1
    counts = np.empty(m, dtype=np.int64)
    for k in range(m):
        counts[k] = scratch[cols[k]]
        scratch[cols[k]] = 0
    return cols[:m], counts


@numba.njit(cache=True, nogil=True)
def _values(cols: Any, counts: Any, idf: Any, block: Any, block_weight: Any) -> Any:
    """TF-IDF values of distinct columns, each block l2-normalised and weighted."""
    m = cols.shape[0]
    vals = np.empty(m, dtype=np.float64)
    sq = np.zeros(2, dtype=np.float64)
    for k in range(m):
        v = (1.0 + np.log(counts[k])) * idf[cols[k]]
        vals[k] = v
        sq[np.int64(block[cols[k]])] += v * v   # block: int64, or float32 in a packed table
    scale = np.zeros(2, dtype=np.float64)
    for b in range(2):
        if sq[b] > 0.0:
            scale[b] = block_weight[b] / np.sqrt(sq[b])
    for k in range(m):
        vals[k] *= scale[np.int64(block[cols[k]])]
    return vals


@numba.njit(cache=True, nogil=True)
def tfidf(ids: Any, idf: Any, block: Any, block_weight: Any) -> tuple[Any, Any]:
    """(sorted distinct columns, float32 values) of one message's column ids (repeats kept)."""
    cols, counts = _counted(ids)
    return cols, _values(cols, counts, idf, block, block_weight).astype(np.float32)


@numba.njit(cache=True, nogil=True)
def scores(entries: Any, pairs: Any, scratch: Any, idf: Any, block: Any, block_weight: Any,
           weights: Any, bias: Any) -> Any:
    """Raw label scores ``values @ weights[cols] + bias`` without materialising the gather.

    Counting with ``scratch`` instead of sorting: numba's sort of ~280 ids took 10 of the
    call's 15 µs.  The word pairs are looked up here in ``pairs`` (``pair_table``) rather than
    in Python's vocabulary dict: measured on dev, one core, that dict look-up of ~23 pairs a
    message cost 9-15 µs (three cache misses each: index, entry, key string), the probe of
    this compact table ~2 µs."""
    cols, counts = _counted_entries(entries, pairs, scratch)
    vals = _values(cols, counts, idf, block, block_weight)
    n_labels = weights.shape[1]
    acc = np.zeros(n_labels, dtype=np.float64)
    for k in range(cols.shape[0]):
        v = vals[k]
        row = cols[k]
        for q in range(n_labels):
            acc[q] += v * weights[row, q]
    out = np.empty(n_labels, dtype=np.float32)
    for q in range(n_labels):
        out[q] = acc[q] + bias[q]
    return out
