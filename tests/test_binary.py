"""Binary and multi-label losses (lossbook/binary.py): scikit-learn, the published formulas, extreme logits."""

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
def test_binary_log_loss_matches_sklearn(seed, weighted):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=50)
    y[:2] = [0, 1]
    p = rng.uniform(size=50)
    p[:3] = [0.0, 1.0, 1.0]  # clipped, as scikit-learn clips
    w = weights_or_none(rng, 50, weighted)
    expected = metrics.log_loss(y, p, sample_weight=w)
    assert lb.binary_cross_entropy(y, p, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    # the same through the logits, away from the clipped entries
    z = rng.normal(scale=3, size=50)
    expected = metrics.log_loss(y, lb.sigmoid(z), sample_weight=w)
    assert lb.binary_cross_entropy_with_logits(y, z, sample_weight=w) == pytest.approx(
        expected, rel=1e-10
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("labels", [(-1, 1), (0, 1)])
def test_hinge_matches_sklearn(seed, weighted, labels):
    rng = np.random.default_rng(seed)
    y = rng.choice(labels, size=50)
    f = rng.normal(scale=2, size=50)
    w = weights_or_none(rng, 50, weighted)
    assert lb.hinge(y, f, sample_weight=w) == pytest.approx(
        metrics.hinge_loss(y, f, sample_weight=w), rel=1e-12
    )


def test_pos_weight_matches_pytorch_formula():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=(10, 3)).astype(float)
    z = rng.normal(size=(10, 3))
    pw = np.array([1.0, 2.5, 0.5])
    p = lb.sigmoid(z)
    expected = -(pw * y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(
        lb.binary_cross_entropy_with_logits(y, z, pos_weight=pw, reduction="none"), expected, rtol=1e-12
    )
    np.testing.assert_allclose(
        lb.binary_cross_entropy(y, p, pos_weight=pw, reduction="none"), expected, rtol=1e-10
    )


def test_focal_matches_torchvision_formula():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, size=20).astype(float)
    z = rng.normal(scale=2, size=20)
    p = lb.sigmoid(z)
    ce = lb.binary_cross_entropy_with_logits(y, z, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    alpha_t = 0.25 * y + 0.75 * (1 - y)
    expected = alpha_t * ce * (1 - p_t) ** 2
    np.testing.assert_allclose(
        lb.sigmoid_focal(y, z, alpha=0.25, reduction="none"), expected, rtol=1e-12
    )


@pytest.mark.parametrize("soft", [False, True])
def test_focal_with_gamma_zero_is_bce_with_logits(soft):
    rng = np.random.default_rng(5)
    y = rng.uniform(size=(30, 2)) if soft else rng.integers(0, 2, size=(30, 2)).astype(float)
    z = rng.normal(scale=4, size=(30, 2))
    for reduction in ("none", "mean", "sum"):
        np.testing.assert_allclose(
            lb.sigmoid_focal(y, z, gamma=0.0, reduction=reduction),
            lb.binary_cross_entropy_with_logits(y, z, reduction=reduction),
            rtol=1e-14,
        )
        np.testing.assert_allclose(
            lb.sigmoid_focal.gradient(y, z, gamma=0.0, reduction=reduction),
            lb.binary_cross_entropy_with_logits.gradient(y, z, reduction=reduction),
            rtol=1e-12,
            atol=1e-17,
        )


def test_logit_and_probability_twins_agree():
    rng = np.random.default_rng(6)
    z = rng.normal(scale=3, size=(25, 2))
    y = rng.integers(0, 2, size=(25, 2)).astype(float)
    np.testing.assert_allclose(
        lb.binary_cross_entropy(y, lb.sigmoid(z), reduction="none"),
        lb.binary_cross_entropy_with_logits(y, z, reduction="none"),
        rtol=1e-10,
    )
    # chain rule: d/dz BCE(sigmoid(z)) = dBCE/dp * p(1-p)
    p = lb.sigmoid(z)
    np.testing.assert_allclose(
        lb.binary_cross_entropy.gradient(y, p) * p * (1 - p),
        lb.binary_cross_entropy_with_logits.gradient(y, z),
        rtol=1e-9,
    )
    zk = rng.normal(scale=3, size=(25, 6))
    labels = rng.integers(0, 6, size=25)
    np.testing.assert_allclose(
        lb.categorical_cross_entropy(labels, lb.softmax(zk), reduction="none"),
        lb.softmax_cross_entropy(labels, zk, reduction="none"),
        rtol=1e-10,
    )


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


logits = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=logits), st.data())
def test_logit_losses_are_finite_and_nonnegative_for_any_logit(z, data):
    y = data.draw(arrays(np.float64, z.shape, elements=st.sampled_from([0.0, 1.0])))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for loss in (lb.binary_cross_entropy_with_logits, lb.sigmoid_focal):
            value, grad = loss.value_and_gradient(y, z, reduction="none")
            assert np.all(np.isfinite(value)) and np.all(value >= 0)
            assert np.all(np.isfinite(grad))
        grad = lb.binary_cross_entropy_with_logits.gradient(y, z, reduction="none")
        assert np.all(np.abs(grad) <= 1)
        # exact: for |z| > 40 the loss is max(z, 0) - y z up to exp(-|z|) < 5e-18
        big = np.abs(z) > 40
        bce = lb.binary_cross_entropy_with_logits(y, z, reduction="none")
        np.testing.assert_allclose(bce[big], (np.maximum(z, 0) - y * z)[big], rtol=1e-15, atol=5e-18)


def test_subgradients_at_the_kinks_are_the_documented_ones():
    """At a kink the derivative does not exist; each loss documents the subgradient it uses."""
    g = lb.hinge.gradient([1.0, -1.0, 1.0], [1.0, -1.0, 0.5], reduction="sum")
    np.testing.assert_array_equal(g, [0.0, 0.0, -1.0])  # margin exactly 1: 0
    assert not np.signbit(g[:2]).any()  # +0, so that printed gradients read 0., not -0.
    assert lb.mae.gradient([2.0], [2.0], reduction="sum")[0] == 0.0
    assert lb.quantile.gradient([2.0], [2.0], reduction="sum", quantile=0.9)[0] == 0.0
    np.testing.assert_array_equal(
        lb.multiclass_hinge.gradient([0], [[2.0, 1.0, 0.0]], reduction="sum"), [[0.0, 0.0, 0.0]]
    )
