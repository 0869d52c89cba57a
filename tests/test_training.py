"""The training loop: minibatches, train_step, fit and History."""

import warnings

import numpy as np
import pytest

import lossbook as lb


@pytest.fixture
def regression_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=60)
    return X, y


@pytest.fixture
def binary_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    return X, y


@pytest.fixture
def multiclass_data():
    rng = np.random.default_rng(2)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, size=90)
    X = centers[y] + rng.normal(size=(90, 2))
    return X, y


# -- minibatches -----------------------------------------------------------------


def test_minibatches_cover_every_sample_once():
    batches = list(lb.minibatches(10, 3, rng=np.random.default_rng(0)))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))


def test_minibatches_without_rng_keep_order():
    batches = list(lb.minibatches(5, 2))
    assert [b.tolist() for b in batches] == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("batch_size", [None, 5, 50])
def test_minibatches_full_batch(batch_size):
    batches = list(lb.minibatches(5, batch_size))
    assert len(batches) == 1 and batches[0].tolist() == [0, 1, 2, 3, 4]


def test_minibatches_shuffle_anew_each_epoch_and_reproducibly():
    rng = np.random.default_rng(3)
    first = np.concatenate(list(lb.minibatches(20, 4, rng=rng)))
    second = np.concatenate(list(lb.minibatches(20, 4, rng=rng)))
    assert not np.array_equal(first, second)
    again = np.concatenate(list(lb.minibatches(20, 4, rng=np.random.default_rng(3))))
    np.testing.assert_array_equal(first, again)
    seeded = np.concatenate(list(lb.minibatches(20, 4, rng=3)))
    np.testing.assert_array_equal(first, seeded)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0, 2), {}, "n_samples"),
        ((5, 0), {}, "batch_size"),
    ],
)
def test_minibatches_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        list(lb.minibatches(*args, **kwargs))


@pytest.mark.parametrize("args, kwargs, match", [((5, 2.5), {}, "batch_size"), ((5, 2), {"rng": "x"}, "rng")])
def test_minibatches_arguments_of_the_wrong_type(args, kwargs, match):
    with pytest.raises(TypeError, match=match):
        list(lb.minibatches(*args, **kwargs))


# -- fit ---------------------------------------------------------------------------


def test_explicit_loop_equals_fit(regression_data):
    """The loop a notebook writes out and lb.fit take exactly the same steps."""
    X, y = regression_data
    Y = y.reshape(-1, 1)
    model = lb.mlp(3, (4,), 1, random_state=0)
    optimizer = lb.Adam(0.01)
    rng = np.random.default_rng(5)
    for _ in range(3):
        for idx in lb.minibatches(len(X), 16, rng=rng):
            y_pred = model.forward(X[idx])
            value, grad = lb.mse.value_and_gradient(Y[idx], y_pred)
            model.backward(grad)
            optimizer.step(model.parameters())

    fitted = lb.mlp(3, (4,), 1, random_state=0)
    lb.fit(fitted, lb.mse, X, y, optimizer=lb.Adam(0.01), epochs=3, batch_size=16, random_state=5)
    for (a, _), (b, _) in zip(model.parameters(), fitted.parameters()):
        np.testing.assert_array_equal(a, b)


def test_fit_is_reproducible(multiclass_data):
    X, y = multiclass_data

    def run(seed):
        model = lb.mlp(2, (8,), 3, random_state=0)
        history = lb.fit(
            model, "softmax_cross_entropy", X, y, optimizer=lb.Adam(0.01), epochs=5,
            batch_size=16, random_state=seed, metric="accuracy", validation_data=(X[:20], y[:20]),
        )
        return history, model

    (h1, m1), (h2, m2), (h3, _) = run(0), run(0), run(1)
    assert h1 == h2  # every recorded number identical
    for (a, _), (b, _) in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(a, b)
    assert h1.train_loss != h3.train_loss  # another shuffle


def test_history_contents(multiclass_data):
    X, y = multiclass_data
    model = lb.mlp(2, (8,), 3, random_state=0)
    history = lb.fit(
        model, "softmax_cross_entropy", X[:60], y[:60], optimizer=lb.Adam(0.02), epochs=30,
        batch_size=20, validation_data=(X[60:], y[60:]), metric="accuracy", random_state=0,
    )
    assert isinstance(history, lb.History)
    assert history.n_epochs == 30
    for curve in (history.train_loss, history.val_loss, history.train_metric, history.val_metric):
        assert len(curve) == 30 and all(isinstance(v, float) for v in curve)
    assert history.metric_name == "accuracy" and not history.stopped_early
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.train_metric[-1] > 0.9 and history.val_metric[-1] > 0.8
    assert all(0.0 <= a <= 1.0 for a in history.train_metric + history.val_metric)
    # the validation loss is the loss of the final model on the validation data
    val = lb.softmax_cross_entropy(y[60:], model.forward(X[60:]))
    assert history.val_loss[-1] == pytest.approx(val)
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1


def test_history_without_validation_or_metric(regression_data):
    X, y = regression_data
    history = lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y, optimizer="sgd", epochs=4)
    assert len(history.train_loss) == 4
    assert history.val_loss == [] and history.train_metric == [] and history.val_metric == []
    assert history.metric_name is None and history.best_epoch == int(np.argmin(history.train_loss)) + 1


def test_train_loss_is_the_epoch_average_of_batch_losses(regression_data):
    X, y = regression_data
    model = lb.mlp(3, (), 1, random_state=0)
    # Full batch, first epoch: the loss of the initial model (recorded before its update).
    initial = lb.mse(y.reshape(-1, 1), model.forward(X))
    history = lb.fit(model, "mse", X, y, optimizer=lb.GradientDescent(0.1), epochs=2)
    assert history.train_loss[0] == pytest.approx(initial)


def test_l2_penalty_in_loss_and_gradient(regression_data):
    X, y = regression_data
    n, alpha, lr = len(X), 3.0, 0.1
    model = lb.mlp(3, (), 1, random_state=0)
    W0, b0 = model[0].W.copy(), model[0].b.copy()
    data_loss, grad = lb.mse.value_and_gradient(y.reshape(-1, 1), X @ W0 + b0)
    history = lb.fit(model, "mse", X, y, optimizer=lb.GradientDescent(lr), epochs=1, alpha=alpha)
    assert history.train_loss[0] == pytest.approx(data_loss + alpha / (2 * n) * np.sum(W0**2))
    np.testing.assert_allclose(model[0].W, W0 - lr * (X.T @ grad + alpha / n * W0))
    np.testing.assert_allclose(model[0].b, b0 - lr * grad.sum(axis=0))  # biases not penalised


def test_l2_penalty_uses_the_training_set_size_not_the_batch_size(regression_data):
    X, y = regression_data
    n, alpha = len(X), 2.0
    model = lb.mlp(3, (), 1, random_state=0)
    W0 = model[0].W.copy()
    idx = next(lb.minibatches(n, 10, rng=np.random.default_rng(0)))
    data_loss, grad = lb.mse.value_and_gradient(y[idx].reshape(-1, 1), model.forward(X[idx]))
    value = lb.train_step(model, "mse", X[idx], y[idx], optimizer=lb.GradientDescent(1.0),
                          alpha=alpha, n_samples=n)
    assert value == pytest.approx(data_loss + alpha / (2 * n) * np.sum(W0**2))
    np.testing.assert_allclose(model[0].W, W0 - (X[idx].T @ grad + alpha / n * W0))


def test_integer_sample_weights_equal_repeated_rows(regression_data):
    X, y = regression_data
    w = np.arange(len(X)) % 3
    a, b = lb.mlp(3, (4,), 1, random_state=0), lb.mlp(3, (4,), 1, random_state=0)
    lb.fit(a, "mse", X, y, optimizer=lb.GradientDescent(0.05), epochs=20, sample_weight=w, alpha=1.0)
    lb.fit(b, "mse", np.repeat(X, w, axis=0), np.repeat(y, w), optimizer=lb.GradientDescent(0.05),
           epochs=20, alpha=1.0)
    for (pa, _), (pb, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa, pb, rtol=1e-10)


@pytest.mark.parametrize(
    "probability_loss, logit_loss, n_out",
    [("binary_cross_entropy", "binary_cross_entropy_with_logits", 1),
     ("categorical_cross_entropy", "softmax_cross_entropy", 3)],
)
def test_probability_losses_get_the_output_activation(probability_loss, logit_loss, n_out, multiclass_data):
    """sigmoid + BCE on probabilities trains exactly like BCE with logits (and softmax likewise)."""
    X, y = multiclass_data
    if n_out == 1:
        y = (y == 0).astype(float)
    a, b = lb.mlp(2, (5,), n_out, random_state=0), lb.mlp(2, (5,), n_out, random_state=0)
    ha = lb.fit(a, probability_loss, X, y, optimizer=lb.Adam(0.01), epochs=5, batch_size=30, random_state=0)
    hb = lb.fit(b, logit_loss, X, y, optimizer=lb.Adam(0.01), epochs=5, batch_size=30, random_state=0)
    np.testing.assert_allclose(ha.train_loss, hb.train_loss, rtol=1e-9)
    for (pa, _), (pb, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa, pb, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(
    "loss, output, match",
    [
        ("binary_cross_entropy", "identity", "takes probabilities"),
        ("binary_cross_entropy_with_logits", "sigmoid", "squash twice"),
        ("softmax_cross_entropy", "softmax", "squash twice"),
        ("hinge", "sigmoid", "squash twice"),
        ("mse", "tanh", "output"),
    ],
)
def test_inconsistent_output_is_refused(loss, output, match, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match=match):
        lb.fit(lb.mlp(2, (), 1, random_state=0), loss, X, y, optimizer="sgd", epochs=1, output=output)


def test_explicit_sigmoid_output_with_mse(binary_data):
    X, y = binary_data
    model = lb.mlp(2, (), 1, random_state=0)
    history = lb.fit(model, "mse", X, y, optimizer=lb.Adam(0.05), epochs=50, output="sigmoid",
                     metric="accuracy")
    assert history.train_metric[-1] > 0.9  # thresholds the probabilities at 0.5


def test_accuracy_metric_conventions(binary_data, multiclass_data):
    X, y = binary_data
    model = lb.mlp(2, (), 1, random_state=0)
    h = lb.fit(model, "binary_cross_entropy_with_logits", X, y, optimizer=lb.Adam(0.05), epochs=40,
               metric="accuracy")
    expected = np.mean((model.forward(X)[:, 0] > 0) == (y > 0))
    assert h.train_metric[-1] == pytest.approx(expected) and expected > 0.9
    # hinge with {-1, +1} labels: decision values thresholded at 0
    h = lb.fit(lb.mlp(2, (), 1, random_state=0), "hinge", X, 2 * y - 1, optimizer=lb.Adam(0.05),
               epochs=40, metric="accuracy")
    assert h.train_metric[-1] > 0.9
    X, y = multiclass_data
    model = lb.mlp(2, (), 3, random_state=0)
    h = lb.fit(model, "softmax_cross_entropy", X, y, optimizer=lb.Adam(0.05), epochs=40, metric="accuracy")
    assert h.train_metric[-1] == pytest.approx(np.mean(model.forward(X).argmax(axis=1) == y))


def test_callable_metric(regression_data):
    X, y = regression_data

    def max_error(y_true, outputs):
        return float(np.max(np.abs(y_true - outputs)))

    h = lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y, optimizer=lb.Adam(0.05), epochs=3,
               metric=max_error, validation_data=(X, y))
    assert h.metric_name == "max_error" and len(h.train_metric) == 3
    assert h.train_metric == h.val_metric


def test_loss_options_are_passed(regression_data):
    X, y = regression_data
    model = lb.mlp(3, (), 1, random_state=0)
    expected = lb.huber(y.reshape(-1, 1), model.forward(X), delta=0.1)
    h = lb.fit(model, "huber", X, y, optimizer="sgd", epochs=1, loss_options={"delta": 0.1})
    assert h.train_loss[0] == pytest.approx(expected)


def test_a_readers_loss_trains(regression_data):
    X, y = regression_data
    @lb.make_loss
    def cauchy(t, p):
        e = p - t
        return np.log1p(e**2), 2 * e / (1 + e**2)

    model = lb.mlp(3, (), 1, random_state=0)
    h = lb.fit(model, cauchy, X, y, optimizer=lb.Adam(0.05), epochs=200, batch_size=20, random_state=0)
    assert h.train_loss[-1] < 0.05
    np.testing.assert_allclose(model[0].W.ravel(), [1.0, -2.0, 0.5], atol=0.1)


def test_early_stopping_on_training_loss(regression_data):
    X, y = regression_data
    h = lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y, optimizer=lb.Adam(0.1), epochs=2000,
               batch_size=20, random_state=0, tol=1e-3, n_iter_no_change=5)
    assert h.stopped_early and h.n_epochs < 2000
    # scikit-learn's rule: each of the last n_iter_no_change + 1 epochs failed to
    # beat the best loss before it by tol
    for k in range(h.n_epochs - 6, h.n_epochs):
        assert h.train_loss[k] > min(h.train_loss[:k]) - 1e-3


def test_one_dimensional_target_is_made_a_column_for_one_output(regression_data):
    X, y = regression_data
    h1 = lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y, optimizer="sgd", epochs=2)
    h2 = lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y.reshape(-1, 1), optimizer="sgd", epochs=2)
    assert h1.train_loss == h2.train_loss


def test_train_step(regression_data):
    X, y = regression_data
    model = lb.mlp(3, (), 1, random_state=0)
    optimizer = lb.GradientDescent(0.1)
    values = [lb.train_step(model, "mse", X, y, optimizer=optimizer) for _ in range(100)]
    assert values[-1] < 0.02 < values[0]


def test_a_first_epoch_that_overflows_raises(regression_data):
    X, y = regression_data
    with pytest.raises(FloatingPointError, match="diverged"):
        lb.fit(lb.mlp(3, (16,), 1, random_state=0), "mse", X * 1e200, y, optimizer=lb.GradientDescent(1.0),
               epochs=50)


def test_a_later_blow_up_warns_and_keeps_the_best_epoch(regression_data):
    X, y = regression_data
    model = lb.mlp(3, (16,), 1, random_state=0)
    with pytest.warns(lb.DivergenceWarning, match=r"learning_rate=10 .*standardise the features") as record:
        history = lb.fit(model, "mse", X * 1e3, y, optimizer=lb.GradientDescent(10.0), epochs=50)
    assert history.diverged and len(record) == 1
    best = history.best_train_epoch
    assert f"epoch {best}" in str(record[0].message)
    assert np.all(np.isfinite(model.forward(X * 1e3)))


def test_a_loss_that_ends_far_above_its_best_warns(regression_data):
    X, y = regression_data
    model = lb.mlp(3, (), 1, random_state=0)
    # Plain gradient descent a little above its stable learning rate: the loss first
    # drops, then grows without overflowing within the epochs given.
    with pytest.warns(lb.DivergenceWarning, match="far above its best"):
        history = lb.fit(model, "mse", X * 10, y, optimizer=lb.GradientDescent(0.011), epochs=40)
    assert history.diverged
    assert history.train_loss[-1] > 10 * min(history.train_loss)


def test_round_off_around_a_perfect_fit_is_not_a_blow_up():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = lb.fit(lb.mlp(1, (), 1, random_state=0), "mse", X, 3 * X[:, 0] + 1,
                         optimizer=lb.GradientDescent(0.5), epochs=300)
    assert history.train_loss[-1] < 1e-20 and not history.diverged


def test_a_loss_near_zero_that_rises_a_little_is_not_a_blow_up():
    # The hinge loss reaches nearly 0 on the separable training digits, then wanders: its
    # last epoch is 25 times its best, yet a hundredth of its first. Not a divergence.
    X_train, _, y_train, _ = lb.datasets.load_digits_split(test_size=0.25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = lb.LossClassifier("multiclass_hinge", random_state=0).fit(X_train, y_train)
    curve = model.history_.train_loss
    assert curve[-1] > 10 * min(curve) and curve[-1] < 0.01 * curve[0]
    assert not model.history_.diverged


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"alpha": -1.0}, "alpha"),
        ({"tol": -1.0}, "tol"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"metric": "f1"}, "metric"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"validation_data": np.ones((3, 3))}, "validation_data"),
        ({"validation_data": (np.ones((3, 3)), np.ones(4))}, r"validation_data\[1\]"),
        ({"sample_weight": np.ones(3)}, "sample_weight"),
        ({"loss": "mean_squared_error"}, "unknown loss"),
        ({"X": np.ones(60)}, "X must be 2-D"),
        ({"y": np.ones(59)}, "y must have one row per sample"),
    ],
)
def test_fit_bad_arguments(kwargs, match, regression_data):
    X, y = regression_data
    args = {"model": lb.mlp(3, (), 1, random_state=0), "loss": "mse", "X": X, "y": y,
            "optimizer": "sgd", "epochs": 2}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        lb.fit(**args)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss_options": 0.5}, "loss_options"),
        ({"epochs": 2.5}, "epochs"),
        ({"alpha": "0.1"}, "alpha"),
        ({"X": [["a", "b", "c"]] * 60}, "X must be numeric"),
    ],
)
def test_fit_arguments_of_the_wrong_type(kwargs, match, regression_data):
    X, y = regression_data
    args = {"model": lb.mlp(3, (), 1, random_state=0), "loss": "mse", "X": X, "y": y,
            "optimizer": "sgd", "epochs": 2}
    args.update(kwargs)
    with pytest.raises(TypeError, match=match):
        lb.fit(**args)


def test_nan_in_X_is_refused_by_name(regression_data):
    X, y = regression_data
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y, optimizer="sgd", epochs=2)


def test_batches_whose_weights_are_all_zero_are_skipped(regression_data):
    X, y = regression_data
    w = np.zeros(len(X))
    w[:10] = 1.0  # later batches of 20 hold only zero weights
    history = lb.fit(lb.mlp(3, (), 1, random_state=0), "mse", X, y, optimizer="sgd", epochs=3,
                     batch_size=20, sample_weight=w)
    assert len(history.train_loss) == 3 and np.all(np.isfinite(history.train_loss))
