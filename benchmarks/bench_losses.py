"""Time lossbook's losses against scikit-learn, plain numpy and PyTorch, in one run.

Usage::

    python benchmarks/bench_losses.py                  # everything; writes benchmarks/results/
    python benchmarks/bench_losses.py --check          # ... and exit 1 if a target is missed
    python benchmarks/bench_losses.py --quick          # n = 1e3 and 1e5 only, fewer repeats
    python benchmarks/bench_losses.py --loss huber --loss hinge   # only these losses
    python benchmarks/bench_losses.py --quick --out /tmp/results  # write a partial run elsewhere

The machine is shared and noisy, so only ratios measured side by side in this
run mean anything. The contenders of one row are timed in turns: each one's
loop count is set once (a loop of at least ``--min-time`` seconds), then they
take turns, one loop each, for ``--repeat`` rounds. Sections 1 and 3 keep
the best loop of each; the PyTorch table's ratio is the median of the rounds'
ratios (each round's two loops run back to back, so a slow change of the
machine's load cancels out), with the ratio of the best loops and of the median
loops beside it in the CSV. Over three runs on a loaded machine that median
moved the least from run to run (``compare_runs.py`` shows it).
BLAS and PyTorch are held to one thread (``threadpoolctl``,
``torch.set_num_threads(1)``). The script is not part of the tests.

Three sections:

1. **scikit-learn and numpy** (float64, n = 1e3, 1e5, 1e6): each loss's value
   against scikit-learn's metric and the bare numpy one-liner, and
   ``value_and_gradient`` against two hand-fused numpy references.
2. **PyTorch** (when ``import torch`` works; float64 and float32, n = 1e5 and
   1e6): each loss of ``lossbook.LOSSES`` that has a counterpart in
   :data:`TORCH_COUNTERPARTS`, for the value alone (PyTorch under
   ``no_grad``), the gradient alone and both (forward plus autograd backward
   against ``value_and_gradient``). The multi-class losses take (n/10, 10)
   inputs, so every row holds n elements. Beside it, the building blocks
   (:data:`PRIMITIVES`: ``a - b``, a sum, ``exp``, ``log``) of numpy and of
   PyTorch at the largest n, per element: what a loss made of numpy's calls
   can reach.
3. **Memory and dtypes** (n = 1e6; 1e5 with ``--quick``; every loss): the peak
   of memory allocated during one call (the returned gradient included),
   measured with ``tracemalloc``, in units of one input array (``y_pred``) of
   that dtype, beside the bare numpy one-liner of the value; and, for float32
   input, the dtypes lossbook gives back.

The targets, printed as met or missed at the end (``--check`` makes a missed one
an exit status of 1):

* at n = 1e3 every loss is at least 5x faster than its scikit-learn counterpart;
* at n = 1e6 the value is within 1.5x of the bare numpy one-liner;
* ``value_and_gradient`` is within 1.3x of a fused numpy reference: BCE with
  logits at n = 1e6 (one shared exp(-|z|)), softmax cross-entropy on
  (1e5, 10) (log-sum-exp);
* every loss's value, gradient and ``value_and_gradient`` take at most 1.0x
  the time of PyTorch on the CPU with one thread, at n = 1e5 and 1e6, in
  float64 and float32;
* float32 in, float32 out: ``reduction="none"`` and the gradient (the type of
  the mean is recorded, not checked);
* every call's peak extra memory is at most 4 input arrays.

Results (``--out``, by default ``benchmarks/results/`` for a full run of every
loss; a partial run writes only when ``--out`` is given):

* ``bench_losses.csv``: section 1, one row per loss and n (read by the book's
  appendix; its first line is the environment);
* ``bench_losses_torch.csv``: section 2, one row per loss, call, dtype and n;
* ``bench_primitives.csv``: section 2's building blocks, one row per operation and dtype;
* ``bench_losses_memory.csv``: section 3, one row per loss and dtype;
* ``bench_losses.json``: the environment, every target with what missed it, and
  the PyTorch ratios and memory figures as nested tables.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
import timeit
import tracemalloc
from pathlib import Path

import numpy as np
import sklearn
from sklearn import metrics
from threadpoolctl import threadpool_info, threadpool_limits

import lossbook as lb

# PyTorch is imported by main() unless --no-torch; without it, its section is left out.
torch = F = None

RESULTS_DIR = Path(__file__).resolve().parent / "results"
N_CLASSES = 10
EPS = np.finfo(np.float64).eps
CALLS = ("value", "gradient", "both")
DTYPES = ("float64", "float32")


# -- timing ---------------------------------------------------------------------------


def time_in_turns(*fns, repeat=5, min_time=0.04):
    """Seconds per call of each of ``fns``, one list of ``repeat`` samples each, timed in turns.

    Each function is called once (a warm-up), then gets a loop count whose loop takes at
    least ``min_time`` seconds; then the functions take turns, one loop each per round,
    for ``repeat`` rounds. Interleaving spreads a change in the machine's load over all
    of them, so their ratios stay fair on a shared machine.
    """
    timers = [timeit.Timer(fn) for fn in fns]
    numbers = []
    for fn, timer in zip(fns, timers):
        fn()
        number = 1
        while True:
            seconds = timer.timeit(number)
            if seconds >= min_time:
                break
            # aim a little past min_time, growing at least twofold
            number = max(2 * number, math.ceil(1.2 * number * min_time / max(seconds, 1e-7)))
        numbers.append(number)
    samples = [[] for _ in fns]
    for _ in range(repeat):
        for timer, number, out in zip(timers, numbers, samples):
            out.append(timer.timeit(number) / number)
    return samples


def best_times(*fns, repeat=5, min_time=0.04):
    """Best seconds per call of each of ``fns``, timed in turns (see :func:`time_in_turns`)."""
    return [min(s) for s in time_in_turns(*fns, repeat=repeat, min_time=min_time)]


def peak_extra_bytes(fn):
    """Peak bytes allocated while ``fn()`` runs (its result included), by tracemalloc.

    numpy reports its array buffers to tracemalloc; PyTorch does not, so this
    measures lossbook and numpy only. Warm ``fn`` up first: a first call's
    one-off caches are not the call's own memory. (No ``gc.collect()`` here: with
    PyTorch imported it takes most of a second, and numpy's buffers are freed by
    reference counting anyway.)
    """
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak - start


# -- section 1: scikit-learn and numpy --------------------------------------------------


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    d = {
        "y": rng.normal(size=n),
        "p": rng.normal(size=n),
        "yb": rng.integers(0, 2, size=n).astype(float),
        "prob": rng.uniform(0.01, 0.99, size=n),
        "z": rng.normal(scale=3.0, size=n),
    }
    d["ys"] = 2.0 * d["yb"] - 1.0
    d["counts"] = rng.poisson(3.0, size=n).astype(float)
    d["log_rate"] = rng.normal(1.0, 0.5, size=n)
    d["mean_logvar"] = np.stack([rng.normal(size=n), rng.normal(scale=0.5, size=n)], axis=1)
    d["labels"] = rng.integers(0, N_CLASSES, size=n)
    d["Z"] = rng.normal(size=(n, N_CLASSES))
    d["P"] = lb.softmax(d["Z"])
    return d


def rows(d):
    """(name, lossbook call, scikit-learn call or None, numpy one-liner)."""
    y, p, yb, prob, z, ys = d["y"], d["p"], d["yb"], d["prob"], d["z"], d["ys"]
    labels, Z, P = d["labels"], d["Z"], d["P"]
    n = len(y)
    rows_ = [
        ("mse", lambda: lb.mse(y, p), lambda: metrics.mean_squared_error(y, p),
         lambda: np.mean((y - p) ** 2)),
        ("mae", lambda: lb.mae(y, p), lambda: metrics.mean_absolute_error(y, p),
         lambda: np.mean(np.abs(y - p))),
        ("huber", lambda: lb.huber(y, p), None,
         lambda: np.mean(np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2, np.abs(p - y) - 0.5))),
        ("log_cosh", lambda: lb.log_cosh(y, p), None,
         lambda: np.mean(np.log(np.cosh(p - y)))),
        ("quantile", lambda: lb.quantile(y, p, quantile=0.9),
         lambda: metrics.mean_pinball_loss(y, p, alpha=0.9),
         lambda: np.mean(np.maximum(0.9 * (y - p), -0.1 * (y - p)))),
        ("binary_cross_entropy", lambda: lb.binary_cross_entropy(yb, prob),
         lambda: metrics.log_loss(yb, prob),
         lambda: -np.mean(yb * np.log(np.clip(prob, EPS, 1 - EPS))
                          + (1 - yb) * np.log(1 - np.clip(prob, EPS, 1 - EPS)))),
        ("binary_cross_entropy_with_logits", lambda: lb.binary_cross_entropy_with_logits(yb, z),
         None, lambda: np.mean(np.maximum(z, 0) - z * yb + np.log1p(np.exp(-np.abs(z))))),
        ("hinge", lambda: lb.hinge(ys, z), lambda: metrics.hinge_loss(ys, z),
         lambda: np.mean(np.maximum(0, 1 - ys * z))),
        ("sigmoid_focal", lambda: lb.sigmoid_focal(yb, z), None, lambda: _focal_oneliner(yb, z)),
        ("poisson_nll", lambda: lb.poisson_nll(d["counts"], d["log_rate"]),
         lambda: 0.5 * metrics.mean_poisson_deviance(d["counts"], np.exp(d["log_rate"]))
         - np.mean(np.where(d["counts"] > 0, d["counts"] * np.log(np.maximum(d["counts"], 1)), 0) - d["counts"]),
         lambda: np.mean(np.exp(d["log_rate"]) - d["counts"] * d["log_rate"])),
        ("gaussian_nll", lambda: lb.gaussian_nll(y, d["mean_logvar"]), None,
         lambda: 0.5 * np.mean(d["mean_logvar"][:, 1]
                               + (y - d["mean_logvar"][:, 0]) ** 2 * np.exp(-d["mean_logvar"][:, 1]))),
    ]
    if n <= 100_000:
        rows_ += [
            (f"softmax_cross_entropy (n x {N_CLASSES})", lambda: lb.softmax_cross_entropy(labels, Z),
             None, lambda: _lse_value(labels, Z)),
            (f"categorical_cross_entropy (n x {N_CLASSES})",
             lambda: lb.categorical_cross_entropy(labels, P),
             lambda: metrics.log_loss(labels, P, labels=np.arange(N_CLASSES)),
             lambda: -np.mean(np.log(np.clip(P[np.arange(len(labels)), labels], EPS, 1 - EPS)))),
            (f"multiclass_hinge (n x {N_CLASSES})", lambda: lb.multiclass_hinge(labels, Z),
             lambda: metrics.hinge_loss(labels, Z, labels=np.arange(N_CLASSES)),
             lambda: _crammer_singer_value(labels, Z)),
        ]
    return rows_


def _focal_oneliner(y, z, gamma=2.0):
    p = 1 / (1 + np.exp(-z))
    ce = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return np.mean(ce * (1 - (p * y + (1 - p) * (1 - y))) ** gamma)


def _crammer_singer_value(labels, Z):
    rows_ = np.arange(len(labels))
    true = Z[rows_, labels]
    others = Z.copy()
    others[rows_, labels] = -np.inf
    return np.mean(np.maximum(0.0, 1.0 + others.max(axis=1) - true))


def _lse_value(labels, Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(labels)), labels])


def fused_bce_logits(y, z):
    """BCE with logits, value and gradient, sharing one exp(-|z|)."""
    e = np.exp(-np.abs(z))
    value = np.mean(np.maximum(z, 0) - z * y + np.log1p(e))
    inv = 1.0 / (1.0 + e)
    grad = (np.where(z >= 0, inv, e * inv) - y) / len(z)
    return value, grad


def fused_softmax_ce(labels, Z):
    """Softmax cross-entropy, value and gradient, by log-sum-exp."""
    n = len(labels)
    rows_ = np.arange(n)
    shifted = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1)
    value = np.mean(np.log(s) - shifted[rows_, labels])
    grad = e / s[:, None]
    grad[rows_, labels] -= 1.0
    grad /= n
    return value, grad


def run_reference_section(sizes, names, repeat, min_time):
    """Section 1. Returns the table rows and the target checks."""
    print("== lossbook against scikit-learn's metrics and the bare numpy one-liner (float64) ==")
    print("'sklearn/lb' > 1: lossbook is faster; 'lb/numpy': lossbook's time over the one-liner's\n")
    header = f"{'loss':<44}{'n':>9}  {'lossbook':>10}  {'sklearn/lb':>10}  {'lb/numpy':>9}"
    print(header)
    print("-" * len(header))
    table = []
    sklearn_cases, numpy_cases, fused_cases = [], [], []
    for n in sizes:
        d = make_data(n)
        for name, ours, theirs, oneliner in rows(d):
            if name.split(" ")[0] not in names:
                continue
            # the three agree before they are timed
            if theirs is not None:
                np.testing.assert_allclose(ours(), theirs(), rtol=1e-9)
            np.testing.assert_allclose(ours(), oneliner(), rtol=1e-9)
            fns = (ours, oneliner) if theirs is None else (ours, oneliner, theirs)
            t_ours, t_np, *t_skl = best_times(*fns, repeat=repeat, min_time=min_time)
            skl_ratio = t_skl[0] / t_ours if t_skl else None
            np_ratio = t_ours / t_np
            table.append((name, n, t_ours, skl_ratio, np_ratio))
            print(f"{name:<44}{n:>9}  {t_ours * 1e6:>8.1f}us  "
                  f"{'' if skl_ratio is None else f'{skl_ratio:.1f}x':>10}  {np_ratio:>8.2f}x")
            if n == 1_000 and skl_ratio is not None:
                sklearn_cases.append((f"{name} n=1e3", skl_ratio, skl_ratio >= 5))
            if n == 1_000_000:
                numpy_cases.append((f"{name} n=1e6", np_ratio, np_ratio <= 1.5))

    print("\nvalue_and_gradient against fused numpy references")
    fused_rows = []
    if "binary_cross_entropy_with_logits" in names and 1_000_000 in sizes:
        d = make_data(1_000_000)
        fused_rows.append(
            ("binary_cross_entropy_with_logits", 1_000_000,
             lambda: lb.binary_cross_entropy_with_logits.value_and_gradient(d["yb"], d["z"]),
             lambda: fused_bce_logits(d["yb"], d["z"])))
    if "softmax_cross_entropy" in names and 100_000 in sizes:
        d2 = make_data(100_000)
        fused_rows.append(
            (f"softmax_cross_entropy (n x {N_CLASSES})", 100_000,
             lambda: lb.softmax_cross_entropy.value_and_gradient(d2["labels"], d2["Z"]),
             lambda: fused_softmax_ce(d2["labels"], d2["Z"])))
    for name, n, ours, ref in fused_rows:
        (v1, g1), (v2, g2) = ours(), ref()
        np.testing.assert_allclose(v1, v2, rtol=1e-12)
        np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-18)
        t_ours, t_ref = best_times(ours, ref, repeat=repeat, min_time=min_time)
        ratio = t_ours / t_ref
        table.append((name + " value_and_gradient", n, t_ours, None, ratio))
        print(f"{name:<44}{n:>9}  {t_ours * 1e6:>8.1f}us  {'':>10}  {ratio:>8.2f}x")
        fused_cases.append((f"{name} n={n:.0e}".replace("e+0", "e"), ratio, ratio <= 1.3))
    print()
    targets = [
        ("at n = 1e3, lossbook at least 5x faster than scikit-learn's metric", "x faster", sklearn_cases),
        ("at n = 1e6, the value within 1.5x of the bare numpy one-liner", "x the one-liner", numpy_cases),
        ("value_and_gradient within 1.3x of the fused numpy reference", "x the reference", fused_cases),
    ]
    return table, targets


# -- section 2: PyTorch --------------------------------------------------------------------


def loss_inputs(name, n, dtype, seed=0):
    """(y_true, y_pred, options) of lossbook's call for loss ``name``: n elements of ``dtype``.

    The multi-class losses get (n / 10, 10) scores with integer labels.
    """
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if name in ("softmax_cross_entropy", "categorical_cross_entropy", "multiclass_hinge"):
        m = n // N_CLASSES
        labels = rng.integers(0, N_CLASSES, size=m)
        Z = rng.normal(size=(m, N_CLASSES))
        if name == "softmax_cross_entropy":
            return labels, Z.astype(dt), {}
        if name == "multiclass_hinge":  # PyTorch's multi_margin_loss is the Weston-Watkins form
            return labels, Z.astype(dt), {"kind": "weston_watkins"}
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        return labels, P.astype(dt), {}
    if name in ("mse", "mae", "huber", "log_cosh", "quantile"):
        y, p = rng.normal(size=n), rng.normal(size=n)
        return y.astype(dt), p.astype(dt), ({"quantile": 0.9} if name == "quantile" else {})
    if name == "poisson_nll":
        return rng.poisson(3.0, size=n).astype(dt), rng.normal(1.0, 0.5, size=n).astype(dt), {}
    if name == "gaussian_nll":  # n predictions: n / 2 targets, each with a mean and a log-variance
        m = n // 2
        y = rng.normal(size=m)
        P = np.stack([rng.normal(size=m), rng.normal(scale=0.5, size=m)], axis=1)
        return y.astype(dt), P.astype(dt), {}
    yb = rng.integers(0, 2, size=n).astype(dt)
    if name == "binary_cross_entropy":
        return yb, rng.uniform(0.01, 0.99, size=n).astype(dt), {}
    z = rng.normal(scale=3.0, size=n).astype(dt)
    if name == "hinge":
        return (2 * yb - 1).astype(dt), z, {}
    if name in ("binary_cross_entropy_with_logits", "sigmoid_focal"):
        return yb, z, {}
    raise KeyError(f"the benchmark has no inputs for the loss {name!r}: add it to loss_inputs() "
                   "(and its PyTorch counterpart to TORCH_COUNTERPARTS)")


def _torch_log_cosh(y, p):
    """log(cosh(e)) = |e| + softplus(-2|e|) - log 2, which does not overflow."""
    a = (p - y).abs()
    return (a + F.softplus(-2.0 * a) - math.log(2.0)).mean()


def _torch_pinball(y, p, q=0.9):
    e = y - p
    return torch.maximum(q * e, (q - 1.0) * e).mean()


def _torch_hinge(y, f):
    return torch.clamp(1.0 - y * f, min=0).mean()


def _torch_sigmoid_focal(y, z, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss with alpha < 0 (no alpha), reduction="mean"."""
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    return (ce * ((1 - p_t) ** gamma)).mean()


#: lossbook's loss name -> PyTorch's counterpart, called as f(y_true, y_pred) on tensors.
TORCH_COUNTERPARTS = {
    "mse": lambda y, p: F.mse_loss(p, y),
    "mae": lambda y, p: F.l1_loss(p, y),
    "huber": lambda y, p: F.huber_loss(p, y, delta=1.0),
    "log_cosh": _torch_log_cosh,
    "quantile": _torch_pinball,
    "binary_cross_entropy": lambda y, p: F.binary_cross_entropy(p, y),
    "binary_cross_entropy_with_logits": lambda y, z: F.binary_cross_entropy_with_logits(z, y),
    "hinge": _torch_hinge,
    "sigmoid_focal": _torch_sigmoid_focal,
    "softmax_cross_entropy": lambda labels, Z: F.cross_entropy(Z, labels),
    "categorical_cross_entropy": lambda labels, P: F.nll_loss(torch.log(P), labels),
    "poisson_nll": lambda y, z: F.poisson_nll_loss(z, y, log_input=True, full=False),
    "gaussian_nll": lambda y, P: F.gaussian_nll_loss(P[:, 0], y, torch.exp(P[:, 1]), full=False),
    # multi_margin_loss sums the Weston-Watkins hinges and divides by the number of classes
    "multiclass_hinge": lambda labels, Z: N_CLASSES * F.multi_margin_loss(Z, labels),
}


def import_torch():
    """Import PyTorch into this module's globals; return whether it is installed."""
    global torch, F
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return False
    return True


def call_pairs(name, n, dtype):
    """{call: (lossbook's function, PyTorch's function)} for one loss, size and dtype."""
    loss = lb.LOSSES[name]
    y_true, y_pred, opts = loss_inputs(name, n, dtype)
    counterpart = TORCH_COUNTERPARTS[name]
    t_true = torch.from_numpy(y_true)  # shares memory: no copy
    t_pred = torch.from_numpy(y_pred).requires_grad_(True)

    def torch_value():
        with torch.no_grad():
            return counterpart(t_true, t_pred)

    def torch_gradient():
        (grad,) = torch.autograd.grad(counterpart(t_true, t_pred), t_pred)
        return grad

    def torch_both():
        value = counterpart(t_true, t_pred)
        (grad,) = torch.autograd.grad(value, t_pred)
        return value.detach(), grad

    return {
        "value": (lambda: loss(y_true, y_pred, **opts), torch_value),
        "gradient": (lambda: loss.gradient(y_true, y_pred, **opts), torch_gradient),
        "both": (lambda: loss.value_and_gradient(y_true, y_pred, **opts), torch_both),
    }


def _check_agreement(name, dtype, pairs):
    """lossbook and PyTorch compute the same value and gradient (before anything is timed)."""
    (v1, g1), (v2, g2) = pairs["both"][0](), pairs["both"][1]()
    v2, g2 = float(v2), g2.numpy()
    rtol = 1e-9 if dtype == "float64" else 1e-4
    scale = float(np.max(np.abs(g2)))
    np.testing.assert_allclose(v1, v2, rtol=rtol, err_msg=f"{name} {dtype}: values differ")
    np.testing.assert_allclose(g1, g2, rtol=rtol, atol=rtol * scale,
                               err_msg=f"{name} {dtype}: gradients differ")


def run_torch_section(sizes, names, repeat, min_time):
    """Section 2. Returns the rows {loss, call, dtype, n, seconds, ratios, dtypes}."""
    print(f"== lossbook against PyTorch {torch.__version__} on the CPU, "
          f"{torch.get_num_threads()} thread ==")
    print("ratio = lossbook's time / PyTorch's: the median of the rounds' ratios "
          "(best time over best time in brackets)\n")
    header = f"{'loss':<34}{'dtype':>8}{'n':>9}  " + "".join(f"{c:>17}" for c in CALLS)
    print(header)
    print("-" * len(header))
    table = []
    for dtype in DTYPES:
        for n in sizes:
            for name in names:
                pairs = call_pairs(name, n, dtype)
                _check_agreement(name, dtype, pairs)
                cells = []
                for call in CALLS:
                    ours, theirs = pairs[call]
                    t_ours, t_torch = time_in_turns(ours, theirs, repeat=repeat, min_time=min_time)
                    row = {
                        "loss": name, "call": call, "dtype": dtype, "n": n,
                        "lossbook_seconds": min(t_ours), "torch_seconds": min(t_torch),
                        # the two loops of a round ran back to back: the median of the rounds'
                        # ratios cancels the machine's slower changes of load
                        "lossbook_over_torch": statistics.median(o / t for o, t in zip(t_ours, t_torch)),
                        "lossbook_over_torch_best": min(t_ours) / min(t_torch),
                        "lossbook_over_torch_median": statistics.median(t_ours) / statistics.median(t_torch),
                    }
                    table.append(row)
                    cells.append(f"{row['lossbook_over_torch']:6.2f}x ({row['lossbook_over_torch_best']:5.2f})")
                print(f"{name:<34}{dtype:>8}{n:>9}  " + "".join(f"{c:>17}" for c in cells))
    print()
    speed_cases = [
        (f"{r['loss']} {r['call']} {r['dtype']} n={r['n']:.0e}".replace("e+0", "e"),
         r["lossbook_over_torch"], r["lossbook_over_torch"] <= 1.0)
        for r in table
    ]
    return table, [("lossbook at most 1.0x PyTorch (one thread): value, gradient, both; "
                     "float64, float32", "x PyTorch", speed_cases)]


#: The building blocks of every loss, numpy's against PyTorch's: name -> (numpy, PyTorch), each
#: called as f(a, b, out) on n numbers of one dtype (a normal, b in [0.5, 2]; out made beforehand,
#: so nothing is allocated). Their ratios bound what a loss made of numpy's calls can reach.
PRIMITIVES = {
    "a - b": (lambda a, b, o: np.subtract(a, b, out=o), lambda a, b, o: torch.sub(a, b, out=o)),
    "sum": (lambda a, b, o: np.add.reduce(a), lambda a, b, o: torch.sum(a)),
    "exp": (lambda a, b, o: np.exp(a, out=o), lambda a, b, o: torch.exp(a, out=o)),
    "log": (lambda a, b, o: np.log(b, out=o), lambda a, b, o: torch.log(b, out=o)),
}


def run_primitives_section(n, repeat, min_time):
    """Section 2b. numpy's building blocks against PyTorch's, per element; returns the rows."""
    print(f"== the building blocks, numpy against PyTorch (n = {n:.0e}, one thread) ==".replace("e+0", "e"))
    print("nanoseconds per element; ratio = numpy's time / PyTorch's (median of the rounds' ratios)\n")
    header = f"{'operation':<12}{'dtype':>8}{'numpy':>10}{'PyTorch':>10}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    table = []
    for dtype in DTYPES:
        a = rng.normal(size=n).astype(dtype)
        b = rng.uniform(0.5, 2.0, size=n).astype(dtype)
        out = np.empty_like(a)
        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.empty(n, dtype=getattr(torch, dtype))
        for name, (ours, theirs) in PRIMITIVES.items():
            t_np, t_torch = time_in_turns(lambda: ours(a, b, out), lambda: theirs(ta, tb, tout),
                                          repeat=repeat, min_time=min_time)
            row = {"operation": name, "dtype": dtype, "n": n,
                   "numpy_ns_per_element": min(t_np) / n * 1e9,
                   "torch_ns_per_element": min(t_torch) / n * 1e9,
                   "numpy_over_torch": statistics.median(o / t for o, t in zip(t_np, t_torch))}
            table.append(row)
            print(f"{name:<12}{dtype:>8}{row['numpy_ns_per_element']:>10.2f}{row['torch_ns_per_element']:>10.2f}"
                  f"{row['numpy_over_torch']:>8.2f}x")
    print()
    return table


# -- section 3: memory -----------------------------------------------------------------


def _numpy_value_oneliner(name, y_true, y_pred):
    """The bare numpy one-liner of the value, for the memory table's reference column."""
    y, p = y_true, y_pred
    one = {
        "mse": lambda: np.mean((y - p) ** 2),
        "mae": lambda: np.mean(np.abs(y - p)),
        "huber": lambda: np.mean(np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2, np.abs(p - y) - 0.5)),
        "log_cosh": lambda: np.mean(np.log(np.cosh(p - y))),
        "quantile": lambda: np.mean(np.maximum(0.9 * (y - p), -0.1 * (y - p))),
        "binary_cross_entropy": lambda: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
        "binary_cross_entropy_with_logits": lambda: np.mean(
            np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))),
        "hinge": lambda: np.mean(np.maximum(0, 1 - y * p)),
        "sigmoid_focal": lambda: _focal_oneliner(y, p),
        "softmax_cross_entropy": lambda: _lse_value(y, p),
        "categorical_cross_entropy": lambda: -np.mean(np.log(p[np.arange(len(y)), y])),
        "poisson_nll": lambda: np.mean(np.exp(p) - y * p),
        "gaussian_nll": lambda: 0.5 * np.mean(p[:, 1] + (y - p[:, 0]) ** 2 * np.exp(-p[:, 1])),
        "multiclass_hinge": lambda: np.mean(np.sum(np.maximum(
            0.0, 1.0 + p - p[np.arange(len(y)), y][:, None]), axis=1) - 1.0),
    }.get(name)
    return one


def _out_type(x):
    """'float' for a Python float, else the numpy dtype's name."""
    return "float" if isinstance(x, float) and not isinstance(x, np.floating) else np.asarray(x).dtype.name


def run_memory_section(n, names):
    """Section 3: memory, and the dtypes returned for float32 input.

    Returns the rows {loss, dtype, n, value, gradient, both, numpy_value, and for
    float32: none_dtype, gradient_dtype, mean_type} and the target checks.
    """
    print(f"== peak extra memory of one call, in input arrays (tracemalloc, n = {n:.0e}) ==".replace("e+0", "e"))
    print("the returned gradient counts; 'numpy' is the bare numpy one-liner of the value;\n"
          "'out' is what float32 input gives back: reduction='none', gradient, and the mean's type\n")
    header = f"{'loss':<34}{'dtype':>8}" + "".join(f"{c:>10}" for c in (*CALLS, "numpy")) + "   out"
    print(header)
    print("-" * len(header))
    table = []
    for dtype in DTYPES:
        for name in names:
            loss = lb.LOSSES[name]
            y_true, y_pred, opts = loss_inputs(name, n, dtype)
            unit = y_pred.nbytes
            calls = {
                "value": lambda: loss(y_true, y_pred, **opts),
                "gradient": lambda: loss.gradient(y_true, y_pred, **opts),
                "both": lambda: loss.value_and_gradient(y_true, y_pred, **opts),
            }
            row = {"loss": name, "dtype": dtype, "n": n}
            calls["both"]()  # warm-up
            for call, fn in calls.items():
                row[call] = peak_extra_bytes(fn) / unit
            oneliner = _numpy_value_oneliner(name, y_true, y_pred)
            if oneliner is not None:
                oneliner()  # warm-up
            row["numpy_value"] = None if oneliner is None else peak_extra_bytes(oneliner) / unit
            out = ""
            if dtype == "float32":
                mean, grad = calls["both"]()
                row["none_dtype"] = _out_type(loss(y_true, y_pred, reduction="none", **opts))
                row["gradient_dtype"] = _out_type(grad)
                row["mean_type"] = _out_type(mean)
                out = f"{row['none_dtype']}, {row['gradient_dtype']}, {row['mean_type']}"
            table.append(row)
            numpy_cell = "-" if row["numpy_value"] is None else f"{row['numpy_value']:.1f}"
            print(f"{name:<34}{dtype:>8}" + "".join(f"{row[c]:>10.1f}" for c in CALLS)
                  + f"{numpy_cell:>10}   {out}")
    print()
    # to two decimals: tracemalloc also counts a few hundred bytes of Python objects per call
    memory_cases = [(f"{r['loss']} {c} {r['dtype']}", r[c], round(r[c], 2) <= 4.0)
                    for r in table for c in CALLS]
    dtype_cases = [
        (f"{r['loss']} gives reduction='none' {r['none_dtype']}, gradient {r['gradient_dtype']}",
         None, r["none_dtype"] == r["gradient_dtype"] == "float32")
        for r in table if r["dtype"] == "float32"
    ]
    return table, [
        ("peak extra memory of every call at most 4 input arrays", " arrays", memory_cases),
        ("float32 in, float32 out (reduction='none' and the gradient)", None, dtype_cases),
    ]


# -- environment, targets, results ------------------------------------------------------


def environment():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture', '')}), {i['num_threads']} thread(s)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return {
        "date": datetime.date.today().isoformat(),
        "lossbook": lb.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "blas": "; ".join(blas),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def summarize_targets(targets):
    """Print each target as met or missed; return them as dicts for the JSON file."""
    print("== targets ==")
    out = []
    for description, unit, cases in targets:
        if not cases:
            print(f"  [not measured] {description}")
            out.append({"target": description, "met": None, "cases": 0, "missed": []})
            continue
        missed = [(case, value) for case, value, ok in cases if not ok]
        met = not missed
        line = f"  [{'met' if met else 'MISSED'}] {description}: {len(cases) - len(missed)}/{len(cases)} met"
        if unit is not None:
            worst_case, worst = max(((c, v) for c, v, _ in cases), key=lambda cv: cv[1])
            if unit == "x faster":  # larger is better
                worst_case, worst = min(((c, v) for c, v, _ in cases), key=lambda cv: cv[1])
            line += f"; worst {worst:.2f}{unit} ({worst_case})"
        print(line)
        for case, value in missed[:8]:
            print(f"      missed: {case}" + ("" if value is None else f" ({value:.2f}{unit})"))
        if len(missed) > 8:
            print(f"      ... and {len(missed) - 8} more (see the results files)")
        out.append({"target": description, "met": met, "cases": len(cases),
                    "missed": [case if value is None else f"{case}: {value:.3g}{unit}"
                               for case, value in missed]})
    return out


def _env_line(env):
    """The first line of bench_losses.csv, in the form the book's appendix reads."""
    return (f"lossbook {env['lossbook']}, numpy {env['numpy']}, scikit-learn {env['scikit-learn']}, "
            f"Python {env['python']}, {env['machine']}, {env['cores']} cores, {env['date']}")


def write_results(out, env, reference, torch_rows, primitive_rows, memory_rows, targets, run):
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "bench_losses.csv", "w", newline="") as fh:
        fh.write(f"# {_env_line(env)}\n")
        writer = csv.writer(fh)
        writer.writerow(["loss", "n", "lossbook_seconds", "sklearn_over_lossbook", "lossbook_over_numpy"])
        writer.writerows(
            (name, n, f"{t:.3e}", "" if skl is None else f"{skl:.3f}", f"{np_r:.3f}")
            for name, n, t, skl, np_r in reference
        )
    env_comment = "# " + ", ".join(f"{k} {v}" for k, v in env.items() if v is not None) + "\n"
    files = ["bench_losses.csv"]
    if torch_rows:
        with open(out / "bench_losses_torch.csv", "w", newline="") as fh:
            fh.write(env_comment)
            fields = ["loss", "call", "dtype", "n", "lossbook_seconds", "torch_seconds",
                      "lossbook_over_torch", "lossbook_over_torch_best", "lossbook_over_torch_median"]
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for r in torch_rows:
                writer.writerow({**r, **{k: f"{r[k]:.3e}" for k in ("lossbook_seconds", "torch_seconds")},
                                 **{k: f"{r[k]:.3f}" for k in ("lossbook_over_torch", "lossbook_over_torch_best",
                                                               "lossbook_over_torch_median")}})
        files.append("bench_losses_torch.csv")
    if primitive_rows:
        with open(out / "bench_primitives.csv", "w", newline="") as fh:
            fh.write(env_comment)
            fields = ["operation", "dtype", "n", "numpy_ns_per_element", "torch_ns_per_element", "numpy_over_torch"]
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for r in primitive_rows:
                writer.writerow({**r, **{k: f"{r[k]:.3f}" for k in fields[3:]}})
        files.append("bench_primitives.csv")
    if memory_rows:
        with open(out / "bench_losses_memory.csv", "w", newline="") as fh:
            fh.write(env_comment)
            fields = ["loss", "dtype", "n", *CALLS, "numpy_value", "none_dtype", "gradient_dtype", "mean_type"]
            writer = csv.DictWriter(fh, fieldnames=fields, restval="")
            writer.writeheader()
            for r in memory_rows:
                writer.writerow({**r, **{k: "" if r[k] is None else f"{r[k]:.2f}" for k in (*CALLS, "numpy_value")}})
        files.append("bench_losses_memory.csv")
    torch_nested = {}
    for r in torch_rows:
        cell = torch_nested.setdefault(r["loss"], {}).setdefault(r["dtype"], {}).setdefault(str(r["n"]), {})
        cell[r["call"]] = round(r["lossbook_over_torch"], 3)
    memory_nested = {}
    for r in memory_rows:
        memory_nested.setdefault(r["loss"], {})[r["dtype"]] = {
            k: None if r[k] is None else round(r[k], 2) for k in (*CALLS, "numpy_value")}
    float32_out = {r["loss"]: {k: r[k] for k in ("none_dtype", "gradient_dtype", "mean_type")}
                   for r in memory_rows if r["dtype"] == "float32"}
    files.append("bench_losses.json")
    summary = {
        "environment": env,
        "run": run,
        "files": files,
        "targets": targets,
        "lossbook_over_torch": torch_nested,
        "memory_in_input_arrays": memory_nested,
        "float32_out": float32_out,
    }
    with open(out / "bench_losses.json", "w") as fh:
        json.dump(summary, fh, indent=1)
        fh.write("\n")
    print(f"results written to {out}: {', '.join(files)}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Sections, targets and result files are described in the module docstring.")
    parser.add_argument("--quick", action="store_true",
                        help="n = 1e3 and 1e5 only (memory at 1e5), 3 rounds of shorter loops")
    parser.add_argument("--loss", action="append", metavar="NAME", choices=sorted(lb.LOSSES),
                        help="only this loss (repeat the option for several)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the results here (default: benchmarks/results/ for a full run; "
                             "a partial run, --quick or --loss, writes nothing unless given)")
    parser.add_argument("--check", action="store_true", help="exit with 1 when a target is missed")
    parser.add_argument("--no-torch", action="store_true", help="leave the PyTorch section out")
    parser.add_argument("--repeat", type=int, help="rounds of turns (default 5, or 3 with --quick)")
    parser.add_argument("--min-time", type=float,
                        help="seconds of one timed loop (default 0.04, or 0.01 with --quick)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    names = args.loss or list(lb.LOSSES)
    sizes = [1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000]
    torch_sizes = [n for n in sizes if n >= 100_000]
    repeat = args.repeat or (3 if args.quick else 5)
    min_time = args.min_time or (0.01 if args.quick else 0.04)
    partial = args.quick or args.loss is not None
    out = args.out if args.out is not None else (None if partial else RESULTS_DIR)
    use_torch = not args.no_torch and import_torch()

    if use_torch:
        torch.set_num_threads(1)
    env = environment()
    print(", ".join(f"{k} {v}" for k, v in env.items() if v is not None) + "\n")
    torch_names = [name for name in names if name in TORCH_COUNTERPARTS]
    without = [name for name in names if name not in TORCH_COUNTERPARTS]

    with threadpool_limits(limits=1, user_api="blas"):
        env["blas"] = "; ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture', '')})"
                                for i in threadpool_info() if i["user_api"] == "blas") + ", 1 thread"
        section_start = time.perf_counter()
        reference, targets = run_reference_section(sizes, names, repeat, min_time)
        sections = {"scikit-learn and numpy": time.perf_counter() - section_start}
        torch_rows, primitive_rows = [], []
        if use_torch:
            section_start = time.perf_counter()
            torch_rows, torch_targets = run_torch_section(torch_sizes, torch_names, repeat, min_time)
            primitive_rows = run_primitives_section(torch_sizes[-1], repeat, min_time)
            sections["PyTorch"] = time.perf_counter() - section_start
            targets += torch_targets
            if without:
                print(f"no PyTorch counterpart in TORCH_COUNTERPARTS for: {', '.join(without)}\n")
        else:
            print("PyTorch is not installed (or --no-torch): the PyTorch section is left out.\n"
                  "Its CPU build: pip install torch --index-url https://download.pytorch.org/whl/cpu\n")
            targets.append(("lossbook at most 1.0x PyTorch (one thread)", None, []))
        section_start = time.perf_counter()
        memory_rows, memory_targets = run_memory_section(100_000 if args.quick else 1_000_000, names)
        sections["memory and dtypes"] = time.perf_counter() - section_start
        targets += memory_targets

    summary = summarize_targets(targets)
    env["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    seconds = time.perf_counter() - started
    print(f"\nrun took {seconds:.0f} s (" + ", ".join(f"{k} {v:.0f} s" for k, v in sections.items())
          + f"); load average {env['load_average_at_start']} at the start, "
          f"{env['load_average_at_end']} at the end")
    run = {"quick": args.quick, "losses": names, "sizes": sizes, "repeat": repeat,
           "min_time": min_time, "seconds": round(seconds, 1),
           "section_seconds": {k: round(v, 1) for k, v in sections.items()},
           "losses_without_torch_counterpart": without if use_torch else None}
    if out is not None:
        write_results(out, env, reference, torch_rows, primitive_rows, memory_rows, summary, run)
    missed = [t for t in summary if t["met"] is False]
    if missed:
        print(f"{len(missed)} target(s) missed in this run" + ("" if args.check else " (--check makes this an error)"))
    else:
        print("every measured target met in this run")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
