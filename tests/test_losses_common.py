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
    assert {case.loss.name for case in ALL} == set(lb.LOSSES)


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
    expected_shape = (len(y_pred),) if case.loss.per_sample else np.shape(y_pred)
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


@pytest.mark.parametrize("case, m", CASES_BY_SHAPE)
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
def test_lists_and_float32_are_accepted(case):
    y_true, y_pred, _ = draw(case, None)
    expected = case.loss(y_true, y_pred, **case.options)
    as_lists = case.loss(np.asarray(y_true).tolist(), y_pred.tolist(), **case.options)
    assert as_lists == expected
    f32 = case.loss(y_true, y_pred.astype(np.float32), **case.options)
    np.testing.assert_allclose(f32, expected, rtol=1e-5)


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_repr_names_the_loss(case):
    assert repr(case.loss) == f"lossbook.{case.loss.name}"
    assert lb.get_loss(case.loss.name) is case.loss
