"""Compare the PyTorch ratios of several runs of bench_losses.py: how much each one moves.

Usage::

    python benchmarks/bench_losses.py --out /tmp/run1     # (and run2, run3, ...)
    python benchmarks/compare_runs.py /tmp/run1 /tmp/run2 /tmp/run3

For every loss, call, dtype and n, it prints the ratio lossbook / PyTorch of
each run, their median, and their spread (largest over smallest), worst spread
first; then how many cells are at most 1.0x in every run, in some, in none.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path


def read_ratios(folder, column="lossbook_over_torch"):
    """{(loss, call, dtype, n): ratio} from one run's bench_losses_torch.csv."""
    with open(Path(folder) / "bench_losses_torch.csv") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return {(r["loss"], r["call"], r["dtype"], int(r["n"])): float(r[column])
            for r in csv.DictReader(lines) if r.get(column)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", help="result folders written by bench_losses.py --out")
    parser.add_argument("--column", default="lossbook_over_torch",
                        help="the ratio to compare: lossbook_over_torch (the median of the rounds' "
                             "ratios, the default), lossbook_over_torch_best or lossbook_over_torch_median")
    args = parser.parse_args(argv)
    runs = [read_ratios(folder, args.column) for folder in args.folders]
    cells = sorted(set().union(*runs))
    table = []
    for cell in cells:
        values = [run[cell] for run in runs if cell in run]
        table.append((cell, values, statistics.median(values), max(values) / min(values)))
    table.sort(key=lambda row: -row[3])
    header = (f"{'loss':<34}{'call':>9}{'dtype':>8}{'n':>9}  "
              + "".join(f"{'run ' + str(i + 1):>8}" for i in range(len(runs)))
              + f"{'median':>8}{'spread':>8}")
    print(header)
    print("-" * len(header))
    for (loss, call, dtype, n), values, median, spread in table:
        cells_text = "".join(f"{v:>8.2f}" for v in values) + " " * 8 * (len(runs) - len(values))
        print(f"{loss:<34}{call:>9}{dtype:>8}{n:>9}  {cells_text}{median:>8.2f}{spread:>7.2f}x")
    always = sum(all(v <= 1.0 for v in values) for _, values, _, _ in table)
    never = sum(all(v > 1.0 for v in values) for _, values, _, _ in table)
    print(f"\n{len(table)} cells: {always} at most 1.0x in every run, {never} above 1.0x in every run, "
          f"{len(table) - always - never} on either side depending on the run")
    spreads = sorted(spread for *_, spread in table)
    print(f"spread (largest / smallest ratio of a cell): median {statistics.median(spreads):.2f}x, "
          f"90th percentile {spreads[int(0.9 * (len(spreads) - 1))]:.2f}x, largest {spreads[-1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
