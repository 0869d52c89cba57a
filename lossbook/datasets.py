"""Small data sets for the chapters, made on the fly or shipped with scikit-learn.

Nothing is downloaded: :func:`line_with_outliers` is synthetic, and the digits
come from :func:`sklearn.datasets.load_digits`, which ships with scikit-learn.

Examples
--------
>>> from lossbook.datasets import load_digits_split, digit_attributes
>>> X_train, X_test, y_train, y_test = load_digits_split()
>>> X_train.shape, X_test.shape
((1347, 64), (450, 64))
>>> Y, names = digit_attributes(y_train)
>>> Y.shape, names
((1347, 4), ('even', 'greater than 4', 'prime', 'closed loop'))
"""

from __future__ import annotations

import numbers

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._random import as_generator
from ._validation import check_scalar

__all__ = ["line_with_outliers", "load_digits_split", "digit_attributes", "DIGIT_ATTRIBUTES"]


def line_with_outliers(
    n_samples: int = 100,
    *,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 1.0,
    outlier_fraction: float = 0.1,
    outlier_shift: float = 20.0,
    x_range: tuple[float, float] = (-7.5, 7.5),
    random_state: Any = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Points on a noisy line, the ones with the largest ``x`` shifted upwards.

    ``x`` is drawn uniformly on ``x_range`` and sorted;
    ``y = slope * x + intercept + noise * N(0, 1)``; then the
    ``round(outlier_fraction * n_samples)`` points with the largest ``x`` (the
    last rows) get ``outlier_shift`` added to ``y``. Because the outliers sit
    at one end, they tilt a least-squares line (their pull grows with their
    leverage), while mean absolute error and Huber loss mostly ignore them.

    With the defaults, the least-squares slope is about 2.6 and the
    least-absolute-error and Huber (``delta=1``) slopes are within 0.07 of the
    true 2. The robust fits are not exactly unbiased: every outlier still
    pulls with a bounded force, and the bias shrinks as ``x_range`` widens (it
    is about 0.1 on [0, 10]); the least-squares bias shrinks too, in
    proportion. The default range is centred on 0, so slope and intercept can be
    learnt independently, which gradient descent appreciates.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    slope, intercept : float, default=2.0, 1.0
        The true line.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise, >= 0.
    outlier_fraction : float, default=0.1
        Share of points shifted, in [0, 1].
    outlier_shift : float, default=20.0
        What is added to the outliers' ``y``.
    x_range : tuple of float, default=(-7.5, 7.5)
        The interval ``(low, high)`` of ``x``, ``low < high``.
    random_state : None, int or numpy.random.Generator, default=0
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The ``x`` values, ascending.
    y : ndarray of shape (n_samples,)
        The targets; the last ``round(outlier_fraction * n_samples)`` are outliers.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.datasets import line_with_outliers
    >>> X, y = line_with_outliers(random_state=0)
    >>> X.shape, y.shape
    ((100, 1), (100,))
    >>> residual = y - (2 * X[:, 0] + 1)
    >>> print(np.round(residual[-10:].mean(), 1), np.round(residual[:-10].mean(), 1))
    19.7 -0.1
    """
    n_samples = check_scalar(n_samples, "n_samples", "[1, inf)", integer=True)
    slope = check_scalar(slope, "slope")
    intercept = check_scalar(intercept, "intercept")
    noise = check_scalar(noise, "noise", "[0, inf)")
    outlier_fraction = check_scalar(outlier_fraction, "outlier_fraction", "[0, 1]")
    outlier_shift = check_scalar(outlier_shift, "outlier_shift")
    try:
        low, high = x_range
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be a pair (low, high); got {x_range!r}.") from None
    low, high = check_scalar(low, "x_range[0]"), check_scalar(high, "x_range[1]")
    if not low < high:
        raise ValueError(f"x_range must satisfy low < high; got {x_range!r}.")
    rng = as_generator(random_state)
    x = np.sort(rng.uniform(low, high, size=n_samples))
    y = slope * x + intercept + noise * rng.normal(size=n_samples)
    n_outliers = int(round(outlier_fraction * n_samples))
    if n_outliers:
        y[-n_outliers:] += outlier_shift
    return x.reshape(-1, 1), y


def load_digits_split(*, test_size: float = 0.25, random_state: Any = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits, split (stratified) and standardised.

    Loads :func:`sklearn.datasets.load_digits` (1,797 images of 64 pixels,
    classes 0 to 9), splits it with ``train_test_split(..., stratify=y)``, and
    standardises the pixels with a ``StandardScaler`` fitted on the training
    part only, so no information leaks from the test set.

    Parameters
    ----------
    test_size : float, default=0.25
        Share of the samples held out, in (0, 1).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    X_train, X_test : ndarray of shape (n, 64)
        Standardised pixels.
    y_train, y_test : ndarray of int of shape (n,)
        Digits 0 to 9.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.datasets import load_digits_split
    >>> X_train, X_test, y_train, y_test = load_digits_split(test_size=0.25, random_state=0)
    >>> print(np.round(X_train.mean(), 6), np.bincount(y_test))
    0.0 [45 46 44 46 45 46 45 45 43 45]
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    test_size = check_scalar(test_size, "test_size", "(0, 1)")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


#: The digits having each attribute, in the column order of :func:`digit_attributes`.
DIGIT_ATTRIBUTES = {
    "even": (0, 2, 4, 6, 8),
    "greater than 4": (5, 6, 7, 8, 9),
    "prime": (2, 3, 5, 7),
    "closed loop": (0, 6, 8, 9),
}


def digit_attributes(digits: ArrayLike) -> tuple[np.ndarray, tuple[str, ...]]:
    """Multi-label targets: four yes/no attributes of each digit.

    The columns are ``even``; ``greater than 4``; ``prime`` (2, 3, 5, 7);
    and ``closed loop``, true for 0, 6, 8 and 9. The digit 4 counts as open:
    it is written with an open top in most handwriting, and the average 4 of
    scikit-learn's digits is open-topped. (A printed, closed 4 would also have a
    loop; this convention follows the handwriting of the data.) A digit can have
    any number of these attributes at once, which makes this a multi-label
    problem: one sigmoid and one binary cross-entropy per column.

    Parameters
    ----------
    digits : array-like of int of shape (n_samples,)
        Digits 0 to 9.

    Returns
    -------
    Y : ndarray of int of shape (n_samples, 4)
        Indicator matrix: ``Y[i, j] == 1`` if digit ``i`` has attribute ``j``.
    names : tuple of str
        The attribute names, in column order.

    Examples
    --------
    >>> from lossbook.datasets import digit_attributes
    >>> Y, names = digit_attributes([0, 4, 7, 8])
    >>> names
    ('even', 'greater than 4', 'prime', 'closed loop')
    >>> print(Y)
    [[1 0 0 1]
     [1 0 0 0]
     [0 1 1 0]
     [1 1 0 1]]
    """
    digits = np.asarray(digits)
    if digits.ndim != 1:
        raise ValueError(f"digits must be 1-D; got shape {digits.shape}.")
    if digits.size == 0:
        raise ValueError("digits is empty.")
    if not np.issubdtype(digits.dtype, np.number) or np.issubdtype(digits.dtype, np.complexfloating):
        raise TypeError(f"digits must hold integers 0 to 9; got dtype {digits.dtype}.")
    if not np.all(np.isfinite(digits)) or np.any(digits != np.round(digits)) or np.any(
        (digits < 0) | (digits > 9)
    ):
        bad = digits[~np.isin(digits, np.arange(10))][:5]
        raise ValueError(f"digits must hold integers 0 to 9; got {bad.tolist()}.")
    digits = digits.astype(int)
    names = tuple(DIGIT_ATTRIBUTES)
    Y = np.column_stack([np.isin(digits, DIGIT_ATTRIBUTES[name]) for name in names]).astype(int)
    return Y, names
