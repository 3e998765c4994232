"""Metrics: accuracy functions, top-k, the 'accuracy' resolution rules, losses as metrics, stateful
Precision/Recall/AUC against numpy, and averages weighted by samples."""
import numpy as np
import pytest

from keras_facade import config, losses, metrics
from keras_facade.layers import Dense
from keras_facade.models import Sequential

RNG = np.random.default_rng(1)


def test_accuracy_functions():
    y_bin = np.array([[1.0], [0.0], [1.0], [0.0]])
    p_bin = np.array([[0.7], [0.5], [0.2], [0.1]])
    # p > 0.5 is positive: 0.5 counts as negative
    np.testing.assert_array_equal(metrics.binary_accuracy(y_bin, p_bin).numpy(), [1, 1, 0, 1])
    np.testing.assert_array_equal(metrics.binary_accuracy(y_bin, p_bin, threshold=0.15).numpy(),
                                  [1, 0, 1, 1])
    p = RNG.uniform(size=(8, 5))
    labels = RNG.integers(0, 5, size=8)
    onehot = np.eye(5)[labels]
    expected = (p.argmax(-1) == labels).astype(np.float32)
    np.testing.assert_array_equal(metrics.categorical_accuracy(onehot, p).numpy(), expected)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels, p).numpy(), expected)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels[:, None], p).numpy(),
                                  expected)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_top_k_accuracy_against_numpy(k):
    p = RNG.uniform(size=(20, 6))
    labels = RNG.integers(0, 6, size=20)
    top = np.argsort(-p, axis=-1)[:, :k]
    expected = np.array([labels[i] in top[i] for i in range(20)], dtype=np.float32)
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, p, k=k).numpy(), expected)
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy(np.eye(6)[labels], p, k=k).numpy(), expected)
    m = metrics.SparseTopKCategoricalAccuracy(k=k)
    assert m(labels, p).item() == pytest.approx(expected.mean())


def test_mean_metric_weights_and_reset():
    m = metrics.Mean()
    assert m.result().item() == 0.0
    m.update_state([1.0, 2.0, 3.0])
    m.update_state([10.0], sample_weight=[2.0])
    assert m.result().item() == pytest.approx((1 + 2 + 3 + 20) / 5)
    m.update_state(4.0, sample_weight=5)  # a scalar standing for 5 samples (e.g. a batch loss)
    assert m.result().item() == pytest.approx((26 + 20) / 10)
    m.reset_states()
    assert m.result().item() == 0.0
    acc = metrics.BinaryAccuracy()
    assert acc([[1.0], [0.0]], [[0.9], [0.9]]).item() == 0.5  # __call__ updates and returns
    assert acc([[1.0], [1.0]], [[0.9], [0.9]]).item() == 0.75


def confusion(y, p, t, w=None):
    w = np.ones_like(y, dtype=float) if w is None else w
    pred, pos = p > t, y != 0
    return ((pred & pos) * w).sum(), ((pred & ~pos) * w).sum(), \
        ((~pred & ~pos) * w).sum(), ((~pred & pos) * w).sum()


def test_precision_recall_against_numpy_with_weights_and_thresholds():
    y = RNG.integers(0, 2, size=50).astype(float)
    p = RNG.uniform(size=50)
    w = RNG.uniform(size=50)
    tp, fp, _, fn = confusion(y, p, 0.5, w)
    prec, rec = metrics.Precision(), metrics.Recall()
    for part in (slice(0, 20), slice(20, 50)):  # accumulated over two updates
        prec.update_state(y[part], p[part], sample_weight=w[part])
        rec.update_state(y[part], p[part], sample_weight=w[part])
    assert prec.result().item() == pytest.approx(tp / (tp + fp), rel=1e-5)
    assert rec.result().item() == pytest.approx(tp / (tp + fn), rel=1e-5)
    multi = metrics.Precision(thresholds=[0.3, 0.7])
    multi.update_state(y, p)
    expected = [confusion(y, p, t)[0] / sum(confusion(y, p, t)[:2]) for t in (0.3, 0.7)]
    np.testing.assert_allclose(multi.result().numpy(), expected, rtol=1e-6)
    tps = metrics.TruePositives()
    tps.update_state(y, p)
    assert tps.result().item() == confusion(y, p, 0.5)[0]


def test_precision_top_k_and_class_id():
    y = np.array([[0, 1, 0, 1], [1, 0, 0, 0]], dtype=float)
    p = np.array([[0.1, 0.9, 0.8, 0.2], [0.3, 0.6, 0.2, 0.1]])
    top1 = metrics.Precision(top_k=1)
    top1.update_state(y, p)  # predicted positives: (0,1) correct, (1,1) wrong
    assert top1.result().item() == pytest.approx(0.5)
    cls = metrics.Recall(class_id=0)
    cls.update_state(y, p)  # class 0: one positive (row 1) with p=0.3 -> missed
    assert cls.result().item() == 0.0


def auc_reference(y, p, num_thresholds=200, curve="ROC", method="interpolation", w=None):
    eps = 1e-7
    ts = [-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps]
    tp, fp, tn, fn = map(np.array, zip(*[confusion(y, p, t, w) for t in ts]))
    tpr = tp / np.maximum(tp + fn, 1e-12)
    if curve == "ROC":
        x, yy = fp / np.maximum(fp + tn, 1e-12), tpr
    else:
        x, yy = tpr, np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-12), 0)
    heights = {"interpolation": (yy[:-1] + yy[1:]) / 2, "minoring": np.minimum(yy[:-1], yy[1:]),
               "majoring": np.maximum(yy[:-1], yy[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * heights)


def test_auc_roc_matches_threshold_reference_and_exact_auc():
    y = RNG.integers(0, 2, size=300).astype(float)
    p = np.clip(y * 0.3 + RNG.uniform(size=300) * 0.7, 0, 1)
    auc = metrics.AUC()
    auc.update_state(y, p)
    assert auc.result().item() == pytest.approx(auc_reference(y, p), abs=1e-5)
    pos, neg = p[y > 0], p[y == 0]
    exact = (pos[:, None] > neg[None, :]).mean()
    assert auc.result().item() == pytest.approx(exact, abs=0.01)
    pr = metrics.AUC(curve="PR", summation_method="majoring")
    pr.update_state(y, p)
    assert 0.5 < pr.result().item() <= 1.0


def test_loss_names_work_as_metrics_and_keys_follow_the_spelling():
    x = RNG.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [0.5]])).astype("float32")
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=["mae", losses.mean_squared_error, metrics.RootMeanSquaredError()])
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert set(history.history) == {"loss", "mae", "mean_squared_error", "root_mean_squared_error"}
    result = model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True)
    pred = model.predict(x)
    assert result["mae"] == pytest.approx(np.abs(pred - y).mean(), rel=1e-5)
    assert result["root_mean_squared_error"] == pytest.approx(np.sqrt(((pred - y) ** 2).mean()), rel=1e-5)
    assert result["loss"] == pytest.approx(((pred - y) ** 2).mean(), rel=1e-5)


def test_epoch_averages_are_weighted_by_samples():
    """evaluate over uneven batches equals the mean over all samples."""
    x = RNG.normal(size=(23, 4)).astype("float32")
    labels = RNG.integers(0, 3, size=23)
    model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    small = model.evaluate(x, labels, batch_size=5, verbose=0)
    whole = model.evaluate(x, labels, batch_size=23, verbose=0)
    np.testing.assert_allclose(small, whole, rtol=1e-5)
    pred = model.predict(x)
    assert whole[1] == pytest.approx((pred.argmax(-1) == labels).mean())
    assert whole[0] == pytest.approx(-np.log(pred[np.arange(23), labels]).mean(), rel=1e-5)


@pytest.mark.parametrize("profile,units,loss,y_shape,expected", [
    ("keras3", 1, "binary_crossentropy", (None, 1), metrics.BinaryAccuracy),
    ("keras3", 2, "binary_crossentropy", (None, 2), metrics.CategoricalAccuracy),
    ("keras2", 2, "binary_crossentropy", (None, 2), metrics.BinaryAccuracy),
    ("keras3", 3, "sparse_categorical_crossentropy", (None,), metrics.SparseCategoricalAccuracy),
    ("keras3", 3, "sparse_categorical_crossentropy", (None, 1), metrics.SparseCategoricalAccuracy),
    ("keras2", 3, "sparse_categorical_crossentropy", (None, 1), metrics.SparseCategoricalAccuracy),
    ("keras3", 3, "categorical_crossentropy", (None, 3), metrics.CategoricalAccuracy),
    ("keras2", 3, "mse", (None, 3), metrics.CategoricalAccuracy),
])
def test_accuracy_resolution(profile, units, loss, y_shape, expected):
    x = RNG.normal(size=(10, 4)).astype("float32")
    n_cols = y_shape[1] if len(y_shape) > 1 else None
    if loss == "sparse_categorical_crossentropy":
        y = RNG.integers(0, units, size=(10,) + ((1,) if n_cols else ())).astype("float32")
    else:
        y = np.eye(units)[RNG.integers(0, units, size=10)] if units > 1 else \
            RNG.integers(0, 2, size=(10, 1)).astype("float32")
    with config.use_compat(profile):
        model = Sequential([Dense(units, activation="softmax" if units > 1 else "sigmoid",
                                  input_shape=(4,))])
        model.compile("sgd", loss, metrics=["acc", "accuracy"])
        model.train_on_batch(x, y)
    kinds = [type(m) for m in model.metrics[1:]]
    assert kinds == [expected, expected]
    assert [m.name for m in model.metrics] == ["loss", "acc", "accuracy"]


def test_get_and_serialize():
    assert metrics.get("mae") is losses.mean_absolute_error
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert metrics.get("categorical_accuracy") is metrics.categorical_accuracy
    m = metrics.AUC(num_thresholds=50, curve="PR", name="pr_auc")
    again = metrics.deserialize(metrics.serialize(m))
    assert type(again) is metrics.AUC and again.get_config() == m.get_config()
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.get("accurracy")


def test_weighted_metrics_use_sample_weights_and_crossentropy_resolves():
    x = RNG.normal(size=(12, 4)).astype("float32")
    labels = RNG.integers(0, 3, size=12)
    w = np.where(np.arange(12) < 6, 2.0, 0.0).astype("float32")
    model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy", "ce"],
                  weighted_metrics=["accuracy"])
    logs = model.evaluate(x, labels, sample_weight=w, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy", "ce", "weighted_accuracy"}
    hits = model.predict(x).argmax(-1) == labels
    assert logs["accuracy"] == pytest.approx(hits.mean())
    assert logs["weighted_accuracy"] == pytest.approx((hits * w).sum() / w.sum())
    assert type(model.metrics[2]) is metrics.SparseCategoricalCrossentropy


def test_sum_adds_every_value_of_rank_2_inputs():
    s = metrics.Sum()
    s.update_state([[1.0, 2.0], [3.0, 4.0]])
    assert s.result().item() == 10.0
    s.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
    assert s.result().item() == pytest.approx(10.0 + 3.0 + 3.5)
    s.update_state([5.0, 6.0], sample_weight=2)
    assert s.result().item() == pytest.approx(16.5 + 22.0)


def test_mean_reduces_values_per_sample_before_weighting():
    # a scalar weight counts once per update, against the update's mean value
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0], sample_weight=1)
    m.update_state([10.0], sample_weight=1)
    assert m.result().item() == pytest.approx((2.0 + 10.0) / 2)
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0], sample_weight=2.0)
    m.update_state([10.0], sample_weight=np.float32(1.0))
    assert m.result().item() == pytest.approx((2.0 * 2 + 10.0) / 3)
    # per-sample weights with per-timestep values: each sample's values are averaged first
    v1, w1 = np.array([[1.0, 2.0, 6.0], [4.0, 5.0, 0.0]]), np.array([1.0, 2.0])
    v2, w2 = np.array([[7.0, 9.0]]), np.array([3.0])
    m = metrics.Mean()
    m.update_state(v1, sample_weight=w1)
    m.update_state(v2, sample_weight=w2)
    expected = ((v1.mean(1) * w1).sum() + (v2.mean(1) * w2).sum()) / (w1.sum() + w2.sum())
    assert m.result().item() == pytest.approx(expected)
    # per-timestep weights: weighted values and weights are both averaged per sample
    wt1, wt2 = np.array([[1.0, 0.0, 1.0], [2.0, 2.0, 2.0]]), np.array([[1.0, 3.0]])
    m = metrics.Mean()
    m.update_state(v1, sample_weight=wt1)
    m.update_state(v2, sample_weight=wt2)
    expected = ((v1 * wt1).mean(1).sum() + (v2 * wt2).mean(1).sum()) / \
        (wt1.mean(1).sum() + wt2.mean(1).sum())
    assert m.result().item() == pytest.approx(expected)


@pytest.mark.parametrize("cls,ref", [
    (metrics.MeanSquaredError, lambda y, p: (p - y) ** 2),
    (metrics.MeanAbsoluteError, lambda y, p: np.abs(p - y)),
    (metrics.MeanAbsolutePercentageError, lambda y, p: 100 * np.abs((y - p) / y)),
    (metrics.MeanSquaredLogarithmicError, lambda y, p: (np.log1p(p) - np.log1p(y)) ** 2),
    (metrics.LogCoshError, lambda y, p: np.log(np.cosh(p - y))),
])
def test_regression_metrics_with_rank_1_targets_and_column_predictions(cls, ref):
    y = RNG.uniform(0.5, 2.0, size=7)
    p = RNG.uniform(0.5, 2.0, size=(7, 1))
    m = cls()
    m.update_state(y, p)
    assert m.result().item() == pytest.approx(ref(y, p[:, 0]).mean(), rel=1e-5)


def test_compiled_regression_metrics_with_rank_1_targets():
    x = RNG.normal(size=(30, 3)).astype("float32")
    y = (x @ np.array([1.0, -1.0, 0.5]) + 0.3).astype("float32")   # shape (30,)
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=["mae", "mse", metrics.MeanSquaredError(name="m")])
    result = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    err = model.predict(x)[:, 0] - y
    assert result["mae"] == pytest.approx(np.abs(err).mean(), rel=1e-5)
    assert result["mse"] == pytest.approx((err ** 2).mean(), rel=1e-5)
    assert result["m"] == pytest.approx((err ** 2).mean(), rel=1e-5)
    assert result["loss"] == pytest.approx((err ** 2).mean(), rel=1e-5)


def test_metric_names_as_keras_spells_them():
    assert metrics.KLDivergence().name == "kl_divergence"
    assert metrics.LogCoshError().name == "logcosh"
    assert metrics.AUC().name == "auc"
    assert metrics.SparseTopKCategoricalAccuracy().name == "sparse_top_k_categorical_accuracy"


@pytest.mark.parametrize("name,cls", [
    ("precision", metrics.Precision), ("recall", metrics.Recall), ("auc", metrics.AUC),
    ("root_mean_squared_error", metrics.RootMeanSquaredError),
    ("true_positives", metrics.TruePositives), ("false_negatives", metrics.FalseNegatives),
    ("mean", metrics.Mean), ("sum", metrics.Sum), ("log_cosh_error", metrics.LogCoshError)])
def test_get_accepts_snake_case_class_names(name, cls):
    assert type(metrics.get(name)) is cls
    # function names and aliases keep resolving to the functions
    assert metrics.get("mean_squared_error") is losses.mean_squared_error
    assert metrics.get("mse") is losses.mean_squared_error


def test_compile_with_precision_recall_auc_strings():
    x = RNG.normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype("float32")[:, None]
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile("sgd", "binary_crossentropy", metrics=["precision", "recall", "auc"])
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    p = model.predict(x)
    tp, fp, _, fn = confusion(y, p, 0.5)
    assert set(logs) == {"loss", "precision", "recall", "auc"}
    assert logs["precision"] == pytest.approx(tp / (tp + fp), rel=1e-5)
    assert logs["recall"] == pytest.approx(tp / (tp + fn), rel=1e-5)
    assert logs["auc"] == pytest.approx(auc_reference(y, p), abs=1e-5)


def test_confusion_metrics_follow_keras_details():
    # a one-element thresholds list gives a scalar
    p, y = np.array([0.2, 0.4, 0.8]), np.array([0.0, 1.0, 1.0])
    prec = metrics.Precision(thresholds=[0.3])
    prec.update_state(y, p)
    assert prec.result().shape == () and prec.result().item() == 1.0
    tps = metrics.TruePositives(thresholds=[0.5])
    tps.update_state(y, p)
    assert tps.result().shape == () and tps.result().item() == 1.0
    # any non-zero target is positive (Keras casts targets to bool)
    rec = metrics.Recall()
    rec.update_state([-1.0, 0.0, 1.0], [0.9, 0.9, 0.1])
    assert rec.result().item() == 0.5
    # top_k keeps exactly k entries; ties go to the lower index
    top2 = metrics.Precision(top_k=2)
    top2.update_state([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]],
                      [[0.5, 0.5, 0.5, 0.1], [0.3, 0.3, 0.3, 0.3]])
    assert top2.result().item() == pytest.approx(1 / 4)
    # thresholds must lie in [0, 1]
    for cls, thresholds in ((metrics.Precision, [0.5, 1.5]), (metrics.Recall, -0.1),
                            (metrics.TruePositives, 2.0)):
        with pytest.raises(ValueError, match=f"{cls.__name__}.*thresholds.*\\[0, 1\\]"):
            cls(thresholds=thresholds)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_keeps_exactly_k_entries_with_many_ties(k):
    y = RNG.integers(0, 2, size=(20, 6)).astype(float)
    p = RNG.integers(0, 4, size=(20, 6)) / 4.0   # many tied scores
    kept = np.zeros_like(p, dtype=bool)
    np.put_along_axis(kept, np.argsort(-p, axis=-1, kind="stable")[:, :k], True, axis=-1)
    tp, fp = (kept & (y > 0)).sum(), (kept & (y == 0)).sum()
    prec, rec = metrics.Precision(top_k=k), metrics.Recall(top_k=k)
    prec.update_state(y, p)
    rec.update_state(y, p)
    assert prec.result().item() == pytest.approx(tp / (tp + fp))
    assert rec.result().item() == pytest.approx(tp / y.sum())


def test_confusion_metrics_reject_weights_that_do_not_broadcast():
    with pytest.raises(ValueError, match="Precision.*sample_weight of shape \\(3,\\)"):
        metrics.Precision().update_state(np.ones((2, 4)), np.ones((2, 4)), sample_weight=np.ones(3))


def test_auc_clips_predictions_to_unit_interval():
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    p = np.array([-0.5, 1.5, 0.7, 0.2, 0.4, 1.2])
    auc = metrics.AUC()
    auc.update_state(y, p)
    assert auc.result().item() == pytest.approx(auc_reference(y, np.clip(p, 0, 1)), abs=1e-6)


def test_auc_multi_label_and_label_weights():
    y = RNG.integers(0, 2, size=(60, 3)).astype(float)
    p = np.clip(y * 0.4 + RNG.uniform(size=(60, 3)) * 0.6, 0, 1)
    per_label = np.array([auc_reference(y[:, j], p[:, j]) for j in range(3)])
    multi = metrics.AUC(multi_label=True)
    multi.update_state(y[:30], p[:30])
    multi.update_state(y[30:], p[30:])
    assert multi.result().item() == pytest.approx(per_label.mean(), abs=1e-5)
    lw = np.array([1.0, 2.0, 0.0])
    weighted = metrics.AUC(multi_label=True, label_weights=lw)
    weighted.update_state(y, p)
    assert weighted.result().item() == pytest.approx((per_label * lw).sum() / lw.sum(), abs=1e-5)
    pr = metrics.AUC(multi_label=True, curve="PR", summation_method="minoring")
    pr.update_state(y, p)
    per_label_pr = [auc_reference(y[:, j], p[:, j], curve="PR", method="minoring")
                    for j in range(3)]
    assert pr.result().item() == pytest.approx(np.mean(per_label_pr), abs=1e-5)
    # without multi_label the label weights weight each column's entries in the counts
    flat = metrics.AUC(label_weights=lw)
    flat.update_state(y, p)
    assert flat.result().item() == pytest.approx(
        auc_reference(y, p, w=np.broadcast_to(lw, y.shape)), abs=1e-5)
    with pytest.raises(ValueError, match="AUC.*shape \\(60,\\)"):
        metrics.AUC(multi_label=True).update_state(y[:, 0], p[:, 0])


def test_auc_config_and_validation():
    m = metrics.AUC(thresholds=[0.7, 0.2, 0.5], multi_label=True, num_labels=3,
                    label_weights=[1.0, 2.0, 0.5], curve="pr")
    config = m.get_config()
    assert config["thresholds"] == [0.2, 0.5, 0.7]
    assert config["num_labels"] == 3 and config["label_weights"] == [1.0, 2.0, 0.5]
    assert config["curve"] == "PR" and config["num_thresholds"] == 5
    again = metrics.deserialize(metrics.serialize(m))
    assert type(again) is metrics.AUC and again.get_config() == config
    assert m.result().item() == 0.0
    for kwargs in ({"curve": "Roc"}, {"curve": "ROCK"}, {"summation_method": "middle"},
                   {"num_labels": 3}):
        with pytest.raises(ValueError, match="AUC"):
            metrics.AUC(**kwargs)


def test_crossentropy_metrics_take_axis():
    labels = RNG.integers(0, 4, size=5)
    p = RNG.uniform(0.1, 1.0, size=(5, 4))
    p /= p.sum(-1, keepdims=True)
    expected = -np.log(p[np.arange(5), labels]).mean()
    cce = metrics.CategoricalCrossentropy(axis=0)
    cce.update_state(np.eye(4)[labels].T, p.T)
    assert cce.result().item() == pytest.approx(expected, rel=1e-5)
    assert cce.get_config()["axis"] == 0
    scce = metrics.SparseCategoricalCrossentropy(axis=-1)
    scce.update_state(labels, p)
    assert scce.result().item() == pytest.approx(expected, rel=1e-5)
    assert scce.get_config()["axis"] == -1
    assert type(metrics.deserialize(metrics.serialize(cce))).__name__ == "CategoricalCrossentropy"
