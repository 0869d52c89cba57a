"""The training loop: minibatches, one training step, and ``fit``.

Chapter 2's six steps, as code: (1) initialise the model (:func:`lossbook.mlp`),
then for every minibatch (2) forward pass, (3) loss and its gradient with
respect to the model's output, (4) backpropagation, (5) optimizer update, and
(6) iterate over minibatches and epochs. :func:`train_step` does steps 2 to 5
on one batch; :func:`fit` iterates and records a :class:`History`.

**Outputs.** Models end in a ``Dense`` layer and produce raw scores. The
loss says what it needs through its attributes (:class:`lossbook.Loss`): a loss
whose ``input`` is not ``"probability"`` takes the raw scores (the ``_with_logits``
and softmax losses apply the sigmoid or softmax inside, which is exact for any
score). For a probability loss (``binary_cross_entropy``,
``categorical_cross_entropy``) the loop adds the output layer named by the
loss's ``activation`` (a sigmoid, or a softmax for classes) and backpropagates
through it. Pass ``output=`` to choose the transform, among ``"identity"``,
``"sigmoid"`` and ``"softmax"``; a transform that would feed probabilities to a
logit loss, or raw scores to a probability loss, is refused.

**Divergence.** A run that blows up does not end silently. When the loss or the
model's outputs stop being finite, training stops; when the last epoch's loss
ends far above the best one (by more than :data:`BLOW_UP_FACTOR` times the best
loss's size, and more than :data:`RISE_TOLERANCE` times the first epoch's loss), the run
has diverged too. In both cases the parameters of the best epoch are put back
into the model and a :class:`DivergenceWarning` names the learning rate and the
scale of the features, the usual culprits. (If the very first epoch is not
finite there is nothing to keep, and :class:`FloatingPointError` is raised.)

**L2 penalty.** With ``alpha > 0`` the objective is the loss averaged over the
``n`` training samples plus ``alpha / (2 n) * sum ||W||^2``, the sum running over
every parameter named ``W`` (the weights of ``Dense`` layers; biases are not
penalised), and ``n`` being the number of training samples (their total weight
with ``sample_weight``). Each minibatch step follows the gradient of the batch's
mean loss plus that same penalty, ``alpha * W / n``: an unbiased estimate of the
objective's gradient, whatever the batch size. On a linear model with softmax
cross-entropy this is ``LogisticRegression(C=1 / alpha)``'s objective divided
by ``C * n``, so both have the same minimiser. (scikit-learn's ``MLPClassifier`` divides the penalty by the
batch size instead of ``n``; the two agree for full-batch training.) The penalty
is added in the loop, not in the optimizer, so every optimizer sees the gradient
of the whole objective, and the recorded training loss includes it.

Examples
--------
The loop written out, then the same with one call to :func:`fit`:

>>> import numpy as np
>>> import lossbook as lb
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 2))
>>> y = (X[:, 0] - X[:, 1] > 0).astype(float).reshape(-1, 1)
>>> model = lb.mlp(2, (8,), 1, random_state=0)                       # 1. initialise
>>> optimizer = lb.Adam(learning_rate=0.05)
>>> loss = lb.binary_cross_entropy_with_logits
>>> for epoch in range(20):                                          # 6. iterate
...     for idx in lb.minibatches(len(X), 50, rng=rng):
...         logits = model.forward(X[idx])                           # 2. forward
...         value, grad = loss.value_and_gradient(y[idx], logits)    # 3. loss
...         grad_X = model.backward(grad)                            # 4. backpropagate
...         optimizer.step(model.parameters())                       # 5. update
>>> print(round(value, 2) < 0.2)
True
>>> history = lb.fit(lb.mlp(2, (8,), 1, random_state=0), loss, X, y,
...                  optimizer=lb.Adam(0.05), epochs=20, batch_size=50,
...                  metric="accuracy", random_state=0)
>>> len(history.train_loss), history.train_metric[-1] > 0.95
(20, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike

from ._loss import Loss, get_loss
from ._random import as_generator
from ._targets import INPUTS
from ._validation import check_choice, check_scalar
from .nn import Layer, Sigmoid, Softmax
from .optim import Optimizer, get_optimizer

__all__ = ["History", "DivergenceWarning", "minibatches", "train_step", "fit"]

#: A run whose last epoch's loss exceeds its best by this factor has diverged.
BLOW_UP_FACTOR = 10.0
#: ... and by more than this share of the first epoch's loss.
RISE_TOLERANCE = 0.01

_OUTPUTS = ("identity", "sigmoid", "softmax")


class DivergenceWarning(UserWarning):
    """Training blew up; the model was given back the parameters of its best epoch."""


@dataclass
class History:
    """What :func:`fit` records, one entry per epoch.

    Attributes
    ----------
    train_loss : list of float
        Training objective of each epoch: the average of the batch objectives
        (loss plus L2 penalty) weighted by batch size (by batch weight with
        sample weights), computed while the parameters change during the epoch
        (as scikit-learn's ``loss_curve_`` and Keras' ``history`` do).
    val_loss : list of float
        Loss on ``validation_data`` after each epoch, without the penalty
        (empty without validation data).
    train_metric, val_metric : list of float
        The metric on the whole training set and on the validation data after
        each epoch (empty without a metric).
    metric_name : str or None
        Name of the metric.
    stopped_early : bool
        Whether training stopped because the training loss stopped improving
        (``tol``), before the last epoch.
    diverged : bool
        Whether training blew up (see the module notes); the model then holds
        the parameters of :attr:`best_train_epoch`.

    Examples
    --------
    >>> import lossbook as lb
    >>> history = lb.History(train_loss=[0.9, 0.5, 0.4])
    >>> history.n_epochs, history.best_epoch
    (3, 3)
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_metric: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    metric_name: Any = None
    stopped_early: bool = False
    diverged: bool = False

    @property
    def n_epochs(self) -> int:
        """Number of epochs run."""
        return len(self.train_loss)

    @property
    def best_epoch(self) -> Any:
        """Epoch (counted from 1) with the lowest validation loss, or training loss without one."""
        curve = self.val_loss if self.val_loss else self.train_loss
        if not curve:
            return None
        return int(np.nanargmin(curve)) + 1

    @property
    def best_train_epoch(self) -> Any:
        """Epoch (counted from 1) with the lowest finite training loss."""
        finite = [v if np.isfinite(v) else np.inf for v in self.train_loss]
        if not finite or not np.isfinite(min(finite)):
            return None
        return int(np.argmin(finite)) + 1


def minibatches(n_samples: int, batch_size: int | None = None, *, rng: Any = None) -> Iterator[np.ndarray]:
    """Yield the index arrays of one epoch's minibatches.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    batch_size : int or None, default=None
        Samples per batch; the last batch holds the remainder. ``None``, or a
        size of at least ``n_samples``, gives one batch of every sample (full-batch
        gradient descent).
    rng : None, int or numpy.random.Generator, default=None
        Shuffles the samples: pass the same generator at every epoch to get a
        new, reproducible order each time. ``None`` keeps the original order
        (no shuffling).

    Yields
    ------
    ndarray of int
        Indices of the samples in each batch; together they cover every
        sample exactly once.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> [idx.tolist() for idx in lb.minibatches(5, 2)]
    [[0, 1], [2, 3], [4]]
    >>> rng = np.random.default_rng(0)
    >>> [idx.tolist() for idx in lb.minibatches(5, 2, rng=rng)]
    [[2, 4], [3, 0], [1]]
    """
    n_samples = check_scalar(n_samples, "n_samples", "[1, inf)", integer=True)
    batch_size = check_scalar(batch_size, "batch_size", "[1, inf)", integer=True, allow_none=True)
    if batch_size is None or batch_size > n_samples:
        batch_size = n_samples
    order = np.arange(n_samples) if rng is None else as_generator(rng, name="rng").permutation(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


# -- the pieces of one step -----------------------------------------------------------


def output_layer(loss: Loss, output: Any = None) -> Layer | None:
    """The layer that turns a model's raw scores into what ``loss`` takes, or None.

    Parameters
    ----------
    loss : Loss
    output : {None, "identity", "sigmoid", "softmax"}, default None
        None chooses from the loss: its ``activation`` for a probability loss,
        nothing otherwise.

    Returns
    -------
    Layer or None

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.training.output_layer(lb.categorical_cross_entropy)
    Softmax()
    >>> lb.training.output_layer(lb.mse) is None
    True
    """
    if output is None or output == "auto":
        output = loss.activation if loss.input == "probability" else "identity"
    check_choice(output, "output", (None,) + _OUTPUTS)
    if loss.input == "probability" and output == "identity":
        raise ValueError(
            f"loss {loss.name!r} takes probabilities, but output='identity' would give it raw "
            "scores; use output=None (sigmoid or softmax chosen for you), or the loss's "
            "logit form."
        )
    if loss.input in ("logit", "log_rate", "decision") and output != "identity":
        raise ValueError(
            f"loss {loss.name!r} takes {INPUTS[loss.input].split(' (')[0]} and applies any "
            f"squashing itself; output={output!r} would squash twice. Use output=None."
        )
    return {"identity": None, "sigmoid": Sigmoid(), "softmax": Softmax()}[output]


def l2_penalty(model: Layer, decay: float) -> float:
    """Add the gradient of ``decay / 2 * sum ||W||^2`` to every weight's gradient; return the penalty.

    The sum runs over the parameters named ``W`` (the weights of ``Dense``
    layers); biases are not penalised.
    """
    if decay == 0:
        return 0.0
    squares = 0.0
    for name, w, dw in model.named_parameters():
        if name.rsplit(".", 1)[-1] == "W":
            squares += float(np.vdot(w, w))
            dw += decay * w
    return 0.5 * decay * squares


def _step(model, loss, out_layer, X, y, sample_weight, optimizer, decay, options) -> float:
    """Steps 2 to 5 on one batch; return the batch objective (mean loss plus penalty).

    Overflow inside the model is not warned about: the outputs are checked instead,
    and a run that stops being finite is reported as diverged (see the module notes).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        scores = model.forward(X)  # 2. forward pass
    if not np.all(np.isfinite(scores)):
        raise FloatingPointError(
            "the model's outputs are no longer finite: training diverged. "
            "Try a smaller learning_rate, or standardise the features."
        )
    y_out = scores if out_layer is None else out_layer.forward(scores)
    value, grad = loss.value_and_gradient(y, y_out, sample_weight=sample_weight, **options)  # 3. loss
    with np.errstate(over="ignore", invalid="ignore"):
        if out_layer is not None:
            grad = out_layer.backward(grad)
        model.backward(grad)  # 4. backpropagation
        value = float(value) + l2_penalty(model, decay)
        optimizer.step(model.parameters())  # 5. update
    return value


# -- checked arguments ----------------------------------------------------------------


def _check_X_y(X: Any, y: Any, X_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{X_name} must be numeric") from exc
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"{X_name} must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{X_name} is empty")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{X_name} must be finite, but holds NaN or infinity")
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{y_name} must have one row per sample of {X_name} ({X.shape[0]}), got shape {y.shape}"
        )
    return X, y


def _prepare_target(model: Layer, X: np.ndarray, y: np.ndarray, loss: Loss) -> np.ndarray:
    """A 1-D target becomes a column when the model has one output and the loss is elementwise."""
    if y.ndim == 1 and loss.unreduced_shape((1, 1)) == (1, 1):
        n_out = np.shape(model.forward(X[:1]))
        if len(n_out) == 2 and n_out[1] == 1:
            y = y.reshape(-1, 1)
    return y


def _check_options(loss_options) -> dict:
    if loss_options is None:
        return {}
    if not isinstance(loss_options, dict):
        raise TypeError(f"loss_options must be None or a dict, got {loss_options!r}")
    return dict(loss_options)


def train_step(
    model: Layer,
    loss: str | Loss,
    X: ArrayLike,
    y: ArrayLike,
    *,
    optimizer: str | Optimizer,
    output: str | None = None,
    alpha: float = 0.0,
    n_samples: float | None = None,
    sample_weight: ArrayLike | None = None,
    loss_options: dict | None = None,
) -> float:
    """Run steps 2 to 5 of training on one batch: forward, loss, backward, update.

    Parameters
    ----------
    model : Sequential or Layer
        The model; it returns raw scores.
    loss : str or Loss
        A loss name (see :func:`lossbook.get_loss`) or loss object.
    X : array-like of shape (n_samples, n_features)
        The batch.
    y : array-like
        Targets, in the form the loss takes (a 1-D target is made a column
        when the model has one output and the loss is elementwise).
    optimizer : Optimizer
        Updates the parameters in place.
    output : {None, "identity", "sigmoid", "softmax"}, default=None
        Transform of the raw scores before the loss (see :func:`lossbook.training.output_layer`).
    alpha : float, default=0.0
        L2 penalty strength on the weights (not the biases): the penalty is
        ``alpha / (2 n_samples) * sum ||W||^2``.
    n_samples : float, optional
        The ``n`` of the penalty: the size (or total sample weight) of the
        whole training set this batch comes from. Defaults to this batch's.
    sample_weight : array-like of shape (n_samples,), optional
        Per-sample weights passed to the loss.
    loss_options : dict, optional
        Options passed to the loss, e.g. ``{"delta": 2.0}`` for Huber.

    Returns
    -------
    float
        The batch objective (loss plus penalty) before the update.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> model = lb.Sequential([lb.Dense(1, 1, random_state=0)])
    >>> X, y = np.array([[1.0], [2.0]]), np.array([3.0, 5.0])
    >>> opt = lb.GradientDescent(0.1)
    >>> losses = [lb.train_step(model, "mse", X, y, optimizer=opt) for _ in range(300)]
    >>> print(round(losses[0], 3), round(losses[-1], 6))
    11.395 0.0
    """
    loss = get_loss(loss)
    X, y = _check_X_y(X, y, "X", "y")
    out_layer = output_layer(loss, output)
    y = _prepare_target(model, X, y, loss)
    optimizer = get_optimizer(optimizer)
    options = _check_options(loss_options)
    alpha = check_scalar(alpha, "alpha", "[0, inf)")
    if n_samples is None:
        n_samples = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    else:
        n_samples = check_scalar(n_samples, "n_samples", "(0, inf)")
    return _step(model, loss, out_layer, X, y, sample_weight, optimizer, alpha / n_samples, options)


# -- metrics --------------------------------------------------------------------------


def _accuracy_fn(loss: Loss, out_layer: Layer | None) -> Callable:
    per_sample = loss.targets == "classes"
    threshold = 0.5 if out_layer is not None else 0.0

    def accuracy(y_true, outputs):
        y_true = np.asarray(y_true)
        if per_sample:
            labels = y_true if y_true.ndim == 1 else np.argmax(y_true, axis=1)
            return float(np.mean(np.argmax(outputs, axis=1) == labels))
        # elementwise: a column per label; y in {0, 1} or {-1, +1}
        return float(np.mean((outputs > threshold) == (y_true > 0)))

    return accuracy


def _resolve_metric(metric, loss: Loss, out_layer):
    if metric is None:
        return None, None
    if metric == "accuracy":
        return _accuracy_fn(loss, out_layer), "accuracy"
    if callable(metric):
        return metric, getattr(metric, "__name__", "metric")
    raise ValueError(f"metric must be None, 'accuracy' or a callable metric(y_true, outputs), got {metric!r}")


def _evaluate(model, loss, out_layer, X, y, metric_fn, options, *, with_loss=True):
    scores = model.forward(X)
    outputs = scores if out_layer is None else out_layer.forward(scores)
    value = float(loss(y, outputs, **options)) if with_loss else None
    metric_value = None if metric_fn is None else float(metric_fn(y, outputs))
    return value, metric_value


# -- fit --------------------------------------------------------------------------------


class _BestEpoch:
    """The parameters of the epoch with the lowest training loss so far (a copy)."""

    def __init__(self, model: Layer):
        self.model = model
        self.loss = np.inf
        self.epoch: int | None = None
        self.params: list[np.ndarray] = []

    def update(self, loss: float, epoch: int) -> None:
        if loss < self.loss:
            self.loss, self.epoch = loss, epoch
            self.params = [p.copy() for p, _ in self.model.parameters()]

    def restore(self) -> None:
        for (param, _), saved in zip(self.model.parameters(), self.params):
            param[...] = saved


def _warn_diverged(history: History, best: _BestEpoch, optimizer: Optimizer, why: str) -> None:
    history.diverged = True
    best.restore()
    warnings.warn(
        f"training diverged: {why}. The model keeps the parameters of epoch {best.epoch}, "
        f"whose training loss was {best.loss:.4g}. Lower the learning rate "
        f"(learning_rate={optimizer.learning_rate:g} here) or standardise the features "
        "(e.g. with sklearn.preprocessing.StandardScaler): large feature values make "
        "gradient steps too large.",
        DivergenceWarning,
        stacklevel=3,
    )


class _EarlyStopping:
    """scikit-learn's rule: stop once the loss missed its best minus ``tol`` more than ``patience`` times in a row."""

    def __init__(self, tol, patience: int):
        self.tol, self.patience = tol, patience
        self.best, self.misses = np.inf, 0

    def should_stop(self, loss: float) -> bool:
        if self.tol is None:
            return False
        self.misses = self.misses + 1 if loss > self.best - self.tol else 0
        self.best = min(self.best, loss)
        return self.misses > self.patience


def _blew_up(curve: list, best: float) -> bool:
    """The last loss is far above the best: by more than BLOW_UP_FACTOR times the best's size,
    and by more than a hundredth of the first epoch's loss.

    The second condition keeps a loss that reaches (nearly) zero, as the hinge losses do,
    from counting as a blow-up when it rises a little near the optimum (1e-4, then 5e-3,
    after a first epoch of 2, say), and round-off around a perfect fit (1e-31 after 1e-32).
    """
    return curve[-1] - best > BLOW_UP_FACTOR * abs(best) + RISE_TOLERANCE * abs(curve[0])


def fit(
    model: Layer,
    loss: str | Loss,
    X: ArrayLike,
    y: ArrayLike,
    *,
    optimizer: str | Optimizer,
    epochs: int,
    batch_size: int | None = None,
    validation_data: tuple | None = None,
    metric: str | Callable | None = None,
    random_state: Any = None,
    output: str | None = None,
    alpha: float = 0.0,
    sample_weight: ArrayLike | None = None,
    tol: float | None = None,
    n_iter_no_change: int = 10,
    loss_options: dict | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` with minibatch gradient descent; return the history.

    Every epoch shuffles the samples (with ``random_state``), runs the steps of
    :func:`train_step` on each minibatch, and records the training loss, and
    the validation loss and metrics when asked. The model and the optimizer
    are changed in place. A batch whose sample weights are all zero counts for
    nothing and is skipped.

    Parameters
    ----------
    model : Sequential or Layer
        The model; it returns raw scores (see the module notes on outputs).
    loss : str or Loss
        A loss name or loss object (a reader's own from :func:`lossbook.make_loss` too).
    X : array-like of shape (n_samples, n_features)
        Training inputs.
    y : array-like
        Targets in the form the loss takes. For elementwise losses a 1-D ``y``
        is made a column when the model has a single output.
    optimizer : Optimizer or {"sgd", "momentum", "adam"}
        Updates the parameters in place (a name gets the default learning rate).
    epochs : int
        Maximum number of passes over the data.
    batch_size : int or None, default=None
        Minibatch size; ``None`` is full-batch gradient descent.
    validation_data : tuple (X_val, y_val), optional
        Data on which the loss (and metric) is computed after each epoch.
    metric : None, "accuracy" or callable, default=None
        ``metric(y_true, outputs)``, where ``outputs`` is what the loss receives
        (raw scores, or probabilities after the output transform). ``"accuracy"``
        takes the arg-max class for the multi-class losses, and thresholds each
        column otherwise (at 0.5 for probabilities, 0 for scores), comparing with
        ``y_true > 0``: for several label columns this is 1 - Hamming loss.
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the shuffling; with the same model initialisation, the same value
        gives identical results.
    output : {None, "identity", "sigmoid", "softmax"}, default=None
        Transform applied to the raw scores before the loss (see
        :func:`lossbook.training.output_layer`): by default the loss's ``activation`` for a
        probability loss, none otherwise.
    alpha : float, default=0.0
        L2 penalty: ``alpha / (2 n) * sum ||W||^2`` over the weights (not the
        biases) is added to the mean loss, ``n`` being the number of training
        samples (their total weight with ``sample_weight``); see the module notes.
    sample_weight : array-like of shape (n_samples,), optional
        Per-sample weights, passed batch by batch to the loss.
    tol : float or None, default=None
        Early stopping, scikit-learn's rule: training stops once the training
        loss has failed to drop below its best value minus ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs. ``None`` runs every epoch.
    n_iter_no_change : int, default=10
        Patience for ``tol``.
    loss_options : dict, optional
        Options passed to the loss at every call, e.g. ``{"delta": 2.0}`` for Huber.

    Returns
    -------
    History
        Per-epoch training loss, validation loss and metrics.

    Raises
    ------
    FloatingPointError
        If the first epoch already overflows (nothing to keep).

    Warns
    -----
    DivergenceWarning
        If training blew up later; the model is given the best epoch's parameters.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(100, 1))
    >>> y = 3 * X[:, 0] + 1
    >>> model = lb.mlp(1, (), 1, random_state=0)
    >>> history = lb.fit(model, "mse", X, y, optimizer=lb.GradientDescent(0.5),
    ...                  epochs=100, batch_size=20, random_state=0)
    >>> print(f"{history.train_loss[0]:.3f} -> {history.train_loss[-1]:.6f}")
    1.314 -> 0.000000
    >>> print(np.round(model[0].W.ravel(), 3), np.round(model[0].b, 3))
    [3.] [1.]
    """
    loss = get_loss(loss)
    X, y = _check_X_y(X, y, "X", "y")
    optimizer = get_optimizer(optimizer)
    epochs = check_scalar(epochs, "epochs", "[1, inf)", integer=True)
    batch_size = check_scalar(batch_size, "batch_size", "[1, inf)", integer=True, allow_none=True)
    alpha = check_scalar(alpha, "alpha", "[0, inf)")
    tol = check_scalar(tol, "tol", "[0, inf)", allow_none=True)
    n_iter_no_change = check_scalar(n_iter_no_change, "n_iter_no_change", "[1, inf)", integer=True)
    options = _check_options(loss_options)
    out_layer = output_layer(loss, output)
    metric_fn, metric_name = _resolve_metric(metric, loss, out_layer)
    y = _prepare_target(model, X, y, loss)
    weights = _check_fit_weights(sample_weight, X.shape[0])
    X_val, y_val = _check_validation_data(validation_data, model, loss)

    rng = as_generator(random_state)
    n_samples = X.shape[0]
    total_weight = n_samples if weights is None else float(np.sum(weights))
    decay = alpha / total_weight if alpha > 0 else 0.0
    # One batch of every sample needs no shuffling (and stays deterministic).
    shuffle = rng if batch_size is not None and batch_size < n_samples else None
    history = History(metric_name=metric_name)
    best = _BestEpoch(model)
    stopping = _EarlyStopping(tol, n_iter_no_change)
    for epoch in range(1, epochs + 1):
        try:
            epoch_loss = _epoch(model, loss, out_layer, X, y, weights, optimizer, decay, options,
                                batch_size, shuffle)
        except FloatingPointError:
            if best.epoch is None:
                raise
            _warn_diverged(history, best, optimizer, f"the model's outputs overflowed in epoch {epoch}")
            return history
        history.train_loss.append(epoch_loss)
        if not np.isfinite(epoch_loss):
            if best.epoch is None:
                raise FloatingPointError(
                    "the training loss is not finite after the first epoch: training diverged. "
                    "Try a smaller learning_rate, or standardise the features."
                )
            _warn_diverged(history, best, optimizer, f"the training loss is {epoch_loss} in epoch {epoch}")
            return history
        best.update(epoch_loss, epoch)
        if metric_fn is not None:
            history.train_metric.append(
                _evaluate(model, loss, out_layer, X, y, metric_fn, options, with_loss=False)[1]
            )
        if X_val is not None:
            val_loss, val_metric = _evaluate(model, loss, out_layer, X_val, y_val, metric_fn, options)
            history.val_loss.append(val_loss)
            if metric_fn is not None:
                history.val_metric.append(val_metric)
        if stopping.should_stop(epoch_loss) and epoch < epochs:
            history.stopped_early = True
            break
    if _blew_up(history.train_loss, best.loss):
        _warn_diverged(
            history, best, optimizer,
            f"the training loss ended at {history.train_loss[-1]:.4g}, far above its best",
        )
    return history


def _epoch(model, loss, out_layer, X, y, weights, optimizer, decay, options, batch_size, shuffle):
    """One pass over the data (step 6 of the loop); return the epoch's mean objective."""
    total, count = 0.0, 0.0
    for idx in minibatches(X.shape[0], batch_size, rng=shuffle):
        w = None if weights is None else weights[idx]
        size = len(idx) if w is None else float(np.sum(w))
        if size == 0:
            continue  # every sample of this batch has weight zero: nothing to learn from
        value = _step(model, loss, out_layer, X[idx], y[idx], w, optimizer, decay, options)
        total += value * size
        count += size
    return total / count


def _check_fit_weights(sample_weight, n_samples: int):
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=float)
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.sum(w) > 0:
        raise ValueError("sample_weight must be finite and non-negative, and not all zero")
    return w


def _check_validation_data(validation_data: Any, model: Layer, loss: Loss) -> tuple[Any, Any]:
    if validation_data is None:
        return None, None
    try:
        X_val, y_val = validation_data
    except (TypeError, ValueError):
        raise ValueError("validation_data must be a tuple (X_val, y_val)") from None
    X_val, y_val = _check_X_y(X_val, y_val, "validation_data[0]", "validation_data[1]")
    return X_val, _prepare_target(model, X_val, y_val, loss)
