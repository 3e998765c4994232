"""Regression scores: ``R2Score`` (coefficient of determination, optionally adjusted) and the
correlation metrics ``pearson_correlation`` / ``concordance_correlation`` and their classes."""
import warnings

import numpy as np

import autograd_core as ag

from .losses import as_tensor, match_ranks, EPSILON
from .metrics_base import Metric, _detached, accumulate, _wrapper_class

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


def _regression_pair(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = ag.cast(y_pred, np.float32)
    return match_ranks(as_tensor(y_true, like=y_pred), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient of targets and predictions along ``axis``."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    centered_true = y_true - ag.mean(y_true, axis=axis, keepdims=True)
    centered_pred = y_pred - ag.mean(y_pred, axis=axis, keepdims=True)
    centered_true = centered_true / ag.std(centered_true, axis=axis, keepdims=True)
    centered_pred = centered_pred / ag.std(centered_pred, axis=axis, keepdims=True)
    return ag.mean(centered_true * centered_pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation 2 cov / (var_true + var_pred + (mean_true - mean_pred)^2)
    along ``axis`` (population variances, epsilon in the denominator)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    mean_true = ag.mean(y_true, axis=axis, keepdims=True)
    mean_pred = ag.mean(y_pred, axis=axis, keepdims=True)
    norm = ag.var(y_true, axis=axis, keepdims=True) + ag.var(y_pred, axis=axis, keepdims=True) \
        + ag.square(mean_true - mean_pred)
    return ag.mean(2.0 * (y_true - mean_true) * (y_pred - mean_pred) / (norm + EPSILON), axis=axis)


PearsonCorrelation = _wrapper_class("PearsonCorrelation", pearson_correlation, [("axis", -1)])
ConcordanceCorrelation = _wrapper_class("ConcordanceCorrelation", concordance_correlation,
                                        [("axis", -1)])


class R2Score(Metric):
    """The coefficient of determination 1 - SS_res / SS_tot per output column of (samples,
    outputs) inputs, over every sample seen, aggregated by ``class_aggregation`` (None: one score
    per column, 'uniform_average', 'variance_weighted_average'). With ``num_regressors`` p > 0 the
    adjusted score 1 - (1 - R2)(n - 1)/(n - p - 1) is given, n counting every target entry."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(f"R2Score: class_aggregation must be one of {_AGGREGATIONS}, got "
                             f"{class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.sum = self.squared_sum = self.total_mse = self.count = None
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            y_pred = as_tensor(_detached(y_pred), dtype=self.dtype)
            y_true, y_pred = match_ranks(as_tensor(_detached(y_true), like=y_pred), y_pred)
            if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
                raise ValueError(f"R2Score: expects y_true and y_pred of the same shape "
                                 f"(samples, outputs), got {y_true.shape} and {y_pred.shape}")
            weight = ag.ones_like(y_true) if sample_weight is None else \
                as_tensor(_detached(sample_weight), like=y_pred)
            if weight.ndim == 1:
                weight = ag.expand_dims(weight, 1)
            weight = ag.broadcast_to(weight, y_true.shape)
            weighted = y_true * weight
            accumulate(self, {"sum": ag.sum(weighted, axis=0),
                              "squared_sum": ag.sum(y_true * weighted, axis=0),
                              "total_mse": ag.sum(ag.square(y_true - y_pred) * weight, axis=0),
                              "count": ag.sum(weight, axis=0)})
            self.num_samples += y_true.size

    def result(self):
        with ag.no_grad():
            if self.sum is None:
                return ag.zeros((), dtype=self.dtype)
            total = self.squared_sum - self.sum * (self.sum / self.count)
            raw = 1.0 - self.total_mse / total
            raw = ag.where(ag.abs(raw) == np.inf, 0.0, raw)
            if self.class_aggregation == "uniform_average":
                score = ag.mean(raw)
            elif self.class_aggregation == "variance_weighted_average":
                score = ag.sum(total * raw) / ag.sum(total)
            else:
                score = raw
            n, p = self.num_samples, self.num_regressors
            if p and p >= n - 1:
                warnings.warn(f"R2Score: {p} regressors for {n} data points: the adjusted score "
                              f"is undefined, giving the plain R2 score", stacklevel=2)
            elif p:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
            return score

    def get_config(self):
        return dict(super().get_config(), class_aggregation=self.class_aggregation,
                    num_regressors=self.num_regressors)
