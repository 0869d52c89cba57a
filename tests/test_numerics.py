"""Extreme logits, activations and distributions: finite, exact, and warning-free."""

import numpy as np
import pytest

import lossbook as lb



def strict():
    """Turn overflow, invalid operations and division by zero into errors."""
    return np.errstate(over="raise", invalid="raise", divide="raise")


def test_bce_with_logits_is_exact_at_plus_minus_1e4():
    y = np.array([0.0, 1.0, 0.0, 1.0])
    z = np.array([1e4, 1e4, -1e4, -1e4])
    with strict():
        value, grad = lb.binary_cross_entropy_with_logits.value_and_gradient(y, z, reduction="none")
    np.testing.assert_array_equal(value, [1e4, 0.0, 0.0, 1e4])
    np.testing.assert_array_equal(grad, [1.0, 0.0, 0.0, -1.0])


def test_probability_form_saturates_where_the_logit_form_does_not():
    # The naive route sigmoid -> BCE clips at -log(eps) and loses the gradient.
    with strict():
        p = lb.sigmoid([1e4])
    assert lb.binary_cross_entropy([0.0], p) == pytest.approx(-np.log(np.finfo(float).eps))
    assert lb.binary_cross_entropy.gradient([0.0], p)[0] == 0.0
    assert lb.binary_cross_entropy_with_logits.gradient([0.0], [1e4])[0] == 1.0


def test_focal_is_exact_at_extreme_logits():
    y = np.array([0.0, 1.0, 0.0, 1.0])
    z = np.array([1e4, 1e4, -1e4, -1e4])
    for gamma in (0.0, 0.5, 2.0):
        with strict():
            value, grad = lb.sigmoid_focal.value_and_gradient(y, z, gamma=gamma, reduction="none")
        np.testing.assert_array_equal(value, [1e4, 0.0, 0.0, 1e4])
        assert np.all(np.isfinite(grad))
        np.testing.assert_array_equal(grad[[1, 2]], 0.0)
    # gamma=2, wrong and confident: (1 - p_t) = 1, so the gradient is the BCE one
    np.testing.assert_array_equal(
        lb.sigmoid_focal.gradient(y, z, reduction="none")[[0, 3]], [1.0, -1.0]
    )


def test_softmax_cross_entropy_is_exact_at_extreme_logits():
    z = np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    y = np.array([0, 2, 1])
    with strict():
        value, grad = lb.softmax_cross_entropy.value_and_gradient(y, z, reduction="none")
    np.testing.assert_array_equal(value[:2], [0.0, 2e4])
    assert value[2] == pytest.approx(np.log(3), rel=1e-15)
    np.testing.assert_array_equal(grad[0], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad[1], [1.0, 0.0, -1.0])
    with strict():
        for eps in (0.1,):
            v = lb.softmax_cross_entropy(y, z, label_smoothing=eps, reduction="none")
            assert np.all(np.isfinite(v))


def test_activations_are_finite_and_exact_for_large_inputs():
    with strict():
        np.testing.assert_array_equal(lb.sigmoid([-1e4, 0.0, 1e4]), [0.0, 0.5, 1.0])
        np.testing.assert_array_equal(lb.log_softmax([1e4, 0.0]), [0.0, -1e4])
        np.testing.assert_array_equal(lb.softmax([[1e4, 1e4], [-1e4, 1e4]]), [[0.5, 0.5], [0.0, 1.0]])
    # naive formulas fail where these do not
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp([1000.0, 0.0]) / np.exp([1000.0, 0.0]).sum()
    assert np.isnan(naive[0])


def test_softmax_properties():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=5, size=(20, 7))
    s = lb.softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(lb.softmax(z + 123.0), s, rtol=1e-12)  # shift invariance
    np.testing.assert_allclose(np.log(s), lb.log_softmax(z), rtol=1e-12)
    np.testing.assert_allclose(lb.softmax(z.T, axis=0), s.T, rtol=1e-15)
    # the sigmoid is the two-class softmax
    np.testing.assert_allclose(lb.sigmoid(z[:, 0]), lb.softmax(np.stack([z[:, 0], 0 * z[:, 0]], 1))[:, 0])


def test_log_cosh_does_not_overflow():
    with strict():
        assert lb.log_cosh([0.0], [1e300]) == 1e300


def test_cross_entropy_decomposes_into_entropy_plus_kl():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(6), size=10)
    q = rng.dirichlet(np.ones(6), size=10)
    np.testing.assert_allclose(lb.cross_entropy(p, q), lb.entropy(p) + lb.kl_divergence(p, q), rtol=1e-12)
    # minimised, at H(p), exactly when q = p
    np.testing.assert_allclose(lb.cross_entropy(p, p), lb.entropy(p), rtol=1e-12)
    np.testing.assert_allclose(lb.kl_divergence(p, p), 0.0, atol=1e-15)
    assert np.all(lb.kl_divergence(p, q) > 0)


def test_cross_entropy_is_not_symmetric():
    p, q = [0.9, 0.1], [0.5, 0.5]
    assert lb.cross_entropy(p, q) == pytest.approx(np.log(2))
    assert lb.cross_entropy(q, p) == pytest.approx(-(0.5 * np.log(0.9) + 0.5 * np.log(0.1)))
    assert abs(lb.cross_entropy(p, q) - lb.cross_entropy(q, p)) > 0.5


def test_zero_log_zero_is_zero_and_missing_support_is_infinite():
    with strict():
        assert lb.entropy([1.0, 0.0, 0.0]) == 0.0
        assert lb.cross_entropy([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))
        assert lb.cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert lb.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert lb.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))


def test_distributions_agree_with_scipy():
    from scipy import stats

    rng = np.random.default_rng(2)
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    assert lb.entropy(p) == pytest.approx(stats.entropy(p), rel=1e-12)
    assert lb.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-12)


def test_categorical_cross_entropy_on_one_hot_equals_cross_entropy_of_distributions():
    rng = np.random.default_rng(3)
    t = rng.dirichlet(np.ones(4), size=6)
    q = rng.dirichlet(np.ones(4), size=6)
    np.testing.assert_allclose(
        lb.categorical_cross_entropy(t, q, reduction="none"), lb.cross_entropy(t, q), rtol=1e-12
    )
