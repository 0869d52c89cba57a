"""The training loop: minibatches, one training step, and ``fit``.

Chapter 2's six steps, as code: (1) initialise the model (:func:`lossbook.mlp`),
then for every minibatch (2) forward pass, (3) loss and its gradient with
respect to the model's output, (4) backpropagation, (5) optimizer update, and
(6) iterate over minibatches and epochs. :func:`train_step` does steps 2 to 5
on one batch; :func:`fit` iterates and records a :class:`History`.

**Outputs.** Models end in a ``Dense`` layer and produce raw scores. The
loss decides what it needs: losses whose ``input`` is ``"prediction"``,
``"logit"`` or ``"decision"`` are applied to the raw scores (the ``_with_logits``
and softmax losses apply the sigmoid or softmax inside, which is exact for any
score). For probability-input losses (``binary_cross_entropy``,
``categorical_cross_entropy``) the loop applies the output transform itself:
a sigmoid for the elementwise one, a softmax for the multi-class one, and
backpropagates through it. Pass ``output=`` to choose the transform, among
``"identity"``, ``"sigmoid"`` and ``"softmax"``; a transform that would feed
probabilities to a logit loss, or raw scores to a probability loss, is refused.

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

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._random import as_generator
from .nn import Sigmoid, Softmax
from .optim import get_optimizer

__all__ = ["History", "minibatches", "train_step", "fit"]

_OUTPUTS = ("identity", "sigmoid", "softmax")
#: What each kind of loss input is called in messages.
INPUT_NAMES = {
    "prediction": "predictions",
    "probability": "probabilities",
    "logit": "logits",
    "decision": "decision values",
}
_MULTICLASS_LOSSES = frozenset({"softmax_cross_entropy", "categorical_cross_entropy"})


@dataclass
class History:
    """What :func:`fit` records, one entry per epoch.

    Attributes
    ----------
    train_loss : list of float
        Training objective of each epoch: the average of the batch objectives
        (loss plus L2 penalty) weighted by batch size, computed while the
        parameters change during the epoch (as scikit-learn's ``loss_curve_``
        and Keras' ``history`` do).
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
    metric_name: str = None
    stopped_early: bool = False

    @property
    def n_epochs(self):
        """Number of epochs run."""
        return len(self.train_loss)

    @property
    def best_epoch(self):
        """Epoch (counted from 1) with the lowest validation loss, or training loss without one."""
        curve = self.val_loss if self.val_loss else self.train_loss
        if not curve:
            return None
        return int(np.argmin(curve)) + 1


def _check_int(value, name, *, minimum=1, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def minibatches(n_samples, batch_size=None, *, rng=None):
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
    n_samples = _check_int(n_samples, "n_samples")
    batch_size = _check_int(batch_size, "batch_size", allow_none=True)
    if batch_size is None or batch_size > n_samples:
        batch_size = n_samples
    if rng is None:
        order = np.arange(n_samples)
    else:
        order = as_generator(rng, name="rng").permutation(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


def _resolve_loss(loss):
    from . import get_loss

    return get_loss(loss)


def _is_multiclass_loss(loss):
    """True for the losses that take a row of class scores per sample (softmax family)."""
    return bool(getattr(loss, "per_sample", False)) or getattr(loss, "name", None) in _MULTICLASS_LOSSES


def _loss_input(loss):
    return getattr(loss, "input", "prediction")


def _resolve_output(loss, output):
    """Return the output layer (or None) that turns raw scores into the loss's input."""
    kind = _loss_input(loss)
    name = getattr(loss, "name", type(loss).__name__)
    if output is None or output == "auto":
        if kind == "probability":
            output = "softmax" if _is_multiclass_loss(loss) else "sigmoid"
        else:
            output = "identity"
    if output not in _OUTPUTS:
        raise ValueError(f"output must be None or one of {_OUTPUTS}; got {output!r}.")
    if kind == "probability" and output == "identity":
        raise ValueError(
            f"loss {name!r} takes probabilities, but output='identity' would give it raw "
            "scores; use output=None (sigmoid or softmax chosen for you), or the loss's "
            "logit form."
        )
    if kind in ("logit", "decision") and output != "identity":
        raise ValueError(
            f"loss {name!r} takes raw scores ({INPUT_NAMES[kind]}) and applies any "
            f"squashing itself; output={output!r} would squash twice. Use output=None."
        )
    return {"identity": None, "sigmoid": Sigmoid(), "softmax": Softmax()}[output]


def _l2_penalty(model):
    """Sum of squared entries of every parameter named W, and the (param, grad) pairs."""
    weights = [
        (param, grad)
        for name, param, grad in model.named_parameters()
        if name.rsplit(".", 1)[-1] == "W"
    ]
    return float(sum(np.vdot(w, w) for w, _ in weights)), weights


def _step(model, loss, out_layer, X, y, sample_weight, optimizer, decay, options):
    """Forward, loss, backward, L2 penalty (decay = alpha / n), update.

    Returns the batch objective: the batch's mean loss plus the penalty.
    """
    scores = model.forward(X)
    if not np.all(np.isfinite(scores)):
        raise FloatingPointError(
            "the model's outputs are no longer finite: training diverged. "
            "Try a smaller learning_rate."
        )
    y_out = scores if out_layer is None else out_layer.forward(scores)
    value, grad = loss.value_and_gradient(y, y_out, sample_weight=sample_weight, **options)
    if out_layer is not None:
        grad = out_layer.backward(grad)
    model.backward(grad)
    value = float(value)
    if decay > 0:
        squares, weights = _l2_penalty(model)
        value += 0.5 * decay * squares
        for w, dw in weights:
            dw += decay * w
    optimizer.step(model.parameters())
    return value


def _check_options(loss_options):
    if loss_options is None:
        return {}
    if not isinstance(loss_options, dict):
        raise ValueError(f"loss_options must be None or a dict; got {loss_options!r}.")
    return dict(loss_options)


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha >= 0:
        raise ValueError(f"alpha must be a non-negative real number; got {alpha!r}.")
    return float(alpha)


def _prepare_target(model, X, y, loss):
    """Reshape a 1-D target to a column when the model has one output (elementwise losses)."""
    y = np.asarray(y)
    if y.ndim == 1 and not _is_multiclass_loss(loss):
        n_out = np.shape(model.forward(X[:1]))
        if len(n_out) == 2 and n_out[1] == 1:
            y = y.reshape(-1, 1)
    return y


def _check_X_y(X, y, X_name, y_name):
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{X_name} must be numeric.") from exc
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"{X_name} must be 2-D (n_samples, n_features); got shape {X.shape}.")
    if X.shape[0] == 0:
        raise ValueError(f"{X_name} is empty.")
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{y_name} must have one row per sample of {X_name} ({X.shape[0]}); "
            f"got shape {y.shape}."
        )
    return X, y


def train_step(
    model,
    loss,
    X,
    y,
    *,
    optimizer,
    output=None,
    alpha=0.0,
    n_samples=None,
    sample_weight=None,
    loss_options=None,
):
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
        Transform of the raw scores before the loss (see the module notes).
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
    loss = _resolve_loss(loss)
    X, y = _check_X_y(X, y, "X", "y")
    out_layer = _resolve_output(loss, output)
    y = _prepare_target(model, X, y, loss)
    optimizer = get_optimizer(optimizer)
    options = _check_options(loss_options)
    alpha = _check_alpha(alpha)
    if n_samples is None:
        n_samples = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    elif isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Real) or not n_samples > 0:
        raise ValueError(f"n_samples must be a positive number; got {n_samples!r}.")
    return _step(model, loss, out_layer, X, y, sample_weight, optimizer, alpha / n_samples, options)


def _accuracy_fn(loss, out_layer):
    multiclass = _is_multiclass_loss(loss)
    threshold = 0.5 if out_layer is not None else 0.0

    def accuracy(y_true, outputs):
        y_true = np.asarray(y_true)
        if multiclass:
            labels = y_true if y_true.ndim == 1 else np.argmax(y_true, axis=1)
            return float(np.mean(np.argmax(outputs, axis=1) == labels))
        # elementwise: a column per label; y in {0, 1} or {-1, +1}
        return float(np.mean((outputs > threshold) == (y_true > 0)))

    return accuracy


def _resolve_metric(metric, loss, out_layer):
    if metric is None:
        return None, None
    if metric == "accuracy":
        return _accuracy_fn(loss, out_layer), "accuracy"
    if callable(metric):
        return metric, getattr(metric, "__name__", "metric")
    raise ValueError(
        f"metric must be None, 'accuracy' or a callable metric(y_true, outputs); got {metric!r}."
    )


def _evaluate(model, loss, out_layer, X, y, metric_fn, options, *, with_loss=True):
    scores = model.forward(X)
    outputs = scores if out_layer is None else out_layer.forward(scores)
    value = float(loss(y, outputs, **options)) if with_loss else None
    metric_value = None if metric_fn is None else float(metric_fn(y, outputs))
    return value, metric_value


def fit(
    model,
    loss,
    X,
    y,
    *,
    optimizer,
    epochs,
    batch_size=None,
    validation_data=None,
    metric=None,
    random_state=None,
    output=None,
    alpha=0.0,
    sample_weight=None,
    tol=None,
    n_iter_no_change=10,
    loss_options=None,
):
    """Train ``model`` on ``(X, y)`` with minibatch gradient descent; return the history.

    Every epoch shuffles the samples (with ``random_state``), runs
    :func:`train_step` on each minibatch, and records the training loss, and
    the validation loss and metrics when asked. The model and the optimizer
    are changed in place.

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
        Transform applied to the raw scores before the loss. ``None`` chooses:
        sigmoid for ``binary_cross_entropy``, softmax for
        ``categorical_cross_entropy``, identity otherwise.
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
        If the model's outputs overflow (training diverged).

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
    loss = _resolve_loss(loss)
    X, y = _check_X_y(X, y, "X", "y")
    optimizer = get_optimizer(optimizer)
    epochs = _check_int(epochs, "epochs")
    batch_size = _check_int(batch_size, "batch_size", allow_none=True)
    alpha = _check_alpha(alpha)
    n_iter_no_change = _check_int(n_iter_no_change, "n_iter_no_change")
    if tol is not None and (
        isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0
    ):
        raise ValueError(f"tol must be None or a non-negative real number; got {tol!r}.")
    options = _check_options(loss_options)
    out_layer = _resolve_output(loss, output)
    metric_fn, metric_name = _resolve_metric(metric, loss, out_layer)
    y = _prepare_target(model, X, y, loss)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=float)
        if sample_weight.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight must have shape ({X.shape[0]},); got {sample_weight.shape}."
            )
    if validation_data is not None:
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError("validation_data must be a tuple (X_val, y_val).") from None
        X_val, y_val = _check_X_y(X_val, y_val, "validation_data[0]", "validation_data[1]")
        y_val = _prepare_target(model, X_val, y_val, loss)

    rng = as_generator(random_state)
    history = History(metric_name=metric_name)
    n_samples = X.shape[0]
    total_weight = n_samples if sample_weight is None else float(np.sum(sample_weight))
    decay = alpha / total_weight if alpha > 0 else 0.0
    best_loss, no_improvement = np.inf, 0
    # One batch of every sample needs no shuffling (and stays deterministic).
    shuffle = rng if batch_size is not None and batch_size < n_samples else None
    for epoch in range(epochs):
        total, count = 0.0, 0.0
        for idx in minibatches(n_samples, batch_size, rng=shuffle):
            sw = None if sample_weight is None else sample_weight[idx]
            value = _step(model, loss, out_layer, X[idx], y[idx], sw, optimizer, decay, options)
            size = len(idx)
            total += value * size
            count += size
        history.train_loss.append(total / count)
        if metric_fn is not None:
            history.train_metric.append(
                _evaluate(model, loss, out_layer, X, y, metric_fn, options, with_loss=False)[1]
            )
        if validation_data is not None:
            val_loss, val_metric = _evaluate(model, loss, out_layer, X_val, y_val, metric_fn, options)
            history.val_loss.append(val_loss)
            if metric_fn is not None:
                history.val_metric.append(val_metric)
        if tol is not None:
            current = history.train_loss[-1]
            no_improvement = no_improvement + 1 if current > best_loss - tol else 0
            best_loss = min(best_loss, current)
            if no_improvement > n_iter_no_change and epoch < epochs - 1:
                history.stopped_early = True
                break
    return history
