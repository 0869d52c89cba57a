"""Bad input is refused before any arithmetic, with an error that names the argument."""

import subprocess
import sys

import numpy as np
import pytest

import lossbook as lb

Y = [0.0, 1.0, 1.0]
P = [0.2, 0.7, 0.9]
Z2 = [[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]]
PROBS = [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]

BAD = [
    # (id, callable, expected exception, words the message must contain)
    ("shape-mismatch", lambda: lb.mse([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, ["y_true", "y_pred", "shape"]),
    ("no-broadcast-n1-vs-n", lambda: lb.mse(np.ones((3, 1)), np.ones(3)), ValueError, ["same shape", "(3, 1)", "(3,)"]),
    ("empty", lambda: lb.mae([], []), ValueError, ["y_true", "empty"]),
    ("scalar", lambda: lb.mse(1.0, 2.0), ValueError, ["y_true", "scalar"]),
    ("nan-pred", lambda: lb.mse([1.0, 2.0], [np.nan, 1.0]), ValueError, ["y_pred", "finite", "nan"]),
    ("inf-true", lambda: lb.huber([np.inf, 2.0], [1.0, 1.0]), ValueError, ["y_true", "finite", "inf"]),
    ("inf-logit", lambda: lb.binary_cross_entropy_with_logits([1.0], [-np.inf]), ValueError, ["y_pred", "finite"]),
    ("strings", lambda: lb.mse(["a", "b"], [1.0, 2.0]), TypeError, ["y_true", "real numbers"]),
    ("objects", lambda: lb.mse([1.0, 2.0], np.array([None, 1.0], dtype=object)), TypeError, ["y_pred"]),
    ("complex", lambda: lb.mse([1.0], [1j]), TypeError, ["y_pred"]),
    ("prob-above-1", lambda: lb.binary_cross_entropy(Y, [0.2, 1.5, 0.9]), ValueError, ["y_pred", "probabilities", "1.5"]),
    ("prob-negative", lambda: lb.binary_cross_entropy(Y, [-0.1, 0.5, 0.9]), ValueError, ["y_pred", "-0.1"]),
    ("prob-nan", lambda: lb.binary_cross_entropy(Y, [np.nan, 0.5, 0.9]), ValueError, ["y_pred", "finite"]),
    ("bce-target-2", lambda: lb.binary_cross_entropy([0.0, 2.0, 1.0], P), ValueError, ["y_true", "2.0"]),
    ("bce-logits-target-neg", lambda: lb.binary_cross_entropy_with_logits([-1.0, 1.0], [0.0, 0.0]), ValueError, ["y_true"]),
    ("hinge-label-2", lambda: lb.hinge([1, 2, -1], [0.1, 0.2, 0.3]), ValueError, ["y_true", "{-1, +1}", "2"]),
    ("hinge-mixed-0-and-minus1", lambda: lb.hinge([1, 0, -1], [0.1, 0.2, 0.3]), ValueError, ["y_true", "mix"]),
    ("ce-label-out-of-range", lambda: lb.softmax_cross_entropy([0, 3], Z2), ValueError, ["y_true", "0..2", "3"]),
    ("ce-label-negative", lambda: lb.softmax_cross_entropy([-1, 0], Z2), ValueError, ["y_true", "-1"]),
    ("ce-label-fractional", lambda: lb.softmax_cross_entropy([0.5, 1.0], Z2), ValueError, ["y_true", "integer", "0.5"]),
    ("ce-label-count", lambda: lb.softmax_cross_entropy([0, 1, 2], Z2), ValueError, ["y_true", "3 labels", "2 rows"]),
    ("ce-pred-1d", lambda: lb.softmax_cross_entropy([0, 1], [0.3, 0.2]), ValueError, ["y_pred", "(n_samples, n_classes)"]),
    ("ce-targets-rows", lambda: lb.softmax_cross_entropy([[1, 0, 0], [0.5, 0.4, 0.0]], Z2), ValueError, ["y_true", "sum to 1", "row 1"]),
    ("ce-targets-shape", lambda: lb.softmax_cross_entropy([[1, 0], [0, 1]], Z2), ValueError, ["y_true", "shape"]),
    ("cce-rows", lambda: lb.categorical_cross_entropy([0, 1], [[0.2, 0.5, 0.2], [0.1, 0.1, 0.8]]), ValueError, ["y_pred", "sum to 1", "row 0"]),
    ("cce-negative", lambda: lb.categorical_cross_entropy([0, 1], [[1.2, -0.2, 0.0], [0.1, 0.1, 0.8]]), ValueError, ["y_pred", "probabilities"]),
    ("sample-weight-length", lambda: lb.mse(Y, P, sample_weight=[1.0, 2.0]), ValueError, ["sample_weight", "(3,)", "(2,)"]),
    ("sample-weight-2d", lambda: lb.mse(Y, P, sample_weight=np.ones((3, 1))), ValueError, ["sample_weight", "shape"]),
    ("sample-weight-negative", lambda: lb.mse(Y, P, sample_weight=[1.0, -1.0, 1.0]), ValueError, ["sample_weight", "non-negative", "-1.0"]),
    ("sample-weight-zero-sum", lambda: lb.mse(Y, P, sample_weight=[0.0, 0.0, 0.0]), ValueError, ["sample_weight", "zero"]),
    ("sample-weight-nan", lambda: lb.mse(Y, P, sample_weight=[1.0, np.nan, 1.0]), ValueError, ["sample_weight", "finite"]),
    ("class-weight-length", lambda: lb.softmax_cross_entropy([0, 1], Z2, class_weight=[1.0, 2.0]), ValueError, ["class_weight", "(3,)"]),
    ("class-weight-negative", lambda: lb.softmax_cross_entropy([0, 1], Z2, class_weight=[1.0, -2.0, 1.0]), ValueError, ["class_weight", "non-negative"]),
    ("class-weight-zero-sum", lambda: lb.softmax_cross_entropy([0, 1], Z2, class_weight=[0.0, 0.0, 0.0]), ValueError, ["class_weight", "zero"]),
    ("true-class-weights-zero", lambda: lb.softmax_cross_entropy([0, 0], Z2, class_weight=[0.0, 1.0, 1.0]), ValueError, ["true classes", "zero"]),
    ("reduction", lambda: lb.mse(Y, P, reduction="average"), ValueError, ["reduction", "'average'", "'mean'"]),
    ("delta-zero", lambda: lb.huber(Y, P, delta=0.0), ValueError, ["delta", "0.0"]),
    ("delta-negative", lambda: lb.huber(Y, P, delta=-1), ValueError, ["delta"]),
    ("delta-string", lambda: lb.huber(Y, P, delta="1"), TypeError, ["delta"]),
    ("quantile-one", lambda: lb.quantile(Y, P, quantile=1.0), ValueError, ["quantile", "(0, 1)"]),
    ("quantile-zero", lambda: lb.quantile(Y, P, quantile=0.0), ValueError, ["quantile"]),
    ("gamma-negative", lambda: lb.sigmoid_focal(Y, P, gamma=-0.5), ValueError, ["gamma"]),
    ("alpha-above-1", lambda: lb.sigmoid_focal(Y, P, alpha=1.5), ValueError, ["alpha"]),
    ("label-smoothing-one", lambda: lb.softmax_cross_entropy([0, 1], Z2, label_smoothing=1.0), ValueError, ["label_smoothing", "[0, 1)"]),
    ("label-smoothing-negative", lambda: lb.softmax_cross_entropy([0, 1], Z2, label_smoothing=-0.1), ValueError, ["label_smoothing"]),
    ("eps-zero", lambda: lb.binary_cross_entropy(Y, P, eps=0.0), ValueError, ["eps"]),
    ("pos-weight-negative", lambda: lb.binary_cross_entropy_with_logits(Y, P, pos_weight=-1.0), ValueError, ["pos_weight"]),
    ("pos-weight-length", lambda: lb.binary_cross_entropy_with_logits(np.ones((2, 3)), np.ones((2, 3)), pos_weight=[1.0, 2.0]), ValueError, ["pos_weight", "(3,)"]),
    ("unknown-option", lambda: lb.mse(Y, P, delta=1.0), TypeError, ["mse", "delta"]),
    ("unknown-loss", lambda: lb.get_loss("l2"), ValueError, ["'l2'", "mse"]),
    ("entropy-not-distribution", lambda: lb.entropy([0.5, 0.6]), ValueError, ["p", "sum to 1"]),
    ("kl-shapes", lambda: lb.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5]), ValueError, ["p and q", "shape"]),
    ("cross-entropy-negative", lambda: lb.cross_entropy([0.5, 0.5], [1.5, -0.5]), ValueError, ["q"]),
    ("softmax-nan", lambda: lb.softmax([1.0, np.nan]), ValueError, ["z", "finite"]),
    ("sigmoid-strings", lambda: lb.sigmoid(["1"]), TypeError, ["z"]),
]


@pytest.mark.parametrize("call, error, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_a_named_message(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.parametrize("method", ["__call__", "gradient", "value_and_gradient"])
def test_every_entry_point_validates(method):
    with pytest.raises(ValueError, match="y_pred"):
        getattr(lb.mse, method)([1.0, 2.0], [1.0, np.nan])


def test_finite_inputs_whose_sum_overflows_are_accepted():
    # The fast finiteness check sums the array; a sum that overflows must not be taken for an infinity.
    big = np.array([1e308, 1e308, -1e308])
    assert lb.mae(big, big) == 0.0


def test_validation_survives_python_O():
    code = "import lossbook as lb\ntry:\n    lb.mse([1.0], [float('nan')])\nexcept ValueError as e:\n    print('refused')\n"
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"


def test_no_assert_statements_in_the_package():
    import pathlib

    root = pathlib.Path(lb.__file__).parent
    offenders = [
        f"{path.name}:{i}"
        for path in root.glob("*.py")
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if line.strip().startswith("assert ")
    ]
    assert offenders == []
