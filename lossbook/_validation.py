"""Input validation shared by every loss.

Each check raises a ``ValueError`` (or ``TypeError`` for data that is not
numeric) whose message names the argument and says what is wrong, before any
arithmetic is done. The checks are written to be cheap: a finiteness check is
one reduction over the array (``np.add.reduce`` propagates NaN and infinity),
and the exact element-wise test only runs when that reduction is not finite.
"""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("mean", "sum", "none")

# Rows of probabilities must sum to one within this tolerance.
ROW_SUM_ATOL = 1e-5


def as_float_array(x, name):
    """Return ``x`` as a non-empty float64 array with at least one dimension."""
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers, got an array of dtype {arr.dtype}"
        )
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array with at least one dimension, got a scalar")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one element")
    if kind != "f" or arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    return arr


def check_finite(arr, name):
    """Raise if ``arr`` holds NaN or infinity."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = first[0] if len(first) == 1 else first
        raise ValueError(
            f"{name} must be finite, but holds {arr[first]!r} at index {where}"
        )
    # The sum overflowed but every element is finite: nothing is wrong.


def check_same_shape(y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and "
            f"{y_pred.shape} (lossbook never broadcasts one against the other; "
            "reshape explicitly, e.g. y.ravel() or y[:, None])"
        )


def check_in_range(arr, name, low, high, what="values"):
    """Raise unless ``low <= arr <= high`` everywhere (NaN fails too)."""
    lo = arr.min()
    hi = arr.max()
    if lo >= low and hi <= high:
        return
    if np.isnan(lo) or np.isnan(hi):
        check_finite(arr, name)
    bad = (arr < low) | (arr > high)
    if not bad.any():  # infinities inside the range cannot happen; be safe
        check_finite(arr, name)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = first[0] if len(first) == 1 else first
    raise ValueError(
        f"{name} must hold {what} in [{low:g}, {high:g}], but holds {arr[first]!r} at index {where}"
    )


def check_rows_sum_to_one(arr, name):
    sums = arr.sum(axis=-1)
    err = np.abs(sums - 1.0)
    if err.max() > ROW_SUM_ATOL:
        row = int(np.argmax(err))
        raise ValueError(
            f"the rows of {name} must sum to 1 (each row is a probability distribution), "
            f"but row {row} sums to {sums.flat[row]:.6g}"
        )


def check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in REDUCTIONS)}, got {reduction!r}"
        )


def check_sample_weight(sample_weight, n_samples):
    """Return ``sample_weight`` as a float64 array of shape (n_samples,), or None."""
    if sample_weight is None:
        return None
    w = as_float_array(sample_weight, "sample_weight")
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sample, got shape {w.shape}"
        )
    check_finite(w, "sample_weight")
    _check_weights_nonnegative(w, "sample_weight")
    return w


def check_class_weight(class_weight, n_classes):
    if class_weight is None:
        return None
    w = as_float_array(class_weight, "class_weight")
    if w.ndim != 1 or w.shape[0] != n_classes:
        raise ValueError(
            f"class_weight must have shape ({n_classes},), one weight per class, got shape {w.shape}"
        )
    check_finite(w, "class_weight")
    _check_weights_nonnegative(w, "class_weight")
    return w


def _check_weights_nonnegative(w, name):
    if w.min() < 0:
        i = int(np.argmin(w))
        raise ValueError(f"{name} must be non-negative, but holds {w[i]!r} at index {i}")
    if not w.sum() > 0:
        raise ValueError(f"{name} sums to zero; at least one weight must be positive")


def check_option(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Check a scalar hyperparameter and return it as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = np.isfinite(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        lo_s = "-inf" if low is None else f"{low:g}"
        hi_s = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {lo}{lo_s}, {hi_s}{hi}, got {value!r}")
    return v
