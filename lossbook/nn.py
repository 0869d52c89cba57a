"""Layers and models with an explicit forward and backward pass.

Chapter 2 trains a network in six steps: initialise the parameters, run the
forward pass, compute the loss, backpropagate, update the parameters, and
iterate. This module holds the pieces for steps 1, 2 and 4:

- :class:`Dense` is an affine layer ``X @ W + b`` whose weights are drawn at
  construction (step 1);
- :class:`ReLU`, :class:`Tanh`, :class:`Sigmoid`, :class:`Identity` and
  :class:`Softmax` are activation layers;
- :class:`Sequential` chains layers: ``forward`` runs them in order (step 2),
  ``backward`` runs their ``backward`` in reverse order (step 4).

Every layer's ``forward(X)`` caches what its ``backward`` needs, and
``backward(grad_output)`` takes dL/d(output) and returns dL/d(input), storing
dL/dW and dL/db in the layer's ``dW`` and ``db`` arrays (overwritten, never
accumulated). Backpropagation only computes gradients: the update (step 5)
is the optimizer's job (:mod:`lossbook.optim`), and the loss (step 3) comes
from the loss objects.

Examples
--------
The whole training loop, written out with these pieces:

>>> import numpy as np
>>> import lossbook as lb
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(64, 2))
>>> y = X @ np.array([[1.5], [-2.0]]) + 0.5
>>> model = lb.Sequential([lb.Dense(2, 1, random_state=0)])  # 1. initialise
>>> optimizer = lb.GradientDescent(learning_rate=0.1)
>>> for step in range(200):                                  # 6. iterate
...     y_pred = model.forward(X)                            # 2. forward pass
...     value, grad = lb.mse.value_and_gradient(y, y_pred)   # 3. loss, dL/dy_pred
...     grad_X = model.backward(grad)                        # 4. backpropagation
...     optimizer.step(model.parameters())                   # 5. update
>>> print(round(value, 6))
0.0
>>> print(np.round(model[0].W.ravel(), 3), np.round(model[0].b, 3))
[ 1.5 -2. ] [0.5]
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np
from numpy.typing import ArrayLike

from ._random import as_generator
from ._validation import check_choice, check_scalar
from .activations import sigmoid, softmax

__all__ = [
    "Layer",
    "Dense",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Identity",
    "Softmax",
    "Sequential",
    "mlp",
    "check_layer_sizes",
]

_INITS = ("glorot", "he")
_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")


def _as_float_array(X: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric; got {type(X).__name__}.") from exc


class Layer:
    """Base class of the layers: a ``forward`` and a ``backward`` pass.

    A subclass implements ``forward(X)``, which returns the layer's output and
    caches what the backward pass needs, and ``backward(grad_output)``, which
    takes dL/d(output), stores the gradients of its parameters and returns
    dL/d(input). A layer with parameters also overrides
    :meth:`named_parameters`. Calling a layer is the same as calling its
    ``forward``.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> class Double(lb.Layer):
    ...     def forward(self, X):
    ...         return 2 * np.asarray(X, dtype=float)
    ...     def backward(self, grad_output):
    ...         return 2 * np.asarray(grad_output, dtype=float)
    >>> layer = Double()
    >>> print(layer(np.array([[1.0, -3.0]])), layer.backward(np.ones((1, 2))))
    [[ 2. -6.]] [[2. 2.]]
    >>> layer.n_parameters
    0
    """

    def forward(self, X: ArrayLike) -> np.ndarray:
        """Return the layer's output for the input ``X`` (and cache for ``backward``)."""
        raise NotImplementedError

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """Return dL/d(input), given ``grad_output`` = dL/d(output) of the last forward."""
        raise NotImplementedError

    def __call__(self, X: ArrayLike) -> np.ndarray:
        return self.forward(X)

    def named_parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Return a list of ``(name, parameter, gradient)`` triples (empty by default)."""
        return []

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return a list of ``(parameter, gradient)`` pairs, as optimizers take them."""
        return [(param, grad) for _, param, grad in self.named_parameters()]

    @property
    def n_parameters(self) -> int:
        """Total number of scalar parameters."""
        return int(sum(param.size for param, _ in self.parameters()))

    def __repr__(self):
        return f"{type(self).__name__}()"


class _CachedActivation(Layer):
    """An elementwise activation: caches its output (or input) for ``backward``."""

    def __init__(self) -> None:
        self._cache: np.ndarray | None = None

    def _check_grad(self, grad_output: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """``grad_output`` checked against the cache; returns ``(grad_output, cache)``."""
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward."
            )
        grad_output = _as_float_array(grad_output, "grad_output")
        if grad_output.shape != self._cache.shape:
            raise ValueError(
                f"grad_output must have the shape of the last forward output "
                f"{self._cache.shape}; got {grad_output.shape}."
            )
        return grad_output, self._cache


class ReLU(_CachedActivation):
    """Rectified linear unit, ``max(x, 0)``, elementwise.

    The derivative is 1 where ``x > 0`` and 0 elsewhere (0 is used at ``x = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> relu = lb.ReLU()
    >>> print(relu.forward(np.array([[-1.0, 0.0, 2.0]])))
    [[0. 0. 2.]]
    >>> print(relu.backward(np.array([[5.0, 5.0, 5.0]])))
    [[0. 0. 5.]]
    """

    def forward(self, X: ArrayLike) -> np.ndarray:
        X = _as_float_array(X, "X")
        self._cache = X > 0
        return np.where(self._cache, X, 0.0)

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        grad, positive = self._check_grad(grad_output)
        return grad * positive


class Tanh(_CachedActivation):
    """Hyperbolic tangent, elementwise; its derivative is ``1 - tanh(x)**2``.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> tanh = lb.Tanh()
    >>> print(np.round(tanh.forward(np.array([[0.0, 1.0]])), 4))
    [[0.     0.7616]]
    >>> print(np.round(tanh.backward(np.array([[1.0, 1.0]])), 4))
    [[1.     0.42]]
    """

    def forward(self, X: ArrayLike) -> np.ndarray:
        self._cache = np.tanh(_as_float_array(X, "X"))
        return self._cache

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        grad, t = self._check_grad(grad_output)
        return grad * (1.0 - t**2)


class Sigmoid(_CachedActivation):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, elementwise; derivative ``s (1 - s)``.

    Uses :func:`lossbook.sigmoid`, which does not overflow for large ``|x|``.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> layer = lb.Sigmoid()
    >>> print(np.round(layer.forward(np.array([[0.0, 2.0]])), 4))
    [[0.5    0.8808]]
    >>> print(np.round(layer.backward(np.array([[1.0, 1.0]])), 4))
    [[0.25   0.105]]
    """

    def forward(self, X: ArrayLike) -> np.ndarray:
        self._cache = np.asarray(sigmoid(_as_float_array(X, "X")), dtype=float)
        return self._cache

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        grad, s = self._check_grad(grad_output)
        return grad * s * (1.0 - s)


class Identity(_CachedActivation):
    """The identity ``f(x) = x``: the output layer of a regression network.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> layer = lb.Identity()
    >>> print(layer.forward(np.array([[1.0, -2.0]])), layer.backward(np.array([[3.0, 4.0]])))
    [[ 1. -2.]] [[3. 4.]]
    """

    def forward(self, X: ArrayLike) -> np.ndarray:
        X = _as_float_array(X, "X")
        self._cache = X
        return X.copy()

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        return self._check_grad(grad_output)[0].copy()


class Softmax(_CachedActivation):
    """Softmax over the last axis: turns a row of scores into probabilities.

    ``backward`` applies the transposed Jacobian without forming it:
    for ``p = softmax(z)`` and upstream gradient ``g``,
    ``dL/dz = p * (g - sum(g * p))`` (the sum over the row).

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> layer = lb.Softmax()
    >>> p = layer.forward(np.array([[0.0, np.log(3.0)]]))
    >>> print(np.round(p, 4))
    [[0.25 0.75]]
    >>> print(np.round(layer.backward(np.array([[1.0, 1.0]])), 4))  # softmax sums to 1
    [[0. 0.]]
    """

    def forward(self, X: ArrayLike) -> np.ndarray:
        self._cache = np.asarray(softmax(_as_float_array(X, "X"), axis=-1), dtype=float)
        return self._cache

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        grad, p = self._check_grad(grad_output)
        return p * (grad - np.sum(grad * p, axis=-1, keepdims=True))


class Dense(Layer):
    """Fully connected (affine) layer: ``forward(X) = X @ W + b``.

    Parameters
    ----------
    n_in : int
        Number of input features.
    n_out : int
        Number of outputs (units).
    init : {"glorot", "he"}, default="glorot"
        How the weights are drawn: uniform on ``[-r, r]`` with
        ``r = sqrt(6 / (n_in + n_out))`` (Glorot and Bengio 2010, for tanh,
        sigmoid and linear layers) or ``r = sqrt(6 / n_in)`` (He et al. 2015,
        for ReLU layers). Biases start at zero.
    random_state : None, int or numpy.random.Generator, default=None
        Seed or generator for the initial weights (pass an int for
        reproducible weights).

    Attributes
    ----------
    W : ndarray of shape (n_in, n_out)
        Weights.
    b : ndarray of shape (n_out,)
        Biases.
    dW, db : ndarray
        dL/dW and dL/db from the last ``backward`` call (zeros before it). They
        are overwritten in place, so ``parameters()`` pairs stay valid.

    Notes
    -----
    With ``Z = X @ W + b`` and upstream gradient ``G = dL/dZ`` of shape
    (n_samples, n_out): ``dL/dW = X.T @ G``, ``dL/db = G.sum(axis=0)`` and
    ``dL/dX = G @ W.T``.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> layer = lb.Dense(3, 2, random_state=0)
    >>> layer.W.shape, layer.b.shape, layer.n_parameters
    ((3, 2), (2,), 8)
    >>> X = np.ones((4, 3))
    >>> Z = layer.forward(X)
    >>> grad_X = layer.backward(np.ones((4, 2)))
    >>> print(layer.dW, layer.db)
    [[4. 4.]
     [4. 4.]
     [4. 4.]] [4. 4.]
    """

    def __init__(self, n_in: int, n_out: int, *, init: str = "glorot", random_state: Any = None) -> None:
        self.n_in = check_scalar(n_in, "n_in", "[1, inf)", integer=True)
        self.n_out = check_scalar(n_out, "n_out", "[1, inf)", integer=True)
        self.init = check_choice(init, "init", _INITS)
        rng = as_generator(random_state)
        fan = self.n_in + self.n_out if init == "glorot" else self.n_in
        bound = np.sqrt(6.0 / fan)
        self.W = rng.uniform(-bound, bound, size=(self.n_in, self.n_out))
        self.b = np.zeros(self.n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._X: np.ndarray | None = None

    def forward(self, X: ArrayLike) -> np.ndarray:
        X = _as_float_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(
                f"X must have shape (n_samples, {self.n_in}) for this Dense layer; "
                f"got {X.shape}."
            )
        self._X = X
        return X @ self.W + self.b

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        if self._X is None:
            raise RuntimeError("Dense.backward was called before forward.")
        grad_output = _as_float_array(grad_output, "grad_output")
        expected = (self._X.shape[0], self.n_out)
        if grad_output.shape != expected:
            raise ValueError(
                f"grad_output must have shape {expected} (that of the last forward "
                f"output); got {grad_output.shape}."
            )
        self.dW[...] = self._X.T @ grad_output
        self.db[...] = grad_output.sum(axis=0)
        return grad_output @ self.W.T

    def named_parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        return [("W", self.W, self.dW), ("b", self.b, self.db)]

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"


class Sequential(Layer):
    """A chain of layers: the output of one is the input of the next.

    Parameters
    ----------
    layers : sequence of Layer
        The layers, in the order of the forward pass.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> model = lb.Sequential([lb.Dense(4, 8, random_state=0), lb.ReLU(), lb.Dense(8, 3, random_state=1)])
    >>> model
    Sequential([Dense(4, 8), ReLU(), Dense(8, 3)])
    >>> model.n_parameters
    67
    >>> [name for name, _, _ in model.named_parameters()]
    ['0.W', '0.b', '2.W', '2.b']
    >>> scores = model.forward(np.ones((5, 4)))
    >>> grad_X = model.backward(np.ones_like(scores))
    >>> scores.shape, grad_X.shape
    ((5, 3), (5, 4))
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
                raise TypeError(
                    f"layers[{i}] must be a layer with forward and backward methods; "
                    f"got {type(layer).__name__}."
                )
        self.layers = layers

    def forward(self, X: ArrayLike) -> np.ndarray:
        out = _as_float_array(X, "X")
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        grad = _as_float_array(grad_output, "grad_output")
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def named_parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Return ``(name, parameter, gradient)`` triples named ``"<layer index>.<name>"``."""
        named = []
        for i, layer in enumerate(self.layers):
            for name, param, grad in getattr(layer, "named_parameters", list)():
                named.append((f"{i}.{name}", param, grad))
        return named

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        return "Sequential([" + ", ".join(repr(layer) for layer in self.layers) + "])"


def check_layer_sizes(hidden_layer_sizes: Any) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of positive ints (an int gives one layer; ``()`` none).

    Examples
    --------
    >>> from lossbook.nn import check_layer_sizes
    >>> check_layer_sizes(64), check_layer_sizes([32, 16]), check_layer_sizes(())
    ((64,), (32, 16), ())
    """
    if isinstance(hidden_layer_sizes, numbers.Integral) and not isinstance(hidden_layer_sizes, bool):
        hidden_layer_sizes = (hidden_layer_sizes,)
    try:
        sizes = tuple(hidden_layer_sizes)
    except TypeError:
        raise TypeError(
            "hidden_layer_sizes must be an int or a sequence of positive ints (() for a linear "
            f"model), got {hidden_layer_sizes!r}"
        ) from None
    return tuple(
        check_scalar(size, f"hidden_layer_sizes[{i}]", "[1, inf)", integer=True)
        for i, size in enumerate(sizes)
    )


def _activation_layer(name):
    return {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "identity": Identity}[name]()


def mlp(n_inputs: int, hidden_layer_sizes: Any, n_outputs: int, *, activation: str = "relu",
        random_state: Any = None) -> "Sequential":
    """Build a multi-layer perceptron that outputs raw scores.

    ``Dense`` layers of the given sizes, each hidden one followed by the
    activation; the last ``Dense`` has no activation, so the model returns raw
    scores (predictions for regression, logits for classification). The loss,
    or the fit loop's ``output`` transform, turns scores into probabilities.

    Parameters
    ----------
    n_inputs : int
        Number of input features.
    hidden_layer_sizes : int or sequence of int
        Units of each hidden layer; ``()`` gives a linear model.
    n_outputs : int
        Number of outputs.
    activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        Hidden activation. ReLU layers get He initialisation, the others Glorot.
    random_state : None, int or numpy.random.Generator, default=None
        Seed for the initial weights; one generator is drawn from layer by layer.

    Returns
    -------
    Sequential

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.mlp(64, (32, 16), 10, random_state=0)
    Sequential([Dense(64, 32), ReLU(), Dense(32, 16), ReLU(), Dense(16, 10)])
    >>> lb.mlp(3, (), 1, random_state=0).n_parameters  # linear model: 3 weights + 1 bias
    4
    """
    n_inputs = check_scalar(n_inputs, "n_inputs", "[1, inf)", integer=True)
    n_outputs = check_scalar(n_outputs, "n_outputs", "[1, inf)", integer=True)
    sizes = check_layer_sizes(hidden_layer_sizes)
    check_choice(activation, "activation", _ACTIVATIONS)
    rng = as_generator(random_state)
    init = "he" if activation == "relu" else "glorot"
    units = [n_inputs] + list(sizes) + [n_outputs]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(units[:-1], units[1:])):
        last = i == len(units) - 2
        layers.append(Dense(n_in, n_out, init="glorot" if last else init, random_state=rng))
        if not last:
            layers.append(_activation_layer(activation))
    return Sequential(layers)
