r"""Regression losses: ``y_pred`` holds predictions on the scale of ``y_true``.

Each loss is a function of the error :math:`e = \hat y - y` (prediction minus
target) applied to every element; the reductions then average or add. Each
kernel below returns the loss of every element and its derivative side by side.
The two likelihood losses at the end model counts (Poisson) and a prediction
with its own uncertainty (Gaussian).
"""

from __future__ import annotations

import math

import numpy as np

from . import _numerics
from ._loss import Option, make_loss, register

__all__ = ["mse", "mae", "huber", "log_cosh", "quantile", "poisson_nll", "gaussian_nll"]

LOG2 = float(np.log(2.0))

#: A round exponent c with e^c finite (e^709.78 and e^88.72 overflow float64 and float32).
_LOG_HUGE = {np.dtype(np.float64): 709.0, np.dtype(np.float32): 88.0}


def _sum_of_squares(e: np.ndarray) -> float:
    return _numerics.dot(e, e)


def _mse_total(y_true, y_pred):
    return _sum_of_squares(y_pred - y_true)


@register
@make_loss(
    total=_mse_total,
    total_propagates_nan=True,
    formula=r"(\hat y - y)^2",
    counterparts={"PyTorch": "mse_loss", "Keras": "MeanSquaredError", "scikit-learn": "mean_squared_error"},
)
def mse(y_true, y_pred):
    r"""Mean squared error (L2 loss).

    .. math::

        \ell(y, \hat y) = (\hat y - y)^2, \qquad
        \frac{\partial \ell}{\partial \hat y} = 2 (\hat y - y).

    ``"mean"`` averages over every element (scikit-learn's
    ``mean_squared_error``, PyTorch's ``mse_loss``); there is no factor 1/2.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.mse([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    0.4166666666666667
    >>> lb.mse.gradient([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    array([ 0.3333,  0.    , -0.6667])
    """
    e = y_pred - y_true
    loss = e * e
    return loss, np.multiply(e, 2.0, out=e)


def _mae_total(y_true, y_pred):
    e = y_pred - y_true
    return float(np.add.reduce(np.abs(e, out=e), axis=None))


@register
@make_loss(
    total=_mae_total,
    total_propagates_nan=True,
    formula=r"|\hat y - y|",
    counterparts={"PyTorch": "l1_loss", "Keras": "MeanAbsoluteError", "scikit-learn": "mean_absolute_error"},
)
def mae(y_true, y_pred):
    r"""Mean absolute error (L1 loss).

    .. math::

        \ell(y, \hat y) = |\hat y - y|, \qquad
        \frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y),

    with the subgradient 0 at a perfect prediction. Equals scikit-learn's
    ``mean_absolute_error`` and PyTorch's ``l1_loss``.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.mae([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    0.5
    >>> lb.mae.gradient([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], reduction="sum")
    array([ 1.,  0., -1.])
    """
    e = y_pred - y_true
    grad = np.sign(e)  # not in place: numpy's sign is several times slower with out=e
    return np.abs(e, out=e), grad


def _huber_total(y_true, y_pred, *, delta):
    e = y_pred - y_true
    c = np.clip(e, -delta, delta)
    if e.dtype == np.float64:
        return _numerics.dot(c, e) - 0.5 * _numerics.dot(c, c)  # the sum of c (e - c/2)
    e -= 0.5 * c
    e *= c
    return float(np.add.reduce(e, axis=None))


@register
@make_loss(
    options=[Option("delta", 1.0, "(0, inf)", "Where the loss turns from quadratic to linear.")],
    total=_huber_total,
    total_propagates_nan=True,
    formula=r"\tfrac12 e^2 \text{ if } |e| \le \delta, \text{ else } \delta(|e| - \tfrac12\delta)",
    counterparts={"PyTorch": "huber_loss", "Keras": "Huber"},
)
def huber(y_true, y_pred, *, delta):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    .. math::

        \ell(y, \hat y) = \begin{cases}
            \tfrac12 e^2 & |e| \le \delta \\
            \delta \left(|e| - \tfrac12 \delta\right) & |e| > \delta
        \end{cases}
        \;=\; c \left(e - \tfrac12 c\right),
        \qquad
        \frac{\partial \ell}{\partial \hat y} = c = \operatorname{clip}(e, -\delta, \delta),

    with :math:`e = \hat y - y`: the clipped error is both the derivative and, in
    the middle form, the only thing the value needs. This is PyTorch's
    ``huber_loss`` and Keras' ``Huber`` (Huber, 1964). With ``delta=1`` it equals
    PyTorch's ``smooth_l1_loss``; for large ``delta`` it approaches half the
    squared error, for small ``delta`` a scaled absolute error.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.huber([0.0, 0.0], [0.5, 3.0], reduction="none")
    array([0.125, 2.5  ])
    >>> lb.huber.gradient([0.0, 0.0], [0.5, 3.0], reduction="none", delta=2.0)
    array([0.5, 2. ])
    """
    e = y_pred - y_true
    c = np.clip(e, -delta, delta)  # the derivative
    e -= 0.5 * c
    e *= c  # c (e - c/2): the loss
    return e, c


@register
@make_loss(formula=r"\log\cosh(\hat y - y)", counterparts={"Keras": "LogCosh"})
def log_cosh(y_true, y_pred):
    r"""Log-cosh loss: about :math:`e^2/2` for small errors, :math:`|e| - \log 2` for large.

    .. math::

        \ell(y, \hat y) = \log\cosh(e) = \log\!\left(1 + 2 \sinh^2(e/2)\right),
        \qquad \frac{\partial \ell}{\partial \hat y} = \tanh(e),

    with :math:`e = \hat y - y`. It is computed from :math:`q = e^{|e|} - 1` as
    :math:`\log(1 + q^2 / (2 (1 + q)))` and :math:`\tanh |e| = d / (d + 2)` with
    :math:`d = q (q + 2)`, which keeps full relative accuracy for tiny errors, where
    :math:`|e| + \log(1 + e^{-2|e|}) - \log 2` cancels to zero; beyond
    :math:`|e| = 20` the loss is :math:`|e| - \log 2` to the last bit.
    ``np.log(np.cosh(e))`` overflows to infinity for :math:`|e| > 710`.

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.log_cosh([0.0], [0.1]), 4)
    0.005
    >>> round(lb.log_cosh([0.0], [1000.0]), 4)  # np.log(np.cosh(1000.0)) is inf
    999.3069
    >>> lb.log_cosh([0.0], [1e-10])  # e**2 / 2, where the textbook form gives 0.0
    5e-21
    """
    e = y_pred - y_true
    a = np.abs(e)
    c = np.minimum(a, 20.0)  # beyond 20, log cosh(e) = |e| - log 2 and tanh(e) = sign(e) to the last bit
    q, w = _numerics.expm1(c)  # e^c - 1, accurate for small c, and e^c
    d = q * (q + 2.0)  # e^2c - 1
    grad = d / (d + 2.0)  # tanh(c)
    np.copysign(grad, e, out=grad)
    q *= q
    w *= 2.0
    q /= w  # (e^c - 1)^2 / (2 e^c) = cosh(c) - 1
    loss = _numerics.log1p(q)
    big = a > 20.0
    if big.any():
        loss = np.where(big, a - LOG2, loss)
    return loss, grad


def _quantile_grad(e, tau):
    """The subgradient of the pinball loss: 1 - tau above, -tau below, 0 at e = 0.

    -tau and 1 - tau as they stand (one rounding, of 1 - tau), selected by arithmetic on
    the masks: an interpolation through 0.5 - tau would round a tiny tau away.
    """
    g = np.multiply(e != 0.0, -tau, dtype=e.dtype)  # -tau where e != 0
    g += e > 0.0  # 1 - tau where e > 0
    return g


def _quantile_total(y_true, y_pred, *, quantile):
    e = y_pred - y_true
    e *= _quantile_grad(e, quantile)
    return float(np.add.reduce(e, axis=None))


@register
@make_loss(
    options=[Option("quantile", 0.5, "(0, 1)", "The quantile :math:`\\tau` the loss estimates.")],
    total=_quantile_total,
    total_propagates_nan=True,
    formula=r"\max\bigl(\tau (y - \hat y),\ (1 - \tau)(\hat y - y)\bigr)",
    counterparts={"scikit-learn": "mean_pinball_loss"},
)
def quantile(y_true, y_pred, *, quantile):
    r"""Quantile (pinball) loss; its minimiser is the ``quantile`` of the targets.

    .. math::

        \ell(y, \hat y) = \tau \max(y - \hat y, 0) + (1 - \tau) \max(\hat y - y, 0)
                        = g\, e,
        \qquad
        \frac{\partial \ell}{\partial \hat y} = g = \begin{cases}
            1 - \tau & \hat y > y \\ -\tau & \hat y < y \\ 0 & \hat y = y
        \end{cases}

    with :math:`\tau` = ``quantile`` and :math:`e = \hat y - y` (Koenker and
    Bassett, 1978). Equals scikit-learn's ``mean_pinball_loss(alpha=quantile)``;
    ``quantile=0.5`` is half the absolute error.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.quantile([1.0, 1.0], [0.0, 2.0], reduction="none", quantile=0.9)
    array([0.9, 0.1])
    >>> lb.quantile([0.0, 0.0], [1e308, 1e308])  # no overflow
    5e+307
    """
    e = y_pred - y_true
    g = _quantile_grad(e, quantile)
    e *= g
    return e, g


def _poisson_total(y_true, y_pred):
    """The value alone, summed: the sum of e^z less the sum of y z (inf where e^z overflows)."""
    return float(np.add.reduce(np.exp(y_pred), axis=None)) - _numerics.dot(y_true, y_pred)


@register
@make_loss(
    input="log_rate",
    targets="counts",
    total=_poisson_total,
    formula=r"e^{z} - y z",
    counterparts={"PyTorch": "poisson_nll_loss", "Keras": "Poisson (on rates)",
                  "scikit-learn": "mean_poisson_deviance (on rates, x2, shifted)"},
)
def poisson_nll(y_true, y_pred):
    r"""Poisson negative log-likelihood, on the logarithm of the predicted rate.

    For a count :math:`y` and a predicted rate :math:`\mu = e^{z}`, with ``y_pred``
    holding :math:`z = \log \mu`,

    .. math::

        \ell(y, z) = e^{z} - y z, \qquad \frac{\partial \ell}{\partial z} = e^{z} - y,

    the negative log of :math:`\mu^y e^{-\mu} / y!` without the term
    :math:`\log y!`, which does not depend on the prediction. It is PyTorch's
    ``poisson_nll_loss`` (``log_input=True``) and, up to a factor 2 and a term in
    :math:`y` only, scikit-learn's ``mean_poisson_deviance(y, exp(z))``. Its
    minimum over :math:`z` is at :math:`\mu = y`, where it equals
    :math:`y - y \log y`, not 0. A network trained with it predicts
    :math:`\log \mu`: its output activation is the exponential.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> round(lb.poisson_nll([2.0, 0.0], np.log([2.0, 0.5])), 4)
    0.5569
    >>> lb.poisson_nll.gradient([2.0, 0.0], np.log([2.0, 0.5]), reduction="none")
    array([0. , 0.5])
    """
    try:
        with np.errstate(over="raise"):
            rate = np.exp(y_pred)
    except FloatingPointError:  # rare: e^z overflows; the block again, without inf - inf
        return _poisson_beyond_the_range(y_true, y_pred)
    loss = rate - y_true * y_pred
    return loss, np.subtract(rate, y_true, out=rate)


def _poisson_beyond_the_range(y_true, y_pred):
    """poisson_nll's kernel where some e^z overflow: e^z - y z and e^z - y without inf - inf.

    Where e^z overflows, both are formed at 2^-16 times their size, from
    e^z 2^-16 = e^(z - c) (e^c 2^-16) (``c`` = 709, float32 88; z - c is exact): each term
    is finite unless the difference is far beyond the range. Where y z is beyond that too,
    the difference is inf - inf, and its sign that of z - log(y z): the larger term wins.
    """
    rate = np.exp(y_pred)
    with np.errstate(invalid="ignore"):  # inf - inf where e^z and y z overflow, redone below
        loss = rate - y_true * y_pred
    grad = rate - y_true
    over = np.isinf(rate)
    z, y = y_pred[over], y_true[over]
    c = _LOG_HUGE[y_pred.dtype]
    scaled_rate = np.exp(z - c)
    scaled_rate *= y_pred.dtype.type(math.exp(c) * 2.0**-16)  # e^z 2^-16
    y_scaled = y * 2.0**-16
    grad[over] = (scaled_rate - y_scaled) * 2.0**16
    with np.errstate(invalid="ignore"):
        scaled_loss = scaled_rate - y_scaled * z
    undecided = np.isnan(scaled_loss)
    if undecided.any():
        z64, y64 = z[undecided].astype(np.float64), y[undecided].astype(np.float64)
        scaled_loss[undecided] = np.where(z64 > np.log(y64) + np.log(z64), np.inf, -np.inf)
    loss[over] = scaled_loss * 2.0**16
    return loss, grad


def _gaussian_total(y_true, y_pred):
    """The value alone, summed: half the sum of (mu - y)^2 / sigma^2 and of log sigma^2.

    Where 1 / sigma or mu - y overflows the sum is not finite, and the kernel's path,
    which takes care there, gives the value.
    """
    mean, log_var = y_pred[..., 0], y_pred[..., 1]
    scaled = mean - y_true
    scaled *= np.exp(log_var * -0.5)  # (mu - y) / sigma
    return 0.5 * (_numerics.dot(scaled, scaled) + float(np.add.reduce(log_var, axis=None)))


@register
@make_loss(
    targets="mean_and_log_variance",
    total=_gaussian_total,
    formula=r"\tfrac12\bigl(\log\sigma^2 + (y - \hat y)^2 / \sigma^2\bigr)",
    counterparts={"PyTorch": "gaussian_nll_loss (on variances)"},
)
def gaussian_nll(y_true, y_pred):
    r"""Gaussian negative log-likelihood with a predicted mean and variance.

    ``y_pred[..., 0]`` is the predicted mean :math:`\hat y` and ``y_pred[..., 1]``
    the log of the predicted variance, :math:`\log \sigma^2` (a network outputs any
    real number for it; the variance is then positive). Per target,

    .. math::

        \ell = \tfrac12\left(\log \sigma^2 + \frac{(y - \hat y)^2}{\sigma^2}\right), \qquad
        \frac{\partial \ell}{\partial \hat y} = \frac{\hat y - y}{\sigma^2}, \qquad
        \frac{\partial \ell}{\partial \log \sigma^2} = \tfrac12\left(1 - \frac{(y - \hat y)^2}{\sigma^2}\right),

    the negative log-density of :math:`\mathcal N(\hat y, \sigma^2)` at :math:`y`
    without the constant :math:`\tfrac12 \log 2\pi`. With a fixed variance it is
    the squared error scaled; with a learned one, the model can say where it is
    unsure: a large :math:`\sigma^2` makes an error cheap but costs
    :math:`\tfrac12 \log \sigma^2` (Nix and Weigend, 1994; Kendall and Gal, 2017).
    PyTorch's ``GaussianNLLLoss(input=y_hat, target=y, var=sigma**2)`` computes the
    same value.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> y_pred = np.array([[1.0, 0.0], [0.0, np.log(4.0)]])  # (mean, log variance)
    >>> lb.gaussian_nll([1.0, 2.0], y_pred, reduction="none").round(4)
    array([0.    , 1.1931])
    >>> lb.gaussian_nll.gradient([1.0, 2.0], y_pred, reduction="none")
    array([[ 0. ,  0.5],
           [-0.5,  0. ]])
    """
    mean, log_var = y_pred[..., 0], y_pred[..., 1]
    grad = np.empty(y_pred.shape, dtype=y_pred.dtype)
    try:
        with np.errstate(over="raise", invalid="raise"):
            err = mean - y_true
            inv_sd = log_var * -0.5
            np.exp(inv_sd, out=inv_sd)  # 1 / sigma
            scaled = err * inv_sd  # (mu - y) / sigma
            np.multiply(scaled, inv_sd, out=grad[..., 0])  # (mu - y) / sigma^2
    except FloatingPointError:  # rare: 1 / sigma or mu - y overflows; the block again, carefully
        scaled = _gaussian_scaled_beyond_the_range(mean, y_true, log_var, grad[..., 0])
    scaled *= scaled  # (y - mu)^2 / sigma^2
    np.subtract(1.0, scaled, out=grad[..., 1])
    grad[..., 1] *= 0.5
    scaled += log_var
    scaled *= 0.5
    return scaled, grad


def _gaussian_scaled_beyond_the_range(mean, y_true, log_var, grad_mean):
    """``(mu - y) e^h``, ``h = -s/2``, where ``e^h`` or ``mu - y`` overflow; ``(mu - y) e^2h`` into ``grad_mean``.

    ``e^h`` is split into ``e^min(h, c)`` times ``e^(h - c)`` (``c`` = 709, float32 88; the
    difference is exact), and the product formed factor by factor: finite wherever the
    result is, 0 for ``mu = y`` (where 0 * e^h would be 0 * inf = NaN). Beyond ``h = 2c`` the
    product overflows anyway unless ``mu = y``, so ``h`` is capped there. Where ``mu - y``
    overflows it is taken at half scale, ``mu/2 - y/2``, and the products doubled at the end
    (exactly): inf * 0 would be NaN where sigma is huge.
    """
    c = _LOG_HUGE[log_var.dtype]
    err = mean - y_true
    doubled = np.isinf(err)
    err = np.where(doubled, mean * 0.5 - y_true * 0.5, err)
    h = np.minimum(log_var * -0.5, 2 * c)
    beyond = np.maximum(h - c, 0.0)  # 0, or the exact excess over c
    low, high = np.exp(h - beyond), np.exp(beyond)  # e^min(h, c), e^(h - c) or 1
    scaled = err * low
    scaled *= high  # (mu - y) / sigma (halved where doubled)
    np.multiply(scaled, low, out=grad_mean)
    grad_mean *= high  # (mu - y) / sigma^2 (halved where doubled)
    factor = 1.0 + doubled
    grad_mean *= factor
    scaled *= factor
    return scaled
