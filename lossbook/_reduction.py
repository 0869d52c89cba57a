"""Reductions and sample weights: the one place where unreduced losses become a number.

A kernel returns the loss of every element (or sample) and its derivative with
respect to ``y_pred``; it never sees a reduction or a weight. Every reduction is
a weighted sum, :math:`\\sum_i f_i \\ell_i`, with one factor :math:`f_i` per sample
(row) that also scales that row's gradient:

- ``"none"``: :math:`f_i = w_i`, and nothing is summed;
- ``"sum"``: :math:`f_i = w_i`;
- ``"mean"``: :math:`f_i = w_i / W`, the sample's share of the total weight
  :math:`W`: :math:`\\sum_i w_i` times the number of outputs per sample for
  elementwise losses, :math:`\\sum_i w_i r_i` when a multi-class loss has class
  weights (:math:`r_i` the weight of sample i's true class, already folded into
  its loss), and the number of loss values without weights.

Without sample weights :math:`w_i = 1`. Weights are first divided by a power of
two near their maximum (exact, and it cannot change the mean), so weights near
the largest float do not overflow the total.
"""

from __future__ import annotations

import math

import numpy as np


def power_of_two_scaled(w: np.ndarray) -> np.ndarray:
    """``w`` divided by a power of two near its maximum: exact, and no sum of it overflows."""
    exponent = np.frexp(np.maximum.reduce(w, axis=None))[1]
    return np.ldexp(w, -int(exponent))


def row_factors(reduction: str, loss_shape: tuple, sample_weight, row_weight):
    """The factor of each row's loss and gradient: a float, an array of shape (n,), or None for 1.

    Raises ``ValueError`` when the mean's total weight is zero.
    """
    w = sample_weight
    if reduction != "mean":
        return w  # "none" and "sum": the weights themselves
    count = math.prod(loss_shape)
    if w is None and row_weight is None:
        return 1.0 / count
    n = loss_shape[0]
    w = np.ones(n) if w is None else power_of_two_scaled(w)
    if row_weight is None:
        return w / (float(np.add.reduce(w)) * (count // n))
    total = float(np.dot(w, row_weight))
    if not total > 0:
        raise ValueError(
            "the weights of the samples' true classes sum to zero "
            "(class_weight times sample_weight), so the mean is undefined"
        )
    return w / total


def scale_into(out: np.ndarray, values: np.ndarray, factor, absent: np.ndarray | None = None) -> None:
    """``out[...] = values * factor``, the factor broadcast along the first axis.

    ``absent`` (a boolean mask of the rows, or None) marks the rows whose factor is 0: they
    are set to 0, whatever their values (an infinite loss times 0 would be NaN).
    """
    if factor is None:
        np.copyto(out, values, casting="same_kind")
        return
    if isinstance(factor, np.ndarray):
        factor = factor.reshape((-1,) + (1,) * (values.ndim - 1))
    np.multiply(values, factor, out=out, casting="same_kind")
    if absent is not None:
        out[absent] = 0.0  # (0 * inf is NaN there: the caller ignores numpy's invalid flag)


class Total:
    """A running sum of blocks of losses that survives an overflow of the sum.

    The plain float sum is kept, and beside it the sum scaled by :math:`2^{-600}`
    (exact, in float64); when the plain sum overflows although every loss is
    finite, the scaled one gives the right mean.
    """

    _SCALE = 2.0**-600

    def __init__(self) -> None:
        self.plain = 0.0
        self.scaled = 0.0
        self.overflowed = False

    def add(self, values: np.ndarray) -> None:
        s = float(np.add.reduce(values, axis=None))
        if math.isfinite(s) or not np.isfinite(np.maximum.reduce(np.abs(values), axis=None)):
            self.plain += s
            self.scaled += s * self._SCALE
        else:
            self.overflowed = True
            self.scaled += float(np.add.reduce(values.astype(np.float64) * self._SCALE, axis=None))
        if not math.isfinite(self.plain) and math.isfinite(self.scaled):
            self.overflowed = True

    def divided_by(self, divisor: float) -> float:
        if not self.overflowed:
            return float(self.plain / divisor)
        return float((self.scaled / divisor) / self._SCALE)
