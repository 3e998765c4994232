"""``keras.metrics``: metric functions (per-sample values) and stateful ``Metric`` objects.

State lives in engine tensors updated without recording; ``result()`` returns a scalar tensor (a
vector for several thresholds), so a training loop converts to Python numbers only when it shows or
logs them. Averages are weighted by samples (Keras 2.3+/3): a metric's epoch value is
sum(value * weight) / sum(weight) over every sample seen since ``reset_state()``.
"""
import numpy as np

import autograd_core as ag

from . import losses as losses_module
from .losses import as_tensor, match_ranks, one_hot
from . import _registry

EPSILON = 1e-7


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

_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity)}


# -- stateful metrics ----------------------------------------------------------------------------
class Metric:
    """Base class: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``,
    ``reset_state()``; calling the metric updates it and returns the result."""

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = np.dtype(dtype or "float32")
        self.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def reset_states(self):
        """Keras 2 spelling of ``reset_state``."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        with ag.no_grad():
            self.update_state(*args, **kwargs)
            return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _detached(x):
    return x.detach() if isinstance(x, ag.Tensor) else x


class Reduce(Metric):
    """Running sum or weighted mean of values. Updates only queue the (weighted) values; they are
    summed in one go when the result is asked for, so a training step pays almost nothing here."""
    _mean = True
    _FLUSH_AT = 256

    def reset_state(self):
        self.total, self.count = 0.0, 0.0
        self._pending = []

    def update_state(self, values, sample_weight=None):
        with ag.no_grad():
            values = as_tensor(_detached(values), dtype=self.dtype)
            if isinstance(sample_weight, (int, float)):  # one weight for all (e.g. the batch size)
                self._queue(values if sample_weight == 1 else values * sample_weight)
                self.count = self.count + values.size * sample_weight
                return
            if sample_weight is None:
                per_sample = values if values.ndim <= 1 else \
                    ag.mean(values, axis=tuple(range(1, values.ndim)))
                count = per_sample.size
            else:
                weight = as_tensor(_detached(sample_weight), like=values)
                values, weight = match_ranks(values, weight)
                if weight.ndim < values.ndim:
                    weight = ag.reshape(weight, weight.shape + (1,) * (values.ndim - weight.ndim))
                weight = ag.broadcast_to(weight, values.shape)
                per_sample = values * weight
                count = ag.sum(weight)
            self._queue(per_sample)
            self.count = self.count + count

    def _queue(self, values):
        self._pending.append(values)
        if len(self._pending) >= self._FLUSH_AT:
            self._flush()

    def _flush(self):
        pending, self._pending = self._pending, []
        if not pending:
            return
        if len(pending) == 1:
            flat = pending[0]
        elif all(p.ndim == 0 for p in pending):
            flat = ag.stack(pending)
        elif all(p.ndim == 1 for p in pending):
            flat = ag.concatenate(pending)
        else:
            flat = ag.concatenate([ag.reshape(p, (-1,)) for p in pending])
        added = flat if flat.ndim == 0 else ag.sum(flat)
        self.total = added if isinstance(self.total, float) and self.total == 0.0 else \
            self.total + added

    def result(self):
        with ag.no_grad():
            self._flush()
            total = as_tensor(self.total, dtype=self.dtype)
            if not self._mean:
                return total
            return _divide_no_nan(total, self.count)


def _divide_no_nan(a, b):
    if not isinstance(b, ag.Tensor):
        return a * (1.0 / b) if b else ag.zeros_like(a)
    return ag.where(b != 0, a / ag.where(b != 0, b, 1.0), 0.0)


class Sum(Reduce):
    _mean = False


class Mean(Reduce):
    """Weighted mean of the values seen (scalars count as one sample)."""


class MeanMetricWrapper(Mean):
    """The mean of a per-sample metric function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            values = self._fn(_detached(y_true), _detached(y_pred), **self._fn_kwargs)
            super().update_state(values, sample_weight)

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)


def _wrapper_class(class_name, fn, params=()):
    defaults = dict(params)

    def __init__(self, *args, name=None, dtype=None, **kwargs):
        values = dict(defaults)
        values.update(zip(defaults, args))
        unknown = set(kwargs) - set(defaults)
        if unknown or len(args) > len(defaults):
            raise TypeError(f"{class_name}: unexpected argument(s) {sorted(unknown) or args}")
        values.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name or _snake(class_name), dtype=dtype, **values)

    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": f"The sample-weighted mean of ``{fn.__name__}``."})


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
                                         [("from_logits", False), ("label_smoothing", 0.0)])
SparseCategoricalCrossentropy = _wrapper_class("SparseCategoricalCrossentropy",
                                               losses_module.sparse_categorical_crossentropy,
                                               [("from_logits", False)])
Hinge = _wrapper_class("Hinge", losses_module.hinge)
SquaredHinge = _wrapper_class("SquaredHinge", losses_module.squared_hinge)
CategoricalHinge = _wrapper_class("CategoricalHinge", losses_module.categorical_hinge)
KLDivergence = _wrapper_class("KLDivergence", losses_module.kl_divergence)
Poisson = _wrapper_class("Poisson", losses_module.poisson)
LogCoshError = _wrapper_class("LogCoshError", losses_module.log_cosh)
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
class _ConfusionMetric(Metric):
    """Counts true/false positives/negatives at thresholds (``p > threshold`` is positive).

    ``top_k`` keeps only each row's k highest predictions; ``class_id`` looks at one class."""
    _counts = ("tp", "fp", "tn", "fn")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        self._scalar = thresholds is None or np.ndim(thresholds) == 0
        default = 0.5 if top_k is None else -1e10  # with top_k, every kept prediction is positive
        values = [default if thresholds is None else thresholds] if self._scalar else list(thresholds)
        self.thresholds = np.asarray(values, dtype=np.float32)
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
            y_true, y_pred = match_ranks(*_pair(_detached(y_true), _detached(y_pred)))
            if self.top_k is not None:
                y_pred = ag.where(y_pred >= _kth_largest(y_pred, self.top_k), y_pred, -np.inf)
            if self.class_id is not None:
                y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
            weight = None
            if sample_weight is not None:
                weight = as_tensor(_detached(sample_weight), like=y_pred)
                if weight.ndim < y_pred.ndim:
                    weight = ag.reshape(weight, weight.shape + (1,) * (y_pred.ndim - weight.ndim))
                weight = ag.reshape(ag.broadcast_to(weight, y_pred.shape), (-1, 1))
            update_confusion_counts(self.counts, y_true, y_pred, self.thresholds, weight)

    def _result_of(self, numerator, denominator):
        value = _divide_no_nan(numerator, denominator)
        return value[0] if self._scalar else value

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)


def _kth_largest(y_pred, k):
    """The k-th largest value of each row (keepdims), by k-1 rounds of masking the maximum."""
    current = y_pred
    if k == 1:
        return ag.max(current, axis=-1, keepdims=True)
    for _ in range(k - 1):
        top = ag.max(current, axis=-1, keepdims=True)
        current = ag.where(current >= top, -np.inf, current)
    return ag.max(current, axis=-1, keepdims=True)


def update_confusion_counts(counts, y_true, y_pred, thresholds, weight=None):
    """Add weighted tp/fp/tn/fn at each threshold into ``counts`` (a dict of (T,) tensors, empty
    at first: the counts then live on the predictions' device)."""
    labels = ag.reshape(ag.cast(y_true > 0, y_pred.dtype), (-1, 1))
    predicted = ag.cast(ag.reshape(y_pred, (-1, 1)) > ag.tensor(thresholds, device=y_pred.device),
                        y_pred.dtype)
    if weight is not None:
        positives, negatives = labels * weight, (1.0 - labels) * weight
    else:
        positives, negatives = labels, 1.0 - labels
    tp = ag.sum(predicted * positives, axis=0)
    fp = ag.sum(predicted * negatives, axis=0)
    new = {"tp": tp, "fp": fp, "tn": ag.sum(negatives) - fp, "fn": ag.sum(positives) - tp}
    for key, value in new.items():
        value = ag.cast(value, np.float32)
        counts[key] = value if key not in counts else counts[key] + value


def _count_metric(class_name, key, doc):
    def result(self):
        with ag.no_grad():
            value = self.count(key)
            return value[0] if self._scalar else value
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
            return self._result_of(tp, tp + self.count("fp"))


class Recall(_ConfusionMetric):
    """tp / (tp + fn) at ``thresholds`` (default 0.5), over everything seen since the reset."""

    def result(self):
        with ag.no_grad():
            tp = self.count("tp")
            return self._result_of(tp, tp + self.count("fn"))


class AUC(_ConfusionMetric):
    """Area under the ROC or PR curve, approximated over ``num_thresholds`` thresholds
    (Riemann sum: 'interpolation', 'minoring' or 'majoring'; PR interpolation as Davis & Goadrich)."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: unknown summation_method {summation_method!r}")
        if thresholds is None:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        else:
            inner = sorted(thresholds)
        self.num_thresholds = len(inner) + 2
        self.curve, self.summation_method = curve.upper(), summation_method
        self.multi_label, self.from_logits = multi_label, from_logits
        self._given_thresholds = thresholds
        super().__init__(thresholds=[-EPSILON] + inner + [1.0 + EPSILON], name=name, dtype=dtype)
        self.name = name or "auc"

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = ag.sigmoid(as_tensor(_detached(y_pred)))
        super().update_state(y_true, y_pred, sample_weight)

    def result(self):
        with ag.no_grad():
            tp, fp, tn, fn = (self.count(k) for k in ("tp", "fp", "tn", "fn"))
            if self.curve == "PR" and self.summation_method == "interpolation":
                return _interpolated_pr_auc(tp, fp, fn)
            recall = _divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide_no_nan(fp, fp + tn), recall
            else:
                x, y = recall, _divide_no_nan(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) * 0.5
            elif self.summation_method == "minoring":
                heights = ag.minimum(y[:-1], y[1:])
            else:
                heights = ag.maximum(y[:-1], y[1:])
            return ag.sum((x[:-1] - x[1:]) * heights)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self._given_thresholds, "multi_label": self.multi_label,
                "from_logits": self.from_logits}


def _interpolated_pr_auc(tp, fp, fn):
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = _divide_no_nan(dtp, ag.relu(dp))
    intercept = tp[1:] - slope * p[1:]
    both = ag.logical_and(p[:-1] > 0, p[1:] > 0)
    ratio = ag.where(both, _divide_no_nan(p[:-1], ag.relu(p[1:])), 1.0)
    increments = _divide_no_nan(slope * (dtp + intercept * ag.log(ratio)), ag.relu(tp[1:] + fn[1:]))
    return ag.sum(increments)


_CLASSES = {c.__name__: c for c in (
    Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, LogCoshError, CosineSimilarity, RootMeanSquaredError,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC)}


# -- lookup --------------------------------------------------------------------------------------
def get(identifier):
    """A metric function or object from a name ('mae', 'top_k_categorical_accuracy', 'AUC'), a
    config dict, a class, an instance or a function."""
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
