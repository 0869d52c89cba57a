"""Activations (lossbook/activations.py): finite and exact for any finite input."""

import numpy as np
import pytest

import lossbook as lb
from loss_cases import strict


def test_activations_are_finite_and_exact_for_large_inputs():
    with strict():
        np.testing.assert_array_equal(lb.sigmoid([-1e4, 0.0, 1e4]), [0.0, 0.5, 1.0])
        np.testing.assert_array_equal(lb.log_softmax([1e4, 0.0]), [0.0, -1e4])
        np.testing.assert_array_equal(lb.softmax([[1e4, 1e4], [-1e4, 1e4]]), [[0.5, 0.5], [0.0, 1.0]])
    # naive formulas fail where these do not
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp([1000.0, 0.0]) / np.exp([1000.0, 0.0]).sum()
    assert np.isnan(naive[0])


def test_softmax_properties():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=5, size=(20, 7))
    s = lb.softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(lb.softmax(z + 123.0), s, rtol=1e-12)  # shift invariance
    np.testing.assert_allclose(np.log(s), lb.log_softmax(z), rtol=1e-12)
    np.testing.assert_allclose(lb.softmax(z.T, axis=0), s.T, rtol=1e-15)
    # the sigmoid is the two-class softmax
    np.testing.assert_allclose(lb.sigmoid(z[:, 0]), lb.softmax(np.stack([z[:, 0], 0 * z[:, 0]], 1))[:, 0])
