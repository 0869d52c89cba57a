"""The data sets the chapters use."""

import numpy as np
import pytest

from lossbook.datasets import DIGIT_ATTRIBUTES, digit_attributes, line_with_outliers, load_digits_split


def test_line_with_outliers_shape_and_order():
    X, y = line_with_outliers()
    assert X.shape == (100, 1) and y.shape == (100,)
    assert np.all(np.diff(X[:, 0]) >= 0)
    assert X.min() >= -7.5 and X.max() <= 7.5


def test_outliers_are_the_points_with_the_largest_x():
    X, y = line_with_outliers(random_state=3)
    X0, y0 = line_with_outliers(outlier_fraction=0.0, random_state=3)
    np.testing.assert_array_equal(X, X0)
    shift = y - y0
    np.testing.assert_allclose(shift[-10:], 20.0)
    np.testing.assert_array_equal(shift[:-10], 0.0)
    assert X[-10:, 0].min() >= X[:-10, 0].max()


def test_line_without_noise_is_the_line():
    X, y = line_with_outliers(50, slope=-1.0, intercept=4.0, noise=0.0, outlier_fraction=0.2,
                              outlier_shift=-5.0, x_range=(0, 10))
    expected = -X[:, 0] + 4.0
    expected[-10:] -= 5.0
    np.testing.assert_allclose(y, expected)
    assert X.min() >= 0 and X.max() <= 10


def test_line_with_outliers_is_seeded():
    a, b, c = line_with_outliers(random_state=1), line_with_outliers(random_state=1), line_with_outliers(random_state=2)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    np.testing.assert_array_equal(line_with_outliers()[1], line_with_outliers(random_state=0)[1])


def test_least_squares_is_pulled_and_robust_fits_are_not():
    """The property chapter 3 relies on, checked with scikit-learn's own fits."""
    from sklearn.linear_model import LinearRegression, QuantileRegressor

    X, y = line_with_outliers()
    assert LinearRegression().fit(X, y).coef_[0] - 2.0 > 0.5
    lad = QuantileRegressor(quantile=0.5, alpha=0.0).fit(X, y).coef_[0]
    assert abs(lad - 2.0) < 0.1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"noise": -1.0}, "noise"),
        ({"outlier_fraction": 1.5}, "outlier_fraction"),
        ({"slope": float("inf")}, "slope"),
        ({"x_range": (3, 3)}, "x_range"),
        ({"x_range": 5}, "x_range"),
    ],
)
def test_line_with_outliers_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        line_with_outliers(**kwargs)


def test_load_digits_split():
    X_train, X_test, y_train, y_test = load_digits_split()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert y_train.shape == (1347,) and y_test.shape == (450,)
    # stratified: every class has about the same share in both parts
    np.testing.assert_allclose(np.bincount(y_train) / 1347, np.bincount(y_test) / 450, atol=0.005)
    # scaled with statistics of the training part only
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    std = X_train.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-12) | (std == 0))
    assert np.abs(X_test.mean(axis=0)).max() > 0.01


def test_load_digits_split_options():
    a = load_digits_split(test_size=0.5, random_state=1)
    b = load_digits_split(test_size=0.5, random_state=1)
    assert len(a[1]) in (898, 899)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="test_size"):
        load_digits_split(test_size=1.0)


def test_digit_attributes_table():
    Y, names = digit_attributes(np.arange(10))
    assert names == ("even", "greater than 4", "prime", "closed loop")
    assert Y.dtype.kind == "i"
    expected = np.array([
        # even, > 4, prime, closed loop
        [1, 0, 0, 1],  # 0
        [0, 0, 0, 0],  # 1
        [1, 0, 1, 0],  # 2
        [0, 0, 1, 0],  # 3
        [1, 0, 0, 0],  # 4: open-topped, as handwritten
        [0, 1, 1, 0],  # 5
        [1, 1, 0, 1],  # 6
        [0, 1, 1, 0],  # 7
        [1, 1, 0, 1],  # 8
        [0, 1, 0, 1],  # 9
    ])
    np.testing.assert_array_equal(Y, expected)
    assert list(DIGIT_ATTRIBUTES) == list(names)


def test_digit_attributes_accepts_lists_and_integral_floats():
    Y, _ = digit_attributes([8.0, 1.0])
    np.testing.assert_array_equal(Y, [[1, 1, 0, 1], [0, 0, 0, 0]])


@pytest.mark.parametrize(
    "digits, error, match",
    [
        ([1, 10], ValueError, "0 to 9"),
        ([1.5], ValueError, "0 to 9"),
        ([-1], ValueError, "0 to 9"),
        ([[1, 2]], ValueError, "1-D"),
        ([], ValueError, "empty"),
        (["one"], TypeError, "integers"),
    ],
)
def test_digit_attributes_bad_input(digits, error, match):
    with pytest.raises(error, match=match):
        digit_attributes(digits)
