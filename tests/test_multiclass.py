"""Multi-class losses (lossbook/multiclass.py) against scikit-learn and PyTorch's documented formulas."""

import numpy as np
import pytest
from sklearn import metrics

import lossbook as lb
import oracle
from loss_cases import strict, weights_or_none


SEEDS = range(5)


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


def test_softmax_cross_entropy_gradient_is_softmax_minus_targets():
    rng = np.random.default_rng(7)
    z = rng.normal(size=(9, 5))
    y = rng.integers(0, 5, size=9)
    np.testing.assert_allclose(
        lb.softmax_cross_entropy.gradient(y, z, reduction="sum"), lb.softmax(z) - np.eye(5)[y], atol=1e-15
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_cross_entropy_with_tied_maxima_against_mpmath(dtype):
    # Rows whose maximum appears two, three or k times, beside rows with one maximum,
    # against the 50-digit reference of tests/oracle.py.
    z = np.array([[2.0, 2.0, -1.0, 0.5], [3.0, 3.0, 3.0, -40.0], [1.0, 1.0, 1.0, 1.0],
                  [5.0, 0.0, 0.0, 0.0], [-1e-3, 7.0, 7.0, -1e-3]], dtype=dtype)
    y = np.array([0, 3, 2, 1, 0])
    exact = [float(v) for v in oracle.reference("softmax_cross_entropy", y, z).loss]
    tol = 4 * float(np.finfo(dtype).eps)
    got = lb.softmax_cross_entropy(y, z, reduction="none")
    np.testing.assert_allclose(got, exact, rtol=tol)
    assert lb.softmax_cross_entropy(y, z) == pytest.approx(np.mean(exact), rel=tol)
    assert lb.softmax_cross_entropy(y[[3]], z[[3]]) == pytest.approx(exact[3], rel=tol)  # no tie at all


def test_categorical_cross_entropy_on_one_hot_equals_cross_entropy_of_distributions():
    rng = np.random.default_rng(3)
    t = rng.dirichlet(np.ones(4), size=6)
    q = rng.dirichlet(np.ones(4), size=6)
    np.testing.assert_allclose(
        lb.categorical_cross_entropy(t, q, reduction="none"), lb.cross_entropy(t, q), rtol=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_crammer_singer_hinge_matches_sklearn(seed, weighted):
    rng = np.random.default_rng(seed)
    k = 4
    y = rng.integers(0, k, size=50)
    f = rng.normal(scale=2, size=(50, k))
    w = weights_or_none(rng, 50, weighted)
    expected = metrics.hinge_loss(y, f, labels=np.arange(k), sample_weight=w)
    assert lb.multiclass_hinge(y, f, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    assert lb.multiclass_hinge(np.eye(k)[y], f, sample_weight=w) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("kind", ["crammer_singer", "weston_watkins"])
def test_two_class_hinges_are_the_binary_hinge_of_the_score_difference(kind):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=30)
    f = rng.normal(scale=2, size=(30, 2))
    binary = metrics.hinge_loss(2 * y - 1, f[:, 1] - f[:, 0])  # scikit-learn, {-1, +1} labels
    assert lb.multiclass_hinge(y, f, kind=kind) == pytest.approx(binary, rel=1e-12)


def test_weston_watkins_lies_between_crammer_singer_and_k_minus_1_times_it():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 5, size=200)
    f = rng.normal(scale=2, size=(200, 5))
    cs = lb.multiclass_hinge(y, f, reduction="none")
    ww = lb.multiclass_hinge(y, f, reduction="none", kind="weston_watkins")
    assert np.all(cs <= ww + 1e-15) and np.all(ww <= 4 * cs + 1e-15)
    assert np.any(ww > cs)


def test_multiclass_hinge_refuses_soft_targets():
    with pytest.raises(ValueError, match="soft targets have no hinge"):
        lb.multiclass_hinge([[0.5, 0.5, 0.0]], [[1.0, 2.0, 3.0]])
