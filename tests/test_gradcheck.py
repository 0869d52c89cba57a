"""check_gradient and make_loss: a reader's own loss works everywhere a built-in one does."""

import numpy as np
import pytest

import lossbook as lb


def squared_log_error():
    return lb.make_loss(
        lambda y, p: (np.log1p(p) - np.log1p(y)) ** 2,
        lambda y, p: 2 * (np.log1p(p) - np.log1p(y)) / (1 + p),
        name="msle",
    )


def test_check_gradient_accepts_a_correct_custom_loss():
    rng = np.random.default_rng(0)
    y, p = rng.uniform(0, 5, size=(8, 2)), rng.uniform(0, 5, size=(8, 2))
    loss = squared_log_error()
    for reduction in ("mean", "sum", "none"):
        assert lb.check_gradient(loss, y, p, reduction=reduction, sample_weight=np.arange(1.0, 9.0)) < 1e-7


def test_check_gradient_catches_a_wrong_gradient_and_reports_it():
    wrong = lb.make_loss(lambda y, p: (p - y) ** 2, lambda y, p: p - y, name="half")
    error = lb.check_gradient(wrong, [0.0, 0.0], [1.0, 2.0])
    assert error == pytest.approx(0.5, rel=1e-6)  # |g - 2g| / |2g|
    with pytest.raises(lb.GradientCheckError) as info:
        lb.check_gradient(wrong, [0.0, 0.0], [1.0, 2.0], tol=1e-6)
    report = str(info.value)
    assert "'half'" in report and "relative error 0.5" in report
    assert "2" in report.splitlines()[2]  # the worst entry, index 1: gradient 1 vs 2


def test_numerical_gradient_of_builtin_losses():
    z = np.array([[1.0, -2.0, 0.5]])
    num = lb.numerical_gradient(lb.softmax_cross_entropy, [1], z, reduction="sum")
    np.testing.assert_allclose(num, lb.softmax(z) - [[0, 1, 0]], atol=1e-9)
    assert lb.numerical_gradient("mse", [0.0], [3.0]).tolist() == pytest.approx([6.0])


def test_custom_loss_has_the_builtin_validation_and_reductions():
    loss = squared_log_error()
    with pytest.raises(ValueError, match="y_pred"):
        loss([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="same shape"):
        loss([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="reduction"):
        loss([1.0], [1.0], reduction="avg")
    y, p = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0])
    none = loss(y, p, reduction="none")
    assert loss(y, p, reduction="sum") == pytest.approx(none.sum())
    assert loss(y, p) == pytest.approx(none.mean())
    assert loss(y, p, sample_weight=[1, 0, 3]) == pytest.approx((none[0] + 3 * none[2]) / 4)
    value, grad = loss.value_and_gradient(y, p)
    assert value == loss(y, p)
    np.testing.assert_allclose(grad, loss.gradient(y, p))


def test_custom_loss_functions_must_return_elementwise_arrays():
    scalar = lb.make_loss(lambda y, p: np.sum((p - y) ** 2), lambda y, p: 2 * (p - y), name="summed")
    with pytest.raises(ValueError, match="value function of loss 'summed'.*shaped like y_pred"):
        scalar([1.0, 2.0], [1.0, 3.0])


def test_custom_loss_returning_its_input_does_not_alias_it():
    identity = lb.make_loss(lambda y, p: p, lambda y, p: p, name="identity")
    p = np.array([1.0, 2.0])
    identity.gradient([0.0, 0.0], p)  # the mean divides the gradient in place
    np.testing.assert_array_equal(p, [1.0, 2.0])


def test_make_loss_refuses_bad_arguments():
    with pytest.raises(TypeError, match="callables"):
        lb.make_loss(1, lambda y, p: p)
    with pytest.raises(ValueError, match="input"):
        lb.make_loss(lambda y, p: p, lambda y, p: p, input="probabilities")


def test_get_loss():
    assert lb.get_loss("mse") is lb.mse
    custom = squared_log_error()
    assert lb.get_loss(custom) is custom
    with pytest.raises(TypeError, match="loss must be"):
        lb.get_loss(3)
