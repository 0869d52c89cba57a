r"""Multi-class, single-label losses: each sample belongs to exactly one of k classes.

``y_true`` is either integer class labels of shape ``(n_samples,)`` with values
in ``0 .. n_classes - 1``, or a target distribution per sample of shape
``(n_samples, n_classes)`` (one-hot rows, or soft targets whose rows sum to 1).
``y_pred`` has shape ``(n_samples, n_classes)``. The loss of a sample is summed
over the classes, so ``reduction="none"`` returns one value per sample.

Label smoothing and class weights change the targets, not the formula: they are
applied by the targets (:mod:`lossbook._targets`) before the kernel runs, so a
kernel here sees either labels or rows :math:`t` of non-negative target weights.
"""

from __future__ import annotations

import numpy as np

from ._loss import Option, make_loss, register
from ._numerics import clipped_logs, log1p, row_max, row_sum
from .binary import machine_eps

__all__ = ["softmax_cross_entropy", "categorical_cross_entropy", "multiclass_hinge"]

_LABEL_SMOOTHING = Option(
    "label_smoothing", 0.0, "[0, 1)",
    "Mixes the targets with the uniform distribution: :math:`(1 - \\varepsilon) t + \\varepsilon / k`, "
    "as PyTorch and Keras do (Szegedy et al., 2016).",
)
_CLASS_WEIGHT = Option(
    "class_weight", None, "[0, inf)",
    "Non-negative weight per class :math:`a`: each class's term is multiplied by its weight, and "
    '``"mean"`` divides by the summed weights of the samples\' true classes, as PyTorch\'s '
    "``CrossEntropyLoss(weight=...)`` does for labels (for soft targets PyTorch divides by the "
    "number of samples instead).",
    per="class",
)


def _shifted_exponentials(z):
    """``(max z, z - max z, e^(z - max z), the sum of e^(z - max z) less 1)`` of each row.

    The sum of the exponentials is 1 (the maximum's) plus the others: log1p of the others
    keeps a loss near zero exact, where log of a sum near 1 would round it away.
    """
    top = row_max(z)
    shifted = z - top[:, None]
    exp = np.exp(shifted)
    is_top = shifted == 0.0
    others = row_sum(exp * ~is_top)
    if np.count_nonzero(is_top) > len(top):  # a row whose maximum appears twice: its e^0 = 1 again
        others += row_sum(is_top.astype(exp.dtype)) - 1.0
    return top, shifted, exp, others


def _softmax_ce_total(y_true, y_pred):
    """The value alone, summed (labels: no gradient matrix to fill and normalise)."""
    if y_true.ndim != 1:
        loss, _ = softmax_cross_entropy.kernel(y_true, y_pred)
        return float(np.add.reduce(loss, axis=None))
    _, shifted, _, others = _shifted_exponentials(y_pred)
    rows = np.arange(y_true.shape[0])
    return float(np.add.reduce(log1p(others) - shifted[rows, y_true], axis=None))


@register
@make_loss(
    input="logit",
    targets="classes",
    options=[_LABEL_SMOOTHING, _CLASS_WEIGHT],
    total=_softmax_ce_total,
    formula=r"\log \sum_c e^{z_c} - \sum_c t_c z_c",
    counterparts={"PyTorch": "cross_entropy", "Keras": "CategoricalCrossentropy(from_logits=True)"},
)
def softmax_cross_entropy(y_true, y_pred):
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
    exponential. With class weights the target rows :math:`t` no longer sum to
    one; for a row of mass :math:`s = \sum_c t_c` the loss is
    :math:`s \log \sum_c e^{z_c} - \sum_c t_c z_c` and the gradient
    :math:`s \operatorname{softmax}(z) - t`.

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
    top, shifted, grad, others = _shifted_exponentials(y_pred)
    sum_exp = others + 1.0
    log_sum_exp = log1p(others)
    if y_true.ndim == 1:  # labels: no dense one-hot matrix
        rows = np.arange(y_true.shape[0])
        loss = log_sum_exp - shifted[rows, y_true]
        grad /= sum_exp[:, None]
        grad[rows, y_true] -= 1.0
        return loss, grad
    mass = row_sum(y_true)
    with np.errstate(invalid="ignore"):  # 0 * -inf where z - max z is beyond the range: redone below
        dot = row_sum(y_true * shifted)
    loss = mass * log_sum_exp - dot
    beyond = ~np.isfinite(dot)
    if beyond.any():  # rare: z - max z overflows; the row at half scale, z/2 - max z/2, is finite
        t = y_true[beyond]
        half = y_pred[beyond] * 0.5
        half -= (top[beyond] * 0.5)[:, None]
        loss[beyond] = (mass[beyond] * log_sum_exp[beyond] * 0.5 - row_sum(t * half)) * 2.0
    grad *= (mass / sum_exp)[:, None]
    grad -= y_true
    return loss, grad


def _categorical_ce_total(y_true, y_pred, *, eps):
    """The value alone, summed (labels: only the true class's probability, no gradient matrix)."""
    if y_true.ndim != 1:
        loss, _ = categorical_cross_entropy.kernel(y_true, y_pred, eps=eps)
        return float(np.add.reduce(loss, axis=None))
    log_p, _, _ = clipped_logs(y_pred[np.arange(y_true.shape[0]), y_true], machine_eps(eps, y_pred.dtype))
    return -float(np.add.reduce(log_p, axis=None))


@register
@make_loss(
    input="probability",
    targets="classes",
    total=_categorical_ce_total,
    options=[
        Option(
            "eps", None, "(0, 0.5)",
            "Probabilities are clipped to [eps, 1 - eps] first; None is the machine epsilon of "
            "y_pred's dtype, as scikit-learn's log_loss does.",
        )
    ],
    formula=r"-\sum_c t_c \log p_c",
    counterparts={"PyTorch": "nll_loss on log p", "Keras": "CategoricalCrossentropy",
                  "scikit-learn": "log_loss"},
)
def categorical_cross_entropy(y_true, y_pred, *, eps):
    r"""Categorical cross-entropy on probabilities.

    .. math::

        \ell(t, p) = -\sum_{c=1}^{k} t_c \log p_c, \qquad
        \frac{\partial \ell}{\partial p_c} = -\frac{t_c}{p_c},

    with ``p`` clipped to ``[eps, 1 - eps]`` first, as scikit-learn's
    ``log_loss`` does (where the clip is active the gradient is 0). Rows of
    ``y_pred`` must sum to 1. With integer labels this is the negative log of
    the probability given to the true class. Equals scikit-learn's multi-class
    ``log_loss``. Prefer :data:`softmax_cross_entropy` when you have the logits.

    Examples
    --------
    >>> import lossbook as lb
    >>> p = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    >>> round(lb.categorical_cross_entropy([0, 1], p), 4)
    0.2899
    >>> round(lb.categorical_cross_entropy([[1, 0, 0], [0, 1, 0]], p), 4)
    0.2899
    """
    eps = machine_eps(eps, y_pred.dtype)
    if y_true.ndim == 1:  # labels: only the true class's probability matters
        rows = np.arange(y_true.shape[0])
        p_true = y_pred[rows, y_true]
        log_p, _, inside = clipped_logs(p_true, eps)
        grad = np.zeros_like(y_pred)
        grad[rows, y_true] = (0.0 - inside) / (p_true + ~inside)  # -1/p inside the clip, else 0
        return -log_p, grad
    log_p, _, inside = clipped_logs(y_pred, eps)
    loss = -row_sum(y_true * log_p)
    grad = (0.0 - y_true * inside) / (y_pred + ~inside)  # -t/p inside the clip, else 0
    return loss, grad


def _margins(y_true, y_pred):
    """``1 + f_c - f_y`` for every class c, 0 for the true class y; the rows and the labels."""
    labels = _hard_labels(y_true)
    rows = np.arange(labels.shape[0])
    true_score = y_pred[rows, labels]
    margins = y_pred - true_score[:, None]
    margins += 1.0
    margins[rows, labels] = 0.0  # the true class competes with no one
    return margins, rows, labels


def _multiclass_hinge_total(y_true, y_pred, *, kind):
    """The value alone, summed: no gradient matrix."""
    margins = _margins(y_true, y_pred)[0]
    if kind == "crammer_singer":
        return float(np.add.reduce(row_max(margins), axis=None))  # >= 0: the true class's 0
    return float(np.add.reduce(np.maximum(margins, 0.0, out=margins), axis=None))


@register
@make_loss(
    input="decision",
    total=_multiclass_hinge_total,
    targets="classes",
    options=[
        Option(
            "kind", "crammer_singer", ("crammer_singer", "weston_watkins"),
            "``\"crammer_singer\"``: one hinge on the best wrong class, scikit-learn's "
            "``hinge_loss``; ``\"weston_watkins\"``: one hinge per wrong class, summed "
            "(the multi-class SVM loss of CS231n).",
        )
    ],
    formula=r"\max\bigl(0,\ 1 + \max_{j \ne y} f_j - f_y\bigr)",
    counterparts={"PyTorch": "multi_margin_loss (Weston-Watkins, divided by k)",
                  "Keras": "CategoricalHinge (Crammer-Singer)", "scikit-learn": "hinge_loss"},
)
def multiclass_hinge(y_true, y_pred, *, kind):
    r"""Multi-class hinge loss on decision values (one score per class).

    With the true class :math:`y` and scores :math:`f \in \mathbb{R}^k`, the
    Crammer-Singer form (Crammer and Singer, 2001) asks the true score to beat
    the best wrong one by a margin of 1,

    .. math::

        \ell_{\mathrm{CS}} = \max\Bigl(0,\; 1 + \max_{j \ne y} f_j - f_y\Bigr),

    and the Weston-Watkins form (Weston and Watkins, 1999) asks it of every
    wrong class,

    .. math::

        \ell_{\mathrm{WW}} = \sum_{j \ne y} \max\bigl(0,\; 1 + f_j - f_y\bigr).

    Each active hinge adds +1 to the gradient of its wrong class and -1 to that
    of the true class; at a margin of exactly 1 the subgradient 0 is used, as
    for :data:`hinge`. The Crammer-Singer form equals scikit-learn's multi-class
    ``hinge_loss``; with two classes it is the binary :data:`hinge` of the score
    difference. ``y_true`` must be labels or one-hot rows.

    Examples
    --------
    >>> import lossbook as lb
    >>> f = [[3.0, 1.0, 2.5], [0.0, 2.0, 1.0]]
    >>> lb.multiclass_hinge([0, 2], f, reduction="none")
    array([0.5, 2. ])
    >>> lb.multiclass_hinge([0, 2], f, reduction="none", kind="weston_watkins")
    array([0.5, 2. ])
    >>> lb.multiclass_hinge.gradient([0, 2], f, reduction="sum")
    array([[-1.,  0.,  1.],
           [ 0.,  1., -1.]])
    """
    margins, rows, labels = _margins(y_true, y_pred)
    if kind == "crammer_singer":
        worst = np.argmax(margins, axis=1)
        loss = margins[rows, worst]  # >= 0, since the true class's entry is 0
        active = loss > 0
        grad = np.zeros_like(y_pred)
        grad[rows[active], worst[active]] = 1.0
        grad[rows[active], labels[active]] = -1.0
        return loss, grad
    grad = (margins > 0).astype(y_pred.dtype)
    loss = np.einsum("ij,ij->i", margins, grad)
    undone = np.isnan(loss)
    if undone.any():  # rare: a margin of -inf (scores apart beyond the range) times 0
        loss[undone] = row_sum(np.maximum(margins[undone], 0.0))
    grad[rows, labels] = -row_sum(grad)
    return loss, grad


def _hard_labels(y_true: np.ndarray) -> np.ndarray:
    if y_true.ndim == 1:
        return y_true
    labels = np.argmax(y_true, axis=1)
    if not np.array_equal(y_true, np.eye(y_true.shape[1], dtype=y_true.dtype)[labels]):
        raise ValueError(
            "y_true for multiclass_hinge must be integer labels or one-hot rows; "
            "soft targets have no hinge"
        )
    return labels
