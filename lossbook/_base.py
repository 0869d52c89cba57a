"""The loss object: one value and its gradient, from one validated input.

Every loss in lossbook is an instance of a :class:`Loss` subclass. A subclass
states which options it takes, how to validate ``y_true`` and ``y_pred``, and
one ``_forward`` method that computes the unreduced loss and, when asked, its
derivative with respect to ``y_pred``, side by side so the two cannot drift
apart. This module turns that into the public calls (``loss(...)``,
``loss.gradient(...)``, ``loss.value_and_gradient(...)``) with the shared
reductions and sample weights.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_finite,
    check_reduction,
    check_same_shape,
    check_sample_weight,
)

__all__ = ["Loss", "make_loss", "get_loss", "LOSSES"]

#: Every built-in loss by name, filled in as the topic modules are imported.
LOSSES: dict[str, "Loss"] = {}


def _register(loss):
    LOSSES[loss.name] = loss
    return loss


def fill_doc(**parts):
    """Class decorator: replace ``<<KEY>>`` lines of the docstring by shared text.

    Each part is unindented text; it is indented to match the placeholder.
    """

    def decorate(cls):
        lines = []
        for line in cls.__doc__.split("\n"):
            key = line.strip()
            if key.startswith("<<") and key.endswith(">>"):
                indent = line[: len(line) - len(line.lstrip())]
                lines.extend(indent + part if part else "" for part in parts[key[2:-2]].split("\n"))
            else:
                lines.append(line)
        cls.__doc__ = "\n".join(lines)
        return cls

    return decorate


class Loss:
    """Base class of every loss.

    Calling a loss returns its reduced value; :meth:`gradient` returns the
    derivative of that same value with respect to ``y_pred``; and
    :meth:`value_and_gradient` returns both from one pass over the data.

    Subclasses set :attr:`name`, :attr:`input` and :attr:`options` and
    implement ``_forward``; see :func:`make_loss` to build a loss from two
    plain functions instead.
    """

    #: Short name, as accepted by :func:`get_loss`.
    name = "loss"
    #: What ``y_pred`` holds: ``"prediction"``, ``"probability"``, ``"logit"`` or ``"decision"``.
    input = "prediction"
    #: Keyword options and their defaults.
    options: dict = {}
    #: True when the unreduced loss has one value per sample (the losses sum over classes).
    per_sample = False

    # -- public calls -------------------------------------------------------

    def __call__(self, y_true, y_pred, *, reduction="mean", sample_weight=None, **options):
        """Return the loss of ``y_pred`` against ``y_true``.

        Parameters
        ----------
        y_true : array_like
            Targets.
        y_pred : array_like
            Predictions (see the loss's own documentation for what they hold).
        reduction : {"mean", "sum", "none"}, default "mean"
            ``"none"`` returns the unreduced losses, ``"sum"`` adds them up and
            ``"mean"`` divides the sum by the total weight.
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weight of each sample (row).
        **options
            The loss's own keyword options.

        Returns
        -------
        float or ndarray
            A float, or an array for ``reduction="none"``.
        """
        value, _ = self._run(y_true, y_pred, reduction, sample_weight, options, True, False)
        return value

    def gradient(self, y_true, y_pred, *, reduction="mean", sample_weight=None, **options):
        """Return the gradient of the loss with respect to ``y_pred``.

        Takes the same arguments as calling the loss. The result has the shape
        of ``y_pred`` and is the derivative of the value that the same call
        returns; for ``reduction="none"`` it is the derivative of each
        element's (or each sample's) own loss.
        """
        _, grad = self._run(y_true, y_pred, reduction, sample_weight, options, False, True)
        return grad

    def value_and_gradient(self, y_true, y_pred, *, reduction="mean", sample_weight=None, **options):
        """Return ``(value, gradient)``, computing their shared work once."""
        return self._run(y_true, y_pred, reduction, sample_weight, options, True, True)

    def __repr__(self):
        return f"lossbook.{self.name}"

    # -- the machinery shared by every loss -----------------------------------

    def _run(self, y_true, y_pred, reduction, sample_weight, options, need_value, need_grad):
        check_reduction(reduction)
        opts = self._check_options(options)
        y_true, y_pred = self._validate(y_true, y_pred, opts)
        n_samples = y_pred.shape[0]
        weight = check_sample_weight(sample_weight, n_samples)
        if need_value and reduction != "none" and weight is None:
            # Only the plain sum of the unreduced losses is needed: a kernel may
            # return that sum directly when it has a faster way to compute it.
            need_value = "sum"
        loss, grad, row_weight = self._forward(y_true, y_pred, opts, need_value, need_grad)
        return _reduce(loss, grad, weight, row_weight, reduction, self.per_sample, y_pred.shape)

    def _check_options(self, options):
        opts = dict(self.options)
        for key, value in options.items():
            if key not in opts:
                valid = ", ".join(self.options) or "none"
                raise TypeError(
                    f"{self.name}() got an unexpected keyword argument {key!r} "
                    f"(its options: {valid})"
                )
            opts[key] = value
        return self._validate_options(opts)

    def _validate_options(self, opts):
        return opts

    def _validate(self, y_true, y_pred, opts):
        """Default validation: two finite real arrays of the same shape."""
        y_true = as_float_array(y_true, "y_true")
        y_pred = as_float_array(y_pred, "y_pred")
        check_same_shape(y_true, y_pred)
        check_finite(y_true, "y_true")
        check_finite(y_pred, "y_pred")
        return y_true, y_pred

    def _forward(self, y_true, y_pred, opts, need_value, need_grad):  # pragma: no cover
        """Return ``(loss, grad, row_weight)`` for validated input.

        ``loss`` is the unreduced loss when ``need_value`` is true (or, when
        ``need_value == "sum"``, optionally already summed to a scalar);
        ``grad`` its elementwise derivative when ``need_grad``; ``row_weight``
        the per-sample weight the mean divides by, or None. Either may be None
        when not needed. The arrays returned must be new (they are scaled in place).
        """
        raise NotImplementedError


def _reduce(loss, grad, weight, row_weight, reduction, per_sample, shape):
    """Apply sample weights and the reduction to an unreduced loss and its gradient.

    ``loss`` has the shape of ``y_pred`` (elementwise losses) or (n_samples,)
    (per-sample losses); ``grad`` has the shape of ``y_pred``. ``row_weight``,
    when given, is a per-sample weight already folded into ``loss`` that the
    ``"mean"`` divides by (the weight of each sample's true class).
    """
    n_samples = shape[0]
    if weight is not None:
        if loss is not None:
            loss = loss * weight.reshape((-1,) + (1,) * (loss.ndim - 1))
        if grad is not None:
            grad = grad * weight.reshape((-1,) + (1,) * (grad.ndim - 1))
    if reduction == "none":
        return loss, grad
    if reduction == "sum":
        return (None if loss is None else _total(loss)), grad
    # "mean": divide by the total weight.
    outputs_per_sample = 1 if per_sample else int(np.prod(shape[1:], dtype=np.int64))
    if row_weight is not None:
        total = float((row_weight * weight).sum()) if weight is not None else float(row_weight.sum())
        if not total > 0:
            raise ValueError(
                "the weights of the samples' true classes sum to zero "
                "(class_weight times sample_weight), so the mean is undefined"
            )
    elif weight is not None:
        total = float(weight.sum()) * outputs_per_sample
    else:
        total = float(n_samples * outputs_per_sample)
    value = None if loss is None else _total(loss) / total
    if grad is not None:
        grad *= 1.0 / total
    return value, grad


def _total(loss):
    """The sum of the unreduced losses (a kernel may have summed them already)."""
    return float(loss) if np.ndim(loss) == 0 else float(np.add.reduce(loss, axis=None))


class _FunctionLoss(Loss):
    """An elementwise loss made from two plain functions (see :func:`make_loss`)."""

    def __init__(self, value, gradient, name, input):
        self._value_fn = value
        self._gradient_fn = gradient
        self.name = name
        self.input = input
        self.__doc__ = value.__doc__ or f"The elementwise loss {name!r}, made with lossbook.make_loss."

    def _forward(self, y_true, y_pred, opts, need_value, need_grad):
        loss = grad = None
        if need_value:
            loss = self._checked(self._value_fn, "value", y_true, y_pred)
        if need_grad:
            grad = self._checked(self._gradient_fn, "gradient", y_true, y_pred)
        return loss, grad, None

    def _checked(self, fn, what, y_true, y_pred):
        out = np.asarray(fn(y_true, y_pred), dtype=np.float64)
        if out.shape != y_pred.shape:
            raise ValueError(
                f"the {what} function of loss {self.name!r} must return an array shaped like "
                f"y_pred {y_pred.shape}, one entry per element, got shape {out.shape}"
            )
        # The functions get read-only views of validated data; give back our own copy.
        return out.copy() if np.may_share_memory(out, y_pred) or np.may_share_memory(out, y_true) else out


def make_loss(value, gradient, *, name="custom", input="prediction"):
    """Make a loss object from an elementwise value function and its derivative.

    The result behaves like a built-in elementwise loss: it validates its
    input the same way, supports every ``reduction`` and ``sample_weight``,
    and works with :func:`check_gradient`, :class:`LossRegressor` and the
    training loop.

    Parameters
    ----------
    value : callable
        ``value(y_true, y_pred)`` returning the loss of each element, an array
        shaped like ``y_pred``. Both arguments are float64 arrays of the same
        shape, already checked to be finite.
    gradient : callable
        ``gradient(y_true, y_pred)`` returning the derivative of each element's
        loss with respect to its ``y_pred``, shaped like ``y_pred``.
    name : str, default "custom"
        The loss's name, used in messages.
    input : {"prediction", "probability", "logit", "decision"}, default "prediction"
        What ``y_pred`` holds; the estimators use it to pick an output layer.

    Returns
    -------
    Loss
        A loss object with ``__call__``, ``gradient`` and ``value_and_gradient``.

    Examples
    --------
    A squared error on the log scale, written by hand:

    >>> import numpy as np
    >>> import lossbook as lb
    >>> def value(y_true, y_pred):
    ...     return (np.log1p(y_pred) - np.log1p(y_true)) ** 2
    >>> def gradient(y_true, y_pred):
    ...     return 2 * (np.log1p(y_pred) - np.log1p(y_true)) / (1 + y_pred)
    >>> msle = lb.make_loss(value, gradient, name="msle")
    >>> round(msle([1.0, 2.0], [1.5, 2.0]), 4)
    0.0249
    >>> lb.check_gradient(msle, [1.0, 2.0], [1.5, 2.5]) < 1e-6
    True
    """
    if not callable(value) or not callable(gradient):
        raise TypeError("value and gradient must both be callables taking (y_true, y_pred)")
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if input not in ("prediction", "probability", "logit", "decision"):
        raise ValueError(
            "input must be one of 'prediction', 'probability', 'logit', 'decision', "
            f"got {input!r}"
        )
    return _FunctionLoss(value, gradient, name, input)


def get_loss(loss):
    """Return the loss object for a name, or ``loss`` itself if it is already one.

    Parameters
    ----------
    loss : str or Loss
        A built-in loss's name (``"mse"``, ``"binary_cross_entropy"``, ...) or
        a loss object.

    Returns
    -------
    Loss

    Examples
    --------
    >>> import lossbook as lb
    >>> lb.get_loss("huber")
    lossbook.huber
    """
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        try:
            return LOSSES[loss]
        except KeyError:
            raise ValueError(
                f"unknown loss {loss!r}; the built-in losses are: {', '.join(sorted(LOSSES))}"
            ) from None
    raise TypeError(f"loss must be a loss name or a lossbook Loss object, got {loss!r}")
