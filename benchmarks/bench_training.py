"""Time lossbook's estimators against scikit-learn's and a PyTorch loop on the digits, in one run.

Usage::

    python benchmarks/bench_training.py              # 3 seeds, best of 3 fits each
    python benchmarks/bench_training.py --repeat 1   # quicker
    python benchmarks/bench_training.py --threads 2  # let BLAS and PyTorch use 2 threads
    python benchmarks/bench_training.py --check      # exit 1 if a target is missed
    python benchmarks/bench_training.py --out benchmarks/results   # also write bench_training.json

On the split of :func:`lossbook.datasets.load_digits_split` (1,347 training and
450 test images, standardised), it fits, seed by seed:

* ``LossClassifier(hidden_layer_sizes=(64,))`` against
  ``MLPClassifier(hidden_layer_sizes=(64,), max_iter=300)``;
* the same network trained by a plain PyTorch loop (when ``import torch`` works):
  ``Linear(64, 64)``, ``ReLU``, ``Linear(64, 10)``, initialised as lossbook's
  ``mlp`` does (He-uniform hidden layer, Glorot-uniform output layer, zero
  biases), ``F.cross_entropy`` on minibatches of 64 reshuffled every epoch,
  ``torch.optim.Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-8)`` with
  ``weight_decay=alpha / n`` on the weights only (lossbook's L2 penalty,
  ``alpha = 1e-4``), for exactly as many epochs as ``LossClassifier`` ran
  with that seed (it stops early); in float64, the dtype lossbook computes in,
  and in float32, what deep-learning code runs in. The loop records each
  epoch's mean loss, as lossbook's ``loss_curve_`` does;
* ``LossClassifier(hidden_layer_sizes=())`` (default ``alpha=1e-4``, and
  ``alpha=1.0``, the objective of ``LogisticRegression(C=1.0)``) against
  ``LogisticRegression()``.

The contenders take turns: every round fits each of them once, and a
contender's time for a seed is its best of ``--repeat`` rounds. BLAS and
PyTorch are limited to ``--threads`` threads (1 by default) for every
contender: on a small, shared machine, multi-threaded BLAS on matrices this
small mostly measures contention. Only the ratios measured side by side in this
run mean anything. The targets, printed as met or missed (``--check`` makes a
missed one an exit status of 1):

* ``LossClassifier((64,))`` takes no more time than ``MLPClassifier((64,), max_iter=300)``
  (total over the seeds);
* ``LossClassifier((64,))`` takes no more time per epoch than the PyTorch loop
  in float64 (total over the seeds);
* its test accuracy, averaged over the seeds, is at least 0.975;
* ``LossClassifier((), alpha=1.0)`` reaches at least 0.965.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import lossbook as lb
from lossbook.datasets import load_digits_split

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # the PyTorch contenders are left out
    torch = F = nn = None

LB64 = "LossClassifier((64,))"


class TorchLoop:
    """The network of ``LossClassifier((64,))`` trained by a plain PyTorch loop.

    ``fit`` runs exactly ``epochs`` epochs (``n_iter_`` is set to it, as the
    estimators do); ``score`` is the test accuracy.
    """

    def __init__(self, epochs, random_state, dtype, *, hidden=64, batch_size=64,
                 learning_rate=0.01, alpha=1e-4):
        self.epochs = epochs
        self.random_state = random_state
        self.dtype = dtype
        self.hidden = hidden
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.alpha = alpha

    def fit(self, X, y):
        torch.manual_seed(self.random_state)
        generator = torch.Generator().manual_seed(self.random_state)
        n_samples, n_features = X.shape
        n_classes = int(y.max()) + 1
        model = nn.Sequential(
            nn.Linear(n_features, self.hidden), nn.ReLU(), nn.Linear(self.hidden, n_classes)
        ).to(self.dtype)
        hidden_layer, output_layer = model[0], model[2]
        with torch.no_grad():
            # lossbook's mlp: He-uniform U(+-sqrt(6 / n_in)) before a ReLU, Glorot-uniform
            # U(+-sqrt(6 / (n_in + n_out))) for the output layer, zero biases
            nn.init.kaiming_uniform_(hidden_layer.weight, nonlinearity="relu")
            nn.init.xavier_uniform_(output_layer.weight)
            nn.init.zeros_(hidden_layer.bias)
            nn.init.zeros_(output_layer.bias)
        optimizer = torch.optim.Adam(
            [
                # lossbook's L2 penalty alpha / (2 n) ||W||^2 adds alpha / n * W to the
                # gradient of the weights, not the biases: Adam's (coupled) weight_decay
                {"params": [hidden_layer.weight, output_layer.weight],
                 "weight_decay": self.alpha / n_samples},
                {"params": [hidden_layer.bias, output_layer.bias], "weight_decay": 0.0},
            ],
            lr=self.learning_rate, betas=(0.9, 0.999), eps=1e-8,
        )
        X = torch.as_tensor(X, dtype=self.dtype)
        y = torch.as_tensor(y, dtype=torch.long)
        self.loss_curve_ = []
        for _ in range(self.epochs):
            order = torch.randperm(n_samples, generator=generator)
            total = 0.0
            for start in range(0, n_samples, self.batch_size):
                idx = order[start : start + self.batch_size]
                optimizer.zero_grad()
                loss = F.cross_entropy(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(idx)
            self.loss_curve_.append(total / n_samples)
        self.model_ = model
        self.n_iter_ = self.epochs
        return self

    def score(self, X, y):
        with torch.no_grad():
            scores = self.model_(torch.as_tensor(X, dtype=self.dtype))
        return float(np.mean(scores.argmax(dim=1).numpy() == y))


def timed_fit(make, X, y):
    """Seconds of one fit of a fresh ``make()`` estimator, and the estimator."""
    est = make()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return time.perf_counter() - start, est


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="random states 0 .. seeds-1 (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of fits per seed, best kept (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads (default 1)")
    parser.add_argument("--no-torch", action="store_true", help="leave the PyTorch loops out")
    parser.add_argument("--check", action="store_true", help="exit with 1 when a target is missed")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write bench_training.json here")
    args = parser.parse_args(argv)
    use_torch = torch is not None and not args.no_torch

    X_train, X_test, y_train, y_test = load_digits_split(test_size=0.25, random_state=0)
    if use_torch:
        torch.set_num_threads(args.threads)
    versions = (f"lossbook {lb.__version__}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
                + (f"torch {torch.__version__}, " if use_torch else "")
                + f"Python {platform.python_version()}, {os.cpu_count()} cores; "
                f"BLAS{' and PyTorch' if use_torch else ''} threads: {args.threads}")
    print(versions)
    print(f"digits: {len(X_train)} training, {len(X_test)} test images; "
          f"best of {args.repeat} fits, taken in turns\n")

    contenders = {
        LB64: lambda s, epochs: lb.LossClassifier(hidden_layer_sizes=(64,), random_state=s),
        "MLPClassifier((64,), max_iter=300)": lambda s, epochs: MLPClassifier(
            hidden_layer_sizes=(64,), max_iter=300, random_state=s
        ),
        "LossClassifier(())": lambda s, epochs: lb.LossClassifier(hidden_layer_sizes=(), random_state=s),
        "LossClassifier((), alpha=1.0)": lambda s, epochs: lb.LossClassifier(
            hidden_layer_sizes=(), alpha=1.0, random_state=s
        ),
        "LogisticRegression()": lambda s, epochs: LogisticRegression(),
    }
    if use_torch:
        contenders["PyTorch loop (64,) float64"] = lambda s, epochs: TorchLoop(epochs, s, torch.float64)
        contenders["PyTorch loop (64,) float32"] = lambda s, epochs: TorchLoop(epochs, s, torch.float32)
    results = {name: {"time": [], "accuracy": [], "epochs": []} for name in contenders}
    if not use_torch:
        print("PyTorch is not installed (or --no-torch): the PyTorch loops are left out.\n")
    with threadpool_limits(limits=args.threads, user_api="blas"):
        if use_torch:  # PyTorch's first fit in a dtype pays a one-off start-up cost: not timed
            for dtype in (torch.float64, torch.float32):
                TorchLoop(1, 0, dtype).fit(X_train, y_train)
        for seed in range(args.seeds):
            # LossClassifier((64,)) goes first: the PyTorch loops run as many epochs as it did
            epochs = lb.LossClassifier(hidden_layer_sizes=(64,), random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                epochs = epochs.fit(X_train, y_train).n_iter_
            best = {name: (np.inf, None) for name in contenders}
            for _ in range(args.repeat):
                for name, make in contenders.items():
                    seconds, est = timed_fit(lambda: make(seed, epochs), X_train, y_train)
                    if seconds < best[name][0]:
                        best[name] = (seconds, est)
            for name, (seconds, est) in best.items():
                results[name]["time"].append(seconds)
                results[name]["accuracy"].append(est.score(X_test, y_test))
                results[name]["epochs"].append(float(np.max(getattr(est, "n_iter_", np.nan))))

    header = (f"{'estimator':<36}{'test accuracy (per seed)':>27}{'mean':>8}{'epochs':>8}"
              f"{'seconds':>9}{'ms/epoch':>10}")
    print(header)
    print("-" * len(header))
    summary = {}
    for name, r in results.items():
        accs = " ".join(f"{a:.4f}" for a in r["accuracy"])
        epochs = np.array(r["epochs"])
        has_epochs = not np.all(np.isnan(epochs))
        per_epoch = sum(r["time"]) / np.sum(epochs) if has_epochs else None
        summary[name] = {"accuracy": [round(a, 4) for a in r["accuracy"]],
                         "mean_accuracy": round(float(np.mean(r["accuracy"])), 4),
                         "epochs": [int(e) for e in epochs] if has_epochs else None,
                         "seconds": round(sum(r["time"]), 4),
                         "seconds_per_epoch": None if per_epoch is None else float(f"{per_epoch:.4g}")}
        print(f"{name:<36}{accs:>27}{np.mean(r['accuracy']):>8.4f}"
              f"{(f'{np.mean(epochs):.0f}' if has_epochs else '-'):>8}{sum(r['time']):>9.3f}"
              f"{('-' if per_epoch is None else f'{1e3 * per_epoch:.2f}'):>10}")

    def total(name):
        return sum(results[name]["time"])

    ratios = {
        "time LossClassifier((64,)) / MLPClassifier((64,), max_iter=300)":
            total(LB64) / total("MLPClassifier((64,), max_iter=300)"),
        "time LossClassifier(()) / LogisticRegression()":
            total("LossClassifier(())") / total("LogisticRegression()"),
        "time LossClassifier((), alpha=1.0) / LogisticRegression()":
            total("LossClassifier((), alpha=1.0)") / total("LogisticRegression()"),
    }
    if use_torch:
        # the PyTorch loops ran as many epochs as LossClassifier((64,)): total time is per epoch
        for dtype in ("float64", "float32"):
            ratios[f"time per epoch LossClassifier((64,)) / PyTorch loop {dtype}"] = (
                total(LB64) / total(f"PyTorch loop (64,) {dtype}"))
    print()
    width = max(map(len, ratios)) + 2
    for label, ratio in ratios.items():
        print(f"{label + ':':<{width}}{ratio:.2f}")

    mlp_ratio = ratios["time LossClassifier((64,)) / MLPClassifier((64,), max_iter=300)"]
    mean_64 = np.mean(results[LB64]["accuracy"])
    mean_lin = np.mean(results["LossClassifier((), alpha=1.0)"]["accuracy"])
    targets = [
        (f"LossClassifier((64,)) time at most MLPClassifier's: {mlp_ratio:.2f}x", mlp_ratio <= 1.0),
        (f"LossClassifier((64,)) mean accuracy at least 0.975: {mean_64:.4f}", mean_64 >= 0.975),
        (f"LossClassifier((), alpha=1.0) mean accuracy at least 0.965: {mean_lin:.4f}", mean_lin >= 0.965),
    ]
    if use_torch:
        torch_ratio = ratios["time per epoch LossClassifier((64,)) / PyTorch loop float64"]
        targets.append((f"LossClassifier((64,)) per epoch at most the PyTorch loop's (float64): "
                        f"{torch_ratio:.2f}x", torch_ratio <= 1.0))
    print("\ntargets:")
    for line, met in targets:
        print(f"  [{'met' if met else 'MISSED'}] {line}")
    missed = [line for line, met in targets if not met]

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "bench_training.json", "w") as fh:
            json.dump({"environment": versions, "date": time.strftime("%Y-%m-%d"),
                       "seeds": args.seeds, "repeat": args.repeat, "threads": args.threads,
                       "contenders": summary, "ratios": {k: round(v, 3) for k, v in ratios.items()},
                       "targets": [{"target": line, "met": bool(met)} for line, met in targets]}, fh, indent=1)
            fh.write("\n")
        print(f"\nresults written to {args.out / 'bench_training.json'}")
    print()
    if missed:
        print(f"{len(missed)} target(s) missed in this run" + ("" if args.check else " (--check makes this an error)"))
    else:
        print("every target met in this run")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
