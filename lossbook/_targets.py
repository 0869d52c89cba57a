"""What a loss takes: the form of ``y_true``, and what ``y_pred`` holds.

A loss declares its *targets* (one of :data:`TARGETS`) and its *input* (what
``y_pred`` holds, one of :data:`INPUTS`). Together they say how both arrays are
validated, which shape the unreduced loss has, and how the docstring describes
them. The multi-class targets also own the two options that act on the targets
rather than on the loss's formula, ``label_smoothing`` and ``class_weight``: they
are applied here, once, so that no kernel ever sees a class weight.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._reduction import power_of_two_scaled
from ._validation import (
    as_array,
    as_float_array,
    check_finite,
    check_in_range,
    check_rows_sum_to_one,
    check_same_shape,
    check_weights,
    result_dtype,
    show,
)

#: What ``y_pred`` may hold, and the activation that turns raw scores into it (or
#: into predictions): ``Loss.input`` and ``Loss.activation``.
INPUTS = {
    "prediction": "predictions on the scale of y_true",
    "probability": "probabilities",
    "logit": "logits (raw scores; the loss applies the activation itself)",
    "log_rate": "logarithms of the predicted rates (raw scores)",
    "decision": "decision values (raw scores, their sign the predicted class)",
}
ACTIVATIONS = ("identity", "sigmoid", "softmax", "exp")


def _float_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays checked for type and emptiness (y_true first), in y_pred's float dtype."""
    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    dtype = result_dtype(yp)
    return as_float_array(yt, "y_true", dtype), as_float_array(yp, "y_pred", dtype)


def _check_input(y_pred: np.ndarray, input: str, rows: bool = False) -> None:
    if input == "probability":
        check_in_range(y_pred, "y_pred", 0.0, 1.0, what="probabilities")
        if rows:
            check_rows_sum_to_one(y_pred, "y_pred")
    else:
        check_finite(y_pred, "y_pred")


class Targets:
    """The form of ``y_true`` (base class: real targets of the shape of ``y_pred``)."""

    #: Short name used in declarations, e.g. ``make_loss(..., targets="binary")``.
    name = "real"
    #: One loss value per sample (summed over the last axis of ``y_pred``)?
    per_sample = False
    #: Words for the docstring's ``y_true`` entry.
    doc = "Targets, real numbers."

    def validate(self, y_true: Any, y_pred: Any, input: str, finite: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(y_true, y_pred)`` as arrays of y_pred's float dtype, or raise.

        ``finite=False`` leaves out the finiteness checks of real targets and predictions
        (a loss's ``total_propagates_nan``: its total makes them later, when needed).
        """
        y_true, y_pred = _float_pair(y_true, y_pred)
        check_same_shape(y_true, y_pred)
        if finite:
            self.check_values(y_true)
            _check_input(y_pred, input)
        return y_true, y_pred

    def check_values(self, y_true: np.ndarray) -> None:
        check_finite(y_true, "y_true")

    def prepare(self, y_true, y_pred, options, reduction):
        """Apply the target options; return ``(targets for the kernel, row weights or None)``."""
        return y_true, None

    def loss_shape(self, y_pred_shape: tuple) -> tuple:
        return y_pred_shape

    def shapes_doc(self) -> tuple[str, str]:
        return ("(n_samples,) or (n_samples, n_outputs)", "the shape of y_true")


class BinaryTargets(Targets):
    name = "binary"
    doc = "Targets in [0, 1]: 0 or 1, or soft targets."

    def check_values(self, y_true):
        check_in_range(y_true, "y_true", 0.0, 1.0, what="targets (0 or 1, or soft targets)")

    def shapes_doc(self):
        return ("(n_samples,) or (n_samples, n_labels)", "the shape of y_true")


class CountTargets(Targets):
    name = "counts"
    doc = "Observed counts (non-negative; not necessarily integers)."

    def check_values(self, y_true):
        check_in_range(y_true, "y_true", 0.0, np.inf, what="non-negative counts")
        check_finite(y_true, "y_true")


class SignedTargets(Targets):
    name = "signed"
    doc = "Labels in {-1, +1}; labels in {0, 1} are read as {-1, +1}."

    def check_values(self, y_true):
        pass  # done by prepare, which also maps {0, 1} to {-1, +1}

    def validate(self, y_true, y_pred, input, finite=True):  # finite: real targets only
        y_true, y_pred = _float_pair(y_true, y_pred)
        check_same_shape(y_true, y_pred)
        n_pos = np.count_nonzero(y_true == 1.0)
        n_neg = np.count_nonzero(y_true == -1.0)
        if n_pos + n_neg != y_true.size:  # a label check is also a finiteness check
            n_zero = np.count_nonzero(y_true == 0.0)
            if n_neg == 0 and n_pos + n_zero == y_true.size:
                y_true = np.where(y_true == 1.0, 1.0, -1.0).astype(y_pred.dtype)
            else:
                bad = y_true[(y_true != 1.0) & (y_true != -1.0) & (y_true != 0.0)]
                got = show(bad[0]) if bad.size else "a mix of 0 and -1"
                raise ValueError(
                    "y_true must hold labels in {-1, +1} (or {0, 1}, read as {-1, +1}), "
                    f"but holds {got}"
                )
        _check_input(y_pred, input)
        return y_true, y_pred


class GaussianTargets(Targets):
    """Real targets, with two predictions per target: a mean and a log-variance."""

    name = "mean_and_log_variance"
    doc = "Targets, real numbers."

    def validate(self, y_true, y_pred, input, finite=True):  # finite: real targets only
        y_true, y_pred = _float_pair(y_true, y_pred)
        if y_pred.shape != y_true.shape + (2,):
            raise ValueError(
                f"y_pred must have shape {y_true.shape + (2,)}: y_true's shape {y_true.shape} "
                "and a last axis of 2 (the predicted mean and the log of the predicted variance), "
                f"got shape {y_pred.shape}"
            )
        check_finite(y_true, "y_true")
        _check_input(y_pred, input)
        return y_true, y_pred

    def loss_shape(self, y_pred_shape):
        return y_pred_shape[:-1]

    def shapes_doc(self):
        return ("(n_samples,) or (n_samples, n_outputs)", "y_true's shape + (2,): mean, log-variance")


class ClassTargets(Targets):
    """One class per sample: integer labels, or a target distribution per row.

    The options ``label_smoothing`` and ``class_weight``, when the loss declares
    them, act here. With either, the targets become dense rows
    :math:`t = a \\odot ((1 - \\varepsilon) y + \\varepsilon / k)` (class weights
    :math:`a`, smoothing :math:`\\varepsilon`, ``k`` classes), and the ``"mean"``
    divides by the summed weights of the true classes, :math:`\\sum_c a_c y_c`
    per sample, as PyTorch's ``CrossEntropyLoss(weight=...)`` does for labels. This
    is sound for losses linear in the targets, such as cross-entropy.
    """

    name = "classes"
    per_sample = True
    doc = (
        "Integer class labels in 0 .. n_classes - 1, or a target distribution per "
        "sample (one-hot or soft rows that sum to 1)."
    )
    target_options = ("label_smoothing", "class_weight")

    def validate(self, y_true, y_pred, input, finite=True):  # finite: real targets only
        raw = as_array(y_true, "y_true")
        y_pred = as_float_array(y_pred, "y_pred")
        if y_pred.ndim != 2:
            raise ValueError(f"y_pred must have shape (n_samples, n_classes), got shape {y_pred.shape}")
        n_samples, n_classes = y_pred.shape
        if raw.ndim == 1:
            y_true = _check_labels(raw, n_samples, n_classes)
        else:
            y_true = as_float_array(raw, "y_true", y_pred.dtype)
            if y_true.shape != y_pred.shape:
                raise ValueError(
                    "y_true must be integer labels of shape (n_samples,) or targets of the "
                    f"shape of y_pred {y_pred.shape}, got shape {y_true.shape}"
                )
            check_in_range(y_true, "y_true", 0.0, 1.0, what="target probabilities")
            check_rows_sum_to_one(y_true, "y_true")
        _check_input(y_pred, input, rows=True)
        return y_true, y_pred

    def prepare(self, y_true, y_pred, options, reduction):
        smoothing = options.get("label_smoothing", 0.0)
        weight = options.get("class_weight")
        if not smoothing and weight is None:
            return y_true, None
        n, k = y_pred.shape
        targets = one_hot(y_true, k, y_pred.dtype) if y_true.ndim == 1 else y_true.astype(y_pred.dtype)
        row_weight = None
        if weight is not None:
            weight = check_weights(weight, "class_weight", k, "class")
            if reduction == "mean":
                weight = power_of_two_scaled(weight)  # the mean does not change; no overflow
            row_weight = targets @ weight  # the weight of each sample's true class(es)
        if smoothing:
            targets = (1.0 - smoothing) * targets + smoothing / k
        if weight is not None:
            targets = targets * weight.astype(y_pred.dtype)
        return targets, row_weight

    def loss_shape(self, y_pred_shape):
        return y_pred_shape[:1]

    def shapes_doc(self):
        return ("(n_samples,) of labels, or (n_samples, n_classes)", "(n_samples, n_classes)")


def one_hot(labels: np.ndarray, n_classes: int, dtype=np.float64) -> np.ndarray:
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def _check_labels(raw: np.ndarray, n_samples: int, n_classes: int) -> np.ndarray:
    if raw.shape[0] != n_samples:
        raise ValueError(
            f"y_true has {raw.shape[0]} labels but y_pred has {n_samples} rows; "
            "they must have the same number of samples"
        )
    if raw.dtype.kind == "f":
        check_finite(raw, "y_true")
        # Compare before casting: a float too large for an integer is not a label either.
        fractional = raw != np.round(raw)
        outside = (raw < 0) | (raw >= n_classes)
        if fractional.any():
            i = int(np.argmax(fractional))
            raise ValueError(f"y_true must hold integer class labels, but holds {show(raw[i])} at index {i}")
        if outside.any():
            i = int(np.argmax(outside))
            raise ValueError(
                f"y_true must hold class labels in 0..{n_classes - 1} (y_pred has {n_classes} "
                f"columns), but holds {show(raw[i])} at index {i}"
            )
        return raw.astype(np.intp)
    lo, hi = raw.min(), raw.max()
    if lo < 0 or hi >= n_classes:
        i = int(np.argmax((raw < 0) | (raw >= n_classes)))
        raise ValueError(
            f"y_true must hold class labels in 0..{n_classes - 1} (y_pred has {n_classes} "
            f"columns), but holds {show(raw[i])} at index {i}"
        )
    return raw.astype(np.intp, copy=False)


TARGETS = {
    t.name: t
    for t in (Targets(), BinaryTargets(), SignedTargets(), CountTargets(), ClassTargets(), GaussianTargets())
}
