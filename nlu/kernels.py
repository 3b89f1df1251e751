"""The numeric core of the classifier, compiled: column ids of one message -> TF-IDF -> scores.

Why compiled (numba) rather than numpy: a message is ~280 column ids, and numpy spends
more time entering its ~15 calls (sort, unique, gathers, block norms, product) than
computing; measured on dev.jsonl, one core, same model, sum of per-message minima:

    numpy (np.unique + gathers + matmul)   49.5 µs
    numpy with fewer calls                 45.1 µs
    this kernel (one call)                 20.5 µs   (includes building the id array)

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

__all__ = ["tfidf", "scores"]


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
def _counted_scratch(ids: Any, scratch: Any) -> tuple[Any, Any]:
    """Distinct column ids (first-seen order) and their counts, with no sort: ``scratch`` is a
    zeroed per-thread array of one counter per column, left zeroed again on return."""
    n = ids.shape[0]
    cols = np.empty(n, dtype=np.int64)
    m = 0
    for k in range(n):
        c = ids[k]
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
        sq[block[cols[k]]] += v * v
    scale = np.zeros(2, dtype=np.float64)
    for b in range(2):
        if sq[b] > 0.0:
            scale[b] = block_weight[b] / np.sqrt(sq[b])
    for k in range(m):
        vals[k] *= scale[block[cols[k]]]
    return vals


@numba.njit(cache=True, nogil=True)
def tfidf(ids: Any, idf: Any, block: Any, block_weight: Any) -> tuple[Any, Any]:
    """(sorted distinct columns, float32 values) of one message's column ids (repeats kept)."""
    cols, counts = _counted(ids)
    return cols, _values(cols, counts, idf, block, block_weight).astype(np.float32)


@numba.njit(cache=True, nogil=True)
def scores(ids: Any, scratch: Any, idf: Any, block: Any, block_weight: Any, weights: Any, bias: Any) -> Any:
    """Raw label scores ``values @ weights[cols] + bias`` without materialising the gather.

    Counting with ``scratch`` instead of sorting: numba's sort of ~280 ids took 10 of the
    call's 15 µs."""
    cols, counts = _counted_scratch(ids, scratch)
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
