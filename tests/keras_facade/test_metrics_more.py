"""F-scores, R2, IoU, the "X at Y" confusion metrics and the correlation metrics against numpy
references accumulated over several batches; configs, names and use in compile/fit."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import metrics

EPS = 1e-7
RNG = np.random.default_rng(11)


def batches(make, n=3):
    """n (y_true, y_pred, sample_weight) batches; every other batch without weights."""
    out = []
    for i in range(n):
        y, p, w = make()
        out.append((y, p, w if i % 2 == 0 else None))
    return out


def feed(metric, data):
    for y, p, w in data:
        metric.update_state(y, p, sample_weight=w)
    return metric.result().numpy()


def stacked(data):
    y = np.concatenate([d[0] for d in data])
    p = np.concatenate([d[1] for d in data])
    w = np.concatenate([np.ones(len(d[0])) if d[2] is None else d[2] for d in data])
    return y, p, w


def multilabel():
    return (RNG.integers(0, 2, (6, 4)).astype(np.float32),
            RNG.uniform(size=(6, 4)).astype(np.float32), RNG.uniform(0, 2, 6).astype(np.float32))


def fbeta_ref(y, p, w, beta, threshold, average):
    pred = (p > threshold) if threshold is not None else \
        ((p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-9))
    pred = pred.astype(float)
    axis = None if average == "micro" else 0
    tp = (pred * y * w[:, None]).sum(axis)
    fp = (pred * (1 - y) * w[:, None]).sum(axis)
    fn = ((1 - pred) * y * w[:, None]).sum(axis)
    precision, recall = tp / (tp + fp + EPS), tp / (tp + fn + EPS)
    score = (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall + EPS)
    if average == "weighted":
        support = (y * w[:, None]).sum(0)
        return (score * support / (support.sum() + EPS)).sum()
    return score if average is None else score.mean()


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta, threshold", [(1.0, None), (2.0, 0.4), (0.5, 0.7)])
def test_fbeta_score_accumulates_like_numpy(average, beta, threshold):
    data = batches(multilabel)
    metric = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    result = feed(metric, data)
    np.testing.assert_allclose(result, fbeta_ref(*stacked(data), beta, threshold, average),
                               rtol=1e-5, atol=1e-7)
    assert result.shape == ((4,) if average is None else ())
    metric.reset_state()
    y, p, _ = data[0]
    np.testing.assert_allclose(feed(metric, [(y, p, None)]),
                               fbeta_ref(y, p, np.ones(6), beta, threshold, average), rtol=1e-5)


def test_f1_score_config_and_argument_errors():
    f1 = metrics.F1Score(average="macro", threshold=0.5)
    assert f1.name == "f1_score"
    assert f1.get_config() == {"name": "f1_score", "dtype": "float32", "average": "macro",
                               "threshold": 0.5}
    assert metrics.FBetaScore().get_config() == {"name": "fbeta_score", "dtype": "float32",
                                                 "average": None, "beta": 1.0, "threshold": None}
    with pytest.raises(ValueError, match="FBetaScore: average must be one of"):
        metrics.FBetaScore(average="samples")
    with pytest.raises(ValueError, match="beta must be a Python float > 0"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match=r"F1Score: threshold must be a Python float in \(0, 1\]"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match=r"F1Score: expects y_true and y_pred of the same shape"):
        f1.update_state(np.ones(3), np.ones(3))


def r2_ref(y, p, w, aggregation, regressors=0):
    w = np.broadcast_to(w[:, None], y.shape)
    mean = (w * y).sum(0) / w.sum(0)
    total = (w * (y - mean) ** 2).sum(0)
    raw = 1 - (w * (y - p) ** 2).sum(0) / total
    score = {"uniform_average": raw.mean(), None: raw,
             "variance_weighted_average": (total * raw).sum() / total.sum()}[aggregation]
    n = y.size
    return 1 - (1 - score) * (n - 1) / (n - regressors - 1) if regressors else score


@pytest.mark.parametrize("aggregation", ["uniform_average", None, "variance_weighted_average"])
def test_r2_score_against_numpy(aggregation):
    def make():
        y = RNG.normal(size=(6, 3)).astype(np.float32)
        return y, (y + 0.5 * RNG.normal(size=(6, 3))).astype(np.float32), \
            RNG.uniform(0, 2, 6).astype(np.float32)
    data = batches(make)
    np.testing.assert_allclose(feed(metrics.R2Score(aggregation), data),
                               r2_ref(*stacked(data), aggregation), rtol=1e-4)
    adjusted = metrics.R2Score(aggregation, num_regressors=3)
    np.testing.assert_allclose(feed(adjusted, data), r2_ref(*stacked(data), aggregation, 3),
                               rtol=1e-4)
    with pytest.warns(UserWarning, match="regressors"):
        feed(metrics.R2Score(num_regressors=100), data[:1])
    with pytest.raises(ValueError, match="R2Score: class_aggregation must be one of"):
        metrics.R2Score(class_aggregation="mean")


def confusion_matrix(labels, predicted, weights, classes, ignore=None):
    cm = np.zeros((classes, classes))
    for t, p, w in zip(labels.ravel(), predicted.ravel(), weights.ravel()):
        if 0 <= t < classes and 0 <= p < classes and t != ignore:
            cm[int(t), int(p)] += w
    return cm


def iou_ref(cm, ids):
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    tp, union = tp[ids], union[ids]
    valid = union > 1e-9
    return np.where(valid, tp / (union + EPS), 0).sum() / (valid.sum() + EPS)


def test_iou_and_mean_iou_with_out_of_range_ids_ignore_class_and_int_weights():
    def make():
        return RNG.integers(0, 4, (5, 3)), RNG.integers(-1, 5, (5, 3)), \
            RNG.uniform(0, 3, (5, 3)).astype(np.float32)
    data = batches(make)
    y = np.concatenate([d[0] for d in data])
    p = np.concatenate([d[1] for d in data])
    w = np.concatenate([np.ones((5, 3)) if d[2] is None else np.trunc(d[2]) for d in data])
    cm = confusion_matrix(y, p, w, 4)  # int32 dtype: weights truncated as Keras does
    np.testing.assert_allclose(feed(metrics.IoU(4, [0, 2]), data), iou_ref(cm, [0, 2]), rtol=1e-6)
    np.testing.assert_allclose(feed(metrics.MeanIoU(4), data), iou_ref(cm, range(4)), rtol=1e-6)
    ignored = confusion_matrix(y, p, w, 4, ignore=1)
    np.testing.assert_allclose(feed(metrics.MeanIoU(4, ignore_class=1), data),
                               iou_ref(ignored, range(4)), rtol=1e-6)
    float_weights = confusion_matrix(y, p, np.concatenate(
        [np.ones((5, 3)) if d[2] is None else d[2] for d in data]), 4)
    np.testing.assert_allclose(feed(metrics.MeanIoU(4, dtype="float32"), data),
                               iou_ref(float_weights, range(4)), rtol=1e-5)
    with pytest.raises(ValueError, match=r"IoU: target_class_ids \[4\] must be non-empty"):
        metrics.IoU(4, [4])


def test_binary_and_one_hot_iou():
    y = RNG.integers(0, 2, (20, 1)).astype(np.float32)
    p = RNG.uniform(size=(20, 1)).astype(np.float32)
    cm = confusion_matrix(y, (p >= 0.3).astype(int), np.ones(20), 2)
    assert metrics.BinaryIoU([1], threshold=0.3)(y, p).item() == pytest.approx(iou_ref(cm, [1]))
    assert metrics.BinaryIoU()(y, p).item() == pytest.approx(
        iou_ref(confusion_matrix(y, (p >= 0.5).astype(int), np.ones(20), 2), [0, 1]))
    labels, scores = RNG.integers(0, 3, 12), RNG.uniform(size=(12, 3)).astype(np.float32)
    cm = confusion_matrix(labels, scores.argmax(-1), np.ones(12), 3)
    onehot = np.eye(3, dtype=np.float32)[labels]
    assert metrics.OneHotIoU(3, [0, 2])(onehot, scores).item() == pytest.approx(iou_ref(cm, [0, 2]))
    assert metrics.OneHotMeanIoU(3)(onehot, scores).item() == pytest.approx(iou_ref(cm, range(3)))
    assert metrics.OneHotMeanIoU(3).get_config() == {
        "name": "one_hot_mean_io_u", "dtype": "int32", "num_classes": 3, "ignore_class": None,
        "sparse_y_pred": False, "axis": -1}
    assert metrics.BinaryIoU().get_config() == {"target_class_ids": [0, 1], "threshold": 0.5,
                                                "name": "binary_io_u", "dtype": "int32"}


def rates_ref(y, p, w, thresholds):
    out = {}
    for t in thresholds:
        pred = p > t
        tp, fp = (w * pred * y).sum(), (w * pred * (1 - y)).sum()
        fn, tn = (w * ~pred * y).sum(), (w * ~pred * (1 - y)).sum()
        for key, num, den in (("recall", tp, tp + fn), ("precision", tp, tp + fp),
                              ("specificity", tn, tn + fp)):
            out.setdefault(key, []).append(num / den if den else 0.0)
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("cls, value, constrained, dependent", [
    (metrics.PrecisionAtRecall, 0.6, "recall", "precision"),
    (metrics.RecallAtPrecision, 0.5, "precision", "recall"),
    (metrics.SensitivityAtSpecificity, 0.4, "specificity", "recall"),
    (metrics.SpecificityAtSensitivity, 0.7, "recall", "specificity")])
@pytest.mark.parametrize("num_thresholds", [1, 7, 200])
def test_at_constraint_metrics_against_numpy(cls, value, constrained, dependent, num_thresholds):
    def make():
        return RNG.integers(0, 2, (20, 1)).astype(np.float32), \
            RNG.uniform(size=(20, 1)).astype(np.float32), RNG.uniform(0, 2, 20).astype(np.float32)
    data = batches(make)
    y, p, w = stacked(data)
    thresholds = [0.5] if num_thresholds == 1 else np.linspace(0, 1, num_thresholds)
    rates = rates_ref(y.ravel(), p.ravel(), w, thresholds)
    expected = np.max(np.where(rates[constrained] >= value, rates[dependent], 0.0))
    metric = cls(value, num_thresholds=num_thresholds)
    assert feed(metric, data) == pytest.approx(expected, rel=1e-5)
    key = "sensitivity" if cls is metrics.SpecificityAtSensitivity else constrained
    assert metric.get_config() == {"name": metric.name, "dtype": "float32", "class_id": None,
                                   "num_thresholds": num_thresholds, key: value}


def test_at_constraint_class_id_and_errors():
    y = RNG.integers(0, 2, (30, 3)).astype(np.float32)
    p = RNG.uniform(size=(30, 3)).astype(np.float32)
    rates = rates_ref(y[:, 1], p[:, 1], np.ones(30), np.linspace(0, 1, 200))
    expected = np.max(np.where(rates["specificity"] >= 0.5, rates["recall"], 0.0))
    assert metrics.SensitivityAtSpecificity(0.5, class_id=1)(y, p).item() == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"PrecisionAtRecall: recall must lie in \[0, 1\]"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 0"):
        metrics.RecallAtPrecision(0.5, num_thresholds=0)


def test_correlation_functions_and_metrics():
    y = RNG.normal(size=(5, 8))
    p = y + RNG.normal(size=(5, 8))
    pearson = [np.corrcoef(a, b)[0, 1] for a, b in zip(y, p)]
    np.testing.assert_allclose(metrics.pearson_correlation(y, ag.tensor(p)).numpy(), pearson,
                               rtol=1e-9)
    ccc = [2 * np.mean((a - a.mean()) * (b - b.mean())) / (a.var() + b.var()
                                                              + (a.mean() - b.mean()) ** 2 + EPS)
           for a, b in zip(y, p)]
    np.testing.assert_allclose(metrics.concordance_correlation(y, ag.tensor(p)).numpy(), ccc,
                               rtol=1e-9)
    w = RNG.uniform(size=5)
    metric = metrics.ConcordanceCorrelation()
    metric.update_state(y[:2], p[:2], sample_weight=w[:2])
    metric.update_state(y[2:], p[2:], sample_weight=w[2:])
    assert metric.result().item() == pytest.approx(np.sum(np.array(ccc) * w) / w.sum(), rel=1e-5)
    assert metrics.PearsonCorrelation(axis=0).get_config() == {
        "name": "pearson_correlation", "dtype": "float32", "axis": 0}


def test_functions_exposed_like_keras_metrics():
    y, p = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    assert metrics.huber(y, ag.tensor(p)).shape == (4,)
    yb, pb = RNG.integers(0, 2, (4, 3)).astype(float), RNG.uniform(size=(4, 3))
    bce = -(yb * np.log(pb) + (1 - yb) * np.log(1 - pb))
    focal = (1 - (yb * pb + (1 - yb) * (1 - pb))) ** 2 * bce
    np.testing.assert_allclose(metrics.binary_focal_crossentropy(yb, ag.tensor(pb)).numpy(),
                               focal.mean(-1), rtol=1e-9)
    assert callable(metrics.categorical_focal_crossentropy)
    assert isinstance(metrics.get("pearson_correlation"), metrics.PearsonCorrelation)
    assert isinstance(metrics.get("f1_score"), metrics.F1Score)
    assert isinstance(metrics.get("r2_score"), metrics.R2Score)
    assert isinstance(metrics.get("binary_io_u"), metrics.BinaryIoU)
    for metric in (metrics.F1Score(average="weighted"), metrics.MeanIoU(3, ignore_class=0),
                   metrics.RecallAtPrecision(0.3, class_id=1), metrics.R2Score(None, 2)):
        again = metrics.deserialize(metrics.serialize(metric))
        assert type(again) is type(metric) and again.get_config() == metric.get_config()


def test_compile_by_object_and_name_and_history_keys():
    from keras_facade import Input, Sequential
    from keras_facade.layers import Dense
    x = RNG.normal(size=(24, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 24)]
    model = Sequential([Input((4,)), Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_focal_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), "r2_score", "pearson_correlation",
                           metrics.OneHotMeanIoU(3), metrics.PrecisionAtRecall(0.5),
                           metrics.FBetaScore(beta=2.0)])
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25).history
    assert sorted(history) == sorted(
        ["loss", "f1_score", "r2_score", "pearson_correlation", "one_hot_mean_io_u",
         "precision_at_recall", "fbeta_score"] + ["val_" + k for k in (
             "loss", "f1_score", "r2_score", "pearson_correlation", "one_hot_mean_io_u",
             "precision_at_recall", "fbeta_score")])
    assert np.shape(history["fbeta_score"][0]) == (3,)
    # the epoch value is the metric over the whole epoch: evaluate on the training data agrees
    f1 = metrics.F1Score(average="macro")
    f1.update_state(y, model.predict(x, verbose=0))
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    assert scores["f1_score"] == pytest.approx(f1.result().item(), rel=1e-5)
