"""A registry of every built-in loss with valid random inputs, for the common tests.

Each case draws inputs away from the loss's kinks (where the derivative does not
exist) so finite differences are meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import lossbook as lb


@dataclass
class Case:
    id: str
    loss: lb.Loss
    make: Callable  # (rng, n, m) -> (y_true, y_pred); m is None for 1-D
    options: dict = field(default_factory=dict)
    nonnegative: bool = True
    zero_at_perfect: bool = False  # loss(y, y) == 0 for the perfect prediction
    twin: Callable = None  # (case's options) -> (other loss, transform of y_pred, its options)


def weights_or_none(rng, n, weighted):
    """Random sample weights in [0.1, 3), or None."""
    return rng.uniform(0.1, 3.0, size=n) if weighted else None


def strict():
    """Turn overflow, invalid operations and division by zero into errors."""
    return np.errstate(over="raise", invalid="raise", divide="raise")


def away_from(values, kinks, margin=1e-2):
    """Nudge values that sit within ``margin`` of a kink."""
    values = np.array(values, dtype=float)
    for k in kinks:
        close = np.abs(values - k) < margin
        values[close] = k + np.where(values[close] >= k, margin, -margin) * 2
    return values


def _shape(n, m):
    return (n,) if m is None else (n, m)


def regression(kinks=()):
    def make(rng, n, m):
        y_true = rng.normal(size=_shape(n, m))
        err = away_from(rng.normal(scale=2.0, size=_shape(n, m)), kinks)
        return y_true, y_true + err

    return make


def probabilities(soft=False):
    def make(rng, n, m):
        shape = _shape(n, m)
        y_true = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
        return y_true, rng.uniform(0.05, 0.95, size=shape)

    return make


def logits(soft=False, scale=3.0):
    def make(rng, n, m):
        shape = _shape(n, m)
        y_true = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
        return y_true, rng.normal(scale=scale, size=shape)

    return make


def hinge_inputs(zero_one=False):
    def make(rng, n, m):
        shape = _shape(n, m)
        y = rng.choice([-1.0, 1.0], size=shape)
        f = rng.normal(scale=2.0, size=shape)
        f = y * away_from(y * f, [1.0])  # margins away from the kink at 1
        return (np.where(y > 0, 1.0, 0.0) if zero_one else y), f

    return make


def counts():
    def make(rng, n, m):
        shape = _shape(n, m)
        return rng.poisson(3.0, size=shape).astype(float), rng.normal(scale=1.0, size=shape)

    return make


def mean_and_log_variance():
    def make(rng, n, m):
        y = rng.normal(size=_shape(n, m))
        mean = y + rng.normal(scale=1.5, size=y.shape)
        log_var = rng.normal(scale=1.0, size=y.shape)
        return y, np.stack([mean, log_var], axis=-1)

    return make


N_CLASSES = 4


def class_logits(targets="labels"):
    def make(rng, n, m):
        z = rng.normal(scale=2.0, size=(n, N_CLASSES))
        labels = rng.integers(0, N_CLASSES, size=n)
        if targets == "labels":
            return labels, z
        if targets == "onehot":
            return np.eye(N_CLASSES)[labels], z
        soft = rng.dirichlet(np.ones(N_CLASSES), size=n)
        return soft, z

    return make


def class_scores(targets="labels"):
    """Decision values away from the hinges' kinks (every margin at least 0.05 from 1)."""
    make_logits = class_logits(targets)

    def make(rng, n, m):
        y, z = make_logits(rng, n, m)
        labels = y if np.ndim(y) == 1 else np.argmax(y, axis=1)
        rows = np.arange(n)
        for _ in range(20):
            margins = 1.0 + z - z[rows, labels][:, None]
            margins[rows, labels] = 5.0
            close = np.abs(margins) < 0.05
            if not close.any():
                break
            z = z + 0.1 * close
        return y, z

    return make


def class_probabilities(targets="labels"):
    make_logits = class_logits(targets)

    def make(rng, n, m):
        y, z = make_logits(rng, n, m)
        return y, lb.softmax(z)

    return make


@lb.make_loss(options=[lb.Option("delta", 1.0, "(0, inf)", "The scale of the quadratic part.")])
def pseudo_huber(y_true, y_pred, *, delta):
    """A reader's loss, made with make_loss: it must pass every test a built-in loss passes."""
    e = y_pred - y_true
    r = np.sqrt(1.0 + (e / delta) ** 2)
    return delta**2 * (r - 1.0), e / r


def _sigmoid_twin(options):
    return lb.binary_cross_entropy_with_logits, lambda p: np.log(p) - np.log1p(-p), dict(options)


def _softmax_twin(options):
    return lb.softmax_cross_entropy, np.log, dict(options)


def _focal_twin(options):
    return lb.binary_cross_entropy_with_logits, lambda z: z, {}


ELEMENTWISE = [
    Case("mse", lb.mse, regression(), zero_at_perfect=True),
    Case("mae", lb.mae, regression([0.0]), zero_at_perfect=True),
    Case("huber", lb.huber, regression([0.0, 1.0, -1.0]), zero_at_perfect=True),
    Case("huber-delta0.3", lb.huber, regression([0.3, -0.3]), {"delta": 0.3}, zero_at_perfect=True),
    Case("log_cosh", lb.log_cosh, regression(), zero_at_perfect=True),
    Case("quantile-0.5", lb.quantile, regression([0.0]), zero_at_perfect=True),
    Case("quantile-0.9", lb.quantile, regression([0.0]), {"quantile": 0.9}, zero_at_perfect=True),
    Case("bce", lb.binary_cross_entropy, probabilities(), twin=_sigmoid_twin),
    Case("bce-soft", lb.binary_cross_entropy, probabilities(soft=True), twin=_sigmoid_twin),
    Case("bce-pos_weight", lb.binary_cross_entropy, probabilities(), {"pos_weight": 3.0}, twin=_sigmoid_twin),
    Case("bce_logits", lb.binary_cross_entropy_with_logits, logits()),
    Case("bce_logits-soft", lb.binary_cross_entropy_with_logits, logits(soft=True)),
    Case("bce_logits-pos_weight", lb.binary_cross_entropy_with_logits, logits(), {"pos_weight": 0.5}),
    Case("hinge", lb.hinge, hinge_inputs()),
    Case("hinge-01", lb.hinge, hinge_inputs(zero_one=True)),
    Case("focal", lb.sigmoid_focal, logits()),
    Case("focal-alpha-soft", lb.sigmoid_focal, logits(soft=True), {"gamma": 1.5, "alpha": 0.25}),
    Case("focal-gamma0.5", lb.sigmoid_focal, logits(), {"gamma": 0.5}),
    Case("focal-gamma0", lb.sigmoid_focal, logits(), {"gamma": 0.0}, twin=_focal_twin),
    Case("poisson_nll", lb.poisson_nll, counts(), nonnegative=False),
    Case("gaussian_nll", lb.gaussian_nll, mean_and_log_variance(), nonnegative=False),
    Case("pseudo_huber", pseudo_huber, regression(), zero_at_perfect=True),
    Case("pseudo_huber-delta3", pseudo_huber, regression(), {"delta": 3.0}, zero_at_perfect=True),
]

MULTICLASS = [
    Case("softmax_ce", lb.softmax_cross_entropy, class_logits()),
    Case("softmax_ce-onehot", lb.softmax_cross_entropy, class_logits("onehot")),
    Case("softmax_ce-soft", lb.softmax_cross_entropy, class_logits("soft")),
    Case("softmax_ce-smooth", lb.softmax_cross_entropy, class_logits(), {"label_smoothing": 0.1}),
    Case(
        "softmax_ce-class_weight",
        lb.softmax_cross_entropy,
        class_logits(),
        {"class_weight": [1.0, 2.0, 0.5, 3.0]},
    ),
    Case(
        "softmax_ce-soft-smooth-weight",
        lb.softmax_cross_entropy,
        class_logits("soft"),
        {"class_weight": [1.0, 2.0, 0.5, 3.0], "label_smoothing": 0.2},
    ),
    Case("cce", lb.categorical_cross_entropy, class_probabilities(), twin=_softmax_twin),
    Case("cce-soft", lb.categorical_cross_entropy, class_probabilities("soft"), twin=_softmax_twin),
    Case("multiclass_hinge", lb.multiclass_hinge, class_scores()),
    Case("multiclass_hinge-onehot", lb.multiclass_hinge, class_scores("onehot")),
    Case("multiclass_hinge-ww", lb.multiclass_hinge, class_scores(), {"kind": "weston_watkins"}),
]

ALL = ELEMENTWISE + MULTICLASS


def shapes(case):
    """The y_true layouts to test a case on: (n,) and (n, m) for elementwise losses."""
    return [None] if case.loss.per_sample else [None, 3]
