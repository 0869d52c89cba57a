"""log1p and expm1 from the exp and log that numpy vectorises (the losses' hot spots).

numpy computes ``exp`` and ``log`` with SIMD instructions on most CPUs (float32 on
AVX2, both precisions on AVX-512), but ``log1p`` and ``expm1`` one element at a
time, several times slower. Two classical corrections give them from ``log`` and
``exp`` with the same accuracy:

- ``log1p(u) = log(v) * u / (v - 1)`` with ``v = 1 + u`` (Goldberg, "What every
  computer scientist should know about floating-point arithmetic", 1991, Theorem 4):
  the rounding of ``1 + u`` is divided out; ``u`` itself where ``v`` rounds to 1.
- ``expm1(x) = (w - 1) * x / log(w)`` with ``w = exp(x)`` (Kahan): the same idea
  for the exponential; ``x`` itself where ``w`` rounds to 1.

Both are within a few units in the last place of numpy's own ``log1p`` and
``expm1`` (tests/test_numerics.py measures it against them and against mpmath).
"""

from __future__ import annotations

import math

import numpy as np


#: OpenBLAS splits a dot product over its threads above 10,000 elements; on a busy machine
#: waking them can cost milliseconds (a 32,768-element dot: median 6 us, mean 3 ms with the
#: other core busy). Chunks of this size keep every dot on the calling thread.
DOT_CHUNK = 8192


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """The sum of ``a * b`` over all elements: BLAS's dot in float64, on the calling thread.

    In float32 it is numpy's pairwise sum of the products instead (BLAS's float32 dot adds in
    float32 in a few long running sums).
    """
    a, b = a.reshape(-1), b.reshape(-1)
    if a.dtype != np.float64 or b.dtype != np.float64:
        return float(np.add.reduce(a * b, axis=None))
    total = 0.0
    for i in range(0, a.size, DOT_CHUNK):  # plain float addition: an overflow is inf, not an error
        total += float(np.dot(a[i : i + DOT_CHUNK], b[i : i + DOT_CHUNK]))
    return total


def log1p(u: np.ndarray) -> np.ndarray:
    """``log(1 + u)`` for ``u > -1``, to a few ulp, through ``np.log``."""
    v = u + 1.0
    d = v - 1.0
    exact = d == 0.0  # 1 + u rounded to 1: log1p(u) is u itself
    d += exact  # a harmless divisor there (log(v) is 0)
    ratio = np.log(v)
    ratio /= d
    ratio += exact
    ratio *= u
    return ratio


def expm1(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(exp(x) - 1, exp(x))`` to a few ulp, through ``np.exp`` and ``np.log`` (finite ``exp(x)``)."""
    w = np.exp(x)
    log_w = np.log(w)
    exact = log_w == 0.0  # exp(x) rounded to 1: expm1(x) is x itself
    log_w += exact  # a harmless divisor there (w - 1 is 0)
    m = w - 1.0
    m *= x
    m /= log_w
    m += x * exact
    return m, w


def clipped_logs(p: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log p~, log(1 - p~), inside)`` for ``p~ = clip(p, eps, 1 - eps)``, exact to a few ulp.

    The upper clip is applied to the complement, ``1 - p~ = max(1 - p, eps)``, so that it
    holds even for an ``eps`` so small that ``1 - eps`` rounds to 1. ``log(1 - p)`` comes from
    ``log(q) * p / (1 - q)`` with ``q`` the rounded ``1 - p`` (Goldberg's correction again),
    exact where ``p`` is tiny; ``inside`` is True where the clip is not active.
    """
    lo = np.maximum(p, eps)  # the lower clip
    q = 1.0 - lo
    inside = (lo == p) & (q >= eps)
    top = q < eps  # the upper clip: 1 - p~ = eps and log p~ = log1p(-eps)
    q = np.maximum(q, eps)
    den = 1.0 - q  # = lo exactly, but 0 where q rounds to 1
    exact = den == 0.0  # there log(1 - p~) = -p~
    den += exact
    log_q = np.log(q)
    log_q *= lo
    log_q /= den
    log_q -= lo * exact
    log_p = np.log(lo)
    if top.any():  # rare: only where p lies within eps of 1
        log_p = np.where(top, math.log1p(-eps), log_p)
        # There 1 - p~ is eps itself, not a rounding of 1 - p: no correction, log(eps) as it is.
        log_q = np.where(top, np.log(q), log_q)
    return log_p.astype(p.dtype, copy=False), log_q, inside


#: Up to this many columns, row_max goes column by column and row_sum through BLAS; beyond,
#: numpy's own reductions along the rows are as fast.
FEW_COLUMNS = 16


def row_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=1)`` for a 2-D array; for a few columns, column by column (several times faster)."""
    if a.shape[1] > FEW_COLUMNS:
        return a.max(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        np.maximum(out, a[:, j], out=out)
    return out


def row_sum(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` for a 2-D float array; for a few columns, ``a @ ones`` (BLAS).

    numpy's sum along a short last axis pays its loop's set-up for every row: for ten
    columns the matrix-vector product is four times faster, and column by column twice.
    It runs in chunks of rows that keep BLAS on the calling thread (see :data:`DOT_CHUNK`).
    """
    k = a.shape[1]
    if not 0 < k <= FEW_COLUMNS or a.dtype not in (np.float64, np.float32):
        return a.sum(axis=1)
    ones = np.ones(k, a.dtype)
    out = np.empty(a.shape[0], a.dtype)
    rows = DOT_CHUNK // k
    for i in range(0, a.shape[0], rows):
        np.dot(a[i : i + rows], ones, out=out[i : i + rows])
    return out
