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


def class_probabilities(targets="labels"):
    make_logits = class_logits(targets)

    def make(rng, n, m):
        y, z = make_logits(rng, n, m)
        return y, lb.softmax(z)

    return make


ELEMENTWISE = [
    Case("mse", lb.mse, regression(), zero_at_perfect=True),
    Case("mae", lb.mae, regression([0.0]), zero_at_perfect=True),
    Case("huber", lb.huber, regression([0.0, 1.0, -1.0]), zero_at_perfect=True),
    Case("huber-delta0.3", lb.huber, regression([0.3, -0.3]), {"delta": 0.3}, zero_at_perfect=True),
    Case("log_cosh", lb.log_cosh, regression(), zero_at_perfect=True),
    Case("quantile-0.5", lb.quantile, regression([0.0]), zero_at_perfect=True),
    Case("quantile-0.9", lb.quantile, regression([0.0]), {"quantile": 0.9}, zero_at_perfect=True),
    Case("bce", lb.binary_cross_entropy, probabilities()),
    Case("bce-soft", lb.binary_cross_entropy, probabilities(soft=True)),
    Case("bce-pos_weight", lb.binary_cross_entropy, probabilities(), {"pos_weight": 3.0}),
    Case("bce_logits", lb.binary_cross_entropy_with_logits, logits()),
    Case("bce_logits-soft", lb.binary_cross_entropy_with_logits, logits(soft=True)),
    Case("bce_logits-pos_weight", lb.binary_cross_entropy_with_logits, logits(), {"pos_weight": 0.5}),
    Case("hinge", lb.hinge, hinge_inputs()),
    Case("hinge-01", lb.hinge, hinge_inputs(zero_one=True)),
    Case("focal", lb.sigmoid_focal, logits()),
    Case("focal-alpha-soft", lb.sigmoid_focal, logits(soft=True), {"gamma": 1.5, "alpha": 0.25}),
    Case("focal-gamma0.5", lb.sigmoid_focal, logits(), {"gamma": 0.5}),
    Case("focal-gamma0", lb.sigmoid_focal, logits(), {"gamma": 0.0}),
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
    Case("cce", lb.categorical_cross_entropy, class_probabilities()),
    Case("cce-soft", lb.categorical_cross_entropy, class_probabilities("soft")),
]

ALL = ELEMENTWISE + MULTICLASS


def shapes(case):
    """The y_pred layouts to test a case on: (n,) and (n, m) for elementwise losses."""
    return [None] if case.loss.per_sample else [None, 3]
