"""One way to write a loss: a kernel and a declaration, for lossbook's losses and yours.

A *kernel* is a plain function ``kernel(y_true, y_pred, **options)`` that returns
the unreduced loss and its derivative with respect to ``y_pred``, side by side,
so the two cannot drift apart (as micrograd writes each operation's value next
to its derivative). :func:`make_loss` turns it into a :class:`Loss` from a
declaration: the loss's name, what ``y_pred`` holds, the form of ``y_true``, and
its options (:class:`Option`: name, default, allowed values, meaning). From that
one declaration come

- the validation of every argument, before the kernel runs;
- the public signature (``inspect.signature(lb.huber)`` shows ``delta=1.0``);
- the docstring's Parameters and Returns sections;
- the reductions and the sample (and class) weights, in :mod:`lossbook._reduction`,
  which the kernel never sees.

Every built-in loss in :mod:`lossbook.regression`, :mod:`lossbook.binary` and
:mod:`lossbook.multiclass` is written this way, and so is chapter 6's own loss.
"""

from __future__ import annotations

import inspect
import math
import sys
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import Total, row_factors, scale_into
from ._targets import ACTIVATIONS, INPUTS, TARGETS, Targets
from ._validation import (
    REDUCTIONS,
    as_float_array,
    check_choice,
    check_reduction,
    check_sample_weight,
    check_scalar,
    interval,
    show,
)

__all__ = ["Option", "Loss", "make_loss", "get_loss", "LOSSES"]

_REDUCTIONS = frozenset(REDUCTIONS)

#: Every built-in loss by name (filled in as the topic modules are imported).
LOSSES: dict[str, "Loss"] = {}

_P = inspect.Parameter


class Option:
    """One keyword option of a loss: its name, default, allowed values and meaning.

    Parameters
    ----------
    name : str
        The keyword.
    default : object
        Its default. A default of None means None is allowed.
    within : str or tuple
        The allowed real values as an interval, ``"(0, inf)"``, ``"[0, 1)"``, ...;
        or a tuple of the allowed values (strings, say).
    doc : str
        One or two sentences for the docstring's Parameters section.
    per : {None, "label", "class"}, default None
        None for a scalar. ``"label"``: a scalar or one value per label (the last
        axis of ``y_pred``), each in ``within``. ``"class"``: one weight per class
        (the multi-class losses' ``class_weight``, applied to the targets).

    Examples
    --------
    >>> import lossbook as lb
    >>> delta = lb.Option("delta", 1.0, "(0, inf)", "Where the loss turns linear.")
    >>> delta.check(2)
    2.0
    >>> delta.check(-1.0)
    Traceback (most recent call last):
    ...
    ValueError: delta must be in (0, inf), got -1.0
    """

    def __init__(self, name: str, default: Any, within: Any, doc: str, *, per: str | None = None):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"an option's name must be a Python identifier, got {name!r}")
        if name in ("reduction", "sample_weight", "y_true", "y_pred"):
            raise ValueError(f"{name!r} is an argument of every loss, not an option")
        check_choice(per, "per", (None, "label", "class"))
        if isinstance(within, str):
            interval(within)  # parse now: a bad declaration fails at definition time
        elif not isinstance(within, tuple) or not within:
            raise TypeError(f"within must be an interval such as '(0, inf)' or a tuple of values, got {within!r}")
        self.name = name
        self.default = default
        self.within = within
        self.doc = doc
        self.per = per
        if default is not None and per != "class":
            self.check(default)

    def check(self, value: Any, y_pred_shape: tuple | None = None) -> Any:
        """Return the validated ``value`` (floats as Python floats), or raise."""
        if value is None and self.default is None:
            return None
        if isinstance(self.within, tuple):
            return check_choice(value, self.name, self.within)
        if self.per is None:
            return check_scalar(value, self.name, self.within, allow_none=self.default is None)
        if self.per == "class":
            return value  # validated with the targets, which know the number of classes
        # per="label": a scalar, or one value per label.
        if np.ndim(value) == 0:
            scalar = value.item() if isinstance(value, np.ndarray) else value
            return check_scalar(scalar, self.name, self.within, allow_none=self.default is None)
        arr = as_float_array(value, self.name, np.dtype(np.float64))
        if y_pred_shape is not None:
            n_labels = y_pred_shape[-1] if len(y_pred_shape) >= 2 else None
            if arr.ndim != 1 or n_labels is None or arr.shape[0] != n_labels:
                expected = f"a scalar or shape ({n_labels},)" if n_labels else "a scalar (y_pred is 1-D)"
                raise ValueError(
                    f"{self.name} must be {expected}, one value per label, got shape {arr.shape}"
                )
        bad = [v for v in arr.ravel() if not interval(self.within).contains(v)]
        if bad:
            raise ValueError(f"{self.name} must hold values in {self.within}, but holds {show(bad[0])}")
        return arr

    def annotation(self) -> str:
        """The option's type, as text for the signature."""
        if isinstance(self.within, tuple):
            kind = "str"
        else:
            kind = {"label": "float | ArrayLike", "class": "ArrayLike"}.get(self.per or "", "float")
        return kind + (" | None" if self.default is None else "")

    def describe(self) -> str:
        """The option's entry in a numpydoc Parameters section."""
        if isinstance(self.within, tuple):
            kind = "{" + ", ".join(repr(v) for v in self.within) + "}"
            allowed = ""
        else:
            kind = {"label": "float or array_like of shape (n_labels,)",
                    "class": "array_like of shape (n_classes,)"}.get(self.per or "", "float")
            allowed = f" Must be in {self.within}." if self.per != "class" else ""
        default = "None" if self.default is None else repr(self.default)
        if self.default is None:
            kind += " or None"
        return f"{self.name} : {kind}, default {default}\n    {self.doc}{allowed}"

    def __repr__(self) -> str:
        return f"Option({self.name!r}, {self.default!r}, {self.within!r})"


class Loss:
    """A loss: call it for the value; ``loss.gradient`` and ``loss.value_and_gradient``.

    Made by :func:`make_loss` from a kernel and a declaration; every built-in
    loss is one. Calling the loss returns its reduced value; ``loss.gradient``
    returns the derivative of that same value with respect to ``y_pred`` (shaped
    like ``y_pred``); ``loss.value_and_gradient`` returns both from one pass.
    Each of the three takes ``(y_true, y_pred, *, reduction="mean",
    sample_weight=None, **options)``, the options being the loss's own (see
    ``loss.options`` and ``help(loss)``).

    Attributes
    ----------
    name : str
        Short name, as :func:`get_loss` accepts it.
    input : {"prediction", "probability", "logit", "log_rate", "decision"}
        What ``y_pred`` holds.
    activation : {"identity", "sigmoid", "softmax", "exp"}
        The function that turns a network's raw scores into what the loss is
        about: for a probability loss, the output layer the training loop adds
        before the loss; for a logit loss, the one it applies inside; for
        predictions and decision values, the identity.
    targets : str
        The form of ``y_true``: ``"real"``, ``"binary"``, ``"signed"``,
        ``"counts"``, ``"classes"`` or ``"mean_and_log_variance"``.
    per_sample : bool
        True when the unreduced loss has one value per sample (the multi-class
        losses sum over the classes).
    options : dict of str to Option
        The loss's keyword options.
    kernel : callable
        The function that computes the unreduced loss and its derivative.
    formula : str or None
        The loss of one element (or sample), in LaTeX.
    counterparts : dict of str to str
        The same loss in other libraries (``"PyTorch"``, ``"Keras"``, ``"scikit-learn"``).
    """

    formula: str | None = None
    counterparts: dict = {}

    def __init__(self, kernel: Callable, *, name: str, input: str, targets: str,
                 options: tuple, activation: str, total: Callable | None, doc: str | None,
                 total_propagates_nan: bool = False):
        self.kernel = kernel
        self.name = name
        self.input = input
        self.activation = activation
        self._targets: Targets = TARGETS[targets]
        self.targets = targets
        self.per_sample = self._targets.per_sample
        self.options = {opt.name: opt for opt in options}
        self.total = total
        self.total_propagates_nan = total_propagates_nan
        self._defaults = {opt.name: opt.default for opt in options}
        target_side = getattr(self._targets, "target_options", ())
        self._kernel_options = tuple(n for n in self.options if n not in target_side)
        self._kernel_defaults = {n: self._defaults[n] for n in self._kernel_options}
        self.__name__ = self.__qualname__ = name
        self.__module__ = getattr(kernel, "__module__", None) or "lossbook"
        self.__signature__ = _signature(self.options.values())
        self.__doc__ = _loss_doc(self, doc)
        self.gradient = _entry_point(self, need_value=False, need_grad=True)
        self.value_and_gradient = _entry_point(self, need_value=True, need_grad=True)

    def __call__(self, y_true: ArrayLike, y_pred: ArrayLike, *, reduction: str = "mean",
                 sample_weight: ArrayLike | None = None, **options: Any) -> Any:
        return self._run(y_true, y_pred, reduction, sample_weight, options, True, False)[0]

    def __get__(self, obj, objtype=None):
        # A loss stored as a class attribute stays the loss (as a staticmethod does);
        # this also makes help() and inspect treat it as the function it behaves like.
        return self

    def __repr__(self) -> str:
        return f"lossbook.{self.name}"

    def __reduce__(self):
        # A loss defined at a module's top level (every built-in one, and a reader's made
        # with the decorator) pickles as a reference to that name, as functions do, and
        # unpickles (and deep-copies) to itself. Another is rebuilt from its kernel.
        if getattr(sys.modules.get(self.__module__), self.name, None) is self:
            return self.name
        declaration = dict(name=self.name, input=self.input, targets=self.targets,
                           options=tuple(self.options.values()), activation=self.activation,
                           total=self.total, formula=self.formula, counterparts=self.counterparts,
                           total_propagates_nan=self.total_propagates_nan)
        return _rebuild, (self.kernel, declaration)

    def unreduced_shape(self, y_pred_shape: tuple) -> tuple:
        """The shape of ``reduction="none"``'s result for a ``y_pred`` of this shape."""
        return self._targets.loss_shape(tuple(y_pred_shape))

    # -- the one path every call takes --------------------------------------------

    def _run(self, y_true, y_pred, reduction, sample_weight, options, need_value, need_grad):
        # 1. Validate: the reduction, the options (their declared ranges), the arrays.
        if reduction not in _REDUCTIONS:
            check_reduction(reduction)
        opts = self._check_options(options) if options else self._defaults
        # A total through which NaN and infinity propagate checks the inputs' finiteness for us
        # (see make_loss's total_propagates_nan): the checks wait until its result is not finite.
        defer = (self.total_propagates_nan and need_value and not need_grad and reduction != "none"
                 and sample_weight is None)
        y_true, y_pred = self._targets.validate(y_true, y_pred, self.input, finite=not defer)
        weight = None if sample_weight is None else check_sample_weight(sample_weight, y_pred.shape[0])
        if options:
            for name in self._kernel_options:
                if self.options[name].per == "label" and isinstance(opts[name], np.ndarray):
                    opts[name] = self.options[name].check(opts[name], y_pred.shape).astype(y_pred.dtype)
        # 2. The targets' options (label smoothing, class weights) act on the targets.
        targets, row_weight = self._targets.prepare(y_true, y_pred, opts, reduction)
        kernel_opts = {name: opts[name] for name in self._kernel_options} if options else self._kernel_defaults
        loss_shape = self._targets.loss_shape(y_pred.shape)
        count = math.prod(loss_shape)
        factor = row_factors(reduction, loss_shape, weight, row_weight)
        targets, y_pred = _readonly(targets), _readonly(y_pred)
        blocks = _blocks(y_pred.shape)
        # 3. The value alone, through the loss's fast path when it has one.
        if (self.total is not None and need_value and not need_grad and reduction != "none"
                and weight is None and row_weight is None):
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                if len(blocks) == 1:
                    fast = float(self.total(targets, y_pred, **kernel_opts))
                else:
                    fast = sum(float(self.total(targets[b], y_pred[b], **kernel_opts)) for b in blocks)
            if math.isfinite(fast):  # else the kernel's path tells an infinite loss from an overflow
                return (fast if reduction == "sum" else fast / count), None
            if defer:  # the deferred checks: an error for NaN or infinity in the input
                self._targets.validate(y_true, y_pred, self.input)
        # 4. The kernel, block by block; each block's results weighted into the outputs.
        grad = np.empty(y_pred.shape, y_pred.dtype) if need_grad else None
        losses = np.empty(loss_shape, y_pred.dtype) if need_value and reduction == "none" else None
        per_row = isinstance(factor, np.ndarray)
        plain_mean = reduction == "mean" and not per_row  # adds plain losses, divides at the end
        total = Total()

        def weigh(b, loss_b, grad_b, f, absent=None):
            if grad is not None:
                scale_into(grad[b], grad_b, f, absent)
            if losses is not None:
                scale_into(losses[b], loss_b, f, absent)
            elif need_value:
                total.add(loss_b if not per_row else _weighted(loss_b, f, absent))

        with np.errstate(over="ignore", under="ignore"):
            for b in blocks:
                loss_b, grad_b = self._call_kernel(targets[b], y_pred[b], kernel_opts)
                f = factor[b] if per_row else factor
                try:
                    with np.errstate(invalid="raise"):
                        weigh(b, loss_b, grad_b, f)
                except FloatingPointError:
                    # Rare: a NaN from two infinities. 0 * inf: a row of factor 0 (a weight of 0,
                    # or a share w_i / W that underflows) is an absent sample, whose terms are 0
                    # even where its loss or gradient is infinite; the block again, those rows 0.
                    # Or losses of inf and -inf in one sum (both beyond the range): NaN it is.
                    with np.errstate(invalid="ignore"):
                        weigh(b, loss_b, grad_b, f, absent=f == 0.0 if per_row else None)
        if not need_value:
            return None, grad
        if reduction == "none":
            return losses, grad
        return total.divided_by(count if plain_mean else 1), grad

    def _check_options(self, options: dict) -> dict:
        opts = dict(self._defaults)
        for key, value in options.items():
            if key not in opts:
                valid = ", ".join(self.options) or "none"
                raise TypeError(
                    f"{self.name}() got an unexpected keyword argument {key!r} (its options: {valid})"
                )
            opts[key] = self.options[key].check(value)
        return opts

    def _call_kernel(self, targets, y_pred, kernel_opts):
        """One block through the kernel; its two arrays checked for shape and type."""
        out = self.kernel(targets, y_pred, **kernel_opts)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(
                f"the kernel of loss {self.name!r} must return a pair (loss, gradient), "
                f"got {type(out).__name__}"
            )
        loss_shape = self._targets.loss_shape(y_pred.shape)
        checked = []
        for what, arr, shape in (("loss", out[0], loss_shape), ("gradient", out[1], y_pred.shape)):
            arr = np.asarray(arr)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"the {what} returned by the kernel of loss {self.name!r} is not real numbers")
            if arr.shape != shape:
                one = "sample" if what == "loss" and self.per_sample else "element of y_pred"
                raise ValueError(
                    f"the kernel of loss {self.name!r} must return the unreduced {what}, one "
                    f"entry per {one}: shape {shape}, got shape {arr.shape}"
                )
            checked.append(arr)
        return checked


#: Elements per block: the kernel runs on blocks of rows this large, so its temporary
#: arrays stay in the CPU's cache and its peak memory is that of its outputs.
BLOCK_SIZE = 1 << 15


def _weighted(values: np.ndarray, factor: np.ndarray, absent: np.ndarray | None) -> np.ndarray:
    """``values`` times the rows' factors (absent rows 0), as a new array."""
    out = np.empty(values.shape, np.result_type(values, factor))
    scale_into(out, values, factor, absent)
    return out


def _blocks(shape: tuple) -> list:
    """Slices of the first axis covering about ``BLOCK_SIZE`` elements each."""
    row = math.prod(shape[1:])
    if shape[0] * row <= BLOCK_SIZE:
        return [slice(None)]
    rows = max(1, BLOCK_SIZE // max(row, 1))
    return [slice(start, start + rows) for start in range(0, shape[0], rows)]


def _readonly(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def _signature(options) -> inspect.Signature:
    params = [
        _P("y_true", _P.POSITIONAL_OR_KEYWORD, annotation="ArrayLike"),
        _P("y_pred", _P.POSITIONAL_OR_KEYWORD, annotation="ArrayLike"),
        _P("reduction", _P.KEYWORD_ONLY, default="mean", annotation="str"),
        _P("sample_weight", _P.KEYWORD_ONLY, default=None, annotation="ArrayLike | None"),
    ]
    params += [_P(opt.name, _P.KEYWORD_ONLY, default=opt.default, annotation=opt.annotation())
               for opt in options]
    return inspect.Signature(params, return_annotation="float | np.ndarray")


def _entry_point(loss: Loss, need_value: bool, need_grad: bool) -> Callable:
    """``loss.gradient`` or ``loss.value_and_gradient``, with the loss's own signature."""

    def method(y_true: ArrayLike, y_pred: ArrayLike, *, reduction: str = "mean",
               sample_weight: ArrayLike | None = None, **options: Any) -> Any:
        value, grad = loss._run(y_true, y_pred, reduction, sample_weight, options, need_value, need_grad)
        return (value, grad) if need_value else grad

    kind = "value_and_gradient" if need_value else "gradient"
    method.__name__ = kind
    method.__qualname__ = f"{loss.name}.{kind}"
    method.__signature__ = loss.__signature__  # type: ignore[attr-defined]
    method.__doc__ = (
        f"Return the gradient of :data:`{loss.name}` with respect to ``y_pred``.\n\n"
        "Takes the same arguments as the loss itself and returns an array shaped like\n"
        "``y_pred``: the derivative of the value the same call returns (for\n"
        "``reduction=\"none\"``, of each element's or sample's own loss)."
        if not need_value else
        f"Return ``(value, gradient)`` of :data:`{loss.name}`, computed in one pass."
    )
    return method


_SECTIONS = ("Notes", "References", "Examples", "See Also", "Warnings")


def _loss_doc(loss: Loss, doc: str | None) -> str:
    """The kernel's docstring with Parameters and Returns generated from the declaration."""
    text = inspect.cleandoc(doc or f"The loss {loss.name!r}, made with lossbook.make_loss.")
    true_shape, pred_shape = loss._targets.shapes_doc()
    entries = [
        f"y_true : array_like of shape {true_shape}\n    {loss._targets.doc}",
        f"y_pred : array_like of shape {pred_shape}\n    {INPUTS[loss.input].capitalize()}. "
        "float32 input gives float32 results; any other numbers are computed in float64.",
        'reduction : {"mean", "sum", "none"}, default "mean"\n'
        '    ``"none"`` returns the unreduced losses, ``"sum"`` adds them up and ``"mean"``\n'
        "    divides the sum by the total weight.",
        "sample_weight : array_like of shape (n_samples,), optional\n"
        "    Non-negative weight of each sample (row).",
    ]
    entries += [opt.describe() for opt in loss.options.values()]
    none_shape = "(n_samples,)" if loss.per_sample else (
        "y_true's shape" if loss.targets == "mean_and_log_variance" else "y_pred's shape")
    returns = (
        f"float or ndarray\n    The loss: a float, or for ``reduction=\"none\"`` an array of shape {none_shape}.\n"
        "    ``loss.gradient(...)`` returns its derivative with respect to ``y_pred``, shaped like\n"
        "    ``y_pred``; ``loss.value_and_gradient(...)`` returns both."
    )
    generated = "Parameters\n----------\n" + "\n".join(entries) + "\n\nReturns\n-------\n" + returns
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() in _SECTIONS and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            return "\n".join(lines[:i]).rstrip() + "\n\n" + generated + "\n\n" + "\n".join(lines[i:])
    return text.rstrip() + "\n\n" + generated


def make_loss(kernel: Callable | None = None, *, name: str | None = None, input: str = "prediction",
              targets: str = "real", options: tuple | list = (), activation: str | None = None,
              total: Callable | None = None, formula: str | None = None,
              counterparts: dict | None = None, total_propagates_nan: bool = False) -> Any:
    """Make a loss from a kernel that returns the unreduced loss and its derivative.

    The result has every power of a built-in loss: validation of its input and
    options, the three reductions, sample weights, float32 support,
    :func:`check_gradient`, the training loop and the estimators. Use it as a
    function, ``make_loss(kernel, name=...)``, or as a decorator,
    ``@make_loss(...)`` above the kernel.

    Parameters
    ----------
    kernel : callable
        ``kernel(y_true, y_pred, **options)`` returning ``(loss, gradient)``: the
        loss of each element (of each sample, for ``targets="classes"``) and its
        derivative with respect to ``y_pred``, an array shaped like ``y_pred``. It
        receives read-only arrays of ``y_pred``'s float dtype, already validated,
        and the options as keywords. Large inputs reach it in blocks of rows (of
        about ``BLOCK_SIZE`` elements), so each element's (or sample's) loss must
        depend on its own row only, as a loss's does. The arrays it returns are
        never written to. Its docstring becomes the loss's, with the Parameters
        and Returns sections generated from this declaration.
    name : str, optional
        The loss's name; the kernel's ``__name__`` by default.
    input : {"prediction", "probability", "logit", "log_rate", "decision"}, default "prediction"
        What ``y_pred`` holds. Probabilities are checked to lie in [0, 1]; the
        others to be finite.
    targets : {"real", "binary", "signed", "counts", "classes", "mean_and_log_variance"}, default "real"
        The form of ``y_true`` (``"binary"``: in [0, 1]; ``"signed"``: {-1, +1};
        ``"counts"``: non-negative; ``"classes"``: labels or rows that sum to 1,
        with ``y_pred`` of shape (n_samples, n_classes)).
    options : sequence of Option
        The loss's keyword options. The kernel must accept exactly these keywords.
    activation : {"identity", "sigmoid", "softmax", "exp"}, optional
        What turns a network's raw scores into the loss's subject (see
        :class:`Loss`); by default the identity for predictions and decision
        values, and the sigmoid (softmax for classes) for logits and probabilities.
    total : callable, optional
        A faster path for the value alone: ``total(y_true, y_pred, **options)``
        returning the plain sum of the unreduced losses (used when no weights are
        given and the gradient is not wanted). It must agree with the kernel where
        its result is finite; where it is not (an overflow, inf - inf), the kernel's
        path computes the value instead, so the total runs with numpy's overflow and
        invalid-value warnings off.
    total_propagates_nan : bool, default False
        True when ``total`` is NaN or infinite whenever an input holds NaN or an
        infinity, as a sum of ``e**2`` or ``|e|`` is (not one of ``min(e**2, 1)``).
        The inputs are then checked for finiteness only when the total is not
        finite, which saves two passes over them. Only for ``targets="real"`` and
        ``input="prediction"``.
    formula : str, optional
        The loss of one element (or sample) in LaTeX, for tables such as the API page's.
    counterparts : dict of str to str, optional
        The same loss in other libraries, e.g. ``{"PyTorch": "mse_loss"}``.

    Returns
    -------
    Loss
        With ``__call__``, ``gradient`` and ``value_and_gradient``.

    Examples
    --------
    A squared error on the log scale, its value and derivative side by side:

    >>> import numpy as np
    >>> import lossbook as lb
    >>> @lb.make_loss
    ... def msle(y_true, y_pred):
    ...     '''Squared error of log(1 + y).'''
    ...     e = np.log1p(y_pred) - np.log1p(y_true)
    ...     return e**2, 2 * e / (1 + y_pred)
    >>> round(msle([1.0, 2.0], [1.5, 2.0]), 4)
    0.0249
    >>> lb.check_gradient(msle, [1.0, 2.0], [1.5, 2.5]) < 1e-6
    True

    With an option, declared once: the signature, the validation and the
    docstring follow from it.

    >>> @lb.make_loss(options=[lb.Option("delta", 1.0, "(0, inf)", "The scale.")])
    ... def pseudo_huber(y_true, y_pred, *, delta):
    ...     '''Pseudo-Huber loss.'''
    ...     e = y_pred - y_true
    ...     r = np.sqrt(1 + (e / delta) ** 2)
    ...     return delta**2 * (r - 1), e / r
    >>> import inspect
    >>> [(p.name, p.default) for p in inspect.signature(pseudo_huber).parameters.values()][2:]
    [('reduction', 'mean'), ('sample_weight', None), ('delta', 1.0)]
    >>> round(pseudo_huber([0.0], [3.0], delta=2.0), 4)
    3.2111
    >>> pseudo_huber([0.0], [3.0], delta=0)
    Traceback (most recent call last):
    ...
    ValueError: delta must be in (0, inf), got 0
    """
    if kernel is None:
        def decorate(k):
            return make_loss(k, name=name, input=input, targets=targets, options=options,
                             activation=activation, total=total, formula=formula,
                             counterparts=counterparts, total_propagates_nan=total_propagates_nan)
        return decorate
    if not callable(kernel):
        raise TypeError(f"kernel must be a callable kernel(y_true, y_pred, **options), got {kernel!r}")
    name = getattr(kernel, "__name__", None) if name is None else name
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"name must be a Python identifier, got {name!r}")
    check_choice(input, "input", tuple(INPUTS))
    check_choice(targets, "targets", tuple(TARGETS))
    options = tuple(options)
    for opt in options:
        if not isinstance(opt, Option):
            raise TypeError(f"options must hold lossbook.Option declarations, got {opt!r}")
    if len({opt.name for opt in options}) != len(options):
        raise ValueError(f"options of loss {name!r} declare a name twice")
    if activation is None:
        if input in ("logit", "probability"):
            activation = "softmax" if targets == "classes" else "sigmoid"
        else:
            activation = "exp" if input == "log_rate" else "identity"
    check_choice(activation, "activation", ACTIVATIONS)
    if total is not None and not callable(total):
        raise TypeError(f"total must be None or a callable, got {total!r}")
    if total_propagates_nan and (total is None or targets != "real" or input != "prediction"):
        raise ValueError(
            "total_propagates_nan needs a total, targets='real' and input='prediction' "
            "(the finiteness checks it defers are those of real targets and predictions)"
        )
    target_side = getattr(TARGETS[targets], "target_options", ())
    _check_kernel_keywords(kernel, name, [o.name for o in options if o.name not in target_side])
    loss = Loss(kernel, name=name, input=input, targets=targets, options=options,
                activation=activation, total=total, doc=getattr(kernel, "__doc__", None),
                total_propagates_nan=bool(total_propagates_nan))
    loss.formula = formula
    loss.counterparts = dict(counterparts or {})
    return loss


def _check_kernel_keywords(kernel: Callable, name: str, expected: list) -> None:
    """The kernel must accept exactly the declared options as keywords."""
    try:
        params = inspect.signature(kernel).parameters
    except (TypeError, ValueError):  # a builtin without a signature: trust it
        return
    if any(p.kind == _P.VAR_KEYWORD for p in params.values()):
        return
    given = [p for p in list(params)[2:] if params[p].kind in (_P.KEYWORD_ONLY, _P.POSITIONAL_OR_KEYWORD)]
    if sorted(given) != sorted(expected):
        raise TypeError(
            f"the kernel of loss {name!r} takes the options {given}, but the declaration "
            f"lists {expected}: they must be the same"
        )


def _rebuild(kernel: Callable, declaration: dict) -> Loss:
    return make_loss(kernel, **declaration)


def register(loss: Loss) -> Loss:
    """Add a built-in loss to :data:`LOSSES` (so :func:`get_loss` finds it by name)."""
    LOSSES[loss.name] = loss
    return loss


def get_loss(loss: Any) -> Loss:
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
