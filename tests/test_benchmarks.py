"""The loss benchmark, run in its quickest mode, writes well-formed results for every loss.

No timing is checked here: speed figures come from running the benchmark itself
(`make bench`), never from a test. This only guards the script against drifting
away from lossbook (a new loss it does not cover, a result file missing a loss
or holding a ratio that is not a positive finite number). It runs without
PyTorch (`--no-torch`), which the book's environment does not install.
"""

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import lossbook as lb

ROOT = Path(__file__).resolve().parents[1]


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _positive_finite(text):
    value = float(text)
    return math.isfinite(value) and value > 0


def test_bench_losses_quick_run_covers_every_loss(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_losses.py"), "--quick", "--no-torch",
               "--repeat", "1", "--min-time", "0.001", "--out", str(tmp_path)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

    memory = _rows(tmp_path / "bench_losses_memory.csv")
    expected = {(name, dtype) for name in lb.LOSSES for dtype in ("float64", "float32")}
    assert {(r["loss"], r["dtype"]) for r in memory} == expected
    for r in memory:
        for call in ("value", "gradient", "both"):
            assert math.isfinite(float(r[call])) and float(r[call]) >= 0, r
        if r["dtype"] == "float32":
            assert r["none_dtype"] and r["gradient_dtype"], r

    reference = _rows(tmp_path / "bench_losses.csv")
    assert {int(r["n"]) for r in reference} == {1_000, 100_000}
    for r in reference:
        assert _positive_finite(r["lossbook_seconds"]) and _positive_finite(r["lossbook_over_numpy"]), r
        assert r["sklearn_over_lossbook"] == "" or _positive_finite(r["sklearn_over_lossbook"]), r

    summary = json.loads((tmp_path / "bench_losses.json").read_text())
    assert set(summary["memory_in_input_arrays"]) == set(lb.LOSSES)
    assert set(summary["float32_out"]) == set(lb.LOSSES)
    met = {t["target"]: t["met"] for t in summary["targets"]}
    assert all(value in (True, False, None) for value in met.values())
    # without PyTorch, its target is reported as not measured rather than met
    assert [value for target, value in met.items() if "PyTorch" in target] == [None]
    assert not (tmp_path / "bench_losses_torch.csv").exists()
    assert not (tmp_path / "bench_primitives.csv").exists()
