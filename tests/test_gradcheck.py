"""check_gradient and numerical_gradient (lossbook/gradcheck.py)."""

import numpy as np
import pytest

import lossbook as lb


@lb.make_loss
def msle(y_true, y_pred):
    """Squared error of log(1 + y)."""
    e = np.log1p(y_pred) - np.log1p(y_true)
    return e**2, 2 * e / (1 + y_pred)


@lb.make_loss
def half(y_true, y_pred):
    """The squared error with a gradient missing its factor 2."""
    return (y_pred - y_true) ** 2, y_pred - y_true


def test_check_gradient_accepts_a_correct_custom_loss():
    rng = np.random.default_rng(0)
    y, p = rng.uniform(0, 5, size=(8, 2)), rng.uniform(0, 5, size=(8, 2))
    for reduction in ("mean", "sum", "none"):
        assert lb.check_gradient(msle, y, p, reduction=reduction, sample_weight=np.arange(1.0, 9.0)) < 1e-7


def test_check_gradient_catches_a_wrong_gradient_and_reports_it():
    error = lb.check_gradient(half, [0.0, 0.0], [1.0, 2.0])
    assert error == pytest.approx(0.5, rel=1e-6)  # |g - 2g| / |2g|
    with pytest.raises(lb.GradientCheckError) as info:
        lb.check_gradient(half, [0.0, 0.0], [1.0, 2.0], tol=1e-6)
    report = str(info.value)
    assert "'half'" in report and "relative error 0.5" in report
    assert "2" in report.splitlines()[2]  # the worst entry, index 1: gradient 1 vs 2


def test_report_prints_indices_as_plain_integers():
    with pytest.raises(lb.GradientCheckError) as info:
        lb.check_gradient(half, np.zeros((2, 2)), np.ones((2, 2)), tol=1e-6)
    assert "np.int64" not in str(info.value) and "(1, 1)" in str(info.value)


def test_numerical_gradient_of_builtin_losses():
    z = np.array([[1.0, -2.0, 0.5]])
    num = lb.numerical_gradient(lb.softmax_cross_entropy, [1], z, reduction="sum")
    np.testing.assert_allclose(num, lb.softmax(z) - [[0, 1, 0]], atol=1e-9)
    assert lb.numerical_gradient("mse", [0.0], [3.0]).tolist() == pytest.approx([6.0])


def test_numerical_gradient_stays_inside_the_probabilities():
    # Near 0 and at 0 and 1 the steps stay in [0, 1]: no "probabilities" error is raised
    # for a value the caller never passed, and the estimate is accurate near the bound.
    assert lb.check_gradient(lb.binary_cross_entropy, [1.0, 0.0], [1e-7, 0.5]) < 1e-6
    num = lb.numerical_gradient(lb.binary_cross_entropy, [0.0, 1.0], [0.0, 1.0], reduction="sum")
    assert np.all(np.isfinite(num))


@pytest.mark.parametrize("tol, error", [("a", TypeError), (-1.0, ValueError), (float("nan"), ValueError)])
def test_tol_is_validated(tol, error):
    with pytest.raises(error, match="tol"):
        lb.check_gradient(lb.mse, [0.0], [1.0], tol=tol)


def test_float32_input_is_checked_in_float64():
    y = np.float32([0.0, 1.0])
    p = np.float32([0.3, 0.2])
    assert lb.check_gradient(lb.mse, y, p) < 1e-8
