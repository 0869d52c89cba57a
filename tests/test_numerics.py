"""lossbook/_numerics.py: log1p and expm1 from log and exp, within a few ulp of the real thing; dot on the calling thread."""

import math

import mpmath
import numpy as np
import pytest

import lossbook as lb
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


# -- dot: the sums of mse and huber ------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 8191, 8192, 8193, 100_003])
def test_dot_is_the_exact_sum_of_products_to_rounding(n):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=n), rng.normal(size=n) * 10.0 ** rng.integers(-5, 5, size=n)
    exact = math.fsum(x * y for x, y in zip(a.tolist(), b.tolist()))  # products exact to 1 ulp
    scale = math.fsum(abs(x * y) for x, y in zip(a.tolist(), b.tolist()))
    assert abs(_numerics.dot(a, b) - exact) <= 1e-13 * scale
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    exact32 = math.fsum(float(x) * float(y) for x, y in zip(a32, b32))
    assert abs(_numerics.dot(a32, b32) - exact32) <= 1e-5 * scale


def test_dot_whose_chunks_overflow_together_is_infinite():
    # Each chunk's sum is finite, their total is not: inf, as numpy's own dot would say.
    a = np.full(2 * _numerics.DOT_CHUNK, math.sqrt(1.2e304))
    assert _numerics.dot(a, a) == math.inf
    assert lb.mse(np.zeros(a.size), a, reduction="sum") == math.inf


def test_dot_never_hands_blas_more_than_a_chunk(monkeypatch):
    # OpenBLAS threads a dot above 10,000 elements; on a busy machine that costs milliseconds.
    sizes = []
    real_dot = np.dot

    def spy(a, b, *args):
        sizes.append(np.size(a))
        return real_dot(a, b, *args)

    monkeypatch.setattr(np, "dot", spy)
    _numerics.dot(np.ones(100_000), np.ones(100_000))
    assert sizes and max(sizes) <= _numerics.DOT_CHUNK <= 10_000
    assert sum(sizes) == 100_000


# -- row_sum: the row sums of the multi-class losses and of the probability check --------------


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 1e-6)])
@pytest.mark.parametrize("shape", [(1, 1), (3, 10), (2000, 10), (1000, 16), (50, 17), (7, 300), (4, 0)])
def test_row_sum_against_exact_sums(shape, dtype, rtol):
    # 2000 rows of 10 span several chunks of rows; 17 and 300 columns take numpy's own sum.
    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    a = (rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3, size=shape)).astype(dtype)
    got = _numerics.row_sum(a)
    assert got.shape == (shape[0],) and got.dtype == dtype
    exact = np.array([math.fsum(row) for row in a.astype(np.float64).tolist()])
    scale = np.abs(a).astype(np.float64).sum(axis=1)
    assert np.all(np.abs(got - exact) <= rtol * scale)
    # views that are not C-contiguous (column-major, every other row): the same sums to rounding
    assert np.all(np.abs(_numerics.row_sum(np.asfortranarray(a)) - exact) <= rtol * scale)
    assert np.all(np.abs(_numerics.row_sum(a[::2]) - exact[::2]) <= rtol * scale[::2])


def test_row_sum_propagates_nan_and_infinity_and_never_hands_blas_more_than_a_chunk(monkeypatch):
    a = np.ones((5000, 10))
    a[1, 3], a[4000, 0], a[4001, 1], a[4001, 2] = np.nan, np.inf, np.inf, -np.inf
    sizes = []
    real_dot = np.dot

    def spy(x, y, *args, **kwargs):
        sizes.append(np.size(x))
        return real_dot(x, y, *args, **kwargs)

    monkeypatch.setattr(np, "dot", spy)
    with np.errstate(invalid="ignore"):  # inf - inf, as numpy's own sum would say
        got = _numerics.row_sum(a)
    assert np.isnan(got[1]) and got[4000] == np.inf and np.isnan(got[4001])
    assert np.all(np.delete(got, [1, 4000, 4001]) == 10.0)
    assert max(sizes) <= _numerics.DOT_CHUNK and sum(sizes) == a.size
