"""Output activations: sigmoid, softmax and log-softmax, exact for any finite input."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import _numerics
from ._validation import as_float_array, check_finite

__all__ = ["sigmoid", "softmax", "log_softmax"]


def _checked_logits(z: ArrayLike, name: str = "z") -> np.ndarray:
    z = as_float_array(z, name)
    check_finite(z, name)
    return z


def softplus_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(u, log1p(u))`` with ``u = exp(-|z|)``, the shared work of the logit losses.

    ``softplus(z) = max(z, 0) + log1p(u)``, and the sigmoid follows from ``u`` by
    :func:`sigmoid_pair`; ``u`` lies in (0, 1], so nothing overflows.
    """
    u = np.abs(z)
    np.negative(u, out=u)
    np.exp(u, out=u)
    return u, _numerics.log1p(u)


def sigmoid_pair(u: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sigmoid(z), sigmoid(-z))`` from ``u = exp(-|z|)``, each to full relative accuracy.

    ``1 / (1 + u)`` is the sigmoid of ``|z|`` and ``u / (1 + u)`` that of ``-|z|``;
    computing ``1 - sigmoid(z)`` by subtraction would lose the small one. Each is picked
    by arithmetic (``small + s * (large - small)``, ``s`` 1 where ``z >= 0``), which is
    several times faster than ``np.where``: the small one exactly, the large one (near
    1) to within an ulp.
    """
    large = np.add(u, 1.0)
    np.reciprocal(large, out=large)
    small = u * large
    gap = large - small
    positive = z >= 0
    p = gap * positive
    p += small
    gap *= ~positive
    gap += small
    return p, gap


def sigmoid(z: ArrayLike) -> np.ndarray:
    r"""The logistic sigmoid, :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Computed as :math:`1/(1+e^{-|z|})` for :math:`z \ge 0` and
    :math:`e^{-|z|}/(1+e^{-|z|})` otherwise, so no exponential overflows:
    ``sigmoid(-1000)`` is ``0`` with no warning, not ``1/inf``.

    Parameters
    ----------
    z : array_like
        Logits, finite.

    Returns
    -------
    ndarray
        Probabilities in [0, 1], shaped like ``z``.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.sigmoid([-1000.0, 0.0, 2.0])
    array([0.    , 0.5   , 0.8808])
    """
    z = _checked_logits(z)
    return sigmoid_pair(np.exp(-np.abs(z)), z)[0]


def log_softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The logarithm of :func:`softmax`, by the log-sum-exp trick.

    .. math::

        \log \operatorname{softmax}(z)_j = z_j - m - \log \sum_k e^{z_k - m},
        \qquad m = \max_k z_k.

    Subtracting the maximum leaves the result unchanged and keeps every
    exponential in (0, 1], so the result is finite and exact for any finite
    ``z`` (``np.log(np.exp(z) / np.exp(z).sum())`` fails for ``z`` near 1000).

    Parameters
    ----------
    z : array_like
        Logits, finite.
    axis : int, default -1
        The axis over which the classes run.

    Returns
    -------
    ndarray
        Shaped like ``z``.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.log_softmax([1000.0, 0.0])
    array([    0., -1000.])
    """
    z = _checked_logits(z)
    with np.errstate(over="ignore"):  # z - max(z) may round to -inf, whose exp is 0: right
        shifted = z - z.max(axis=axis, keepdims=True)
    # The sum of the exponentials is 1 (the maximum's) plus the others: log1p of the others,
    # as softmax_cross_entropy does, keeps a result near 0 exact (log of a sum near 1 rounds it to 0).
    is_top = shifted == 0.0
    others = np.exp(shifted)
    others[is_top] = 0.0
    others = others.sum(axis=axis, keepdims=True)
    others += is_top.sum(axis=axis, keepdims=True) - 1  # maxima beyond the first
    return shifted - np.log1p(others)


def softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The softmax, :math:`\operatorname{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}`.

    Computed after subtracting the maximum along ``axis``, which changes
    nothing mathematically and prevents overflow.

    Parameters
    ----------
    z : array_like
        Logits, finite.
    axis : int, default -1
        The axis over which the classes run.

    Returns
    -------
    ndarray
        Shaped like ``z``; every slice along ``axis`` sums to 1.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.softmax([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]).round(4)
    array([[0.09  , 0.2447, 0.6652],
           [0.3333, 0.3333, 0.3333]])
    """
    z = _checked_logits(z)
    with np.errstate(over="ignore"):  # z - max(z) may round to -inf, whose exp is 0: right
        e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e
