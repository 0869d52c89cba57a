"""Optimizers: step 5 of training, the parameter update.

Backpropagation computes the gradient of the loss with respect to every
parameter; an optimizer decides what to do with it. Each optimizer here has
one method, ``step(params_and_grads)``, which takes the ``(parameter,
gradient)`` pairs that :meth:`lossbook.Sequential.parameters` returns and
updates every parameter array **in place**. Optimizers with state (velocity,
moment estimates) keep one state array per pair, matched by position, so pass
the pairs in the same order at every step; :meth:`Optimizer.reset` forgets the
state.

L2 regularisation (weight decay) is not done here: :func:`lossbook.fit` adds
the penalty to the loss and its gradient, so every optimizer sees the
gradient of the full objective.

Examples
--------
One step of each optimizer on ``f(w) = w**2 / 2`` (gradient ``w``) from ``w = 1``:

>>> import numpy as np
>>> import lossbook as lb
>>> for opt in [lb.GradientDescent(0.1), lb.Momentum(0.1), lb.Adam(0.1)]:
...     w = np.array([1.0])
...     opt.step([(w, w.copy())])
...     print(type(opt).__name__, np.round(w, 4))
GradientDescent [0.9]
Momentum [0.9]
Adam [0.9]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_scalar

__all__ = ["Optimizer", "GradientDescent", "Momentum", "Adam", "get_optimizer"]


class Optimizer:
    """Base class: ``step`` updates ``(parameter, gradient)`` pairs in place.

    Subclasses implement ``_update(index, param, grad)``, which changes
    ``param`` in place; ``index`` identifies the pair for state-keeping.

    Parameters
    ----------
    learning_rate : float
        Step size, > 0.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> class SignDescent(lb.Optimizer):
    ...     def _update(self, index, param, grad):
    ...         param -= self.learning_rate * np.sign(grad)
    >>> w = np.array([1.0, -2.0])
    >>> SignDescent(0.5).step([(w, w.copy())])
    >>> print(w)
    [ 0.5 -1.5]
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_scalar(learning_rate, "learning_rate", "(0, inf)")
        self.n_steps = 0
        self._shapes: list | None = None

    def step(self, params_and_grads: Any) -> None:
        """Update every parameter in place, using its gradient.

        Parameters
        ----------
        params_and_grads : iterable of (ndarray, ndarray) or a model
            ``(parameter, gradient)`` pairs of equal shapes; an object with a
            ``parameters()`` method (such as a :class:`lossbook.Sequential`)
            is replaced by ``obj.parameters()``.
        """
        if callable(getattr(params_and_grads, "parameters", None)):
            params_and_grads = params_and_grads.parameters()
        pairs = list(params_and_grads)
        shapes = []
        for i, pair in enumerate(pairs):
            try:
                param, grad = pair
            except (TypeError, ValueError):
                raise ValueError(
                    f"params_and_grads[{i}] must be a (parameter, gradient) pair."
                ) from None
            if not isinstance(param, np.ndarray) or not np.issubdtype(param.dtype, np.floating):
                raise ValueError(
                    f"params_and_grads[{i}]: the parameter must be a float numpy array "
                    "(it is updated in place)."
                )
            if np.shape(grad) != param.shape:
                raise ValueError(
                    f"params_and_grads[{i}]: gradient shape {np.shape(grad)} differs from "
                    f"parameter shape {param.shape}."
                )
            shapes.append(param.shape)
        if self._shapes is not None and shapes != self._shapes:
            raise ValueError(
                "params_and_grads does not match the parameters of earlier steps "
                f"({len(self._shapes)} arrays of shapes {self._shapes}); call reset() "
                "to use this optimizer on other parameters."
            )
        self._shapes = shapes
        self.n_steps += 1
        for i, (param, grad) in enumerate(pairs):
            self._update(i, param, np.asarray(grad, dtype=float))

    def reset(self) -> None:
        """Forget the step count and any state (velocities, moments)."""
        self.n_steps = 0
        self._shapes = None

    def _update(self, index, param, grad):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate!r})"


class GradientDescent(Optimizer):
    """Plain (stochastic) gradient descent: ``w <- w - learning_rate * g``.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size, > 0.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> w = np.array([1.0, 2.0])
    >>> lb.GradientDescent(learning_rate=0.5).step([(w, np.array([0.2, -0.4]))])
    >>> print(w)
    [0.9 2.2]
    """

    def __init__(self, learning_rate: float = 0.01) -> None:
        super().__init__(learning_rate)

    def _update(self, index, param, grad):
        param -= self.learning_rate * grad


class Momentum(Optimizer):
    """Gradient descent with (heavy-ball) momentum.

    ``v <- momentum * v - learning_rate * g`` and ``w <- w + v``, with ``v``
    starting at zero (the form scikit-learn's ``MLPClassifier(solver="sgd")``
    uses, without Nesterov's correction).

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size, > 0.
    momentum : float, default=0.9
        Fraction of the previous velocity kept, in [0, 1). ``0`` is plain
        gradient descent.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> opt = lb.Momentum(learning_rate=0.1, momentum=0.5)
    >>> w = np.array([0.0])
    >>> for _ in range(2):
    ...     opt.step([(w, np.array([1.0]))])  # v = -0.1, then 0.5 * -0.1 - 0.1 = -0.15
    >>> print(np.round(w, 4))
    [-0.25]
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.momentum = check_scalar(momentum, "momentum", "[0, 1)")
        self._velocity: dict[int, np.ndarray] = {}

    def reset(self) -> None:
        super().reset()
        self._velocity = {}

    def _update(self, index, param, grad):
        v = self._velocity.get(index)
        if v is None:
            v = self._velocity[index] = np.zeros_like(param)
        v *= self.momentum
        v -= self.learning_rate * grad
        param += v

    def __repr__(self):
        return f"Momentum(learning_rate={self.learning_rate!r}, momentum={self.momentum!r})"


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015): steps scaled by running moment estimates.

    At step ``t`` (from 1), for each parameter with gradient ``g``::

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
        w <- w - learning_rate * m_hat / (sqrt(v_hat) + eps)

    This is Algorithm 1 of the paper. The first step moves every parameter
    by about ``learning_rate`` against the sign of its gradient, whatever the
    gradient's scale.

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Step size, > 0.
    beta1, beta2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    eps : float, default=1e-8
        Added to the denominator, > 0.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> w = np.array([1.0, 1.0])
    >>> lb.Adam(learning_rate=0.1).step([(w, np.array([100.0, 0.001]))])
    >>> print(np.round(w, 4))
    [0.9 0.9]
    """

    def __init__(self, learning_rate: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_scalar(beta1, "beta1", "[0, 1)")
        self.beta2 = check_scalar(beta2, "beta2", "[0, 1)")
        self.eps = check_scalar(eps, "eps", "(0, inf)")
        self._m: dict[int, np.ndarray] = {}
        self._v: dict[int, np.ndarray] = {}

    def reset(self) -> None:
        super().reset()
        self._m = {}
        self._v = {}

    def _update(self, index, param, grad):
        m = self._m.get(index)
        if m is None:
            m = self._m[index] = np.zeros_like(param)
            self._v[index] = np.zeros_like(param)
        v = self._v[index]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        t = self.n_steps
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        param -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)

    def __repr__(self):
        return (
            f"Adam(learning_rate={self.learning_rate!r}, beta1={self.beta1!r}, "
            f"beta2={self.beta2!r}, eps={self.eps!r})"
        )


_OPTIMIZERS = {"sgd": GradientDescent, "momentum": Momentum, "adam": Adam}


def get_optimizer(optimizer: "str | Optimizer", *, learning_rate: float | None = None) -> "Optimizer":
    """Return an optimizer from a name, or the optimizer itself.

    Parameters
    ----------
    optimizer : {"sgd", "momentum", "adam"} or Optimizer
        ``"sgd"`` is :class:`GradientDescent`, ``"momentum"`` is
        :class:`Momentum`, ``"adam"`` is :class:`Adam`. An :class:`Optimizer`
        instance is returned unchanged.
    learning_rate : float, optional
        Learning rate for a named optimizer (its default when omitted). Not
        allowed with an instance, which has its own.

    Returns
    -------
    Optimizer

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.get_optimizer("adam", learning_rate=0.01)
    Adam(learning_rate=0.01, beta1=0.9, beta2=0.999, eps=1e-08)
    >>> lb.get_optimizer("momentum")
    Momentum(learning_rate=0.01, momentum=0.9)
    """
    if isinstance(optimizer, Optimizer):
        if learning_rate is not None:
            raise ValueError(
                "learning_rate cannot be given with an Optimizer instance; set it on the instance."
            )
        return optimizer
    if isinstance(optimizer, str) and optimizer in _OPTIMIZERS:
        cls = _OPTIMIZERS[optimizer]
        return cls() if learning_rate is None else cls(learning_rate)
    raise ValueError(
        f"optimizer must be one of {sorted(_OPTIMIZERS)} or an Optimizer instance; got {optimizer!r}."
    )
