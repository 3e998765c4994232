"""Intersection-over-union metrics (``IoU``, ``MeanIoU``, ``BinaryIoU``, ``OneHotIoU``,
``OneHotMeanIoU``): a (num_classes, num_classes) confusion matrix accumulated over batches (rows:
true class, columns: predicted class); IoU = tp / (tp + fp + fn) per class, averaged over the
target classes that occurred."""
import numpy as np

import autograd_core as ag

from .losses import as_tensor, one_hot, EPSILON
from .metrics_base import Metric, _detached


class IoU(Metric):
    """Mean IoU over ``target_class_ids``. Labels and predictions are class ids (or scores to take
    the argmax of over ``axis`` when ``sparse_y_true`` / ``sparse_y_pred`` is False); entries
    whose label or prediction lies outside [0, num_classes), or whose label is ``ignore_class``,
    are left out. The default dtype is int32 as in Keras: ids and sample weights are truncated
    to integers."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        target_class_ids = [int(i) for i in target_class_ids]
        if not target_class_ids or max(target_class_ids) >= num_classes \
                or min(target_class_ids) < 0:
            raise ValueError(f"{type(self).__name__}: target_class_ids {target_class_ids} must "
                             f"be non-empty and lie in [0, {num_classes})")
        self.num_classes, self.target_class_ids = num_classes, target_class_ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        super().__init__(name=name, dtype=dtype or "int32")

    def reset_state(self):
        self.total_cm = ag.zeros((self.num_classes, self.num_classes), dtype=self._count_dtype)

    @property
    def _count_dtype(self):
        return self.dtype if self.dtype.kind == "f" else np.dtype("float32")

    def _ids(self, values, sparse):
        values = as_tensor(_detached(values))
        if not sparse:
            values = ag.argmax(values, axis=self.axis)
        return ag.reshape(ag.cast(values, self.dtype), (-1,))

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            labels = self._ids(y_true, self.sparse_y_true)
            predicted = self._ids(y_pred, self.sparse_y_pred)
            if labels.shape != predicted.shape:
                raise ValueError(f"{type(self).__name__}: {labels.shape[0]} labels but "
                                 f"{predicted.shape[0]} predictions")
            weight = ag.ones(labels.shape, dtype=self._count_dtype, device=labels.device) \
                if sample_weight is None else ag.cast(ag.cast(ag.reshape(
                    as_tensor(_detached(sample_weight)), (-1,)), self.dtype), self._count_dtype)
            if weight.shape[0] not in (1, labels.shape[0]):
                raise ValueError(f"{type(self).__name__}: sample_weight with {weight.shape[0]} "
                                 f"entries for {labels.shape[0]} labels (give one weight per "
                                 f"label entry)")
            weight = ag.broadcast_to(weight, labels.shape)
            valid = ag.logical_and(ag.logical_and(labels >= 0, labels < self.num_classes),
                                   ag.logical_and(predicted >= 0, predicted < self.num_classes))
            if self.ignore_class is not None:
                valid = ag.logical_and(valid, ag.not_equal(labels, self.ignore_class))
            weight = ag.where(valid, weight, 0.0)
            rows = one_hot(ag.where(valid, labels, 0), self.num_classes, self._count_dtype)
            cols = one_hot(ag.where(valid, predicted, 0), self.num_classes, self._count_dtype)
            self.total_cm = self.total_cm + ag.matmul(ag.transpose(rows * weight[:, None]), cols)

    def result(self):
        with ag.no_grad():
            cm = ag.cast(self.total_cm, np.float32)
            tp = ag.sum(cm * ag.eye(self.num_classes, dtype=np.float32, device=cm.device), axis=1)
            union = ag.sum(cm, axis=0) + ag.sum(cm, axis=1) - tp
            tp, union = tp[self.target_class_ids], union[self.target_class_ids]
            valid = union > 1e-9
            iou = ag.where(valid, tp / (union + EPSILON), 0.0)
            return ag.sum(iou) / (ag.sum(ag.cast(valid, np.float32)) + EPSILON)

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes,
                    target_class_ids=self.target_class_ids, ignore_class=self.ignore_class,
                    sparse_y_true=self.sparse_y_true, sparse_y_pred=self.sparse_y_pred,
                    axis=self.axis)


def _config_without(config, *keys):
    return {k: v for k, v in config.items() if k not in keys}


class MeanIoU(IoU):
    """IoU averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return _config_without(super().get_config(), "target_class_ids")


class BinaryIoU(IoU):
    """IoU of two classes: a prediction >= ``threshold`` is class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            y_pred = as_tensor(_detached(y_pred), dtype=np.float32)
            super().update_state(y_true, y_pred >= self.threshold, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype.name}


class OneHotIoU(IoU):
    """IoU with one-hot labels (and score predictions unless ``sparse_y_pred``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return _config_without(super().get_config(), "sparse_y_true")


class OneHotMeanIoU(MeanIoU):
    """Mean IoU over every class with one-hot labels (and score predictions unless
    ``sparse_y_pred``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return _config_without(super().get_config(), "sparse_y_true")
