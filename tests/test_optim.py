"""Optimizers against steps computed by hand, in place."""

import numpy as np
import pytest

import lossbook as lb


def test_gradient_descent_step():
    w = np.array([1.0, -2.0])
    before = w
    lb.GradientDescent(learning_rate=0.1).step([(w, np.array([3.0, -4.0]))])
    assert w is before  # updated in place
    np.testing.assert_allclose(w, [1.0 - 0.3, -2.0 + 0.4])


def test_momentum_steps_by_hand():
    opt = lb.Momentum(learning_rate=0.1, momentum=0.9)
    w = np.array([1.0])
    opt.step([(w, np.array([2.0]))])  # v1 = -0.1 * 2 = -0.2
    np.testing.assert_allclose(w, [0.8])
    opt.step([(w, np.array([-1.0]))])  # v2 = 0.9 * -0.2 - 0.1 * -1 = -0.08
    np.testing.assert_allclose(w, [0.72])
    opt.step([(w, np.array([0.0]))])  # v3 = 0.9 * -0.08 = -0.072
    np.testing.assert_allclose(w, [0.648])


def test_momentum_zero_is_gradient_descent():
    w1, w2 = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    a, b = lb.Momentum(0.05, momentum=0.0), lb.GradientDescent(0.05)
    for g in ([1.0, -1.0], [0.5, 2.0]):
        a.step([(w1, np.array(g))])
        b.step([(w2, np.array(g))])
    np.testing.assert_allclose(w1, w2)


def test_adam_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    opt = lb.Adam(learning_rate=lr, beta1=b1, beta2=b2, eps=eps)
    w = np.array([1.0])
    # Step 1, g = 2: m = 0.2, v = 0.004; m_hat = 2, v_hat = 4; w -= 0.1 * 2 / (2 + eps).
    opt.step([(w, np.array([2.0]))])
    w1 = 1.0 - lr * 2.0 / (2.0 + eps)
    np.testing.assert_allclose(w, [w1], rtol=1e-14)
    # Step 2, g = -1: m = 0.18 - 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996.
    opt.step([(w, np.array([-1.0]))])
    m_hat = 0.08 / (1 - 0.9**2)
    v_hat = 0.004996 / (1 - 0.999**2)
    np.testing.assert_allclose(w, [w1 - lr * m_hat / (np.sqrt(v_hat) + eps)], rtol=1e-12)


def test_adam_first_step_has_size_learning_rate_whatever_the_scale():
    w = np.zeros(3)
    lb.Adam(learning_rate=0.01).step([(w, np.array([1e-4, 1.0, -1e4]))])
    np.testing.assert_allclose(w, [-0.01, -0.01, 0.01], rtol=1e-3)


def test_several_parameters_keep_separate_state():
    opt = lb.Momentum(learning_rate=1.0, momentum=0.5)
    a, b = np.array([0.0]), np.array([0.0, 0.0])
    opt.step([(a, np.array([1.0])), (b, np.array([0.0, 2.0]))])
    opt.step([(a, np.array([0.0])), (b, np.array([0.0, 0.0]))])
    np.testing.assert_allclose(a, [-1.5])
    np.testing.assert_allclose(b, [0.0, -3.0])
    assert opt.n_steps == 2


def test_step_accepts_a_model():
    model = lb.mlp(2, (), 1, random_state=0)
    model.forward(np.ones((3, 2)))
    model.backward(np.ones((3, 1)))
    W = model[0].W.copy()
    lb.GradientDescent(0.5).step(model)
    np.testing.assert_allclose(model[0].W, W - 0.5 * 3.0)
    np.testing.assert_allclose(model[0].b, [-1.5])


@pytest.mark.parametrize("make", [lambda: lb.GradientDescent(0.1), lambda: lb.Momentum(0.05), lambda: lb.Adam(0.1)])
def test_optimizers_minimise_a_quadratic(make):
    # f(w) = 0.5 * sum(scale * (w - target)**2), gradient scale * (w - target)
    opt = make()
    target, scale = np.array([3.0, -1.0]), np.array([1.0, 4.0])
    w = np.zeros(2)
    for _ in range(500):
        opt.step([(w, scale * (w - target))])
    np.testing.assert_allclose(w, target, atol=1e-3)


def test_reset_forgets_state():
    opt = lb.Adam(0.1)
    w = np.array([1.0])
    opt.step([(w, np.array([1.0]))])
    opt.reset()
    assert opt.n_steps == 0
    opt.step([(np.zeros(3), np.ones(3))])  # other shapes are fine after reset


def test_changed_parameters_are_refused():
    opt = lb.Adam(0.1)
    opt.step([(np.zeros(2), np.ones(2))])
    with pytest.raises(ValueError, match="reset"):
        opt.step([(np.zeros(3), np.ones(3))])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: lb.GradientDescent(0.0), "learning_rate"),
        (lambda: lb.GradientDescent(-1), "learning_rate"),
        (lambda: lb.GradientDescent(float("nan")), "learning_rate"),
        (lambda: lb.Momentum(0.1, momentum=1.0), "momentum"),
        (lambda: lb.Momentum(0.1, momentum=-0.1), "momentum"),
        (lambda: lb.Adam(beta1=1.0), "beta1"),
        (lambda: lb.Adam(beta2=-0.5), "beta2"),
        (lambda: lb.Adam(eps=0.0), "eps"),
        (lambda: lb.GradientDescent(0.1).step([(np.zeros(2), np.ones(3))]), "shape"),
        (lambda: lb.GradientDescent(0.1).step([(np.zeros(2, dtype=int), np.ones(2))]), "float numpy array"),
        (lambda: lb.GradientDescent(0.1).step([np.zeros(3)]), "pair"),
        (lambda: lb.get_optimizer("rmsprop"), "optimizer"),
        (lambda: lb.get_optimizer(lb.Adam(), learning_rate=0.1), "learning_rate"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("bad", ["0.1", None, True, [0.1]])
def test_a_learning_rate_of_the_wrong_type_raises_type_error(bad):
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        lb.GradientDescent(bad)


def test_get_optimizer():
    assert isinstance(lb.get_optimizer("sgd"), lb.GradientDescent)
    assert lb.get_optimizer("momentum", learning_rate=0.2).learning_rate == 0.2
    assert lb.get_optimizer("adam").learning_rate == 1e-3
    opt = lb.Adam(0.5)
    assert lb.get_optimizer(opt) is opt
