"""Validation shared by the whole package: one style of message, one exception policy.

Every check raises before any arithmetic is done, with a message that names the
argument, says what it must be, and shows what it got:

- ``TypeError`` when the argument has the wrong type (a string where a number
  belongs, an array of objects or complex numbers);
- ``ValueError`` when it has the right type but a wrong value (out of range,
  NaN or infinite, the wrong shape, empty).

Scalars are checked by :func:`check_scalar` against an interval written as in
mathematics, ``"(0, inf)"`` or ``"[0, 1)"``; the same text appears in the
message. Arrays are checked by the ``check_*`` functions below, written to be
cheap: a finiteness check is one pass, ``np.isfinite(arr).all()``, and the
search for the culprit's index only runs when it fails; a range check is two
reductions, ``np.minimum.reduce`` and ``np.maximum.reduce``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._numerics import FEW_COLUMNS, row_sum

REDUCTIONS = ("mean", "sum", "none")

# Rows of probabilities must sum to one within this tolerance (in float32 too).
ROW_SUM_ATOL = 1e-5


def show(value: Any) -> str:
    """``repr`` for messages: numpy scalars shown as the Python number they hold."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


# --- scalars -------------------------------------------------------------------------


class Interval:
    """An interval of the real line, parsed from its usual notation.

    >>> Interval("(0, inf)").contains(0.0), Interval("[0, 1)").contains(0.0)
    (False, True)
    """

    def __init__(self, text: str):
        text = text.strip()
        if len(text) < 5 or text[0] not in "([" or text[-1] not in ")]" or "," not in text:
            raise ValueError(f"an interval looks like '(0, inf)' or '[0, 1]', got {text!r}")
        low, high = (part.strip() for part in text[1:-1].split(","))
        self.text = text
        self.low = float(low)
        self.high = float(high)
        self.low_closed = text[0] == "["
        self.high_closed = text[-1] == "]"
        if not self.low < self.high:
            raise ValueError(f"an interval needs low < high, got {text!r}")

    def contains(self, v: float) -> bool:
        if v != v:  # NaN
            return False
        above = v >= self.low if self.low_closed else v > self.low
        below = v <= self.high if self.high_closed else v < self.high
        return bool(above and below and np.isfinite(v))

    def __repr__(self) -> str:
        return self.text


_INTERVALS: dict[str, Interval] = {}


def interval(text: str) -> Interval:
    """The :class:`Interval` for ``text`` (parsed once, then cached)."""
    if text not in _INTERVALS:
        _INTERVALS[text] = Interval(text)
    return _INTERVALS[text]


def check_scalar(value: Any, name: str, within: str = "(-inf, inf)", *, integer: bool = False,
                 allow_none: bool = False) -> Any:
    """Check a scalar parameter and return it as a Python ``float`` (or ``int``).

    Parameters
    ----------
    value : object
        The parameter's value.
    name : str
        Its name, for the message.
    within : str, default "(-inf, inf)"
        The allowed interval, e.g. ``"(0, inf)"`` or ``"[0, 1)"``. Infinity and
        NaN are always refused.
    integer : bool, default False
        Require an integer (``True`` and ``False`` are not integers here).
    allow_none : bool, default False
        Accept ``None`` (returned as is).

    Raises
    ------
    TypeError
        If ``value`` is not a real number (or not an integer when ``integer``).
    ValueError
        If it lies outside ``within``, or is NaN or infinite.

    Examples
    --------
    >>> check_scalar(0.5, "quantile", "(0, 1)")
    0.5
    >>> check_scalar("a", "learning_rate", "(0, inf)")
    Traceback (most recent call last):
    ...
    TypeError: learning_rate must be a real number, got 'a' (str)
    >>> check_scalar(0, "delta", "(0, inf)")
    Traceback (most recent call last):
    ...
    ValueError: delta must be in (0, inf), got 0
    """
    if value is None and allow_none:
        return None
    kind = "an integer" if integer else "a real number"
    wanted = numbers.Integral if integer else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, wanted):
        extra = " or None" if allow_none else ""
        raise TypeError(f"{name} must be {kind}{extra}, got {show(value)} ({type(value).__name__})")
    if not interval(within).contains(float(value)):
        raise ValueError(f"{name} must be in {within}, got {show(value)}")
    return int(value) if integer else float(value)  # type: ignore[call-overload]


def check_choice(value: Any, name: str, choices: tuple) -> Any:
    """Check that ``value`` is one of ``choices`` (compared with ``==``)."""
    if isinstance(value, (str, type(None))) or isinstance(value, numbers.Number):
        if any(value == c and type(value) is type(c) for c in choices):
            return value
    shown = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{name} must be one of {shown}, got {show(value)}")


def check_reduction(reduction: Any) -> str:
    return check_choice(reduction, "reduction", REDUCTIONS)


# --- arrays --------------------------------------------------------------------------


def result_dtype(y_pred: np.ndarray) -> np.dtype:
    """The dtype a loss computes in: float32 stays float32, everything else is float64."""
    return np.dtype(np.float32) if y_pred.dtype == np.float32 else np.dtype(np.float64)


def as_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)`` with the package's checks: real numbers, not masked, not ragged, not empty."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array; lossbook does not honour masks: pass "
            f"{name}[~mask] (with the same selection of the other arguments), or fill it"
        )
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists: "inhomogeneous shape"
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array with at least one dimension, got a scalar")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one element")
    return arr


def as_float_array(x: Any, name: str, dtype: np.dtype | None = None) -> np.ndarray:
    """A non-empty float array of ``dtype`` (by default: float32 stays, others become float64)."""
    arr = x if type(x) is np.ndarray and x.dtype.kind == "f" and x.ndim and x.size else as_array(x, name)
    if dtype is None:
        dtype = result_dtype(arr)
    if arr.dtype != dtype:
        original = arr
        with np.errstate(over="ignore"):
            arr = arr.astype(dtype)
        if dtype == np.float32 and original.dtype.kind == "f":
            _check_fits(original, arr, name)
    return arr


def _check_fits(original: np.ndarray, converted: np.ndarray, name: str) -> None:
    """A float64 value too large for float32 becomes inf: say so rather than 'not finite'."""
    if np.isfinite(np.add.reduce(converted, axis=None)) or not np.all(np.isfinite(original)):
        return
    bad = np.isinf(converted)
    if bad.any():
        where = _where(bad)
        raise ValueError(
            f"{name} holds {show(original[where])} at index {_index(where)}, which does not fit "
            "in float32 (y_pred's dtype); pass y_pred as float64"
        )


def _where(mask: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _index(where: tuple) -> Any:
    return where[0] if len(where) == 1 else where


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise if ``arr`` holds NaN or infinity."""
    # The exact test, which cannot warn; as fast as a sum in float64, twice as fast in float32.
    if np.isfinite(arr).all():
        return
    where = _where(~np.isfinite(arr))
    raise ValueError(f"{name} must be finite, but holds {show(arr[where])} at index {_index(where)}")


def check_same_shape(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and "
            f"{y_pred.shape} (lossbook never broadcasts one against the other; "
            "reshape explicitly, e.g. y.ravel() or y[:, None])"
        )


def check_in_range(arr: np.ndarray, name: str, low: float, high: float, what: str = "values") -> None:
    """Raise unless ``low <= arr <= high`` everywhere (NaN fails too)."""
    lo = np.minimum.reduce(arr, axis=None)
    hi = np.maximum.reduce(arr, axis=None)
    if lo >= low and hi <= high:
        return
    check_finite(arr, name)
    where = _where((arr < low) | (arr > high))
    raise ValueError(
        f"{name} must hold {what} in [{low:g}, {high:g}], but holds {show(arr[where])} "
        f"at index {_index(where)}"
    )


def check_rows_sum_to_one(arr: np.ndarray, name: str) -> None:
    if arr.ndim == 2 and arr.shape[1] <= FEW_COLUMNS:  # BLAS's row sums: few terms, no float64 needed
        sums = row_sum(arr)
    else:
        sums = np.add.reduce(arr, axis=-1, dtype=np.float64)
    err = np.abs(sums - 1.0)
    if err.max() > ROW_SUM_ATOL:
        row = int(np.argmax(err))
        raise ValueError(
            f"the rows of {name} must sum to 1 (each row is a probability distribution), "
            f"but row {row} sums to {float(sums.flat[row]):.6g}"
        )


def check_weights(w: Any, name: str, length: int, what: str) -> np.ndarray:
    """Non-negative, finite float64 weights of shape (length,) that do not all vanish."""
    w = as_float_array(w, name, np.dtype(np.float64))
    if w.ndim != 1 or w.shape[0] != length:
        raise ValueError(f"{name} must have shape ({length},), one weight per {what}, got shape {w.shape}")
    check_finite(w, name)
    if np.minimum.reduce(w) < 0:
        i = int(np.argmin(w))
        raise ValueError(f"{name} must be non-negative, but holds {show(w[i])} at index {i}")
    if not np.maximum.reduce(w) > 0:
        raise ValueError(f"{name} sums to zero; at least one weight must be positive")
    return w


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """``sample_weight`` as float64 of shape (n_samples,), or None."""
    if sample_weight is None:
        return None
    return check_weights(sample_weight, "sample_weight", n_samples, "sample")
