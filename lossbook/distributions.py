r"""Entropy, cross-entropy and KL divergence of discrete distributions.

All three use the natural logarithm (nats), work over the last axis, and take
:math:`0 \log 0 = 0`. They are tied by

.. math::

    H(p, q) = H(p) + D_{\mathrm{KL}}(p \,\|\, q),

so cross-entropy is a *dissimilarity*: it is smallest, and equal to
:math:`H(p)`, exactly when :math:`q = p`. It is not symmetric.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_in_range, check_rows_sum_to_one

__all__ = ["entropy", "cross_entropy", "kl_divergence"]


def _distribution(p, name):
    p = as_float_array(p, name)
    check_in_range(p, name, 0.0, 1.0, what="probabilities")
    check_rows_sum_to_one(p, name)
    return p


def _pair(p, q):
    p = _distribution(p, "p")
    q = _distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return p, q


def _xlogy(x, y):
    """x * log(y), with 0 where x == 0 (so 0 log 0 = 0); -inf where x > 0 and y == 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where(x > 0, out, 0.0)


def entropy(p: ArrayLike) -> float | np.ndarray:
    r"""Shannon entropy :math:`H(p) = -\sum_i p_i \log p_i`, in nats.

    Parameters
    ----------
    p : array_like of shape (..., n)
        Probability distributions over the last axis (entries in [0, 1],
        summing to 1).

    Returns
    -------
    float or ndarray
        A float for one distribution, else an array of shape ``p.shape[:-1]``.

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.entropy([0.5, 0.5]), 4)  # log 2
    0.6931
    >>> lb.entropy([1.0, 0.0])
    0.0
    """
    p = _distribution(p, "p")
    return _scalar(-_xlogy(p, p).sum(axis=-1))


def cross_entropy(p: ArrayLike, q: ArrayLike) -> float | np.ndarray:
    r"""Cross-entropy :math:`H(p, q) = -\sum_i p_i \log q_i`, in nats.

    The expected code length when events drawn from :math:`p` are coded with
    a code built for :math:`q`. It is at least :math:`H(p)`, with equality
    only when :math:`q = p`, and in general :math:`H(p, q) \ne H(q, p)`. It is
    infinite when :math:`q` gives zero probability to an event :math:`p` can
    produce.

    Parameters
    ----------
    p, q : array_like of shape (..., n)
        Probability distributions over the last axis, of the same shape.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import lossbook as lb
    >>> p, q = [0.8, 0.2], [0.5, 0.5]
    >>> round(lb.cross_entropy(p, q), 4), round(lb.cross_entropy(q, p), 4)
    (0.6931, 0.9163)
    """
    p, q = _pair(p, q)
    return _scalar(-_xlogy(p, q).sum(axis=-1))


def kl_divergence(p: ArrayLike, q: ArrayLike) -> float | np.ndarray:
    r"""Kullback-Leibler divergence :math:`D_{\mathrm{KL}}(p \| q) = \sum_i p_i \log(p_i / q_i)`.

    Non-negative, zero exactly when :math:`p = q`, not symmetric, and equal to
    :math:`H(p, q) - H(p)`.

    Parameters
    ----------
    p, q : array_like of shape (..., n)
        Probability distributions over the last axis, of the same shape.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.kl_divergence([0.8, 0.2], [0.5, 0.5]), 4)
    0.1927
    """
    p, q = _pair(p, q)
    return _scalar((_xlogy(p, p) - _xlogy(p, q)).sum(axis=-1))


def _scalar(x):
    return float(x) if np.ndim(x) == 0 else x
