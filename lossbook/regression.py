"""Regression losses: y_pred holds predictions on the scale of y_true.

Each loss is a function of the error :math:`e = \\hat y - y` (prediction minus
target), applied to every element; the reductions then average or add.
"""

from __future__ import annotations

import numpy as np

from ._base import Loss, _register, fill_doc
from ._validation import as_float_array, check_finite, check_option, check_same_shape

__all__ = ["mse", "mae", "huber", "log_cosh", "quantile"]

_SHAPES = """\
Notes
-----
Shapes: ``y_true`` and ``y_pred`` of the same shape, ``(n_samples,)`` or
``(n_samples, n_outputs)``; ``sample_weight`` of shape ``(n_samples,)``.
``reduction="none"`` returns an array shaped like ``y_pred``."""


class _Regression(Loss):
    """Losses that depend only on the error ``y_pred - y_true``.

    Validation computes the error once and checks that it is finite: one
    finite difference means both inputs are finite, so one pass checks both.
    Only when it is not finite are the inputs examined to name the culprit.
    The kernels then receive the error (a new array they may overwrite) in
    place of ``y_pred``.
    """

    def _validate(self, y_true, y_pred, opts):
        y_true = as_float_array(y_true, "y_true")
        y_pred = as_float_array(y_pred, "y_pred")
        check_same_shape(y_true, y_pred)
        with np.errstate(over="ignore", invalid="ignore"):
            err = y_pred - y_true
            err_sum = np.add.reduce(err, axis=None)
        if not np.isfinite(err_sum):
            check_finite(y_true, "y_true")
            check_finite(y_pred, "y_pred")
            # Both finite: the difference overflowed, which the loss reports as inf.
        opts["err_sum"] = err_sum
        return y_true, err


@fill_doc(SHAPES=_SHAPES)
class MeanSquaredError(_Regression):
    r"""Mean squared error (L2 loss).

    .. math::

        \ell(y, \hat y) = (\hat y - y)^2, \qquad
        \frac{\partial \ell}{\partial \hat y} = 2 (\hat y - y).

    ``"mean"`` averages over every element (scikit-learn's
    ``mean_squared_error``); there is no factor 1/2.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.mse([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    0.4166666666666667
    >>> lb.mse.gradient([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    array([ 0.3333,  0.    , -0.6667])
    """

    name = "mse"

    def _forward(self, y_true, err, opts, need_value, need_grad):
        loss = grad = None
        if need_value == "sum":
            flat = err.reshape(-1)
            # The sum of squares in one pass (einsum's own loop, not a BLAS call
            # that would start threads).
            loss = float(np.einsum("i,i->", flat, flat))
        elif need_value:
            loss = err * err
        if need_grad:
            grad = np.multiply(err, 2.0, out=err)
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES)
class MeanAbsoluteError(_Regression):
    r"""Mean absolute error (L1 loss).

    .. math::

        \ell(y, \hat y) = |\hat y - y|, \qquad
        \frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y),

    with the subgradient 0 at a perfect prediction. Equals scikit-learn's
    ``mean_absolute_error``.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.mae([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    0.5
    >>> lb.mae.gradient([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], reduction="sum")
    array([ 1.,  0., -1.])
    """

    name = "mae"

    def _forward(self, y_true, err, opts, need_value, need_grad):
        grad = np.sign(err) if need_grad else None
        loss = np.abs(err, out=err) if need_value else None
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES)
class Huber(_Regression):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    .. math::

        \ell(y, \hat y) = \begin{cases}
            \tfrac12 e^2 & |e| \le \delta \\
            \delta \left(|e| - \tfrac12 \delta\right) & |e| > \delta
        \end{cases},
        \qquad e = \hat y - y, \qquad
        \frac{\partial \ell}{\partial \hat y} = \operatorname{clip}(e, -\delta, \delta).

    This is PyTorch's ``huber_loss`` and Keras' ``Huber`` (Huber, 1964). With
    ``delta=1`` it equals PyTorch's ``smooth_l1_loss``; for large ``delta`` it
    approaches half the squared error, for small ``delta`` a scaled absolute error.

    Parameters
    ----------
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; must be positive.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.huber([0.0, 0.0], [0.5, 3.0], reduction="none")
    array([0.125, 2.5  ])
    >>> lb.huber.gradient([0.0, 0.0], [0.5, 3.0], reduction="none", delta=2.0)
    array([0.5, 2. ])
    """

    name = "huber"
    options = {"delta": 1.0}

    def _validate_options(self, opts):
        return {"delta": check_option("delta", opts["delta"], low=0.0, low_open=True)}

    def _forward(self, y_true, err, opts, need_value, need_grad):
        delta = opts["delta"]
        grad = np.clip(err, -delta, delta) if need_grad else None
        loss = None
        if need_value:
            abs_err = np.abs(err)
            small = np.minimum(abs_err, delta)
            # 0.5 * small**2 + delta * (|e| - small): both branches in one formula.
            loss = 0.5 * small * small + delta * (abs_err - small)
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES)
class LogCosh(_Regression):
    r"""Log-cosh loss: about :math:`e^2/2` for small errors, :math:`|e| - \log 2` for large.

    .. math::

        \ell(y, \hat y) = \log\cosh(e) = |e| + \log\!\left(1 + e^{-2|e|}\right) - \log 2,
        \qquad \frac{\partial \ell}{\partial \hat y} = \tanh(e),

    with :math:`e = \hat y - y`. The right-hand form never overflows, where
    ``np.log(np.cosh(e))`` returns infinity for :math:`|e| > 710`.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.log_cosh([0.0], [0.1]), 4)
    0.005
    >>> round(lb.log_cosh([0.0], [1000.0]), 4)  # np.log(np.cosh(1000.0)) is inf
    999.3069
    """

    name = "log_cosh"

    def _forward(self, y_true, err, opts, need_value, need_grad):
        grad = np.tanh(err) if need_grad else None
        loss = None
        if need_value:
            abs_err = np.abs(err, out=err)
            tail = np.multiply(abs_err, -2.0)
            np.log1p(np.exp(tail, out=tail), out=tail)
            if need_value == "sum":
                return float(abs_err.sum() + tail.sum() - abs_err.size * np.log(2.0)), grad, None
            tail += abs_err
            tail -= np.log(2.0)
            loss = tail
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES)
class Quantile(_Regression):
    r"""Quantile (pinball) loss; its minimiser is the ``quantile`` of the targets.

    .. math::

        \ell(y, \hat y) = \tau \max(y - \hat y, 0) + (1 - \tau) \max(\hat y - y, 0),
        \qquad
        \frac{\partial \ell}{\partial \hat y} = \begin{cases}
            -\tau & \hat y < y \\ 1 - \tau & \hat y > y \\ 0 & \hat y = y
        \end{cases}

    with :math:`\tau` = ``quantile`` (Koenker and Bassett, 1978). Equals
    scikit-learn's ``mean_pinball_loss(alpha=quantile)``; ``quantile=0.5`` is
    half the absolute error.

    Parameters
    ----------
    quantile : float, default 0.5
        The quantile :math:`\tau`, in (0, 1).

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.quantile([1.0, 1.0], [0.0, 2.0], reduction="none", quantile=0.9)
    array([0.9, 0.1])
    """

    name = "quantile"
    options = {"quantile": 0.5}

    def _validate_options(self, opts):
        q = check_option("quantile", opts["quantile"], low=0.0, high=1.0, low_open=True, high_open=True)
        return {"quantile": q}

    def _forward(self, y_true, err, opts, need_value, need_grad):
        tau = opts["quantile"]
        loss = grad = None
        if need_grad:
            grad = np.where(err > 0, 1.0 - tau, np.where(err < 0, -tau, 0.0))
        if need_value == "sum":
            # sum of max(e, 0) - tau * e, reusing the sum of e from validation
            positive = np.add.reduce(np.maximum(err, 0.0, out=err), axis=None)
            loss = float(positive - tau * opts["err_sum"])
        elif need_value:
            loss = np.maximum(err * (1.0 - tau), err * -tau)
        return loss, grad, None


mse = _register(MeanSquaredError())
mae = _register(MeanAbsoluteError())
huber = _register(Huber())
log_cosh = _register(LogCosh())
quantile = _register(Quantile())
