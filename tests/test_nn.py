"""Layers and models: every backward pass against central finite differences."""

import numpy as np
import pytest

import lossbook as lb

H = 1e-6


def numerical_gradient(f, x):
    """Central differences of the scalar function f at x (x is modified and restored)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + H
        up = f()
        x[i] = old - H
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * H)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


def check_layer(layer, X, rng):
    """Compare backward with finite differences of sum(forward(X) * G), for X and every parameter."""
    out = layer.forward(X)
    G = rng.normal(size=out.shape)

    def objective():
        return float(np.sum(layer.forward(X) * G))

    layer.forward(X)
    grad_X = layer.backward(G)
    analytic = {"X": grad_X.copy()}
    analytic.update({name: grad.copy() for name, _, grad in layer.named_parameters()})
    numeric = {"X": numerical_gradient(objective, X)}
    for name, param, _ in layer.named_parameters():
        numeric[name] = numerical_gradient(objective, param)
    for name in analytic:
        assert analytic[name].shape == numeric[name].shape
        assert relative_error(analytic[name], numeric[name]) < 1e-7, name


@pytest.fixture
def rng():
    return np.random.default_rng(42)


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: lb.Dense(4, 3, random_state=0),
        lambda: lb.Dense(4, 3, init="he", random_state=1),
        lambda: lb.Tanh(),
        lambda: lb.Sigmoid(),
        lambda: lb.Identity(),
        lambda: lb.Softmax(),
    ],
    ids=["dense-glorot", "dense-he", "tanh", "sigmoid", "identity", "softmax"],
)
def test_layer_backward_matches_finite_differences(make_layer, rng):
    layer = make_layer()
    n_in = 4
    X = rng.normal(size=(5, n_in))
    check_layer(layer, X, rng)


def test_relu_backward_matches_finite_differences(rng):
    # Keep inputs away from the kink at 0, where the derivative is not defined.
    X = rng.normal(size=(6, 4))
    X[np.abs(X) < 0.1] += 0.5
    check_layer(lb.ReLU(), X, rng)


def test_relu_derivative_at_zero_is_zero():
    relu = lb.ReLU()
    relu.forward(np.array([[0.0, 1.0, -1.0]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
def test_mlp_backward_matches_finite_differences(activation, rng):
    model = lb.mlp(3, (5, 4), 2, activation=activation, random_state=0)
    # Non-zero biases: with zero biases, a sample whose ReLUs are all off feeds an
    # exact 0 to the next ReLU, a kink where finite differences are meaningless.
    for name, param, _ in model.named_parameters():
        if name.endswith("b"):
            param[...] = rng.normal(scale=0.5, size=param.shape)
    X = rng.normal(size=(7, 3))
    check_layer(model, X, rng)


def test_sequential_with_softmax_output(rng):
    model = lb.Sequential([lb.Dense(3, 4, random_state=0), lb.Tanh(), lb.Dense(4, 3, random_state=1), lb.Softmax()])
    check_layer(model, rng.normal(size=(5, 3)), rng)


def test_sigmoid_layer_is_stable_for_large_inputs():
    layer = lb.Sigmoid()
    out = layer.forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(out, [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(layer.backward(np.ones((1, 3))), [[0.0, 0.25, 0.0]])


def test_softmax_layer_rows_sum_to_one(rng):
    p = lb.Softmax().forward(rng.normal(scale=50, size=(4, 6)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


@pytest.mark.parametrize("init, bound", [("glorot", np.sqrt(6 / (30 + 20))), ("he", np.sqrt(6 / 30))])
def test_dense_initialisation(init, bound):
    layer = lb.Dense(30, 20, init=init, random_state=0)
    assert layer.W.shape == (30, 20) and layer.b.shape == (20,)
    assert np.all(np.abs(layer.W) <= bound)
    assert np.abs(layer.W).max() > 0.9 * bound  # uses the whole range
    np.testing.assert_array_equal(layer.b, 0.0)
    np.testing.assert_array_equal(layer.dW, 0.0)


def test_dense_initialisation_is_seeded():
    a, b, c = (lb.Dense(5, 3, random_state=s) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)
    gen = np.random.default_rng(0)
    d, e = lb.Dense(5, 3, random_state=gen), lb.Dense(5, 3, random_state=gen)
    assert not np.array_equal(d.W, e.W)  # one generator, two draws


def test_dense_gradients_are_updated_in_place(rng):
    layer = lb.Dense(3, 2, random_state=0)
    pairs = layer.parameters()
    X = rng.normal(size=(4, 3))
    layer.forward(X)
    layer.backward(np.ones((4, 2)))
    assert pairs[0][1] is layer.dW and pairs[1][1] is layer.db
    np.testing.assert_allclose(layer.dW, X.T @ np.ones((4, 2)))
    np.testing.assert_allclose(layer.db, [4.0, 4.0])


def test_dense_backward_overwrites_rather_than_accumulates(rng):
    layer = lb.Dense(3, 2, random_state=0)
    X = rng.normal(size=(4, 3))
    G = rng.normal(size=(4, 2))
    for _ in range(2):
        layer.forward(X)
        layer.backward(G)
    np.testing.assert_allclose(layer.dW, X.T @ G)


def test_sequential_parameters_and_names():
    model = lb.mlp(4, (8,), 3, random_state=0)
    assert repr(model) == "Sequential([Dense(4, 8), ReLU(), Dense(8, 3)])"
    assert len(model) == 3 and isinstance(model[0], lb.Dense)
    names = [name for name, _, _ in model.named_parameters()]
    assert names == ["0.W", "0.b", "2.W", "2.b"]
    assert model.n_parameters == 4 * 8 + 8 + 8 * 3 + 3
    params = model.parameters()
    assert params[0][0] is model[0].W and params[0][1] is model[0].dW


def test_mlp_structure():
    model = lb.mlp(3, 5, 2, activation="tanh", random_state=0)  # an int is one hidden layer
    assert [type(layer).__name__ for layer in model] == ["Dense", "Tanh", "Dense"]
    linear = lb.mlp(3, (), 1, random_state=0)
    assert [type(layer).__name__ for layer in linear] == ["Dense"]
    assert linear.n_parameters == 4


def test_mlp_is_seeded():
    a, b = lb.mlp(3, (4,), 2, random_state=7), lb.mlp(3, (4,), 2, random_state=7)
    for (pa, _), (pb, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa, pb)


def test_layer_call_is_forward():
    layer = lb.Dense(2, 2, random_state=0)
    X = np.ones((3, 2))
    np.testing.assert_array_equal(layer(X), layer.forward(X))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: lb.Dense(0, 3), "n_in"),
        (lambda: lb.Dense(3, 2, init="xavier"), "init"),
        (lambda: lb.Dense(3, 2, random_state=-1), "random_state"),
        (lambda: lb.Dense(3, 2).forward(np.ones((4, 2))), "X must have shape"),
        (lambda: lb.Dense(3, 2).forward(np.ones(3)), "X must have shape"),
        (lambda: lb.mlp(3, (4, 0), 2), "hidden_layer_sizes"),
        (lambda: lb.mlp(3, (4,), 2, activation="softplus"), "activation"),
        (lambda: lb.mlp(0, (4,), 2), "n_inputs"),
        (lambda: lb.mlp(3, (4,), 0), "n_outputs"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: lb.Dense(3, 2.5), "n_out"),
        (lambda: lb.Dense(3, True), "n_out"),
        (lambda: lb.Dense(3, 2, random_state="seed"), "random_state"),
        (lambda: lb.mlp(3, "64", 2), "hidden_layer_sizes"),
        (lambda: lb.mlp(3, 4.5, 2), "hidden_layer_sizes"),
    ],
)
def test_arguments_of_the_wrong_type_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        lb.Dense(2, 2).backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        lb.ReLU().backward(np.ones((1, 2)))


@pytest.mark.parametrize("layer", [lb.Dense(2, 3, random_state=0), lb.ReLU(), lb.Softmax()])
def test_backward_checks_grad_output_shape(layer):
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="grad_output"):
        layer.backward(np.ones((5, 7)))


def test_sequential_refuses_non_layers():
    with pytest.raises(TypeError, match=r"layers\[1\]"):
        lb.Sequential([lb.Dense(2, 2), "relu"])


def test_non_numeric_input_raises_type_error():
    with pytest.raises(TypeError, match="X must be numeric"):
        lb.ReLU().forward([["a", "b"]])
