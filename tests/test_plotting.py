"""Plotting helpers: they take and return an Axes and draw what they say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

import lossbook as lb  # noqa: E402
from lossbook.datasets import line_with_outliers  # noqa: E402
from lossbook.plotting import (  # noqa: E402
    plot_confusion_matrix,
    plot_fit,
    plot_loss_curve,
    plot_loss_vs_error,
)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_loss_curve_history(ax):
    history = lb.History(train_loss=[1.0, 0.5, 0.25], val_loss=[1.2, 0.7, 0.6])
    assert plot_loss_curve(history, ax=ax, label="adam") is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["adam train", "adam validation"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [1.2, 0.7, 0.6])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


def test_plot_loss_curve_estimator_and_list(ax):
    X, y = line_with_outliers()
    reg = lb.LossRegressor(random_state=0).fit(X, y)
    plot_loss_curve(reg, ax=ax, label="mse")
    plot_loss_curve([3.0, 2.0], ax=ax)
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_ydata(), reg.loss_curve_)


def test_plot_loss_curve_history_without_validation():
    ax = plot_loss_curve(lb.History(train_loss=[1.0, 0.5]))
    assert len(ax.get_lines()) == 1


def test_plot_fit_models_and_predictions(ax):
    X, y = line_with_outliers()
    mse = lb.LossRegressor("mse", random_state=0).fit(X, y)
    mae = lb.LossRegressor("mae", random_state=0).fit(X, y)
    assert plot_fit(X, y, [mse, mae], ax=ax) is ax
    assert len(ax.collections) == 1  # the data
    assert [line.get_label() for line in ax.get_lines()] == ["mse", "mae"]
    grid_line = ax.get_lines()[0]
    np.testing.assert_allclose(grid_line.get_ydata(), mse.predict(grid_line.get_xdata().reshape(-1, 1)))


def test_plot_fit_dict_and_prediction_arrays():
    X, y = line_with_outliers()
    ax = plot_fit(X[:, 0], y, {"truth": 2 * X[:, 0] + 1, "zero": np.zeros(len(y))})
    assert [line.get_label() for line in ax.get_lines()] == ["truth", "zero"]
    ax = plot_fit(X, y, 2 * X[:, 0] + 1)  # a single prediction array
    assert len(ax.get_lines()) == 1


def test_plot_fit_bad_input():
    X, y = line_with_outliers()
    with pytest.raises(ValueError, match="X must have shape"):
        plot_fit(np.ones((3, 2)), np.ones(3), [])
    with pytest.raises(ValueError, match="y must have shape"):
        plot_fit(X, y[:-1], [])
    with pytest.raises(ValueError, match="predictions"):
        plot_fit(X, y, {"short": np.ones(3)})


def test_plot_confusion_matrix_counts_equal_sklearn(ax):
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, size=200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, size=200))
    assert plot_confusion_matrix(y_true, y_pred, ax=ax) is ax
    cm = confusion_matrix(y_true, y_pred)
    counts = np.array([int(t.get_text()) for t in ax.texts]).reshape(cm.shape)
    np.testing.assert_array_equal(counts, cm)
    assert len(ax.images) == 1
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]


def test_plot_confusion_matrix_labels():
    ax = plot_confusion_matrix(["b", "a", "b"], ["b", "b", "b"], labels=["b", "a"])
    assert [t.get_text() for t in ax.texts] == ["2", "0", "1", "0"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a"]


def test_plot_loss_vs_error_regression(ax):
    assert plot_loss_vs_error(["mse", "mae", "huber", "log_cosh"], ax=ax) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["mse", "mae", "huber", "log_cosh"]
    e = lines[0].get_xdata()
    np.testing.assert_allclose(lines[0].get_ydata(), e**2)
    np.testing.assert_allclose(lines[1].get_ydata(), np.abs(e))


def test_plot_loss_vs_error_options_and_objects():
    errors = np.linspace(-5, 5, 11)
    ax = plot_loss_vs_error({"huber 2": ("huber", {"delta": 2.0}), "quantile": lb.quantile}, errors=errors)
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), lb.huber(np.zeros(11), errors, reduction="none", delta=2.0))
    assert len(lines) == 2


def test_plot_loss_vs_error_classification(ax):
    plot_loss_vs_error(["binary_cross_entropy_with_logits", "hinge", "sigmoid_focal"], ax=ax)
    lines = ax.get_lines()
    assert len(lines) == 3 and "score" in ax.get_xlabel()
    z = lines[1].get_xdata()
    np.testing.assert_allclose(lines[1].get_ydata(), np.maximum(0, 1 - z))


@pytest.mark.parametrize(
    "losses, match",
    [
        (["mse", "hinge"], "separate axes"),
        (["binary_cross_entropy"], "probabilities"),
        (["softmax_cross_entropy"], "a row of scores per sample"),
        ([], "empty"),
    ],
)
def test_plot_loss_vs_error_refusals(losses, match):
    with pytest.raises(ValueError, match=match):
        plot_loss_vs_error(losses)


def test_a_new_axes_is_made_when_none_is_given():
    ax = plot_loss_vs_error("mse")
    assert isinstance(ax, matplotlib.axes.Axes)


def test_ax_must_be_an_axes():
    with pytest.raises(ValueError, match="ax"):
        plot_loss_curve([1.0], ax="left")
