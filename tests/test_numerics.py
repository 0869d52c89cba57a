"""lossbook/_numerics.py: log1p and expm1 from log and exp, within a few ulp of the real thing."""

import mpmath
import numpy as np
import pytest

from lossbook import _numerics


def ulps(got, exact, dtype):
    exact = np.asarray(exact, dtype=np.float64)
    spacing = np.spacing(np.abs(exact).astype(dtype)).astype(np.float64)
    return np.abs(np.asarray(got, dtype=np.float64) - exact) / spacing


def mp(fn, values):
    mpmath.mp.dps = 40
    return np.array([float(fn(mpmath.mpf(float(v)))) for v in values])


@pytest.mark.parametrize("dtype, bound", [(np.float64, 2.5), (np.float32, 4.5)])
def test_log1p_against_numpy_and_mpmath(dtype, bound):
    rng = np.random.default_rng(0)
    magnitudes = 10.0 ** rng.uniform(-40, 1, 20000)
    u = np.concatenate([magnitudes, -np.minimum(magnitudes, 0.999)]).astype(dtype)
    got = _numerics.log1p(u)
    assert got.dtype == dtype
    reference = np.log1p(u.astype(np.float64))  # numpy's own log1p, in float64
    assert ulps(got, reference, dtype).max() <= bound
    sample = u[:: len(u) // 300]
    assert ulps(_numerics.log1p(sample), mp(mpmath.log1p, sample), dtype).max() <= bound


@pytest.mark.parametrize("dtype, bound, top", [(np.float64, 2.5, 700.0), (np.float32, 4.5, 80.0)])
def test_expm1_against_numpy_and_mpmath(dtype, bound, top):
    rng = np.random.default_rng(1)
    magnitudes = 10.0 ** rng.uniform(-40, np.log10(top), 20000)
    x = np.concatenate([magnitudes, -magnitudes]).astype(dtype)
    got, w = _numerics.expm1(x)
    assert got.dtype == dtype and np.array_equal(w, np.exp(x))
    assert ulps(got, np.expm1(x.astype(np.float64)), dtype).max() <= bound
    sample = x[:: len(x) // 300]
    assert ulps(_numerics.expm1(sample)[0], mp(mpmath.expm1, sample), dtype).max() <= bound


def test_exact_where_one_plus_u_rounds_to_one():
    tiny = np.array([1e-300, 5e-324, 1e-17, -1e-17, 0.0])
    np.testing.assert_array_equal(_numerics.log1p(tiny), tiny)
    np.testing.assert_array_equal(_numerics.expm1(tiny)[0], tiny)
