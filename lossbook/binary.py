r"""Binary (and multi-label) classification losses.

``y_true`` holds one target per output in [0, 1] (0 or 1 for hard labels; soft
targets are allowed), or {-1, +1} for the hinge loss. ``y_pred`` holds
probabilities, logits or decision values, as each loss says. For multi-label
problems pass arrays of shape ``(n_samples, n_labels)``: each column is its own
binary problem.

The logit losses share one quantity, :math:`u = e^{-|z|} \in (0, 1]`, from which
both :math:`\log(1 + e^{\pm z})` and the sigmoid follow without overflow:

.. math::

    \operatorname{softplus}(z) = \log(1 + e^{z}) = \max(z, 0) + \log(1 + u),
    \qquad
    \sigma(z) = \begin{cases} 1/(1 + u) & z \ge 0 \\ u/(1 + u) & z < 0. \end{cases}
"""

from __future__ import annotations

import numpy as np

from . import _numerics
from ._loss import Option, make_loss, register
from .activations import sigmoid_pair, softplus_parts

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge", "sigmoid_focal"]

_EPS = Option(
    "eps", None, "(0, 0.5)",
    "Probabilities are clipped to [eps, 1 - eps] first; None is the machine epsilon of "
    "y_pred's dtype (2.2e-16 for float64, 1.2e-7 for float32), as scikit-learn's log_loss does.",
)
_POS_WEIGHT = Option(
    "pos_weight", None, "[0, inf)",
    "Weight of the positive term, as in PyTorch's ``BCEWithLogitsLoss``: the loss becomes "
    ":math:`-[w_+ y \\log p + (1 - y) \\log(1 - p)]`. ``n_negative / n_positive`` balances a "
    "rare positive class. A scalar, or one weight per label (last axis).",
    per="label",
)


def machine_eps(eps, dtype) -> float:
    """``eps``, or the machine epsilon of ``dtype`` when ``eps`` is None."""
    return float(np.finfo(dtype).eps) if eps is None else eps


def _bce_value(y, p, eps, pos_weight):
    """binary_cross_entropy's loss, with ``w y`` and where the clip is inactive (for the gradient)."""
    log_p, log_q, inside = _numerics.clipped_logs(p, machine_eps(eps, p.dtype))  # log p~, log(1 - p~)
    wy = y if pos_weight is None else pos_weight * y
    loss = wy * log_p
    # (1 - y) log(1 - p~), multiplied: 1 - y is exact for y >= 1/2, where log_q - y log_q cancels
    log_q *= 1.0 - y
    loss += log_q
    np.negative(loss, out=loss)
    return loss, wy, inside


def _bce_total(y_true, y_pred, *, eps, pos_weight):
    """The value alone, summed: no gradient."""
    return float(np.add.reduce(_bce_value(y_true, y_pred, eps, pos_weight)[0], axis=None))


@register
@make_loss(
    input="probability",
    targets="binary",
    options=[_EPS, _POS_WEIGHT],
    total=_bce_total,
    formula=r"-[y \log p + (1 - y) \log(1 - p)]",
    counterparts={"PyTorch": "binary_cross_entropy", "Keras": "BinaryCrossentropy", "scikit-learn": "log_loss"},
)
def binary_cross_entropy(y_true, y_pred, *, eps, pos_weight):
    r"""Binary cross-entropy (log loss) on probabilities.

    .. math::

        \ell(y, p) = -\left[y \log p + (1 - y) \log(1 - p)\right], \qquad
        \frac{\partial \ell}{\partial p} = \frac{p - y}{p (1 - p)},

    with ``p`` clipped to ``[eps, 1 - eps]`` first, as scikit-learn's
    ``log_loss`` does; where the clip is active the gradient is 0 (it is the
    derivative of the clipped value). Prefer
    :data:`binary_cross_entropy_with_logits` when you have logits: it needs
    no clipping and is exact for any logit. With ``pos_weight`` :math:`w_+` the
    gradient is :math:`\left((1 - y)/(1 - p) - w_+ y / p\right)`.

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.binary_cross_entropy([1, 0, 1], [0.9, 0.2, 0.6]), 4)
    0.2798
    >>> lb.binary_cross_entropy([1.0], [0.0])  # clipped: -log(eps)
    36.04365338911715
    """
    loss, wy, inside = _bce_value(y_true, y_pred, eps, pos_weight)
    y, p = y_true, y_pred
    q = 1.0 - p  # 1 - p: exact near 1, and within half an ulp of 1 below
    grad = p * (1.0 - y)
    grad -= wy * q  # ((1 - y) p - w y (1 - p)) / (p (1 - p))
    q *= p
    grad *= inside  # 0 where the clip is active
    q += ~inside  # a harmless divisor there
    grad /= q
    return loss, grad


def _bce_logits_total(y_true, y_pred, *, pos_weight):
    if pos_weight is not None:
        loss, _ = binary_cross_entropy_with_logits.kernel(y_true, y_pred, pos_weight=pos_weight)
        return float(np.add.reduce(loss, axis=None))
    z = y_pred
    u, log1pu = softplus_parts(z)
    np.maximum(z, 0.0, out=u)
    u -= y_true * z  # max(z, 0) - y z first: exact for y = 1, where the two cancel
    u += log1pu  # then the small log(1 + e^-|z|), which survives
    return float(np.add.reduce(u, axis=None))


@register
@make_loss(
    input="logit",
    targets="binary",
    options=[_POS_WEIGHT],
    total=_bce_logits_total,
    formula=r"\max(z, 0) - y z + \log(1 + e^{-|z|})",
    counterparts={"PyTorch": "binary_cross_entropy_with_logits",
                  "Keras": "BinaryCrossentropy(from_logits=True)"},
)
def binary_cross_entropy_with_logits(y_true, y_pred, *, pos_weight):
    r"""Binary cross-entropy on logits: the sigmoid and the log loss in one step.

    With :math:`p = \sigma(z)`,

    .. math::

        \ell(y, z) = -\left[y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\right]
                   = \max(z, 0) - y z + \log\!\left(1 + e^{-|z|}\right),
        \qquad
        \frac{\partial \ell}{\partial z} = \sigma(z) - y.

    The right-hand form is exact for every finite logit: no exponential
    overflows and nothing is clipped, so ``z = 1e4`` with ``y = 0`` gives a loss
    of exactly 1e4 and a gradient of 1 (the probability form would clip to
    36.04 and a gradient of 0). The value and the gradient share one
    :math:`e^{-|z|}`.

    With ``pos_weight`` :math:`w_+` the loss is
    :math:`(1 - y)\,\mathrm{softplus}(z) + w_+ y\,\mathrm{softplus}(-z)` and the
    gradient :math:`\sigma(z)(1 - y + w_+ y) - w_+ y`.

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.binary_cross_entropy_with_logits([1, 0], [2.0, -1.0]), 4)
    0.2201
    >>> lb.binary_cross_entropy_with_logits([0.0], [1e4])
    10000.0
    >>> lb.binary_cross_entropy_with_logits.gradient([1, 0], [2.0, -1.0], reduction="none")
    array([-0.1192,  0.2689])
    """
    z = y_pred
    u, loss = softplus_parts(z)  # loss holds log(1 + e^-|z|) for now
    if pos_weight is None:
        # (max(z, 0) - y z) + log(1 + e^-|z|), in that order: for y = 1 the bracket is
        # exactly 0 or -z, and the small log term is added to it, not lost beside z.
        bracket = np.maximum(z, 0.0)
        bracket -= y_true * z
        loss += bracket
        del bracket  # (not kept through the sigmoid: peak memory)
        grad, _ = sigmoid_pair(u, z)
        grad -= y_true
        return loss, grad
    wy = pos_weight * y_true
    negative_part = np.maximum(-z, 0.0)
    negative_part += loss  # softplus(-z)
    loss += np.maximum(z, 0.0)  # softplus(z)
    loss *= 1.0 - y_true
    negative_part *= wy
    loss += negative_part
    grad, _ = sigmoid_pair(u, z)
    grad *= 1.0 - y_true + wy
    grad -= wy
    return loss, grad


def _hinge_total(y_true, y_pred):
    h = y_true * y_pred
    np.subtract(1.0, h, out=h)
    np.maximum(h, 0.0, out=h)
    return float(np.add.reduce(h, axis=None))


@register
@make_loss(
    input="decision",
    targets="signed",
    total=_hinge_total,
    formula=r"\max(0, 1 - y f)",
    counterparts={"Keras": "Hinge", "scikit-learn": "hinge_loss"},
)
def hinge(y_true, y_pred):
    r"""Hinge loss on decision values, the loss of the support vector machine.

    .. math::

        \ell(y, f) = \max(0, 1 - y f), \qquad
        \frac{\partial \ell}{\partial f} = \begin{cases} -y & y f < 1 \\ 0 & y f \ge 1 \end{cases}

    with labels :math:`y \in \{-1, +1\}`; labels in {0, 1} are read as
    {-1, +1}. Equals scikit-learn's ``hinge_loss`` for binary labels. The
    loss is zero once the margin :math:`y f` reaches 1: confident, correct
    predictions cost nothing.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.hinge([1, -1, 1], [2.0, -0.5, -1.0], reduction="none")
    array([0. , 0.5, 2. ])
    >>> lb.hinge([1, 0, 1], [2.0, -0.5, -1.0], reduction="none")  # 0 is read as -1
    array([0. , 0.5, 2. ])
    """
    loss = y_true * y_pred
    np.subtract(1.0, loss, out=loss)  # 1 - y f
    grad = y_true * (loss > 0.0)  # y below a margin of 1
    np.subtract(0.0, grad, out=grad)  # -y there (0 - y: +0, not -0, elsewhere)
    np.maximum(loss, 0.0, out=loss)
    return loss, grad


def _focal_value(y, z, gamma):
    """sigmoid_focal's loss without alpha, and what its gradient reuses: ``(loss, ce, p, 1 - p,
    1 - p_t, (1 - p_t)^gamma)``."""
    u_exp, ce = softplus_parts(z)  # ce holds log(1 + e^-|z|) for now
    bracket = np.maximum(z, 0.0)
    bracket -= y * z
    ce += bracket  # the cross-entropy, (max(z, 0) - y z) + log(1 + e^-|z|), as for the BCE with logits
    del bracket  # (peak memory)
    p, q = sigmoid_pair(u_exp, z)  # sigma(z) and 1 - sigma(z), both exact
    u = p * (1.0 - y)
    u += q * y  # 1 - p_t: two non-negative terms, no cancellation
    modulator = u * u if gamma == 2.0 else u**gamma
    return modulator * ce, ce, p, q, u, modulator


def _alpha_t(y, alpha):
    return alpha * y + (1.0 - alpha) * (1.0 - y)


def _focal_total(y_true, y_pred, *, gamma, alpha):
    """The value alone, summed: no gradient."""
    loss = _focal_value(y_true, y_pred, gamma)[0]
    if alpha is not None:
        loss *= _alpha_t(y_true, alpha)
    return float(np.add.reduce(loss, axis=None))


@register
@make_loss(
    input="logit",
    targets="binary",
    total=_focal_total,
    options=[
        Option("gamma", 2.0, "[0, inf)", "Focusing parameter :math:`\\gamma`: 0 gives the cross-entropy."),
        Option("alpha", None, "[0, 1]",
               "Weight of the positive class, :math:`\\alpha`; negatives get ``1 - alpha``. "
               "None weights both by 1."),
    ],
    formula=r"\alpha_t (1 - p_t)^{\gamma}\, \mathrm{BCE}(y, z)",
    counterparts={"PyTorch": "torchvision.ops.sigmoid_focal_loss", "Keras": "BinaryFocalCrossentropy"},
)
def sigmoid_focal(y_true, y_pred, *, gamma, alpha):
    r"""Sigmoid focal loss on logits (Lin et al., 2017).

    Binary cross-entropy scaled down where the model is already right, so
    training focuses on the hard examples. With :math:`p = \sigma(z)` and
    :math:`u = 1 - p_t = p (1 - y) + (1 - p) y` (the probability of the wrong label),

    .. math::

        \ell(y, z) = \alpha_t \, u^{\gamma}\, \mathrm{BCE}(y, z),
        \qquad \alpha_t = \alpha y + (1 - \alpha)(1 - y),

    with :math:`\alpha_t = 1` when ``alpha`` is None. This is torchvision's
    ``sigmoid_focal_loss`` (whose default is ``alpha=0.25``). With ``gamma=0``
    and ``alpha=None`` it is exactly :data:`binary_cross_entropy_with_logits`.
    The gradient is

    .. math::

        \frac{\partial \ell}{\partial z} = \alpha_t \left[u^{\gamma} (p - y)
            + \gamma\, u^{\gamma - 1} p (1 - p)(1 - 2y)\, \mathrm{BCE}(y, z)\right].

    :math:`u` is a sum of two non-negative products, so no cancellation loses
    tiny soft targets, and :math:`u^{\gamma - 1} p (1 - p)` is computed as
    :math:`u^{\gamma} \cdot p (1 - p) / u`, where :math:`p (1 - p) / u \le 1`
    (:math:`u` lies between :math:`p` and :math:`1 - p`), so it stays finite when
    :math:`\gamma < 1` makes :math:`u^{\gamma - 1}` alone overflow.

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.sigmoid_focal([1, 1], [3.0, -1.0], reduction="none")
    array([0.0001, 0.7019])
    >>> lb.binary_cross_entropy_with_logits([1, 1], [3.0, -1.0], reduction="none")
    array([0.0486, 1.3133])
    """
    z, y = y_pred, y_true
    loss, ce, p, q, u, modulator = _focal_value(y, z, gamma)
    grad = p - y
    grad *= modulator
    if gamma != 0.0:
        # gamma u^(gamma - 1) p (1 - p), written as gamma p (1 - p) u^gamma / u: since u lies
        # between p and 1 - p, p (1 - p) / u <= 1 and nothing overflows; 0 where u is 0.
        ratio = p * q
        ratio *= modulator
        ratio /= u + (u == 0.0)  # where u is 0, so is the modulator (and the ratio)
        ratio *= gamma * (1.0 - 2.0 * y)
        ratio *= ce
        grad += ratio
    if alpha is not None:
        alpha_t = _alpha_t(y, alpha)
        loss *= alpha_t
        grad *= alpha_t
    return loss, grad
