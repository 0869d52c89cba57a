"""Binary (and multi-label) classification losses.

``y_true`` holds one target per output in [0, 1] (0 or 1 for hard labels;
soft targets are allowed), or {-1, +1} for the hinge loss. ``y_pred`` holds
probabilities, logits or decision values, as each loss says. For multi-label
problems pass arrays of shape ``(n_samples, n_labels)``: each column is its
own binary problem.
"""

from __future__ import annotations

import numpy as np

from ._base import Loss, _register, fill_doc
from ._validation import (
    as_float_array,
    check_finite,
    check_in_range,
    check_option,
    check_same_shape,
)

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge", "sigmoid_focal"]

EPS = float(np.finfo(np.float64).eps)

_SHAPES = """\
Notes
-----
Shapes: ``y_true`` and ``y_pred`` of the same shape, ``(n_samples,)`` or
``(n_samples, n_labels)``; ``sample_weight`` of shape ``(n_samples,)``.
``reduction="none"`` returns an array shaped like ``y_pred``."""

_POS_WEIGHT = """\
pos_weight : float or array_like of shape (n_labels,), optional
    Weight of the positive term, as in PyTorch's ``BCEWithLogitsLoss``:
    the loss becomes :math:`-[w_+ y \\log p + (1 - y) \\log(1 - p)]`.
    ``pos_weight = n_negative / n_positive`` balances a rare positive
    class. Non-negative; one value per label (last axis) or a scalar."""


def _check_pos_weight(pos_weight, y_pred):
    if pos_weight is None:
        return None
    w = np.asarray(pos_weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"pos_weight must hold real numbers, got dtype {w.dtype}")
    w = w.astype(np.float64)
    if w.ndim > 1 or (w.ndim == 1 and (y_pred.ndim < 2 or w.shape[0] != y_pred.shape[-1])):
        n_labels = y_pred.shape[-1] if y_pred.ndim >= 2 else None
        expected = f"a scalar or shape ({n_labels},)" if n_labels else "a scalar (y_pred is 1-D)"
        raise ValueError(f"pos_weight must be {expected}, one weight per label, got shape {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"pos_weight must be finite and non-negative, got {pos_weight!r}")
    return w


class _BinaryTargets(Loss):
    """Validation shared by the losses whose targets lie in [0, 1]."""

    def _validate(self, y_true, y_pred, opts):
        y_true = as_float_array(y_true, "y_true")
        y_pred = as_float_array(y_pred, "y_pred")
        check_same_shape(y_true, y_pred)
        check_in_range(y_true, "y_true", 0.0, 1.0, what="targets (0 or 1, or soft targets)")
        if self.input == "probability":
            check_in_range(y_pred, "y_pred", 0.0, 1.0, what="probabilities")
        else:
            check_finite(y_pred, "y_pred")
        if "pos_weight" in opts:
            opts["pos_weight"] = _check_pos_weight(opts["pos_weight"], y_pred)
        return y_true, y_pred


@fill_doc(SHAPES=_SHAPES, POS_WEIGHT=_POS_WEIGHT)
class BinaryCrossEntropy(_BinaryTargets):
    r"""Binary cross-entropy (log loss) on probabilities.

    .. math::

        \ell(y, p) = -\left[y \log p + (1 - y) \log(1 - p)\right], \qquad
        \frac{\partial \ell}{\partial p} = \frac{p - y}{p (1 - p)},

    with ``p`` clipped to ``[eps, 1 - eps]`` first, as scikit-learn's
    ``log_loss`` does; where the clip is active the gradient is 0 (it is the
    derivative of the clipped value). Prefer
    :data:`binary_cross_entropy_with_logits` when you have logits: it needs
    no clipping and is exact for any logit.

    Parameters
    ----------
    eps : float, default float64 machine epsilon (about 2.2e-16)
        Clipping bound, in (0, 0.5).
    <<POS_WEIGHT>>

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> round(lb.binary_cross_entropy([1, 0, 1], [0.9, 0.2, 0.6]), 4)
    0.2798
    >>> lb.binary_cross_entropy([1.0], [0.0])  # clipped: -log(eps)
    36.04365338911715
    """

    name = "binary_cross_entropy"
    input = "probability"
    options = {"eps": EPS, "pos_weight": None}

    def _validate_options(self, opts):
        eps = check_option("eps", opts["eps"], low=0.0, high=0.5, low_open=True, high_open=True)
        return {"eps": eps, "pos_weight": opts["pos_weight"]}

    def _forward(self, y_true, y_pred, opts, need_value, need_grad):
        eps, pw = opts["eps"], opts["pos_weight"]
        p = np.clip(y_pred, eps, 1.0 - eps)
        y_pos = y_true if pw is None else pw * y_true
        y_neg = 1.0 - y_true
        loss = grad = None
        if need_value:
            loss = -(y_pos * np.log(p) + y_neg * np.log1p(-p))
        if need_grad:
            grad = (y_neg / (1.0 - p) - y_pos / p) * ((y_pred >= eps) & (y_pred <= 1.0 - eps))
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES, POS_WEIGHT=_POS_WEIGHT)
class BinaryCrossEntropyWithLogits(_BinaryTargets):
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
    :math:`(1 - y) z + (1 + (w_+ - 1) y)\,\mathrm{softplus}(-z)` and the gradient
    :math:`\sigma(z)(1 - y + w_+ y) - w_+ y`.

    Parameters
    ----------
    <<POS_WEIGHT>>

    <<SHAPES>>

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

    name = "binary_cross_entropy_with_logits"
    input = "logit"
    options = {"pos_weight": None}

    def _forward(self, y_true, z, opts, need_value, need_grad):
        pw = opts["pos_weight"]
        e = np.exp(-np.abs(z))
        loss = grad = None
        if need_value:
            if pw is None:
                loss = np.maximum(z, 0.0) - z * y_true + np.log1p(e)
            else:
                softplus_neg = np.log1p(e) + np.maximum(-z, 0.0)
                loss = (1.0 - y_true) * z + (1.0 + (pw - 1.0) * y_true) * softplus_neg
        if need_grad:
            inv = 1.0 / (1.0 + e)
            p = np.where(z >= 0, inv, e * inv)
            if pw is None:
                p -= y_true
                grad = p
            else:
                grad = p * (1.0 - y_true + pw * y_true) - pw * y_true
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES, POS_WEIGHT=_POS_WEIGHT)
class Hinge(Loss):
    r"""Hinge loss on decision values, the loss of the support vector machine.

    .. math::

        \ell(y, f) = \max(0, 1 - y f), \qquad
        \frac{\partial \ell}{\partial f} = \begin{cases} -y & y f < 1 \\ 0 & y f \ge 1 \end{cases}

    with labels :math:`y \in \{-1, +1\}`; labels in {0, 1} are read as
    {-1, +1}. Equals scikit-learn's ``hinge_loss`` for binary labels. The
    loss is zero once the margin :math:`y f` reaches 1: confident, correct
    predictions cost nothing.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.hinge([1, -1, 1], [2.0, -0.5, -1.0], reduction="none")
    array([0. , 0.5, 2. ])
    >>> lb.hinge([1, 0, 1], [2.0, -0.5, -1.0], reduction="none")  # 0 is read as -1
    array([0. , 0.5, 2. ])
    """

    name = "hinge"
    input = "decision"

    def _validate(self, y_true, y_pred, opts):
        y_true = as_float_array(y_true, "y_true")
        y_pred = as_float_array(y_pred, "y_pred")
        check_same_shape(y_true, y_pred)
        n_pos = np.count_nonzero(y_true == 1.0)
        n_neg = np.count_nonzero(y_true == -1.0)
        if n_pos + n_neg != y_true.size:  # (a label check is also a finiteness check)
            n_zero = np.count_nonzero(y_true == 0.0)
            if n_neg == 0 and n_pos + n_zero == y_true.size:
                y_true = np.where(y_true == 1.0, 1.0, -1.0)
            else:
                bad = y_true[(y_true != 1.0) & (y_true != -1.0) & (y_true != 0.0)]
                bad_value = bad[0] if bad.size else "a mix of 0 and -1"
                raise ValueError(
                    "y_true must hold labels in {-1, +1} (or {0, 1}, read as {-1, +1}), "
                    f"but holds {bad_value!r}"
                )
        check_finite(y_pred, "y_pred")
        return y_true, y_pred

    def _forward(self, y_true, f, opts, need_value, need_grad):
        margin = y_true * f
        loss = grad = None
        if need_grad:
            grad = np.where(margin < 1.0, -y_true, 0.0)
        if need_value:
            loss = np.subtract(1.0, margin, out=margin)
            np.maximum(loss, 0.0, out=loss)
        return loss, grad, None


@fill_doc(SHAPES=_SHAPES, POS_WEIGHT=_POS_WEIGHT)
class SigmoidFocal(_BinaryTargets):
    r"""Sigmoid focal loss on logits (Lin et al., 2017).

    Binary cross-entropy scaled down where the model is already right, so
    training focuses on the hard examples. With :math:`p = \sigma(z)` and
    :math:`p_t = p y + (1 - p)(1 - y)` (the probability of the true label),

    .. math::

        \ell(y, z) = \alpha_t \,(1 - p_t)^{\gamma}\, \mathrm{BCE}(y, z),
        \qquad \alpha_t = \alpha y + (1 - \alpha)(1 - y),

    with :math:`\alpha_t = 1` when ``alpha`` is None. This is torchvision's
    ``sigmoid_focal_loss`` (whose default is ``alpha=0.25``). With ``gamma=0``
    and ``alpha=None`` it is exactly :data:`binary_cross_entropy_with_logits`.
    Writing :math:`u = 1 - p_t = p(1 - y) + (1 - p) y`, the gradient is

    .. math::

        \frac{\partial \ell}{\partial z} = \alpha_t \left[u^{\gamma} (p - y)
            + \gamma\, u^{\gamma - 1} p (1 - p)(1 - 2y)\, \mathrm{BCE}(y, z)\right],

    evaluated in the log domain so it stays finite for extreme logits.

    Parameters
    ----------
    gamma : float, default 2.0
        Focusing parameter, :math:`\gamma \ge 0`.
    alpha : float or None, default None
        Weight of the positive class in [0, 1]; negatives get ``1 - alpha``.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.sigmoid_focal([1, 1], [3.0, -1.0], reduction="none")
    array([0.0001, 0.7019])
    >>> lb.binary_cross_entropy_with_logits([1, 1], [3.0, -1.0], reduction="none")
    array([0.0486, 1.3133])
    """

    name = "sigmoid_focal"
    input = "logit"
    options = {"gamma": 2.0, "alpha": None}

    def _validate_options(self, opts):
        gamma = check_option("gamma", opts["gamma"], low=0.0)
        alpha = opts["alpha"]
        if alpha is not None:
            alpha = check_option("alpha", alpha, low=0.0, high=1.0)
        return {"gamma": gamma, "alpha": alpha}

    def _forward(self, y_true, z, opts, need_value, need_grad):
        gamma, alpha = opts["gamma"], opts["alpha"]
        if not need_grad:
            return self._value(y_true, z, gamma, alpha), None, None
        neg_abs_z = np.negative(np.abs(z))
        e = np.exp(neg_abs_z)
        log1pe = np.log1p(e)
        inv = np.add(e, 1.0)
        np.reciprocal(inv, out=inv)  # 1 / (1 + e)
        e *= inv  # e / (1 + e)
        # p = sigmoid(z) is inv for z >= 0 and e * inv below, 1 - p the other one. Pick
        # them by arithmetic rather than np.where (which is slow): the small one of the
        # two is always taken exactly, the one near 1 to within one ulp.
        nonneg = z >= 0
        d = inv - e
        p = d * nonneg
        p += e
        q = d * ~nonneg
        q += e
        # 1 - p_t = p (1 - y) + q y: two non-negative terms, no cancellation.
        u = p * (1.0 - y_true)
        u += q * y_true
        ce = np.maximum(z, 0.0)
        ce -= z * y_true
        ce += log1pe
        modulator = u * u if gamma == 2.0 else u**gamma
        alpha_t = 1.0 if alpha is None else alpha * y_true + (1.0 - alpha) * (1.0 - y_true)
        loss = grad = None
        if need_value:
            loss = np.multiply(modulator, ce, out=ce if not need_grad else None)
            if alpha is not None:
                loss *= alpha_t
        if need_grad:
            grad = modulator * (p - y_true)
            if gamma != 0.0:
                if gamma >= 1.0:
                    ratio = p * q * (u if gamma == 2.0 else u ** (gamma - 1.0))
                else:
                    # p (1 - p) u^(gamma - 1) in logs: u^(gamma - 1) alone can overflow.
                    positive = u > 0
                    with np.errstate(divide="ignore"):
                        log_u = np.log(u)
                    log_pq = neg_abs_z - 2.0 * log1pe  # log p + log(1 - p)
                    ratio = np.exp(log_pq + (gamma - 1.0) * np.where(positive, log_u, 0.0))
                    ratio = np.where(positive, ratio, 0.0)
                grad += gamma * ratio * (1.0 - 2.0 * y_true) * ce
            if alpha is not None:
                grad *= alpha_t
        return loss, grad, None

    @staticmethod
    def _value(y_true, z, gamma, alpha):
        # The value alone, in five buffers reused in place: at n = 1e6 each fresh temporary
        # costs page faults, and this path is the one a plain call takes.
        a = np.abs(z)
        np.negative(a, out=a)
        e = np.exp(a, out=a)  # exp(-|z|)
        log1pe = np.log1p(e)
        large = np.add(e, 1.0)
        np.reciprocal(large, out=large)  # 1 / (1 + e): the larger of p and 1 - p
        e *= large  # e / (1 + e): the smaller one
        # u = 1 - p_t = p (1 - y) + (1 - p) y. For z >= 0, p is the larger one, so
        # u = large (1 - y) + small y; for z < 0 the roles swap. With w = y where z >= 0
        # and 1 - y elsewhere, u = large (1 - w) + small w: two non-negative terms, exact.
        w = np.subtract(1.0, y_true)
        t = np.multiply(y_true, 2.0)
        t -= 1.0
        t *= z >= 0
        w += t
        e *= w
        np.subtract(1.0, w, out=w)
        w *= large
        w += e
        u = w
        ce = np.maximum(z, 0.0, out=large)
        np.multiply(z, y_true, out=t)
        ce -= t
        ce += log1pe  # binary cross-entropy on the logits
        if gamma == 2.0:
            u *= u
        else:
            np.power(u, gamma, out=u)
        ce *= u
        if alpha is not None:
            ce *= alpha * y_true + (1.0 - alpha) * (1.0 - y_true)
        return ce


binary_cross_entropy = _register(BinaryCrossEntropy())
binary_cross_entropy_with_logits = _register(BinaryCrossEntropyWithLogits())
hinge = _register(Hinge())
sigmoid_focal = _register(SigmoidFocal())
