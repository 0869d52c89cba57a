"""Values against scikit-learn and against formulas written out by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics

import lossbook as lb

SEEDS = range(5)


def weights_or_none(rng, n, weighted):
    return rng.uniform(0.1, 3.0, size=n) if weighted else None


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
def test_multiclass_log_loss_matches_sklearn(seed, weighted):
    rng = np.random.default_rng(seed)
    k = 5
    y = rng.integers(0, k, size=60)
    z = rng.normal(scale=2, size=(60, k))
    p = lb.softmax(z)
    w = weights_or_none(rng, 60, weighted)
    expected = metrics.log_loss(y, p, sample_weight=w, labels=np.arange(k))
    assert lb.categorical_cross_entropy(y, p, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    assert lb.categorical_cross_entropy(np.eye(k)[y], p, sample_weight=w) == pytest.approx(
        expected, rel=1e-12
    )
    assert lb.softmax_cross_entropy(y, z, sample_weight=w) == pytest.approx(expected, rel=1e-10)


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


def test_label_smoothing_matches_pytorch_formula():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    eps = 0.2
    log_q = lb.log_softmax(z)
    # PyTorch: (1 - eps) * nll + eps * mean over classes of -log q
    expected = np.mean((1 - eps) * -log_q[np.arange(6), y] + eps * -log_q.mean(axis=1))
    assert lb.softmax_cross_entropy(y, z, label_smoothing=eps) == pytest.approx(expected, rel=1e-12)


def test_class_weight_mean_divides_by_true_class_weights_like_pytorch():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(8, 3))
    y = rng.integers(0, 3, size=8)
    a = np.array([0.2, 1.0, 5.0])
    nll = -lb.log_softmax(z)[np.arange(8), y]
    expected = np.sum(a[y] * nll) / np.sum(a[y])
    assert lb.softmax_cross_entropy(y, z, class_weight=a) == pytest.approx(expected, rel=1e-12)
    assert lb.softmax_cross_entropy(y, z, class_weight=a, reduction="sum") == pytest.approx(
        np.sum(a[y] * nll), rel=1e-12
    )
    # one-hot targets give the same as integer labels
    assert lb.softmax_cross_entropy(np.eye(3)[y], z, class_weight=a) == pytest.approx(
        expected, rel=1e-12
    )


def test_class_weight_with_label_smoothing_matches_pytorch_formula():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 3))
    y = rng.integers(0, 3, size=5)
    a = np.array([0.5, 2.0, 1.0])
    eps = 0.1
    log_q = lb.log_softmax(z)
    # PyTorch (integer targets, weight and label_smoothing): the weighted nll and the
    # weighted smoothing term are both divided by the summed weights of the true classes.
    nll = np.sum(a[y] * -log_q[np.arange(5), y])
    smooth = np.sum(-(log_q * a).sum(axis=1)) / 3
    expected = ((1 - eps) * nll + eps * smooth) / a[y].sum()
    got = lb.softmax_cross_entropy(y, z, class_weight=a, label_smoothing=eps)
    assert got == pytest.approx(expected, rel=1e-12)


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


def test_softmax_cross_entropy_gradient_is_softmax_minus_targets():
    rng = np.random.default_rng(7)
    z = rng.normal(size=(9, 5))
    y = rng.integers(0, 5, size=9)
    np.testing.assert_allclose(
        lb.softmax_cross_entropy.gradient(y, z, reduction="sum"), lb.softmax(z) - np.eye(5)[y], atol=1e-15
    )


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
