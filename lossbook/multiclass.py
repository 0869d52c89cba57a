"""Multi-class, single-label losses: each sample belongs to exactly one of k classes.

``y_true`` is either integer class labels of shape ``(n_samples,)`` with values
in ``0 .. n_classes - 1``, or a target distribution per sample of shape
``(n_samples, n_classes)`` (one-hot rows, or soft targets whose rows sum to 1).
``y_pred`` has shape ``(n_samples, n_classes)``. The loss of a sample is summed
over the classes, so ``reduction="none"`` returns one value per sample.
"""

from __future__ import annotations

import numpy as np

from ._base import Loss, _register, fill_doc
from ._validation import (
    as_float_array,
    check_class_weight,
    check_finite,
    check_in_range,
    check_option,
    check_rows_sum_to_one,
)
from .binary import EPS

__all__ = ["softmax_cross_entropy", "categorical_cross_entropy"]

_SHAPES = """\
Notes
-----
Shapes: ``y_pred`` of shape ``(n_samples, n_classes)``; ``y_true`` of shape
``(n_samples,)`` (integer labels) or ``(n_samples, n_classes)`` (rows that
sum to 1); ``sample_weight`` of shape ``(n_samples,)``.
``reduction="none"`` returns shape ``(n_samples,)``; the gradient has the
shape of ``y_pred``."""


class _MultiClass(Loss):
    per_sample = True

    def _validate(self, y_true, y_pred, opts):
        y_pred = as_float_array(y_pred, "y_pred")
        if y_pred.ndim != 2:
            raise ValueError(
                f"y_pred must have shape (n_samples, n_classes), got shape {y_pred.shape}"
            )
        n_samples, n_classes = y_pred.shape
        raw = np.asarray(y_true)
        if raw.ndim == 1:
            labels = _check_labels(raw, n_samples, n_classes)
            y_true = labels
        else:
            y_true = as_float_array(raw, "y_true")
            if y_true.shape != y_pred.shape:
                raise ValueError(
                    "y_true must be integer labels of shape (n_samples,) or targets of the "
                    f"shape of y_pred {y_pred.shape}, got shape {y_true.shape}"
                )
            check_in_range(y_true, "y_true", 0.0, 1.0, what="target probabilities")
            check_rows_sum_to_one(y_true, "y_true")
        if self.input == "probability":
            check_in_range(y_pred, "y_pred", 0.0, 1.0, what="probabilities")
            check_rows_sum_to_one(y_pred, "y_pred")
        else:
            check_finite(y_pred, "y_pred")
        if opts.get("class_weight") is not None:
            opts["class_weight"] = check_class_weight(opts["class_weight"], n_classes)
        return y_true, y_pred

    @staticmethod
    def _targets(y_true, n_classes):
        """Dense targets (n, k) from labels or a target matrix."""
        if y_true.ndim == 1:
            targets = np.zeros((y_true.shape[0], n_classes))
            targets[np.arange(y_true.shape[0]), y_true] = 1.0
            return targets
        return y_true


def _check_labels(raw, n_samples, n_classes):
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"y_true must hold integer class labels, got an array of dtype {raw.dtype}")
    if raw.shape[0] != n_samples:
        raise ValueError(
            f"y_true has {raw.shape[0]} labels but y_pred has {n_samples} rows; "
            "they must have the same number of samples"
        )
    if raw.size == 0:
        raise ValueError("y_true is empty (shape (0,)); it needs at least one element")
    if raw.dtype.kind == "f":
        check_finite(raw, "y_true")
        as_int = raw.astype(np.intp)
        if not np.array_equal(as_int, raw):
            i = int(np.argmax(as_int != raw))
            raise ValueError(
                f"y_true must hold integer class labels, but holds {raw[i]!r} at index {i}"
            )
        raw = as_int
    lo, hi = raw.min(), raw.max()
    if lo < 0 or hi >= n_classes:
        i = int(np.argmax((raw < 0) | (raw >= n_classes)))
        raise ValueError(
            f"y_true must hold class labels in 0..{n_classes - 1} (y_pred has {n_classes} "
            f"columns), but holds {raw[i]!r} at index {i}"
        )
    return raw.astype(np.intp, copy=False)


@fill_doc(SHAPES=_SHAPES)
class SoftmaxCrossEntropy(_MultiClass):
    r"""Softmax cross-entropy on logits: softmax and categorical cross-entropy in one step.

    For a sample with logits :math:`z \in \mathbb{R}^k` and target
    distribution :math:`t` (one-hot for a label),

    .. math::

        \ell(t, z) = -\sum_{c=1}^{k} t_c \log \operatorname{softmax}(z)_c
                   = \log \sum_{c} e^{z_c} - \sum_c t_c z_c,
        \qquad
        \frac{\partial \ell}{\partial z} = \operatorname{softmax}(z) - t.

    The log-sum-exp is taken after subtracting the row's maximum, so the value
    and the gradient are exact for any finite logits. They share one
    exponential.

    ``label_smoothing`` :math:`\varepsilon` replaces the targets by
    :math:`(1 - \varepsilon) t + \varepsilon / k`, as PyTorch and Keras do
    (Szegedy et al., 2016). ``class_weight`` :math:`a` weights each class's
    term, :math:`-\sum_c a_c t_c \log q_c`, and ``"mean"`` then divides by the
    summed weights of the samples' true classes, :math:`\sum_i \sum_c a_c y_{ic}`
    (PyTorch's ``CrossEntropyLoss(weight=...)`` for integer labels; for soft
    targets PyTorch divides by the number of samples instead). The gradient is
    then :math:`q \sum_c a_c t_c - a \odot t`.

    Parameters
    ----------
    label_smoothing : float, default 0.0
        In [0, 1).
    class_weight : array_like of shape (n_classes,), optional
        Non-negative weight per class.

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> z = [[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]]
    >>> round(lb.softmax_cross_entropy([0, 1], z), 4)
    0.3069
    >>> lb.softmax_cross_entropy.gradient([0, 1], z, reduction="sum").round(4)
    array([[-0.341 ,  0.2424,  0.0986],
           [ 0.1112, -0.1786,  0.0674]])
    """

    name = "softmax_cross_entropy"
    input = "logit"
    options = {"label_smoothing": 0.0, "class_weight": None}

    def _validate_options(self, opts):
        ls = check_option(
            "label_smoothing", opts["label_smoothing"], low=0.0, high=1.0, high_open=True
        )
        return {"label_smoothing": ls, "class_weight": opts["class_weight"]}

    def _forward(self, y_true, z, opts, need_value, need_grad):
        smoothing, weight = opts["label_smoothing"], opts["class_weight"]
        n, k = z.shape
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1)
        loss = grad = None
        if y_true.ndim == 1 and smoothing == 0.0 and weight is None:
            # Fast path for integer labels: no dense one-hot matrix.
            rows = np.arange(n)
            if need_value:
                loss = np.log(sum_exp) - shifted[rows, y_true]
            if need_grad:
                exp /= sum_exp[:, None]
                exp[rows, y_true] -= 1.0
                grad = exp
            return loss, grad, None
        targets = self._targets(y_true, k)
        row_weight = None
        if weight is not None:
            row_weight = targets @ weight  # weight of each sample's true class
        if smoothing:
            targets = (1.0 - smoothing) * targets + smoothing / k
        if weight is not None:
            targets = targets * weight
        if need_value:
            log_q = shifted - np.log(sum_exp)[:, None]
            loss = -np.einsum("ij,ij->i", targets, log_q)
        if need_grad:
            exp /= sum_exp[:, None]
            grad = exp * targets.sum(axis=1, keepdims=True) - targets
        return loss, grad, row_weight


@fill_doc(SHAPES=_SHAPES)
class CategoricalCrossEntropy(_MultiClass):
    r"""Categorical cross-entropy on probabilities.

    .. math::

        \ell(t, p) = -\sum_{c=1}^{k} t_c \log p_c, \qquad
        \frac{\partial \ell}{\partial p_c} = -\frac{t_c}{p_c},

    with ``p`` clipped to ``[eps, 1 - eps]`` first, as scikit-learn's
    ``log_loss`` does (where the clip is active the gradient is 0). Rows of
    ``y_pred`` must sum to 1. With integer labels this is the negative log of
    the probability given to the true class. Equals scikit-learn's multi-class
    ``log_loss``. Prefer :data:`softmax_cross_entropy` when you have the logits.

    Parameters
    ----------
    eps : float, default float64 machine epsilon (about 2.2e-16)
        Clipping bound, in (0, 0.5).

    <<SHAPES>>

    Examples
    --------
    >>> import lossbook as lb
    >>> p = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    >>> round(lb.categorical_cross_entropy([0, 1], p), 4)
    0.2899
    >>> round(lb.categorical_cross_entropy([[1, 0, 0], [0, 1, 0]], p), 4)
    0.2899
    """

    name = "categorical_cross_entropy"
    input = "probability"
    options = {"eps": EPS}

    def _validate_options(self, opts):
        return {"eps": check_option("eps", opts["eps"], low=0.0, high=0.5, low_open=True, high_open=True)}

    def _forward(self, y_true, y_pred, opts, need_value, need_grad):
        eps = opts["eps"]
        n, k = y_pred.shape
        p = np.clip(y_pred, eps, 1.0 - eps)
        loss = grad = None
        if y_true.ndim == 1:
            rows = np.arange(n)
            if need_value:
                loss = -np.log(p[rows, y_true])
            if need_grad:
                grad = np.zeros_like(p)
                inside = (y_pred[rows, y_true] >= eps) & (y_pred[rows, y_true] <= 1.0 - eps)
                grad[rows, y_true] = -1.0 * inside / p[rows, y_true]
            return loss, grad, None
        if need_value:
            loss = -np.einsum("ij,ij->i", y_true, np.log(p))
        if need_grad:
            grad = -(y_true / p) * ((y_pred >= eps) & (y_pred <= 1.0 - eps))
        return loss, grad, None


softmax_cross_entropy = _register(SoftmaxCrossEntropy())
categorical_cross_entropy = _register(CategoricalCrossEntropy())
