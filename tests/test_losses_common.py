"""Every loss through the same invariances (the pattern of scikit-learn's common metric tests)."""

import numpy as np
import pytest

import lossbook as lb
from loss_cases import ALL, ELEMENTWISE, shapes

REDUCTIONS = ["mean", "sum", "none"]

CASES_BY_SHAPE = [
    pytest.param(case, m, id=f"{case.id}-{'1d' if m is None else '2d'}")
    for case in ALL
    for m in shapes(case)
]


def draw(case, m, n=7, seed=0):
    rng = np.random.default_rng(seed)
    y_true, y_pred = case.make(rng, n, m)
    weights = rng.uniform(0.2, 2.0, size=n)
    return y_true, y_pred, weights


def test_registry_covers_every_builtin_loss():
    assert set(lb.LOSSES) <= {case.loss.name for case in ALL}


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_matches_finite_differences(case, m, reduction, weighted):
    y_true, y_pred, w = draw(case, m)
    sw = w if weighted else None
    error = lb.check_gradient(
        case.loss, y_true, y_pred, reduction=reduction, sample_weight=sw, **case.options
    )
    assert error < 1e-6


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_value_and_gradient_equals_separate_calls(case, m, reduction):
    y_true, y_pred, w = draw(case, m)
    kw = dict(reduction=reduction, sample_weight=w, **case.options)
    value, grad = case.loss.value_and_gradient(y_true, y_pred, **kw)
    np.testing.assert_allclose(value, case.loss(y_true, y_pred, **kw), rtol=1e-13, atol=0)
    np.testing.assert_allclose(grad, case.loss.gradient(y_true, y_pred, **kw), rtol=1e-13, atol=0)
    assert grad.shape == np.shape(y_pred)


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
def test_reductions_agree(case, m):
    y_true, y_pred, _ = draw(case, m)
    none = case.loss(y_true, y_pred, reduction="none", **case.options)
    total = case.loss(y_true, y_pred, reduction="sum", **case.options)
    mean = case.loss(y_true, y_pred, reduction="mean", **case.options)
    expected_shape = case.loss.unreduced_shape(np.shape(y_pred))
    assert none.shape == expected_shape
    assert isinstance(total, float) and isinstance(mean, float)
    np.testing.assert_allclose(none.sum(), total, rtol=1e-12)
    if "class_weight" not in case.options:
        # sum == (number of terms) * mean
        np.testing.assert_allclose(total, none.size * mean, rtol=1e-12)
    g_sum = case.loss.gradient(y_true, y_pred, reduction="sum", **case.options)
    g_mean = case.loss.gradient(y_true, y_pred, reduction="mean", **case.options)
    if "class_weight" not in case.options:
        np.testing.assert_allclose(g_sum, none.size * g_mean, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unit_weights_equal_no_weights(case, m, reduction):
    y_true, y_pred, _ = draw(case, m)
    ones = np.ones(len(y_pred))
    for method in (case.loss, case.loss.gradient):
        np.testing.assert_allclose(
            method(y_true, y_pred, reduction=reduction, sample_weight=ones, **case.options),
            method(y_true, y_pred, reduction=reduction, **case.options),
            rtol=1e-13,
        )


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_integer_weights_equal_repeated_rows(case, m, reduction):
    y_true, y_pred, _ = draw(case, m)
    counts = np.random.default_rng(1).integers(0, 4, size=len(y_pred))
    counts[0] = 1  # at least one sample has weight
    kw = dict(reduction=reduction, **case.options)
    weighted = case.loss(y_true, y_pred, sample_weight=counts, **kw)
    repeated = case.loss(np.repeat(y_true, counts, axis=0), np.repeat(y_pred, counts, axis=0), **kw)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-12)
    # The gradient of the weighted loss is the repeated rows' gradients added up.
    g_weighted = case.loss.gradient(y_true, y_pred, sample_weight=counts, **kw)
    g_repeated = case.loss.gradient(
        np.repeat(y_true, counts, axis=0), np.repeat(y_pred, counts, axis=0), **kw
    )
    owner = np.repeat(np.arange(len(y_pred)), counts)
    summed = np.zeros_like(g_weighted)
    np.add.at(summed, owner, g_repeated)
    np.testing.assert_allclose(g_weighted, summed, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case, m", [c for c in CASES_BY_SHAPE if c.values[0].nonnegative])
def test_nonnegative(case, m):
    y_true, y_pred, _ = draw(case, m, n=50, seed=3)
    assert np.all(case.loss(y_true, y_pred, reduction="none", **case.options) >= 0)


@pytest.mark.parametrize("case", [c for c in ELEMENTWISE if c.zero_at_perfect], ids=lambda c: c.id)
def test_zero_at_a_perfect_prediction(case):
    y = np.random.default_rng(0).normal(size=(10, 2))
    assert case.loss(y, y, **case.options) == 0.0
    np.testing.assert_array_equal(case.loss.gradient(y, y, **case.options), 0.0)


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_inputs_are_not_modified(case):
    y_true, y_pred, w = draw(case, None)
    copies = [np.array(a, copy=True) for a in (y_true, y_pred, w)]
    case.loss.value_and_gradient(y_true, y_pred, sample_weight=w, **case.options)
    case.loss(y_true, y_pred, reduction="none", **case.options)
    for before, after in zip(copies, (y_true, y_pred, w)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_lists_are_accepted(case):
    y_true, y_pred, _ = draw(case, None)
    expected = case.loss(y_true, y_pred, **case.options)
    as_lists = case.loss(np.asarray(y_true).tolist(), y_pred.tolist(), **case.options)
    assert as_lists == expected


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_in_float32_out(case, m, reduction):
    y_true, y_pred, w = draw(case, m)
    kw = dict(reduction=reduction, sample_weight=w, **case.options)
    value64, grad64 = case.loss.value_and_gradient(y_true, y_pred, **kw)
    y_true32 = y_true.astype(np.float32) if np.asarray(y_true).dtype.kind == "f" else y_true
    value32, grad32 = case.loss.value_and_gradient(y_true32, y_pred.astype(np.float32), **kw)
    assert grad32.dtype == np.float32
    if reduction == "none":
        assert value32.dtype == np.float32
    else:
        assert isinstance(value32, float)
    # float32 rounding of the inputs moves the result by a few float32 ulp, relative to
    # the largest entry (the losses here are well conditioned at these inputs).
    np.testing.assert_allclose(value32, value64, rtol=2e-5, atol=2e-6 * np.max(np.abs(value64)))
    np.testing.assert_allclose(grad32, grad64, rtol=2e-4, atol=2e-5 * np.max(np.abs(grad64)))


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weight_scale(case, m, reduction):
    """Scaling every weight by c leaves the mean as it is and scales "sum" and "none" by c."""
    y_true, y_pred, w = draw(case, m)
    c = 2.0**-20 * 3.0
    for method in (case.loss, case.loss.gradient):
        a = method(y_true, y_pred, reduction=reduction, sample_weight=w, **case.options)
        b = method(y_true, y_pred, reduction=reduction, sample_weight=c * w, **case.options)
        np.testing.assert_allclose(b, a if reduction == "mean" else c * np.asarray(a), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("case", [c for c in ALL if c.loss.total is not None], ids=lambda c: c.id)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_fast_total_agrees_with_the_kernel(case, reduction):
    """A loss's `total` hook (the value alone) gives the sum the kernel's losses add up to."""
    y_true, y_pred, _ = draw(case, 3, n=200)
    fast = case.loss(y_true, y_pred, reduction=reduction, **case.options)
    through_kernel = case.loss.value_and_gradient(y_true, y_pred, reduction=reduction, **case.options)[0]
    np.testing.assert_allclose(fast, through_kernel, rtol=1e-13)


@pytest.mark.parametrize("case", [c for c in ALL if c.twin is not None], ids=lambda c: c.id)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_probability_and_logit_twins_agree(case, reduction):
    """The loss on probabilities equals its logit twin at the logits of those probabilities,
    and their gradients are related by the chain rule through the sigmoid (softmax)."""
    y_true, y_pred, w = draw(case, None, n=9)
    twin, to_twin_input, twin_options = case.twin(case.options)
    kw = dict(reduction=reduction, sample_weight=w)
    ours, g = case.loss.value_and_gradient(y_true, y_pred, **kw, **case.options)
    theirs, g_twin = twin.value_and_gradient(y_true, to_twin_input(y_pred), **kw, **twin_options)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    if case.loss.input == "probability" and not case.loss.per_sample:
        # d/dz = d/dp * sigma'(z) = d/dp * p (1 - p)
        np.testing.assert_allclose(g * y_pred * (1 - y_pred), g_twin, rtol=1e-9, atol=1e-15)
    elif case.loss.input == "probability":
        # d/dz = J^T d/dp with the softmax Jacobian diag(p) - p p^T
        back = y_pred * (g - np.sum(g * y_pred, axis=1, keepdims=True))
        np.testing.assert_allclose(back, g_twin, rtol=1e-9, atol=1e-15)
    else:
        np.testing.assert_allclose(g, g_twin, rtol=1e-12, atol=1e-15)


def _bad_inputs(case):
    """Inputs every loss must refuse, each with the words its message must contain."""
    y_true, y_pred, w = draw(case, None, n=5)
    y_true = np.asarray(y_true)
    nan_pred = y_pred.astype(float).copy()
    nan_pred.flat[1] = np.nan
    yield "nan", (y_true, nan_pred, {}), ValueError, ["y_pred", "finite"]
    yield "empty", (y_true[:0], y_pred[:0], {}), ValueError, ["empty"]
    yield "rows", (y_true[:4], y_pred, {}), ValueError, ["y_true"]
    yield "strings", (y_true, np.full(y_pred.shape, "a"), {}), TypeError, ["y_pred", "real numbers"]
    yield "ragged", (y_true, [[1.0, 2.0], [3.0]], {}), ValueError, ["y_pred"]
    yield "masked", (y_true, np.ma.masked_array(y_pred), {}), TypeError, ["y_pred", "masked"]
    yield "weights", (y_true, y_pred, {"sample_weight": w[:3]}), ValueError, ["sample_weight", "(5,)"]
    yield "negative", (y_true, y_pred, {"sample_weight": -w}), ValueError, ["sample_weight", "non-negative"]
    yield "reduction", (y_true, y_pred, {"reduction": "avg"}), ValueError, ["reduction", "'avg'"]
    yield "option", (y_true, y_pred, {"not_an_option": 1}), TypeError, [case.loss.name, "not_an_option"]


BAD = [
    pytest.param(case, *bad[1:], id=f"{case.id}-{bad[0]}")
    for case in ALL
    if "-" not in case.id  # one case per loss is enough
    for bad in _bad_inputs(case)
]


@pytest.mark.parametrize("case, args, error, words", BAD)
def test_bad_input_is_refused_by_every_loss(case, args, error, words):
    y_true, y_pred, kw = args
    for method in (case.loss, case.loss.gradient, case.loss.value_and_gradient):
        with pytest.raises(error) as info:
            method(y_true, y_pred, **kw, **case.options)
        for word in words:
            assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_repr_names_the_loss(case):
    assert repr(case.loss) == f"lossbook.{case.loss.name}"
    if case.loss.name in lb.LOSSES:
        assert lb.get_loss(case.loss.name) is case.loss
