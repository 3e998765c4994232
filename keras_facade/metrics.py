"""``keras.metrics``: metric functions (per-sample values), stateful ``Metric`` objects and the
name lookup. The ``Metric`` machinery (state, sample-weighted means) is in ``metrics_base``; the
F-scores, regression scores and IoU metrics live in their own modules and are re-exported here.
"""
import numpy as np

import autograd_core as ag

from . import losses as losses_module
from .losses import as_tensor, divide_no_nan, match_ranks, one_hot, _snake
from . import _registry
from .metrics_base import (Metric, Reduce, Sum, Mean, MeanMetricWrapper,  # noqa: F401
                           _detached, _wrapper_class)
from .metrics_fscore import FBetaScore, F1Score
from .metrics_iou import IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU
from .metrics_regression import (R2Score, PearsonCorrelation, ConcordanceCorrelation,
                                 pearson_correlation, concordance_correlation)

EPSILON = 1e-7
NEG_INF = -1e10  # the value of the entries that ``top_k`` drops


def _pair(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    return as_tensor(y_true, like=y_pred), y_pred


# -- metric functions ----------------------------------------------------------------------------
def accuracy(y_true, y_pred):
    """Exact equality of targets and predictions (Keras 3's ``Accuracy``)."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    return ag.cast(ag.equal(y_true, y_pred), np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """mean(y == (p > threshold)) over the last axis."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    predicted = ag.cast(y_pred > threshold, y_true.dtype)
    return ag.mean(ag.cast(ag.equal(y_true, predicted), np.float32), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """argmax(y) == argmax(p)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ag.cast(ag.equal(ag.argmax(y_true, axis=-1), ag.argmax(y_pred, axis=-1)), np.float32)


def _sparse_targets(y_true, y_pred):
    y_true = as_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ag.squeeze(y_true, -1)
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """Integer targets == argmax(p) (targets of shape (B,) or (B, 1))."""
    y_pred = as_tensor(y_pred)
    y_true = _sparse_targets(y_true, y_pred)
    predicted = ag.argmax(y_pred, axis=-1)
    if y_true.dtype != predicted.dtype:
        predicted = ag.cast(predicted, y_true.dtype)
    return ag.cast(ag.equal(y_true, predicted), np.float32)


def in_top_k(targets, predictions, k):
    """Whether each target class scores among the ``k`` highest predictions (ties count as in)."""
    classes = predictions.shape[-1]
    target_score = ag.sum(predictions * one_hot(targets, classes, predictions.dtype), axis=-1,
                          keepdims=True)
    higher = ag.sum(ag.cast(predictions > target_score, np.float32), axis=-1)
    return ag.cast(higher < k, np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _pair(y_true, y_pred)
    return in_top_k(ag.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = as_tensor(y_pred)
    y_true = _sparse_targets(y_true, y_pred)
    if y_true.dtype.kind == "f":
        y_true = ag.cast(y_true, np.int64)
    return in_top_k(y_true, y_pred, k)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The (positive) cosine similarity, as Keras 3's metric."""
    return -losses_module.cosine_similarity(y_true, y_pred, axis=axis)


acc = accuracy  # noqa: E305  (Keras 2 spelling; compile resolves 'acc' by output shape)

# any loss works as a metric
mean_squared_error = mse = MSE = losses_module.mean_squared_error
mean_absolute_error = mae = MAE = losses_module.mean_absolute_error
mean_absolute_percentage_error = mape = MAPE = losses_module.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = MSLE = losses_module.mean_squared_logarithmic_error
binary_crossentropy = losses_module.binary_crossentropy
categorical_crossentropy = losses_module.categorical_crossentropy
sparse_categorical_crossentropy = losses_module.sparse_categorical_crossentropy
hinge, squared_hinge = losses_module.hinge, losses_module.squared_hinge
categorical_hinge = losses_module.categorical_hinge
kl_divergence = kullback_leibler_divergence = kld = KLD = losses_module.kl_divergence
poisson = losses_module.poisson
cosine_proximity = losses_module.cosine_proximity
log_cosh = logcosh = losses_module.log_cosh
huber = losses_module.huber
binary_focal_crossentropy = losses_module.binary_focal_crossentropy
categorical_focal_crossentropy = losses_module.categorical_focal_crossentropy

_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity)}


# -- stateful metrics (the machinery is in metrics_base) ----------------------------------------
Accuracy = _wrapper_class("Accuracy", accuracy)
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, [("threshold", 0.5)])
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy)
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy", sparse_categorical_accuracy)
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                         [("k", 5)])
SparseTopKCategoricalAccuracy = _wrapper_class("SparseTopKCategoricalAccuracy",
                                               sparse_top_k_categorical_accuracy, [("k", 5)])
MeanSquaredError = _wrapper_class("MeanSquaredError", losses_module.mean_squared_error)
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", losses_module.mean_absolute_error)
MeanAbsolutePercentageError = _wrapper_class("MeanAbsolutePercentageError",
                                             losses_module.mean_absolute_percentage_error)
MeanSquaredLogarithmicError = _wrapper_class("MeanSquaredLogarithmicError",
                                             losses_module.mean_squared_logarithmic_error)
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", losses_module.binary_crossentropy,
                                    [("from_logits", False), ("label_smoothing", 0.0)])
CategoricalCrossentropy = _wrapper_class("CategoricalCrossentropy",
                                         losses_module.categorical_crossentropy,
                                         [("from_logits", False), ("label_smoothing", 0.0),
                                          ("axis", -1)])
SparseCategoricalCrossentropy = _wrapper_class("SparseCategoricalCrossentropy",
                                               losses_module.sparse_categorical_crossentropy,
                                               [("from_logits", False), ("axis", -1)])
Hinge = _wrapper_class("Hinge", losses_module.hinge)
SquaredHinge = _wrapper_class("SquaredHinge", losses_module.squared_hinge)
CategoricalHinge = _wrapper_class("CategoricalHinge", losses_module.categorical_hinge)
KLDivergence = _wrapper_class("KLDivergence", losses_module.kl_divergence)
Poisson = _wrapper_class("Poisson", losses_module.poisson)
LogCoshError = _wrapper_class("LogCoshError", losses_module.log_cosh, default_name="logcosh")
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, [("axis", -1)])


class RootMeanSquaredError(Mean):
    """sqrt of the sample-weighted mean squared error."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            y_true, y_pred = match_ranks(*_pair(_detached(y_true), _detached(y_pred)))
            super().update_state(ag.square(y_pred - y_true), sample_weight)

    def result(self):
        with ag.no_grad():
            return ag.sqrt(super().result())


# -- confusion-matrix metrics --------------------------------------------------------------------
def _evenly_spaced(thresholds):
    """Whether thresholds are 0, 1/(n-1), ..., 1 (then predictions are clipped to [0, 1])."""
    n = len(thresholds)
    even = np.arange(n, dtype=np.float32) / max(n - 1, 1)
    return n >= 3 and np.allclose(thresholds, even, atol=EPSILON)


def _filter_top_k(y_pred, k):
    """Keep exactly the k highest entries of each row (ties go to the lower index) and set the
    others to ``NEG_INF``."""
    n = y_pred.shape[-1]
    classes = ag.arange(n, device=y_pred.device)
    remaining, kept = y_pred, None
    for _ in range(min(k, n)):
        chosen = ag.equal(ag.expand_dims(ag.argmax(remaining, axis=-1), -1), classes)
        kept = chosen if kept is None else ag.logical_or(kept, chosen)
        remaining = ag.where(chosen, -np.inf, remaining)
    return ag.where(kept, y_pred, NEG_INF)


def confusion_inputs(metric, y_true, y_pred, sample_weight=None, top_k=None, class_id=None):
    """Targets and predictions (ranks matched, in the metric's dtype, after ``top_k`` and
    ``class_id``) and the sample weights broadcast to the predictions' shape (or None)."""
    y_pred = as_tensor(_detached(y_pred), dtype=metric.dtype)
    y_true = as_tensor(_detached(y_true), dtype=metric.dtype, like=y_pred)
    y_true, y_pred = match_ranks(y_true, y_pred)
    weight = None
    if sample_weight is not None:
        weight = as_tensor(_detached(sample_weight), like=y_pred)
        given = weight.shape
        weight = match_ranks(y_true, ag.expand_dims(weight, -1), expand_rank_1=False)[1]
        if weight.ndim < y_true.ndim:
            weight = ag.reshape(weight, weight.shape + (1,) * (y_true.ndim - weight.ndim))
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(f"{type(metric).__name__}: class_id needs predictions of shape "
                             f"(samples, classes), got shape {y_pred.shape}")
        if weight is not None and weight.shape[-1:] == y_pred.shape[-1:] \
                and weight.ndim == y_pred.ndim:  # per-class weights: keep the class's column
            weight = weight[..., class_id, None]
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    if weight is not None:
        if not _broadcasts(weight.shape, y_pred.shape):
            raise ValueError(f"{type(metric).__name__}: sample_weight of shape {given} does not "
                             f"broadcast to predictions of shape {y_pred.shape}")
        weight = ag.broadcast_to(weight, y_pred.shape)
    return y_true, y_pred, weight


def _broadcasts(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def update_confusion_counts(counts, y_true, y_pred, thresholds, weight=None, multi_label=False):
    """Add weighted tp/fp/tn/fn at each threshold into ``counts`` (a dict of tensors, empty at
    first: the counts then live on the predictions' device). A prediction is positive when it is
    above the threshold, a target when it is non-zero. Counts have shape (T,), or (T, labels)
    with ``multi_label`` (predictions of shape (samples, labels))."""
    labels = ag.cast(ag.not_equal(y_true, 0), y_pred.dtype)
    if not multi_label:
        labels, y_pred = ag.reshape(labels, (-1,)), ag.reshape(y_pred, (-1,))
        weight = None if weight is None else ag.reshape(weight, (-1,))
    shape = (len(thresholds),) + (1,) * y_pred.ndim
    thresholds = ag.reshape(ag.tensor(thresholds, device=y_pred.device), shape)
    predicted = ag.cast(ag.expand_dims(y_pred, 0) > thresholds, y_pred.dtype)  # (T, ...)
    positives, negatives = labels, 1.0 - labels
    if weight is not None:
        positives, negatives = positives * weight, negatives * weight
    tp = ag.sum(predicted * positives, axis=1)
    fp = ag.sum(predicted * negatives, axis=1)
    new = {"tp": tp, "fp": fp, "tn": ag.sum(negatives, axis=0) - fp,
           "fn": ag.sum(positives, axis=0) - tp}
    for key, value in new.items():
        counts[key] = value if key not in counts else counts[key] + value


class _ConfusionMetric(Metric):
    """Counts true/false positives/negatives at thresholds (``p > threshold`` is positive, a
    non-zero target is positive). Thresholds lie in [0, 1]; one threshold gives a scalar result.

    ``top_k`` keeps only each row's k highest predictions; ``class_id`` looks at one class."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if thresholds is not None:
            listed = [thresholds] if np.ndim(thresholds) == 0 else list(thresholds)
            bad = [t for t in listed if t is None or not 0 <= t <= 1]
            if bad:
                raise ValueError(f"{type(self).__name__}: thresholds must lie in [0, 1], got {bad}")
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else NEG_INF  # with top_k, every kept prediction is positive
        values = [default] if thresholds is None else listed
        self.thresholds = np.asarray(values, dtype=np.float32)
        self._clip = _evenly_spaced(self.thresholds)
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.counts = {}

    def count(self, key):
        """The weighted count ``key`` ('tp', 'fp', 'tn' or 'fn') at each threshold."""
        value = self.counts.get(key)
        return ag.zeros(len(self.thresholds)) if value is None else value

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            y_true, y_pred, weight = confusion_inputs(self, y_true, y_pred, sample_weight,
                                                      self.top_k, self.class_id)
            if self._clip:
                y_pred = ag.clip(y_pred, 0.0, 1.0)
            update_confusion_counts(self.counts, y_true, y_pred, self.thresholds, weight)

    def _per_threshold(self, value):
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)


def _count_metric(class_name, key, doc):
    def result(self):
        with ag.no_grad():
            return self._per_threshold(self.count(key))
    return type(class_name, (_ConfusionMetric,), {"result": result, "__doc__": doc,
                                                  "__module__": __name__})


TruePositives = _count_metric("TruePositives", "tp", "Weighted count of true positives.")
FalsePositives = _count_metric("FalsePositives", "fp", "Weighted count of false positives.")
TrueNegatives = _count_metric("TrueNegatives", "tn", "Weighted count of true negatives.")
FalseNegatives = _count_metric("FalseNegatives", "fn", "Weighted count of false negatives.")


class Precision(_ConfusionMetric):
    """tp / (tp + fp) at ``thresholds`` (default 0.5), over everything seen since the reset."""

    def result(self):
        with ag.no_grad():
            tp = self.count("tp")
            return self._per_threshold(divide_no_nan(tp, tp + self.count("fp")))


class Recall(_ConfusionMetric):
    """tp / (tp + fn) at ``thresholds`` (default 0.5), over everything seen since the reset."""

    def result(self):
        with ag.no_grad():
            tp = self.count("tp")
            return self._per_threshold(divide_no_nan(tp, tp + self.count("fn")))


class _AtConstraint(_ConfusionMetric):
    """Base of the "X at Y" metrics: counts at ``num_thresholds`` evenly spaced thresholds in
    [0, 1] (0.5 alone when num_thresholds is 1); the result is the best rate ``dependent`` among
    the thresholds where the rate ``constrained`` reaches the given value (0 when none does).
    Sensitivity is the recall tp / (tp + fn), specificity tn / (tn + fp)."""

    def __init__(self, value_name, value, num_thresholds, class_id, name, dtype):
        kind = type(self).__name__
        if not 0 <= value <= 1:
            raise ValueError(f"{kind}: {value_name} must lie in [0, 1], got {value}")
        if num_thresholds <= 0:
            raise ValueError(f"{kind}: num_thresholds must be an integer > 0, got "
                             f"{num_thresholds}")
        self._value_name, self.value, self.num_thresholds = value_name, value, num_thresholds
        thresholds = [0.5] if num_thresholds == 1 else \
            [i / (num_thresholds - 1) for i in range(num_thresholds)]
        super().__init__(thresholds=thresholds, class_id=class_id, name=name, dtype=dtype)
        self._clip = num_thresholds > 1

    def _best(self, constrained, dependent):
        with ag.no_grad():
            tp, fp, tn, fn = (self.count(k) for k in ("tp", "fp", "tn", "fn"))
            rates = {"recall": divide_no_nan(tp, tp + fn), "precision": divide_no_nan(tp, tp + fp),
                     "specificity": divide_no_nan(tn, tn + fp)}
            return ag.max(ag.where(rates[constrained] >= self.value, rates[dependent], 0.0))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) at a threshold whose specificity is >= ``specificity``."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__("specificity", specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("specificity", "recall")


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity at a threshold whose sensitivity (recall) is >= ``sensitivity``."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__("sensitivity", sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("recall", "specificity")


class PrecisionAtRecall(_AtConstraint):
    """The best precision at a threshold whose recall is >= ``recall``."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__("recall", recall, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("recall", "precision")


class RecallAtPrecision(_AtConstraint):
    """The best recall at a threshold whose precision is >= ``precision``."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__("precision", precision, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("precision", "recall")


_CURVES = {"ROC": "ROC", "roc": "ROC", "PR": "PR", "pr": "PR"}
_SUMMATIONS = {"interpolation": "interpolation", "Interpolation": "interpolation",
               "majoring": "majoring", "Majoring": "majoring",
               "minoring": "minoring", "Minoring": "minoring"}


class AUC(Metric):
    """Area under the ROC or PR curve, approximated over ``num_thresholds`` thresholds
    (Riemann sum: 'interpolation', 'minoring' or 'majoring'; PR interpolation as Davis & Goadrich).

    Predictions are clipped to [0, 1] when the thresholds are evenly spaced (the default).
    ``multi_label=True`` computes one AUC per label (predictions of shape (samples, labels)) and
    averages them, weighted by ``label_weights`` if given; without it ``label_weights`` weight
    the entries of each label column in the counts."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        if curve not in _CURVES:
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method not in _SUMMATIONS:
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or "
                             f"'majoring', got {summation_method!r}")
        if num_labels and not multi_label:
            raise ValueError(f"AUC: num_labels={num_labels} is only used with multi_label=True")
        if thresholds is None:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._clip = True
        else:
            inner = sorted(thresholds)
            self._clip = _evenly_spaced([0.0] + inner + [1.0])
        self.num_thresholds = len(inner) + 2
        self.thresholds = np.asarray([-EPSILON] + inner + [1.0 + EPSILON], dtype=np.float32)
        self._given_thresholds = None if thresholds is None else inner
        self.curve, self.summation_method = _CURVES[curve], _SUMMATIONS[summation_method]
        self.multi_label, self.num_labels, self.from_logits = multi_label, num_labels, from_logits
        self.label_weights = None if label_weights is None else \
            [float(w) for w in np.ravel(np.asarray(label_weights))]
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.counts = {}
        self._num_labels = self.num_labels if self.multi_label else None

    def count(self, key):
        """The weighted count ``key`` at each threshold: shape (T,), or (T, labels)."""
        value = self.counts.get(key)
        if value is not None:
            return value
        return ag.zeros((self.num_thresholds,) + ((self._num_labels,) if self._num_labels else ()))

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            if self.from_logits:
                y_pred = ag.sigmoid(as_tensor(_detached(y_pred)))
            y_true, y_pred, weight = confusion_inputs(self, y_true, y_pred, sample_weight)
            if self.multi_label:
                if y_pred.ndim != 2:
                    raise ValueError(f"AUC: multi_label=True needs predictions of shape "
                                     f"(samples, labels), got shape {y_pred.shape}")
                if self._num_labels not in (None, y_pred.shape[1]):
                    raise ValueError(f"AUC: expected {self._num_labels} labels, got predictions "
                                     f"of shape {y_pred.shape}")
                self._num_labels = y_pred.shape[1]
            elif self.label_weights is not None:
                label_weights = ag.broadcast_to(as_tensor(self.label_weights, like=y_pred),
                                                y_pred.shape)
                weight = label_weights if weight is None else weight * label_weights
            if self._clip:
                y_pred = ag.clip(y_pred, 0.0, 1.0)
            update_confusion_counts(self.counts, y_true, y_pred, self.thresholds, weight,
                                    multi_label=self.multi_label)

    def result(self):
        with ag.no_grad():
            tp, fp, tn, fn = (self.count(k) for k in ("tp", "fp", "tn", "fn"))
            if self.curve == "PR" and self.summation_method == "interpolation":
                return self._average(_interpolated_pr_auc(tp, fp, fn))
            recall = divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = divide_no_nan(fp, fp + tn), recall
            else:
                x, y = recall, divide_no_nan(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) * 0.5
            elif self.summation_method == "minoring":
                heights = ag.minimum(y[:-1], y[1:])
            else:
                heights = ag.maximum(y[:-1], y[1:])
            return self._average((x[:-1] - x[1:]) * heights)

    def _average(self, terms):
        """Sum the per-interval terms; with ``multi_label`` average the per-label areas."""
        if not self.multi_label:
            return ag.sum(terms)
        by_label = ag.sum(terms, axis=0)
        if self.label_weights is None:
            return ag.mean(by_label)
        label_weights = as_tensor(self.label_weights, like=by_label)
        return divide_no_nan(ag.sum(by_label * label_weights), ag.sum(label_weights))

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype.name,
                  "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._given_thresholds is not None:
            config["thresholds"] = list(self._given_thresholds)
        return config


def _interpolated_pr_auc(tp, fp, fn):
    """Per-interval PR areas (Davis & Goadrich interpolation), along the threshold axis 0."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = divide_no_nan(dtp, ag.relu(dp))
    intercept = tp[1:] - slope * p[1:]
    both = ag.logical_and(p[:-1] > 0, p[1:] > 0)
    ratio = ag.where(both, divide_no_nan(p[:-1], ag.relu(p[1:])), 1.0)
    return divide_no_nan(slope * (dtp + intercept * ag.log(ratio)), ag.relu(tp[1:] + fn[1:]))


_CLASSES = {c.__name__: c for c in (
    Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, LogCoshError, CosineSimilarity, RootMeanSquaredError,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC,
    SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision,
    FBetaScore, F1Score, R2Score, PearsonCorrelation, ConcordanceCorrelation, IoU, MeanIoU,
    BinaryIoU, OneHotIoU, OneHotMeanIoU)}
_SNAKE_CLASSES = {_snake(name): cls for name, cls in _CLASSES.items()}  # 'auc', 'true_positives'


# -- lookup --------------------------------------------------------------------------------------
def get(identifier):
    """A metric function or object from a name, a config dict, a class, an instance or a function.
    Names: metric functions and loss names/aliases ('mae', 'top_k_categorical_accuracy') give the
    function; class names ('AUC') and their snake_case ('auc', 'precision', 'mean') an instance."""
    if isinstance(identifier, Metric) or identifier is None:
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        loss_name = losses_module.resolve_name(identifier)
        if loss_name is not None:
            return losses_module.get(loss_name)
        if identifier in _SNAKE_CLASSES:
            return _SNAKE_CLASSES[identifier]()
    raise ValueError(f"Unknown metric {identifier!r}: use a name such as 'accuracy', 'mae' or "
                     f"'top_k_categorical_accuracy', a keras.metrics class, or a function "
                     f"(y_true, y_pred) -> per-sample values")


def serialize(metric):
    if isinstance(metric, str):
        return metric
    if isinstance(metric, Metric) and type(metric).__name__ in _CLASSES:
        return {"module": "keras.metrics", "class_name": type(metric).__name__,
                "config": metric.get_config(), "registered_name": None}
    name = getattr(metric, "__name__", None) or getattr(metric, "name", None)
    if name is None:
        raise ValueError(f"Cannot serialize metric {metric!r}")
    return name


def deserialize(config, custom_objects=None):
    return _registry.deserialize_named(config, custom_objects, get, _CLASSES, "metric")
