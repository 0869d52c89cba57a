"""The oracle of the fuzz suite, checked: its derivatives, its precision, its definitions.

``tests/oracle.py`` is only as good as these checks: its hand-derived derivatives agree
with ``mpmath.diff`` of its values; its 50 digits agree with a recomputation at 100 on the
fuzz suite's own inputs; and its definitions agree with scikit-learn and SciPy at
ordinary inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mpmath import mp, mpf
from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_pinball_loss,
    mean_poisson_deviance,
    mean_squared_error,
)

import oracle
import test_fuzz

ELEMENTWISE_OPTIONS = {
    "mse": {},
    "mae": {},
    "huber": {"delta": 0.7},
    "log_cosh": {},
    "quantile": {"quantile": 0.3},
    "binary_cross_entropy": {"pos_weight": 2.5},
    "binary_cross_entropy_with_logits": {"pos_weight": 0.4},
    "hinge": {},
    "sigmoid_focal": {"gamma": 0.7, "alpha": 0.25},
    "poisson_nll": {},
}


def _element_value(name, y, options, dtype=np.float64):
    """The oracle's loss of one element as a function of its y_pred."""
    fn = oracle.ELEMENTWISE[name]
    y_pred = np.zeros(1)
    opts = oracle._exact_options(name, options, y_pred, dtype)
    if "pos_weight" in opts:
        opts["pos_weight"] = opts["pos_weight"][0]
    if name in oracle.REGRESSION:
        return lambda p: fn(p - y, opts)[0], lambda p: fn(p - y, opts)[1]
    return lambda p: fn(y, p, opts)[0], lambda p: fn(y, p, opts)[1]


def _away_from_kinks(name, y, p):
    """True where the loss is differentiable (and not clipped) in a neighbourhood of p."""
    if name in ("mae", "quantile"):
        return abs(p - y) > 1e-6
    if name == "huber":
        return abs(abs(p - y) - 0.7) > 1e-6
    if name == "hinge":
        return abs(y * p - 1) > 1e-6
    if name == "binary_cross_entropy":
        eps = np.finfo(np.float64).eps
        return 2 * eps < p < 1 - 2 * eps
    return True


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_OPTIONS))
@settings(max_examples=10)
@given(y01=st.floats(0, 1), soft=st.booleans(), p01=st.floats(1e-6, 1 - 1e-6), x=st.floats(-30, 30))
def test_elementwise_derivatives_match_mpmath_diff(name, y01, soft, p01, x):
    if name in oracle.REGRESSION:
        y, p = x / 3, x
    elif name == "hinge":
        y, p = (1.0 if y01 > 0.5 else -1.0), x
    elif name == "binary_cross_entropy":
        y, p = (y01 if soft else round(y01)), p01
    elif name == "poisson_nll":  # a count (or any y >= 0) and a log-rate
        y, p = (10 * y01 if soft else round(10 * y01)), x / 3
    else:
        y, p = (y01 if soft else round(y01)), x
    if not _away_from_kinks(name, y, p):
        return
    with mp.workdps(oracle.DIGITS):
        value, grad = _element_value(name, mpf(y), ELEMENTWISE_OPTIONS[name])
        numeric = mp.diff(value, mpf(p))
        analytic = grad(mpf(p))
        assert abs(numeric - analytic) <= mpf(10) ** -35 * (1 + abs(analytic))


@pytest.mark.parametrize(
    "name, options",
    [
        ("softmax_cross_entropy", {"label_smoothing": 0.15, "class_weight": [1.0, 0.3, 2.0, 0.0]}),
        ("softmax_cross_entropy", {}),
        ("categorical_cross_entropy", {}),
        ("multiclass_hinge", {}),
        ("multiclass_hinge", {"kind": "weston_watkins"}),
    ],
)
@settings(max_examples=10)
@given(st.data())
def test_multiclass_derivatives_match_mpmath_diff(name, options, data):
    k = 4
    fn = oracle.MULTICLASS[name]
    if name == "multiclass_hinge":  # a label, as a one-hot row
        t = [0.0] * k
        t[data.draw(st.integers(0, k - 1))] = 1.0
    else:
        t = data.draw(st.lists(st.floats(0.01, 1), min_size=k, max_size=k))
        t = [v / sum(t) for v in t]
    if name == "categorical_cross_entropy":
        z = data.draw(st.lists(st.floats(0.05, 1), min_size=k, max_size=k))
        z = [v / sum(z) for v in z]
    else:
        z = data.draw(st.lists(st.floats(-30, 30) if name == "softmax_cross_entropy" else st.floats(-3, 3),
                               min_size=k, max_size=k))
    if name == "multiclass_hinge":
        # differentiable only away from the kinks (a margin of 0) and, for Crammer-Singer,
        # from ties between the best wrong classes
        y = t.index(1.0)
        margins = sorted(1 + z[j] - z[y] for j in range(k) if j != y)
        assume(min(abs(m) for m in margins) > 1e-6 and margins[-1] - margins[-2] > 1e-6)
    with mp.workdps(oracle.DIGITS):
        opts = oracle._exact_options(name, options, np.zeros((1, k)), np.float64)
        t_mp, z_mp = [mpf(v) for v in t], [mpf(v) for v in z]
        grad = fn(t_mp, z_mp, opts)[1]
        for j in range(k):
            def value(x, j=j):
                row = list(z_mp)
                row[j] = x
                return fn(t_mp, row, opts)[0]

            numeric = mp.diff(value, z_mp[j])
            assert abs(numeric - grad[j]) <= mpf(10) ** -35 * (1 + abs(grad[j]))


@settings(max_examples=10)
@given(y=st.floats(-30, 30), mu=st.floats(-30, 30), s=st.floats(-30, 30))
def test_gaussian_derivatives_match_mpmath_diff(y, mu, s):
    """Both derivatives of the Gaussian NLL: the predicted mean's and the log-variance's."""
    opts = oracle._exact_options("gaussian_nll", {}, np.zeros((1, 2)), np.float64)
    with mp.workdps(oracle.DIGITS):
        y, mu, s = mpf(y), mpf(mu), mpf(s)
        g_mu, g_s = oracle._gaussian(y, mu, s, opts)[1]
        for analytic, numeric in [(g_mu, mp.diff(lambda m: oracle._gaussian(y, m, s, opts)[0], mu)),
                                  (g_s, mp.diff(lambda v: oracle._gaussian(y, mu, v, opts)[0], s))]:
            assert abs(numeric - analytic) <= mpf(10) ** -35 * (1 + abs(analytic))


@pytest.mark.parametrize("name, variant", test_fuzz.VARIANTS)
@pytest.mark.parametrize("regime", ["float64", "extreme"])
@settings(max_examples=5)
@given(data=st.data())
def test_fifty_digits_are_enough(name, variant, regime, data):
    """The reference at oracle.DIGITS agrees with a recomputation at twice the digits."""
    case = data.draw(test_fuzz.cases(name, regime, variant))
    low = oracle.reference(name, case.y_true, case.y_pred, case.options)
    digits = oracle.DIGITS
    try:
        oracle.DIGITS = 2 * digits
        high = oracle.reference(name, case.y_true, case.y_pred, case.options)
    finally:
        oracle.DIGITS = digits
    # Below 1e-700 nothing matters: times the largest weight it still rounds to 0 in float64.
    close, floor = mpf(10) ** -(oracle.DIGITS - 5), mpf(10) ** -700
    for a, b, scale in [(low.loss, high.loss, high.loss_scale), (low.grad, high.grad, high.grad_scale)]:
        for index in np.ndindex(a.shape):
            assert abs(a[index] - b[index]) <= close * abs(scale[index]) + floor, (name, index, a[index], b[index])


def _floats(values):
    return np.array([float(v) for v in np.ravel(values)])


def test_definitions_agree_with_scikit_learn_and_scipy():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=20), rng.normal(size=20)
    ref = lambda name, yt, yp, **o: _floats(oracle.reference(name, yt, yp, o).loss)  # noqa: E731

    np.testing.assert_allclose(ref("mse", y, p).mean(), mean_squared_error(y, p), rtol=1e-14)
    np.testing.assert_allclose(ref("mae", y, p).mean(), mean_absolute_error(y, p), rtol=1e-14)
    np.testing.assert_allclose(
        ref("quantile", y, p, quantile=0.8).mean(), mean_pinball_loss(y, p, alpha=0.8), rtol=1e-14
    )
    np.testing.assert_allclose(ref("huber", y, p, delta=0.6), scipy.special.huber(0.6, p - y), rtol=1e-14)
    np.testing.assert_allclose(ref("log_cosh", y, p), np.log(np.cosh(p - y)), rtol=1e-13)

    labels = rng.integers(0, 2, size=20).astype(float)
    probs = rng.uniform(0.01, 0.99, size=20)
    np.testing.assert_allclose(ref("binary_cross_entropy", labels, probs).mean(), log_loss(labels, probs),
                               rtol=1e-14)
    z = rng.normal(scale=3, size=20)
    soft = rng.uniform(size=20)
    expected = -(3.0 * soft * scipy.special.log_expit(z) + (1 - soft) * scipy.special.log_expit(-z))
    np.testing.assert_allclose(ref("binary_cross_entropy_with_logits", soft, z, pos_weight=3.0), expected,
                               rtol=1e-13)
    # focal with gamma = 0 and no alpha is the BCE with logits; torchvision's alpha form
    np.testing.assert_allclose(ref("sigmoid_focal", soft, z, gamma=0.0),
                               ref("binary_cross_entropy_with_logits", soft, z), rtol=1e-15)
    p_sig = scipy.special.expit(z)
    p_t = p_sig * soft + (1 - p_sig) * (1 - soft)
    alpha_t = 0.25 * soft + 0.75 * (1 - soft)
    bce = -(soft * scipy.special.log_expit(z) + (1 - soft) * scipy.special.log_expit(-z))
    np.testing.assert_allclose(ref("sigmoid_focal", soft, z, gamma=2.0, alpha=0.25),
                               alpha_t * (1 - p_t) ** 2 * bce, rtol=1e-12)
    signs = 2 * labels - 1
    np.testing.assert_allclose(ref("hinge", signs, z).mean(), hinge_loss(signs, z), rtol=1e-14)

    logits = rng.normal(scale=2, size=(8, 4))
    classes = rng.integers(0, 4, size=8)
    log_q = logits - scipy.special.logsumexp(logits, axis=1, keepdims=True)
    np.testing.assert_allclose(ref("softmax_cross_entropy", classes, logits), -log_q[np.arange(8), classes],
                               rtol=1e-13)
    smoothed = 0.9 * np.eye(4)[classes] + 0.1 / 4
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    np.testing.assert_allclose(
        ref("softmax_cross_entropy", classes, logits, label_smoothing=0.1, class_weight=weights),
        -(weights * smoothed * log_q).sum(axis=1), rtol=1e-13,
    )
    probabilities = scipy.special.softmax(logits, axis=1)
    np.testing.assert_allclose(ref("categorical_cross_entropy", classes, probabilities).mean(),
                               log_loss(classes, probabilities, labels=range(4)), rtol=1e-13)

    # Poisson: -log P(y; rate e^z) without log y!; half scikit-learn's deviance up to a term in y
    counts = rng.poisson(3.0, size=20).astype(float)
    log_rate = rng.normal(scale=1.5, size=20)
    rate = np.exp(log_rate)
    np.testing.assert_allclose(ref("poisson_nll", counts, log_rate),
                               -scipy.stats.poisson.logpmf(counts, rate) - scipy.special.gammaln(counts + 1),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(
        ref("poisson_nll", counts, log_rate).mean(),
        mean_poisson_deviance(counts, rate) / 2 - np.mean(scipy.special.xlogy(counts, counts) - counts), rtol=1e-12)
    # Gaussian: -log N(y; mu, e^s) without log(2 pi) / 2
    mean_and_log_var = np.column_stack([y + rng.normal(size=20), rng.normal(size=20)])
    np.testing.assert_allclose(
        ref("gaussian_nll", y, mean_and_log_var),
        -scipy.stats.norm.logpdf(y, mean_and_log_var[:, 0], np.exp(mean_and_log_var[:, 1] / 2))
        - np.log(2 * np.pi) / 2, rtol=1e-12, atol=1e-13)
    # Multi-class hinge: Crammer-Singer is scikit-learn's multi-class hinge_loss, and the
    # binary hinge of the score difference for two classes; Weston-Watkins is the sum of the
    # binary hinges of f_y - f_j over the wrong classes (and Crammer-Singer for two classes)
    scores = rng.normal(scale=2, size=(8, 4))
    np.testing.assert_allclose(ref("multiclass_hinge", classes, scores).mean(),
                               hinge_loss(classes, scores, labels=range(4)), rtol=1e-14)
    two = rng.normal(size=(20, 2))
    np.testing.assert_allclose(ref("multiclass_hinge", labels.astype(int), two),
                               ref("hinge", signs, two[:, 1] - two[:, 0]), rtol=1e-14)
    np.testing.assert_allclose(ref("multiclass_hinge", labels.astype(int), two, kind="weston_watkins"),
                               ref("multiclass_hinge", labels.astype(int), two), rtol=1e-14)
    pairwise = np.array([[ref("hinge", [1.0], [scores[i, c] - scores[i, j]])[0] for j in range(4) if j != c]
                         for i, c in enumerate(classes)]).sum(axis=1)
    np.testing.assert_allclose(ref("multiclass_hinge", classes, scores, kind="weston_watkins"), pairwise,
                               rtol=1e-14)


def test_clipping_follows_the_dtype():
    """Probabilities clip at the input dtype's machine epsilon: float32's for float32 input."""
    zero64, zero32 = np.zeros(1), np.zeros(1, dtype=np.float32)
    one64, one32 = np.ones(1), np.ones(1, dtype=np.float32)
    v64 = oracle.reference("binary_cross_entropy", one64, zero64).loss[0]
    v32 = oracle.reference("binary_cross_entropy", one32, zero32).loss[0]
    with mp.workdps(oracle.DIGITS):
        assert abs(v64 - 52 * mp.log(2)) < mpf(10) ** -40
        assert abs(v32 - 23 * mp.log(2)) < mpf(10) ** -40
    assert oracle.reference("binary_cross_entropy", one64, zero64).grad[0] == 0  # the clip is active
