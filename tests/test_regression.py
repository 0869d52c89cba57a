"""Regression losses (lossbook/regression.py) against scikit-learn, scipy and their definitions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics

import lossbook as lb
from loss_cases import strict, weights_or_none


SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("outputs", [None, 3])
def test_regression_matches_sklearn(seed, weighted, outputs):
    rng = np.random.default_rng(seed)
    shape = (40,) if outputs is None else (40, outputs)
    y, p = rng.normal(size=shape), rng.normal(size=shape)
    w = weights_or_none(rng, 40, weighted)
    assert lb.mse(y, p, sample_weight=w) == pytest.approx(
        metrics.mean_squared_error(y, p, sample_weight=w), rel=1e-12
    )
    assert lb.mae(y, p, sample_weight=w) == pytest.approx(
        metrics.mean_absolute_error(y, p, sample_weight=w), rel=1e-12
    )
    for q in (0.1, 0.5, 0.9):
        assert lb.quantile(y, p, quantile=q, sample_weight=w) == pytest.approx(
            metrics.mean_pinball_loss(y, p, alpha=q, sample_weight=w), rel=1e-12
        )


def test_huber_matches_its_definition_and_pytorch_values():
    e = np.array([-3.0, -1.0, -0.2, 0.0, 0.5, 2.0])
    delta = 1.0
    expected = np.where(np.abs(e) <= delta, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta))
    np.testing.assert_allclose(lb.huber(np.zeros(6), e, reduction="none"), expected, rtol=1e-15)
    # torch.nn.functional.huber_loss(tensor([0.]), tensor([3.]), delta=2.0) == 4.0
    assert lb.huber([0.0], [3.0], delta=2.0) == 4.0
    # large delta: half the squared error; the gradient is the error itself
    assert lb.huber([0.0], [3.0], delta=100.0) == 4.5
    assert lb.huber.gradient([0.0], [3.0], delta=100.0, reduction="sum")[0] == 3.0


def test_log_cosh_matches_naive_formula_where_it_does_not_overflow():
    e = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(
        lb.log_cosh(np.zeros_like(e), e, reduction="none"), np.log(np.cosh(e)), rtol=1e-12, atol=1e-15
    )
    big = lb.log_cosh([0.0], [1e6], reduction="none")[0]
    assert big == pytest.approx(1e6 - np.log(2), rel=1e-15)


def test_log_cosh_does_not_overflow():
    with strict():
        assert lb.log_cosh([0.0], [1e300]) == 1e300


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=finite), st.data())
def test_regression_losses_properties(y_true, data):
    y_pred = data.draw(arrays(np.float64, y_true.shape, elements=finite))
    for loss in (lb.mse, lb.mae, lb.huber, lb.log_cosh, lb.quantile):
        value = loss(y_true, y_pred)
        assert np.isfinite(value) and value >= 0
        assert loss(y_true, y_true) == 0.0
        assert loss(y_true, y_pred, reduction="sum") == pytest.approx(
            y_true.size * value, rel=1e-12, abs=1e-300
        )
    # symmetric losses do not care which argument is the target
    for loss in (lb.mse, lb.mae, lb.huber, lb.log_cosh):
        assert loss(y_true, y_pred) == pytest.approx(loss(y_pred, y_true), rel=1e-12)
    # Huber lies between the two: below half the squared error and below delta * |e|
    e = np.abs(y_pred - y_true)
    h = lb.huber(y_true, y_pred, reduction="none")
    assert np.all(h <= 0.5 * e**2 + 1e-9) and np.all(h <= e + 1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_nll_matches_sklearn_deviance(seed, weighted):
    """scikit-learn's deviance is 2 (y log(y / mu) - y + mu): twice the NLL plus a term in y only."""
    rng = np.random.default_rng(seed)
    y = rng.poisson(3.0, size=40).astype(float)
    z = rng.normal(1.0, 0.7, size=40)  # log-rates
    w = weights_or_none(rng, 40, weighted)
    ww = np.ones(40) if w is None else w
    y_log_y = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
    expected = 0.5 * metrics.mean_poisson_deviance(y, np.exp(z), sample_weight=w) - np.average(
        y_log_y - y, weights=ww
    )
    assert lb.poisson_nll(y, z, sample_weight=w) == pytest.approx(expected, rel=1e-12)


def test_poisson_nll_is_minimal_at_the_observed_count():
    y = np.array([0.5, 2.0, 7.0])
    grad = lb.poisson_nll.gradient(y, np.log(y), reduction="none")
    np.testing.assert_allclose(grad, 0.0, atol=1e-14)
    np.testing.assert_allclose(lb.poisson_nll(y, np.log(y), reduction="none"), y - y * np.log(y), rtol=1e-14)


def test_gaussian_nll_matches_scipy_log_density():
    from scipy import stats

    rng = np.random.default_rng(0)
    y = rng.normal(size=30)
    mean, log_var = rng.normal(size=30), rng.normal(size=30)
    y_pred = np.stack([mean, log_var], axis=1)
    expected = -stats.norm.logpdf(y, loc=mean, scale=np.exp(0.5 * log_var)) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(lb.gaussian_nll(y, y_pred, reduction="none"), expected, rtol=1e-12)


def test_gaussian_nll_with_unit_variance_is_half_the_squared_error():
    rng = np.random.default_rng(1)
    y, mean = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    y_pred = np.stack([mean, np.zeros_like(mean)], axis=-1)
    assert lb.gaussian_nll(y, y_pred) == pytest.approx(0.5 * lb.mse(y, mean), rel=1e-14)
    np.testing.assert_allclose(
        lb.gaussian_nll.gradient(y, y_pred)[..., 0], 0.5 * lb.mse.gradient(y, mean), rtol=1e-14
    )


def test_gaussian_nll_shapes_are_checked():
    with pytest.raises(ValueError, match=r"y_pred must have shape \(3, 2\)"):
        lb.gaussian_nll([1.0, 2.0, 3.0], np.zeros((3, 3)))


def test_log_cosh_keeps_its_relative_accuracy_near_zero():
    # log cosh(e) = e^2/2 - e^4/12 + e^6/45 - ...: for |e| <= 1e-3 three terms of the series
    # are exact to double precision, and independent of lossbook's formula.
    e = np.array([1e-300, 1e-150, 1e-10, 1e-8, 1e-5, -1e-3])
    series = e**2 / 2 - e**4 / 12 + e**6 / 45
    np.testing.assert_allclose(lb.log_cosh(np.zeros(6), e, reduction="none"), series, rtol=4e-16)


def test_quantile_of_huge_values_does_not_overflow():
    assert lb.quantile([0.0, 0.0], [1e308, 1e308]) == 5e307
    assert lb.quantile([0.0, 0.0], [1e308, 1e308], quantile=0.1) == pytest.approx(0.9e308, rel=1e-15)


def test_huge_sample_weights_do_not_overflow_the_mean():
    assert lb.mse([0, 0, 0], [1, 2, 3], sample_weight=[1e308, 1e308, 1]) == 2.5
    assert lb.mae([0, 0], [1.0, 3.0], sample_weight=[1e308, 1e308]) == 2.0


def test_a_mean_of_finite_losses_whose_sum_overflows_is_finite():
    big = np.array([1.2e154, 1.1e154])
    expected = 1.2e154**2 / 2 + 1.1e154**2 / 2  # each square is finite; their sum is not
    for method in (lb.mse, lambda y, p: lb.mse.value_and_gradient(y, p)[0]):
        assert method(np.zeros(2), big) == pytest.approx(expected, rel=1e-15)
