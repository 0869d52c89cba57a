"""One way to write a loss (lossbook/_loss.py): make_loss, Option, and what every loss gets."""

import inspect
import pickle
import pydoc
import re
import warnings

import numpy as np
import pytest

import lossbook as lb
from lossbook import _loss


@lb.make_loss(options=[lb.Option("delta", 1.0, "(0, inf)", "The scale of the quadratic part.")])
def pseudo_huber(y_true, y_pred, *, delta):
    """Pseudo-Huber loss, a smooth Huber.

    Examples
    --------
    >>> round(pseudo_huber([0.0], [3.0], delta=2.0), 4)
    3.2111
    """
    e = y_pred - y_true
    r = np.sqrt(1.0 + (e / delta) ** 2)
    return delta**2 * (r - 1.0), e / r


# -- the declaration gives the signature, the docstring and the validation -------------


def test_signature_shows_the_options():
    sig = inspect.signature(pseudo_huber)
    assert [(p.name, p.default) for p in sig.parameters.values()][2:] == [
        ("reduction", "mean"), ("sample_weight", None), ("delta", 1.0)]
    assert sig.parameters["delta"].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.signature(pseudo_huber.gradient) == sig
    assert inspect.signature(lb.huber).parameters["delta"].default == 1.0
    assert list(inspect.signature(lb.sigmoid_focal).parameters)[-2:] == ["gamma", "alpha"]


def test_help_shows_the_signature_and_the_generated_parameters():
    text = pydoc.render_doc(lb.huber, renderer=pydoc.plaintext)
    # Python 3.13's pydoc breaks a long signature over lines: compare without the layout.
    flat = re.sub(r"\(\s+", "(", re.sub(r",\s+", ", ", text))
    assert "huber(y_true: 'ArrayLike', y_pred: 'ArrayLike', *, reduction: 'str' = 'mean'" in flat
    assert re.search(r"delta: 'float' = 1\.0,?\s*\)", flat)
    doc = lb.huber.__doc__
    params = doc[doc.index("Parameters"):doc.index("Returns")]
    assert "delta : float, default 1.0" in params and "Must be in (0, inf)." in params
    assert params.index("reduction") < params.index("delta")
    assert doc.index("Returns") < doc.index("Examples")  # inserted before the first section


@pytest.mark.parametrize("value, error, words", [
    ("1", TypeError, ["delta", "real number", "'1'"]),
    (True, TypeError, ["delta"]),
    (0.0, ValueError, ["delta", "(0, inf)", "0.0"]),
    (float("inf"), ValueError, ["delta"]),
])
def test_options_are_validated_from_the_declaration(value, error, words):
    with pytest.raises(error) as info:
        pseudo_huber([0.0], [1.0], delta=value)
    for word in words:
        assert word in str(info.value)


def test_unknown_option_names_the_valid_ones():
    with pytest.raises(TypeError, match=r"pseudo_huber\(\) got an unexpected keyword argument 'beta' \(its options: delta\)"):
        pseudo_huber([0.0], [1.0], beta=1.0)


def test_attributes_say_what_a_loss_is():
    assert (lb.mse.input, lb.mse.activation, lb.mse.targets, lb.mse.per_sample) == (
        "prediction", "identity", "real", False)
    assert (lb.binary_cross_entropy.input, lb.binary_cross_entropy.activation) == ("probability", "sigmoid")
    assert (lb.softmax_cross_entropy.activation, lb.softmax_cross_entropy.per_sample) == ("softmax", True)
    assert (lb.poisson_nll.input, lb.poisson_nll.activation) == ("log_rate", "exp")
    assert lb.hinge.input == "decision" and lb.multiclass_hinge.per_sample
    assert list(lb.sigmoid_focal.options) == ["gamma", "alpha"]


# -- a reader's loss has every power of a built-in one ---------------------------------


def test_custom_loss_has_the_builtin_validation_and_reductions():
    with pytest.raises(ValueError, match="y_pred"):
        pseudo_huber([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="same shape"):
        pseudo_huber([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="reduction"):
        pseudo_huber([1.0], [1.0], reduction="avg")
    y, p = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0])
    none = pseudo_huber(y, p, reduction="none")
    assert pseudo_huber(y, p, reduction="sum") == pytest.approx(none.sum())
    assert pseudo_huber(y, p) == pytest.approx(none.mean())
    assert pseudo_huber(y, p, sample_weight=[1, 0, 3]) == pytest.approx((none[0] + 3 * none[2]) / 4)
    value, grad = pseudo_huber.value_and_gradient(y, p)
    assert value == pseudo_huber(y, p)
    np.testing.assert_allclose(grad, pseudo_huber.gradient(y, p))
    assert lb.check_gradient(pseudo_huber, y, p, delta=0.5) < 1e-7


def test_kernel_must_return_the_unreduced_loss():
    @lb.make_loss
    def summed(y_true, y_pred):
        return np.sum((y_pred - y_true) ** 2), 2 * (y_pred - y_true)

    with pytest.raises(ValueError, match=r"kernel of loss 'summed' must return the unreduced loss.*shape \(2,\), got shape \(\)"):
        summed([1.0, 2.0], [1.0, 3.0])

    @lb.make_loss
    def single(y_true, y_pred):
        return y_pred - y_true

    with pytest.raises(TypeError, match="must return a pair"):
        single([1.0], [2.0])


def test_kernel_gets_read_only_inputs():
    seen = {}

    @lb.make_loss
    def spy(y_true, y_pred):
        seen["writeable"] = (y_true.flags.writeable, y_pred.flags.writeable)
        return (y_pred - y_true) ** 2, 2 * (y_pred - y_true)

    p = np.array([1.0, 2.0])
    spy([0.0, 0.0], p)
    assert seen["writeable"] == (False, False) and p.flags.writeable


def test_arrays_the_kernel_keeps_or_returns_are_never_changed():
    kept = np.array([1.0, 1.0])

    @lb.make_loss
    def keeper(y_true, y_pred):
        return y_pred, kept  # the input itself, and an array the kernel holds on to

    p = np.array([1.0, 2.0])
    for _ in range(3):
        keeper.value_and_gradient([0.0, 0.0], p, sample_weight=[1.0, 3.0])
        keeper.gradient([0.0, 0.0], p)
        keeper([0.0, 0.0], p, reduction="none")
    np.testing.assert_array_equal(kept, [1.0, 1.0])
    np.testing.assert_array_equal(p, [1.0, 2.0])


def test_read_only_and_broadcast_kernel_outputs_work():
    @lb.make_loss
    def constant(y_true, y_pred):
        return np.broadcast_to(1.0, y_pred.shape), np.broadcast_to(0.5, y_pred.shape)

    value, grad = constant.value_and_gradient([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    assert value == 1.0
    np.testing.assert_array_equal(grad, [1 / 6, 1 / 6, 1 / 6])
    assert grad.flags.writeable


def test_float32_in_float32_out():
    y, p = np.float32([0.0, 1.0, 2.0]), np.float32([0.5, 1.0, 4.0])
    value, grad = pseudo_huber.value_and_gradient(y, p)
    assert isinstance(value, float) and grad.dtype == np.float32
    assert pseudo_huber(y, p, reduction="none").dtype == np.float32
    assert pseudo_huber.gradient([0, 1, 2], [1, 1, 4]).dtype == np.float64  # integers: float64


def test_large_inputs_are_processed_in_blocks_with_the_same_result(monkeypatch):
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(1000, 3)), rng.normal(size=(1000, 3))
    w = rng.uniform(size=1000)
    whole = [pseudo_huber.value_and_gradient(y, p, reduction=r, sample_weight=w) for r in ("mean", "sum", "none")]
    sizes = []

    @lb.make_loss
    def counted(y_true, y_pred):
        sizes.append(y_pred.shape[0])
        return pseudo_huber.kernel(y_true, y_pred, delta=1.0)

    monkeypatch.setattr(_loss, "BLOCK_SIZE", 64)
    blocked = [counted.value_and_gradient(y, p, reduction=r, sample_weight=w) for r in ("mean", "sum", "none")]
    assert max(sizes) == 64 // 3 and sum(sizes) == 3 * 1000
    for (v1, g1), (v2, g2) in zip(whole, blocked):
        np.testing.assert_allclose(v1, v2, rtol=1e-13)
        np.testing.assert_allclose(g1, g2, rtol=1e-13)


def test_a_loss_as_a_class_attribute_stays_the_loss():
    class Model:
        loss = lb.mse

    assert Model().loss is lb.mse


def test_pickle_and_copy():
    import copy

    assert pickle.loads(pickle.dumps(lb.huber)) is lb.huber
    assert copy.deepcopy(lb.softmax_cross_entropy) is lb.softmax_cross_entropy
    clone = pickle.loads(pickle.dumps(pseudo_huber))
    assert clone.name == "pseudo_huber" and clone([0.0], [3.0], delta=2.0) == pseudo_huber([0.0], [3.0], delta=2.0)


# -- declarations that cannot work are refused when they are made -----------------------


def test_make_loss_refuses_bad_declarations():
    def kernel(y_true, y_pred):
        return y_pred, y_pred

    with pytest.raises(TypeError, match="callable"):
        lb.make_loss(1)
    with pytest.raises(ValueError, match="input"):
        lb.make_loss(kernel, input="probabilities")
    with pytest.raises(ValueError, match="targets"):
        lb.make_loss(kernel, targets="labels")
    with pytest.raises(TypeError, match="Option"):
        lb.make_loss(kernel, options=[("delta", 1.0)])
    with pytest.raises(TypeError, match=r"takes the options \[\], but the declaration lists \['delta'\]"):
        lb.make_loss(kernel, options=[lb.Option("delta", 1.0, "(0, inf)", "d")])
    with pytest.raises(ValueError, match="interval"):
        lb.Option("delta", 1.0, "0 < delta", "d")
    with pytest.raises(ValueError, match="must be in"):
        lb.Option("delta", -1.0, "(0, inf)", "d")  # a default outside its own range
    with pytest.raises(ValueError, match="argument of every loss"):
        lb.Option("reduction", "mean", ("mean",), "d")


def test_get_loss():
    assert lb.get_loss("huber") is lb.huber and lb.get_loss(pseudo_huber) is pseudo_huber
    with pytest.raises(ValueError, match="'l2'.*mse"):
        lb.get_loss("l2")
    with pytest.raises(TypeError, match="loss name"):
        lb.get_loss(3)


# -- a total through which NaN and infinity propagate ----------------------------------------


def test_a_total_that_propagates_nan_defers_the_finiteness_checks(monkeypatch):
    from lossbook import _targets

    calls = []
    real_check = _targets.check_finite
    monkeypatch.setattr(_targets, "check_finite", lambda arr, name: calls.append(name) or real_check(arr, name))
    y, p = np.zeros(100), np.linspace(-1, 1, 100)
    assert lb.mse(y, p) == pytest.approx(np.mean(p**2))
    assert calls == []  # the total was finite: no pass over the inputs to check them
    lb.mse.value_and_gradient(y, p)
    assert calls == ["y_true", "y_pred"]  # the gradient has no total: checked first
    calls.clear()
    lb.log_cosh(y, p)  # no total_propagates_nan: checked first
    assert calls == ["y_true", "y_pred"]


@pytest.mark.parametrize("loss", [lb.mse, lb.mae, lb.huber, lb.quantile])
@pytest.mark.parametrize("where, bad", [("y_true", np.nan), ("y_pred", np.inf), ("y_pred", -np.inf), ("y_true", np.inf)])
def test_nan_or_infinity_is_still_refused_by_name_when_the_checks_wait(loss, where, bad):
    y, p = np.zeros(5), np.ones(5)
    (y if where == "y_true" else p)[2] = bad
    assert loss.total_propagates_nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=f"{where} must be finite"):
            loss(y, p)


def test_total_propagates_nan_is_declared_only_where_it_holds():
    def kernel(y_true, y_pred):
        return y_pred - y_true, np.ones_like(y_pred)

    with pytest.raises(ValueError, match="total_propagates_nan"):
        lb.make_loss(kernel, total_propagates_nan=True)  # no total
    with pytest.raises(ValueError, match="total_propagates_nan"):
        lb.make_loss(kernel, input="logit", targets="binary", total=lambda y, p: 0.0, total_propagates_nan=True)
