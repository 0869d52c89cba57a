"""Check a loss's gradient against central finite differences."""

from __future__ import annotations

import numpy as np

from ._base import get_loss
from ._validation import as_float_array, check_option, check_reduction

__all__ = ["check_gradient", "numerical_gradient", "GradientCheckError"]


class GradientCheckError(ValueError):
    """Raised by :func:`check_gradient` when the relative error exceeds ``tol``."""


def numerical_gradient(loss, y_true, y_pred, *, reduction="mean", sample_weight=None,
                       step=1e-6, **options):
    r"""Central-difference estimate of the gradient of ``loss`` with respect to ``y_pred``.

    Each entry is :math:`(L(\hat y + h e_j) - L(\hat y - h e_j)) / (2h)` with
    :math:`h` = ``step`` times :math:`\max(1, |\hat y_j|)`. For
    ``reduction="none"`` each element's (or each sample's) own loss is
    differentiated, as :meth:`Loss.gradient` does.

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
    step = check_option("step", step, low=0.0, low_open=True)
    y_pred = as_float_array(y_pred, "y_pred").copy()
    kwargs = dict(sample_weight=sample_weight, **options)
    h = step * np.maximum(1.0, np.abs(y_pred))
    grad = np.empty_like(y_pred)
    if reduction == "none":
        # Each element's loss depends on its own input (or its own row), so
        # one whole column (or every element) can be perturbed at once.
        if loss.per_sample:
            slices = [(slice(None), j) for j in range(y_pred.shape[1])]
        else:
            slices = [Ellipsis]
        for where in slices:
            plus, minus = y_pred.copy(), y_pred.copy()
            plus[where] += h[where]
            minus[where] -= h[where]
            diff = loss(y_true, plus, reduction="none", **kwargs) - loss(
                y_true, minus, reduction="none", **kwargs
            )
            grad[where] = diff / (2 * h[where])
        return grad
    flat, flat_h, flat_grad = y_pred.reshape(-1), h.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + flat_h[j]
        plus = loss(y_true, y_pred, reduction=reduction, **kwargs)
        flat[j] = original - flat_h[j]
        minus = loss(y_true, y_pred, reduction=reduction, **kwargs)
        flat[j] = original
        flat_grad[j] = (plus - minus) / (2 * flat_h[j])
    return grad


def check_gradient(loss, y_true, y_pred, *, reduction="mean", sample_weight=None,
                   step=1e-6, tol=None, **options):
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

    >>> wrong = lb.make_loss(lambda y, p: (p - y) ** 2, lambda y, p: p - y, name="half_wrong")
    >>> lb.check_gradient(wrong, [0.0, 0.0], [1.0, 2.0], tol=1e-6)
    Traceback (most recent call last):
    ...
    lossbook.gradcheck.GradientCheckError: gradient of 'half_wrong' (reduction='mean') ...
    """
    loss = get_loss(loss)
    analytic = np.asarray(
        loss.gradient(y_true, y_pred, reduction=reduction, sample_weight=sample_weight, **options)
    )
    numeric = numerical_gradient(
        loss, y_true, y_pred, reduction=reduction, sample_weight=sample_weight, step=step, **options
    )
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    error = 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)
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
        index = np.unravel_index(flat, analytic.shape)
        index = index[0] if len(index) == 1 else index
        lines.append(
            f"{str(index):>12}  {analytic.reshape(-1)[flat]:>14.6g}  {numeric.reshape(-1)[flat]:>14.6g}"
        )
    return "\n".join(lines)
