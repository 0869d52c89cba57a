"""Entropy, cross-entropy and KL divergence (lossbook/distributions.py)."""

import numpy as np
import pytest

import lossbook as lb
from loss_cases import strict


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
