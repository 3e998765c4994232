"""F-scores (``keras.metrics.FBetaScore``, ``F1Score``): per-class true/false positives and false
negatives accumulated over batches, combined into F-beta at ``result()``."""
import autograd_core as ag

from .losses import as_tensor, EPSILON
from .metrics_base import Metric, _detached, accumulate

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + beta^2) * precision * recall / (beta^2 * precision + recall) over inputs of shape
    (samples, classes).

    A prediction is positive when it is above ``threshold``, or, when ``threshold`` is None,
    when it is its row's highest (non-zero) score. ``average``: None gives one score per class,
    'micro' counts over every entry, 'macro' averages the class scores, 'weighted' averages them
    weighted by each class's (sample-weighted) count of true labels."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        kind = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{kind}: average must be one of {_AVERAGES}, got {average!r}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"{kind}: beta must be a Python float > 0, got {beta!r}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{kind}: threshold must be a Python float in (0, 1], got "
                             f"{threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.true_positives = self.false_positives = None
        self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            y_pred = as_tensor(_detached(y_pred), dtype=self.dtype)
            y_true = as_tensor(_detached(y_true), dtype=self.dtype, like=y_pred)
            if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
                raise ValueError(f"{type(self).__name__}: expects y_true and y_pred of the same "
                                 f"shape (samples, classes), got {y_true.shape} and "
                                 f"{y_pred.shape}")
            if self.threshold is None:
                top = ag.max(y_pred, axis=-1, keepdims=True)
                predicted = ag.logical_and(y_pred >= top, ag.abs(y_pred) > 1e-9)
            else:
                predicted = y_pred > self.threshold
            predicted = ag.cast(predicted, self.dtype)
            weight = None if sample_weight is None else \
                ag.reshape(as_tensor(_detached(sample_weight), like=y_pred), (-1, 1))

            def weighted_sum(values):
                return ag.sum(values if weight is None else values * weight, axis=self.axis)

            accumulate(self, {"true_positives": weighted_sum(predicted * y_true),
                              "false_positives": weighted_sum(predicted * (1.0 - y_true)),
                              "false_negatives": weighted_sum((1.0 - predicted) * y_true),
                              "intermediate_weights": weighted_sum(y_true)})

    def result(self):
        with ag.no_grad():
            if self.true_positives is None:
                return ag.zeros((), dtype=self.dtype)
            tp = self.true_positives
            precision = tp / (tp + self.false_positives + EPSILON)
            recall = tp / (tp + self.false_negatives + EPSILON)
            beta2 = self.beta ** 2
            score = (1.0 + beta2) * precision * recall / (beta2 * precision + recall + EPSILON)
            if self.average == "weighted":
                weights = self.intermediate_weights
                return ag.sum(score * weights / (ag.sum(weights) + EPSILON))
            if self.average is not None:
                return ag.mean(score)
            return score

    def get_config(self):
        return dict(super().get_config(), average=self.average, beta=self.beta,
                    threshold=self.threshold)


class F1Score(FBetaScore):
    """The F-beta score with beta = 1: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
