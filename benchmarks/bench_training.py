"""Time lossbook's estimators against scikit-learn's on the digits, in one run.

Usage::

    python benchmarks/bench_training.py              # 3 seeds, best of 3 fits each
    python benchmarks/bench_training.py --repeat 1   # quicker
    python benchmarks/bench_training.py --threads 2  # let BLAS use 2 threads

On the split of :func:`lossbook.datasets.load_digits_split` (1,347 training and
450 test images, standardised), it fits, seed by seed and one right after the
other:

* ``LossClassifier(hidden_layer_sizes=(64,))`` against
  ``MLPClassifier(hidden_layer_sizes=(64,), max_iter=300)``;
* ``LossClassifier(hidden_layer_sizes=())`` (default ``alpha=1e-4``, and
  ``alpha=1.0``, the objective of ``LogisticRegression(C=1.0)``) against
  ``LogisticRegression()``.

Every timing is the best of ``--repeat`` fits. BLAS is limited to ``--threads``
threads (1 by default) for every contender: on a small, shared machine,
multi-threaded BLAS on matrices this small mostly measures contention. Only
the ratios measured side by side in this run mean anything. The script checks
the project's targets and exits with 1 if one is missed:

* ``LossClassifier((64,))`` takes no more time than ``MLPClassifier((64,), max_iter=300)``
  (total over the seeds);
* its test accuracy, averaged over the seeds, is at least 0.975;
* ``LossClassifier((), alpha=1.0)`` reaches at least 0.965.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import lossbook as lb
from lossbook.datasets import load_digits_split


def timed_fit(make, X, y, repeat):
    """Best fit time of ``repeat`` fits of fresh ``make()`` estimators, and the last estimator."""
    best = np.inf
    for _ in range(repeat):
        est = make()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best, est


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="random states 0 .. seeds-1 (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="fits per timing, best kept (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = parser.parse_args(argv)

    X_train, X_test, y_train, y_test = load_digits_split(test_size=0.25, random_state=0)
    print(f"lossbook {lb.__version__}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"Python {platform.python_version()}; BLAS threads: {args.threads}")
    print(f"digits: {len(X_train)} training, {len(X_test)} test images; best of {args.repeat} fits\n")

    contenders = {
        "LossClassifier((64,))": lambda s: lb.LossClassifier(hidden_layer_sizes=(64,), random_state=s),
        "MLPClassifier((64,), max_iter=300)": lambda s: MLPClassifier(
            hidden_layer_sizes=(64,), max_iter=300, random_state=s
        ),
        "LossClassifier(())": lambda s: lb.LossClassifier(hidden_layer_sizes=(), random_state=s),
        "LossClassifier((), alpha=1.0)": lambda s: lb.LossClassifier(
            hidden_layer_sizes=(), alpha=1.0, random_state=s
        ),
        "LogisticRegression()": lambda s: LogisticRegression(),
    }
    results = {name: {"time": [], "accuracy": [], "epochs": []} for name in contenders}
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for seed in range(args.seeds):
            for name, make in contenders.items():
                seconds, est = timed_fit(lambda: make(seed), X_train, y_train, args.repeat)
                results[name]["time"].append(seconds)
                results[name]["accuracy"].append(est.score(X_test, y_test))
                results[name]["epochs"].append(getattr(est, "n_iter_", np.nan))

    header = f"{'estimator':<36}{'test accuracy (per seed)':>34}{'mean':>8}{'epochs':>14}{'seconds':>9}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        accs = " ".join(f"{a:.4f}" for a in r["accuracy"])
        epochs = np.ravel(r["epochs"]).astype(float)
        epochs = "-" if np.all(np.isnan(epochs)) else f"{np.nanmean(epochs):.0f}"
        print(f"{name:<36}{accs:>34}{np.mean(r['accuracy']):>8.4f}{epochs:>14}{sum(r['time']):>9.3f}")

    def total(name):
        return sum(results[name]["time"])

    mlp_ratio = total("LossClassifier((64,))") / total("MLPClassifier((64,), max_iter=300)")
    lin_ratio = total("LossClassifier(())") / total("LogisticRegression()")
    lin1_ratio = total("LossClassifier((), alpha=1.0)") / total("LogisticRegression()")
    print()
    print(f"time LossClassifier((64,)) / MLPClassifier((64,), max_iter=300): {mlp_ratio:.2f}")
    print(f"time LossClassifier(()) / LogisticRegression():                   {lin_ratio:.2f}")
    print(f"time LossClassifier((), alpha=1.0) / LogisticRegression():        {lin1_ratio:.2f}")

    failures = []
    if mlp_ratio > 1.0:
        failures.append(f"LossClassifier((64,)) took {mlp_ratio:.2f}x MLPClassifier's time (target <= 1)")
    mean_64 = np.mean(results["LossClassifier((64,))"]["accuracy"])
    if mean_64 < 0.975:
        failures.append(f"LossClassifier((64,)) mean accuracy {mean_64:.4f} < 0.975")
    mean_lin = np.mean(results["LossClassifier((), alpha=1.0)"]["accuracy"])
    if mean_lin < 0.965:
        failures.append(f"LossClassifier((), alpha=1.0) mean accuracy {mean_lin:.4f} < 0.965")
    print()
    if failures:
        print("targets missed in this run:")
        for line in failures:
            print("  " + line)
        return 1
    print("every target met in this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
