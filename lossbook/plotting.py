"""Plotting helpers: each takes a matplotlib ``Axes`` (or makes one) and returns it.

Pass ``ax=`` to draw into a figure of your own (a panel of ``plt.subplots``);
without it a new figure and axes are created with ``plt.subplots()``. Only
the object-oriented Axes API is used, so the helpers work with any backend,
the non-interactive ``Agg`` included. matplotlib is imported when a helper
is first called, not with :mod:`lossbook`.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from lossbook.plotting import plot_loss_vs_error
>>> fig, ax = plt.subplots()
>>> plot_loss_vs_error(["mse", "mae", "huber"], ax=ax) is ax
True
>>> len(ax.get_lines())
3
>>> plt.close(fig)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._loss import get_loss

__all__ = ["plot_loss_curve", "plot_fit", "plot_confusion_matrix", "plot_loss_vs_error"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    elif not hasattr(ax, "plot"):
        raise ValueError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return ax


def _finite_1d(values: Any, name: str) -> np.ndarray:
    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric.") from exc
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence; got shape {values.shape}.")
    return values


def plot_loss_curve(history_or_curve: Any, *, ax: Any = None, label: str | None = None) -> Any:
    """Plot loss against epoch.

    Parameters
    ----------
    history_or_curve : History, fitted estimator or sequence of float
        A :class:`lossbook.History` (its training loss, and its validation loss
        when there is one: two lines), an estimator with ``loss_curve_`` (such as
        :class:`lossbook.LossClassifier` or scikit-learn's ``MLPClassifier``), or
        the per-epoch losses themselves.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    label : str, optional
        Legend label (for a History, a prefix to "train" and "validation").

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import lossbook as lb
    >>> from lossbook.plotting import plot_loss_curve
    >>> history = lb.History(train_loss=[1.0, 0.6, 0.5], val_loss=[1.1, 0.8, 0.7])
    >>> ax = plot_loss_curve(history)
    >>> [line.get_label() for line in ax.get_lines()]
    ['train', 'validation']
    """
    ax = _axes(ax)
    curves: list[tuple[Any, str | None]] = []
    if hasattr(history_or_curve, "train_loss") and hasattr(history_or_curve, "val_loss"):
        prefix = "" if label is None else f"{label} "
        curves.append((history_or_curve.train_loss, f"{prefix}train"))
        if len(history_or_curve.val_loss):
            curves.append((history_or_curve.val_loss, f"{prefix}validation"))
    elif hasattr(history_or_curve, "loss_curve_"):
        curves.append((history_or_curve.loss_curve_, label))
    else:
        curves.append((history_or_curve, label))
    for curve, curve_label in curves:
        curve = _finite_1d(curve, "history_or_curve")
        ax.plot(np.arange(1, curve.size + 1), curve, label=curve_label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if any(curve_label is not None for _, curve_label in curves):
        ax.legend()
    return ax


def _default_label(model, i):
    if hasattr(model, "predict"):
        loss = getattr(model, "loss", None)
        name = getattr(loss, "name", loss)
        return type(model).__name__ if name is None else str(name)
    return f"prediction {i}" if i else "prediction"


def plot_fit(X: ArrayLike, y: ArrayLike, models_or_predictions: Any, *, ax: Any = None) -> Any:
    """Scatter one-feature data and draw each model's fitted curve.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1) or (n_samples,)
        The single feature.
    y : array-like of shape (n_samples,)
        Targets.
    models_or_predictions : estimator, array, or a list or dict of them
        Fitted models (anything with ``predict``), drawn on a grid of 200
        points across the range of ``X``, or predictions at ``X`` (arrays of
        shape (n_samples,)). A dict maps legend labels to them; otherwise the
        label is the model's loss (or class name).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        With one scatter collection for the data and one line per model.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import lossbook as lb
    >>> from lossbook.datasets import line_with_outliers
    >>> from lossbook.plotting import plot_fit
    >>> X, y = line_with_outliers()
    >>> models = {loss: lb.LossRegressor(loss, random_state=0).fit(X, y) for loss in ["mse", "mae"]}
    >>> ax = plot_fit(X, y, models)
    >>> len(ax.collections), [line.get_label() for line in ax.get_lines()]
    (1, ['mse', 'mae'])
    """
    ax = _axes(ax)
    X = np.asarray(X, dtype=float)
    if X.ndim == 2 and X.shape[1] == 1:
        x = X[:, 0]
    elif X.ndim == 1:
        x = X
    else:
        raise ValueError(f"X must have shape (n_samples, 1) or (n_samples,); got {X.shape}.")
    y = _finite_1d(y, "y")
    if y.shape != x.shape:
        raise ValueError(f"y must have shape {x.shape} (one value per row of X); got {y.shape}.")
    if isinstance(models_or_predictions, dict):
        items = list(models_or_predictions.items())
    else:
        entries = models_or_predictions
        single = hasattr(entries, "predict") or (
            np.ndim(entries) == 1 and not any(hasattr(e, "predict") for e in entries)
            and len(entries) == x.size and np.isscalar(entries[0])
        )
        entries = [entries] if single else list(entries)
        items = [(_default_label(entry, i), entry) for i, entry in enumerate(entries)]
    ax.scatter(x, y, s=12, color="0.5", label="data")
    grid = np.linspace(x.min(), x.max(), 200)
    order = np.argsort(x)
    for label, entry in items:
        if hasattr(entry, "predict"):
            ax.plot(grid, np.ravel(entry.predict(grid.reshape(-1, 1))), label=label)
        else:
            pred = _finite_1d(entry, f"predictions {label!r}")
            if pred.shape != x.shape:
                raise ValueError(
                    f"predictions {label!r} must have shape {x.shape}; got {pred.shape}."
                )
            ax.plot(x[order], pred[order], label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    return ax


def plot_confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, *, ax: Any = None, labels: Any = None) -> Any:
    """Draw the confusion matrix as an image with the count in each cell.

    Rows are true classes, columns predicted classes, as in
    :func:`sklearn.metrics.confusion_matrix` (which computes the counts).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    labels : array-like, optional
        Classes to show, in order; by default every class in ``y_true`` or ``y_pred``, sorted.

    Returns
    -------
    matplotlib Axes
        With one image and one text per cell.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from lossbook.plotting import plot_confusion_matrix
    >>> ax = plot_confusion_matrix(["cat", "dog", "dog"], ["cat", "cat", "dog"])
    >>> [text.get_text() for text in ax.texts]
    ['1', '0', '1', '1']
    """
    from sklearn.metrics import confusion_matrix
    from sklearn.utils.multiclass import unique_labels

    ax = _axes(ax)
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    ax.imshow(cm, cmap="Blues", interpolation="nearest")
    high = cm.max() / 2.0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(
                j, i, str(cm[i, j]), ha="center", va="center",
                color="white" if cm[i, j] > high else "black",
            )
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(label) for label in labels])
    ax.set_yticks(ticks)
    ax.set_yticklabels([str(label) for label in labels])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return ax


def plot_loss_vs_error(losses: Any, *, errors: ArrayLike | None = None, ax: Any = None) -> Any:
    """Plot each loss of one sample against its error (or score).

    Losses on predictions are drawn against the error ``e = y_pred - y_true``
    (with ``y_true = 0``). Losses on logits or decision values are drawn against
    the score ``z`` of a positive example (``y_true = 1``), so that
    ``binary_cross_entropy_with_logits``, ``sigmoid_focal`` and ``hinge`` can be
    compared; ``z > 0`` is a correct prediction. Losses on probabilities are
    refused: plot their ``_with_logits`` twin.

    Parameters
    ----------
    losses : list or dict
        Loss names or loss objects; a dict maps legend labels to a loss, or to
        a ``(loss, options)`` pair such as ``("huber", {"delta": 2.0})``.
    errors : array-like of shape (n_points,), optional
        The errors (or scores) to evaluate; ``np.linspace(-3, 3, 301)`` by default.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        With one line per loss.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from lossbook.plotting import plot_loss_vs_error
    >>> ax = plot_loss_vs_error({"MSE": "mse", "Huber, delta=2": ("huber", {"delta": 2.0})})
    >>> [line.get_label() for line in ax.get_lines()], ax.get_xlabel()
    (['MSE', 'Huber, delta=2'], 'error  y_pred - y_true')
    """
    ax = _axes(ax)
    errors = np.linspace(-3.0, 3.0, 301) if errors is None else _finite_1d(errors, "errors")
    if isinstance(losses, dict):
        items = list(losses.items())
    elif isinstance(losses, (list, tuple)):
        items = [(None, loss) for loss in losses]
    else:
        items = [(None, losses)]
    if not items:
        raise ValueError("losses is empty.")
    resolved = []
    for label, entry in items:
        options = {}
        if isinstance(entry, tuple):
            entry, options = entry
        loss = get_loss(entry)
        name = loss.name
        if loss.input == "probability" or loss.unreduced_shape((1, 2)) != (1, 2):
            takes = "probabilities" if loss.input == "probability" else "a row of scores per sample"
            raise ValueError(
                f"losses: {name!r} takes {takes}; plot_loss_vs_error draws elementwise losses "
                "of an error or a score (use binary_cross_entropy_with_logits for cross-entropy)."
            )
        resolved.append((name if label is None else label, loss, loss.input, options))
    kinds = {"error" if kind == "prediction" else "score" for _, _, kind, _ in resolved}
    if len(kinds) > 1:
        raise ValueError(
            "losses mixes losses of an error (regression) with losses of a score "
            "(classification); draw them on separate axes."
        )
    if kinds == {"error"}:
        y_true = np.zeros_like(errors)
        ax.set_xlabel("error  y_pred - y_true")
    else:
        y_true = np.ones_like(errors)
        ax.set_xlabel("score z of a positive example (y_true = 1)")
    for label, loss, _, options in resolved:
        values = loss(y_true, errors, reduction="none", **options)
        ax.plot(errors, np.asarray(values, dtype=float), label=label)
    ax.set_ylabel("loss")
    ax.legend()
    return ax
