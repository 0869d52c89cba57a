"""Peak extra memory of every loss at n = 1e6 (issue 10 #12), measured with tracemalloc.

Each call (the value, the gradient, both) may allocate at most 4 arrays the size of
``y_pred`` at any one time, the result included (numpy reports its allocations to
tracemalloc, so the peak is exact and deterministic, not a timing). The issue measured
16x for ``sigmoid_focal``'s value_and_gradient where the numpy one-liner needs 7x. The
whole test takes about a second, so it runs in ``make test``.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import lossbook as lb

N = 10**6
LIMIT = 4  # arrays the size of y_pred
SLACK = 64 * 1024  # bytes of bookkeeping (Python objects, array headers)


def _inputs(name):
    rng = np.random.default_rng(0)
    if name in ("softmax_cross_entropy", "categorical_cross_entropy", "multiclass_hinge"):
        k = 4
        z = rng.normal(size=(N // k, k))
        labels = rng.integers(0, k, size=N // k)
        return labels, (lb.softmax(z) if name == "categorical_cross_entropy" else z)
    if name == "poisson_nll":
        return rng.poisson(3.0, N).astype(float), rng.normal(size=N)
    if name == "gaussian_nll":  # y_pred (N/2, 2): the mean and the log-variance, N numbers in all
        return rng.normal(size=N // 2), rng.normal(size=(N // 2, 2))
    if name == "binary_cross_entropy":
        return rng.integers(0, 2, N).astype(float), rng.uniform(0.01, 0.99, N)
    if name in ("binary_cross_entropy_with_logits", "sigmoid_focal"):
        return rng.integers(0, 2, N).astype(float), rng.normal(size=N)
    if name == "hinge":
        return rng.choice([-1.0, 1.0], N), rng.normal(size=N)
    return rng.normal(size=N), rng.normal(size=N)


def _peak(fn, y_true, y_pred):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = fn(y_true, y_pred)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


CALLS = {"value": "__call__", "gradient": "gradient", "value_and_gradient": "value_and_gradient"}


def _params():
    for name in sorted(lb.LOSSES):
        for call in CALLS:
            yield pytest.param(name, call, id=f"{name}-{call}")


@pytest.mark.parametrize("name, call", list(_params()))
def test_peak_extra_memory_is_at_most_four_arrays(name, call):
    y_true, y_pred = _inputs(name)
    fn = getattr(lb.LOSSES[name], CALLS[call])
    peak = _peak(fn, y_true, y_pred)
    assert peak <= LIMIT * y_pred.nbytes + SLACK, f"peak {peak / y_pred.nbytes:.2f}x y_pred"
