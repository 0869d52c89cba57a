"""Check a loss's gradient against central finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._loss import Loss, get_loss
from ._validation import as_float_array, check_reduction, check_scalar

__all__ = ["check_gradient", "numerical_gradient", "GradientCheckError"]


#: Near a probability bound, the largest finite-difference step as a share of the distance to it.
_BOUND_SHARE = 1e-4


class GradientCheckError(ValueError):
    """Raised by :func:`check_gradient` when the relative error exceeds ``tol``."""


def numerical_gradient(loss: str | Loss, y_true: ArrayLike, y_pred: ArrayLike, *, reduction: str = "mean",
                       sample_weight: ArrayLike | None = None, step: float = 1e-6,
                       **options: Any) -> np.ndarray:
    r"""Central-difference estimate of the gradient of ``loss`` with respect to ``y_pred``.

    Each entry is :math:`(L(\hat y + h e_j) - L(\hat y - h e_j)) / (2h)` with
    :math:`h` = ``step`` times :math:`\max(1, |\hat y_j|)` (for probabilities, at most
    1e-4 of the distance to 0 or 1), the steps as rounded. For
    ``reduction="none"`` each element's (or each sample's) own loss is
    differentiated, as ``loss.gradient`` does.

    Parameters
    ----------
    loss : str or Loss
    y_true, y_pred : array_like
    reduction : {"mean", "sum", "none"}, default "mean"
    sample_weight : array_like of shape (n_samples,), optional
    step : float, default 1e-6
        Relative step size.
    **options
        The loss's keyword options.

    Returns
    -------
    ndarray
        Shaped like ``y_pred``.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.numerical_gradient(lb.mse, [0.0, 0.0], [1.0, -2.0], reduction="sum").round(6)
    array([ 2., -4.])
    """
    loss = get_loss(loss)
    check_reduction(reduction)
    step = check_scalar(step, "step", "(0, inf)")
    x = as_float_array(y_pred, "y_pred", np.dtype(np.float64)).copy()
    kwargs = dict(sample_weight=sample_weight, **options)
    h = step * np.maximum(1.0, np.abs(x))
    if loss.input == "probability":
        # Stay inside [0, 1]: never evaluate the loss at a probability the caller did not allow.
        # Near a bound the step is at most a share of the distance d to it: where the loss has
        # a logarithm there, the difference quotient of log d is then off by (h/d)^2/3 < 4e-9.
        # (A step of `step` times d, 1e-13 at p = 1 - 1e-7, would drown in rounding noise.)
        h = np.minimum(h, _BOUND_SHARE * np.minimum(x, 1.0 - x))
        at_bound = h == 0
        h[at_bound] = step
    else:
        at_bound = np.zeros(x.shape, dtype=bool)
    # Central differences, except at 0 or 1 for probabilities: one-sided, into the interval.
    up = np.where(at_bound & (x >= 1.0), 0.0, h)
    down = np.where(at_bound & (x <= 0.0), 0.0, h)
    # The steps as taken: x + h is rounded (to a coarse grid near 1, say); the difference
    # (x + h) - x is exact (Sterbenz), so the quotient divides by the distance travelled.
    up = (x + up) - x
    down = x - (x - down)
    grad = np.empty_like(x)
    if reduction == "none":
        # Each element's loss depends on its own input (or its own row), so
        # one whole column (or every element) can be perturbed at once.
        if loss.unreduced_shape(x.shape) != x.shape:  # one loss per row of the last axis
            slices: list[Any] = [(Ellipsis, j) for j in range(x.shape[-1])]
        else:
            slices = [Ellipsis]
        for where in slices:
            plus, minus = x.copy(), x.copy()
            plus[where] += up[where]
            minus[where] -= down[where]
            diff = loss(y_true, plus, reduction="none", **kwargs) - loss(
                y_true, minus, reduction="none", **kwargs
            )
            grad[where] = diff / (up[where] + down[where])
        return grad
    flat = x.reshape(-1)
    flat_up, flat_down, flat_grad = up.reshape(-1), down.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + flat_up[j]
        plus = loss(y_true, x, reduction=reduction, **kwargs)
        flat[j] = original - flat_down[j]
        minus = loss(y_true, x, reduction=reduction, **kwargs)
        flat[j] = original
        flat_grad[j] = (plus - minus) / (flat_up[j] + flat_down[j])
    return grad


def check_gradient(loss: str | Loss, y_true: ArrayLike, y_pred: ArrayLike, *, reduction: str = "mean",
                   sample_weight: ArrayLike | None = None, step: float = 1e-6,
                   tol: float | None = None, **options: Any) -> float:
    r"""Compare a loss's gradient with central finite differences.

    Returns the relative error
    :math:`\|g - \tilde g\|_2 / \max(\|g\|_2, \|\tilde g\|_2)`, where :math:`g`
    is ``loss.gradient(...)`` and :math:`\tilde g` the estimate of
    :func:`numerical_gradient` (0 when both are zero). A correct gradient gives
    about 1e-9 or less; an error near 1 means the gradient is wrong. Avoid
    points where the loss has a kink (``y_pred == y_true`` for the absolute
    error, a margin of exactly 1 for the hinge): there the derivative does not
    exist and the two sides disagree.

    Works for every built-in loss and for any :class:`Loss`, including one
    made with :func:`make_loss`.

    Parameters
    ----------
    loss : str or Loss
        The loss to check.
    y_true, y_pred : array_like
        Where to check it.
    reduction : {"mean", "sum", "none"}, default "mean"
    sample_weight : array_like of shape (n_samples,), optional
    step : float, default 1e-6
        Relative finite-difference step.
    tol : float, optional
        If given, raise :class:`GradientCheckError` with a report of the
        worst entries when the relative error exceeds it.
    **options
        The loss's keyword options.

    Returns
    -------
    float
        The relative error.

    Raises
    ------
    GradientCheckError
        When ``tol`` is given and exceeded.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> z = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    >>> lb.check_gradient(lb.softmax_cross_entropy, [0, 2], z, label_smoothing=0.1) < 1e-8
    True

    A wrong gradient is caught, with a report of where it is wrong:

    >>> @lb.make_loss
    ... def half_wrong(y_true, y_pred):
    ...     return (y_pred - y_true) ** 2, y_pred - y_true   # the derivative lost its 2
    >>> lb.check_gradient(half_wrong, [0.0, 0.0], [1.0, 2.0], tol=1e-6)
    Traceback (most recent call last):
    ...
    lossbook.gradcheck.GradientCheckError: gradient of 'half_wrong' (reduction='mean') ...
    """
    loss = get_loss(loss)
    tol = check_scalar(tol, "tol", "[0, inf)", allow_none=True)
    x = as_float_array(y_pred, "y_pred", np.dtype(np.float64))
    analytic = np.asarray(
        loss.gradient(y_true, x, reduction=reduction, sample_weight=sample_weight, **options)
    )
    numeric = numerical_gradient(
        loss, y_true, x, reduction=reduction, sample_weight=sample_weight, step=step, **options
    )
    # Norms of the gradients divided by their largest entry first: no overflow near 1e154.
    big = float(max(np.max(np.abs(analytic)), np.max(np.abs(numeric))))
    big = big if np.isfinite(big) and big > 0 else 1.0
    scale = max(np.linalg.norm(analytic / big), np.linalg.norm(numeric / big))
    error = 0.0 if scale == 0 else float(np.linalg.norm((analytic - numeric) / big) / scale)
    if tol is not None and not error <= tol:
        raise GradientCheckError(_report(loss, reduction, analytic, numeric, error, tol))
    return error


def _report(loss, reduction, analytic, numeric, error, tol, rows=5):
    diff = np.abs(analytic - numeric).reshape(-1)
    worst = np.argsort(diff)[::-1][:rows]
    lines = [
        f"gradient of {loss.name!r} (reduction={reduction!r}) disagrees with finite "
        f"differences: relative error {error:.3g} > tol {tol:.3g}",
        f"{'index':>12}  {'gradient':>14}  {'finite diff.':>14}",
    ]
    for flat in worst:
        where = tuple(int(i) for i in np.unravel_index(flat, analytic.shape))
        index = where[0] if len(where) == 1 else where
        lines.append(
            f"{str(index):>12}  {analytic.reshape(-1)[flat]:>14.6g}  {numeric.reshape(-1)[flat]:>14.6g}"
        )
    return "\n".join(lines)
