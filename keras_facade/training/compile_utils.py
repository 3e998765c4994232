"""What ``compile`` sets up: the per-output losses with their weights, the metric objects and the
names they log under.

Log names follow the user's spelling: 'acc' logs as ``acc``, 'accuracy' as ``accuracy``, functions by
``__name__``, metric objects by ``.name``; with several outputs ``<output>_loss`` and
``<output>_<metric>``. 'accuracy'/'acc' (and 'crossentropy'/'ce') become the binary, categorical or
sparse variant once the shapes of the first batch are known, by the rule of the compatibility
profile (Keras 3: shapes only; Keras 2: the loss, then shapes).
"""
import copy
import warnings

import autograd_core as ag

from .. import config
from .. import losses as losses_module
from .. import metrics as metrics_module
from ..layers.base import to_snake_case

_ACCURACY = ("accuracy", "acc")
_CROSSENTROPY = ("crossentropy", "ce")


def per_output(spec, output_names, what):
    """Spread a compile argument over the outputs: one value for all, a list (one per output) or
    a dict keyed by output name (missing outputs get None)."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(output_names))
        if unknown:
            raise ValueError(f"compile: {what} has keys {unknown} that are not outputs of the model; "
                             f"the outputs are {output_names}")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(f"compile: {what} is a list of {len(spec)} entries but the model has "
                             f"{n} output(s) {output_names}; pass one entry per output or a dict")
        return list(spec)
    return [spec] * n


def _loss_object(spec):
    """A ``Loss`` object for a loss spec (name, function, class, instance, config)."""
    if spec is None:
        return None
    if isinstance(spec, type) and issubclass(spec, losses_module.Loss):
        return spec()
    obj = losses_module.get(spec)
    if isinstance(obj, losses_module.Loss):
        return obj
    if not callable(obj):
        raise ValueError(f"compile: cannot use {spec!r} as a loss")
    name = spec if isinstance(spec, str) else getattr(obj, "__name__", "loss")
    return losses_module.LossFunctionWrapper(obj, name=name)


def loss_function_of(loss):
    """The loss function behind a ``Loss`` object (for the Keras 2 accuracy rule)."""
    return getattr(loss, "fn", None)


class LossContainer:
    """Per-output losses and weights; ``__call__`` gives the total loss (weighted outputs plus the
    regularization losses) and the per-output losses."""

    def __init__(self, loss, loss_weights=None):
        self.spec, self.weights_spec = loss, loss_weights
        self.output_names = None

    def build(self, output_names):
        self.output_names = list(output_names)
        specs = per_output(self.spec, self.output_names, "loss")
        self.losses = [_loss_object(s) for s in specs]
        if self.weights_spec is None:
            self.weights = [1.0] * len(self.output_names)
        else:
            self.weights = [1.0 if w is None else float(w) for w in
                            per_output(self.weights_spec, self.output_names, "loss_weights")]
        multi = sum(loss is not None for loss in self.losses) > 1  # else only "loss" (Keras 3)
        self.names = ["loss"] + [f"{name}_loss" for name, loss in zip(self.output_names, self.losses)
                                 if multi and loss is not None]

    def __call__(self, y_true, y_pred, sample_weights, regularization=()):
        total, parts = None, []
        for loss, weight, yt, yp, sw in zip(self.losses, self.weights, y_true, y_pred, sample_weights):
            if loss is None:
                continue
            if yt is None:
                raise ValueError(f"no targets given for output {self.output_names[len(parts)]!r}, "
                                 f"which has a loss")
            value = loss(yt, yp, sample_weight=sw)
            parts.append(value)
            term = value if weight == 1.0 else value * weight
            total = term if total is None else total + term
        for reg in regularization:  # an add_loss term of any shape counts with its sum, as in Keras
            reg = ag.sum(reg) if reg.ndim else reg
            total = reg if total is None else total + reg
        return total, parts


class MetricsContainer:
    """The compiled metrics of every output: names known at compile time, objects built on the
    first batch (when the shapes decide what 'accuracy' means)."""

    def __init__(self, metrics=None, weighted_metrics=None):
        self.specs, self.weighted_specs = metrics, weighted_metrics
        self.built = False
        self.entries = []   # (log name, output index, spec, weighted)

    def configure(self, output_names, loss_functions):
        self.output_names, self.loss_functions = list(output_names), list(loss_functions)
        multi = len(output_names) > 1
        entries = []
        for weighted, spec in ((False, self.specs), (True, self.weighted_specs)):
            for i, specs in enumerate(self._per_output(spec, output_names)):
                for s in specs:
                    name = _metric_name(s)
                    entries.append((f"{output_names[i]}_{name}" if multi else name, i, s, weighted))
        taken = {name for name, _, _, weighted in entries if not weighted}
        entries = [(f"weighted_{name}" if weighted and name in taken else name, i, s, weighted)
                   for name, i, s, weighted in entries]
        self.entries = [(name, i, s, weighted) for name, (_, i, s, weighted)
                        in zip(_unique([e[0] for e in entries]), entries)]
        self.names = [name for name, _, _, _ in self.entries]
        self.built = False

    @staticmethod
    def _per_output(spec, output_names):
        n = len(output_names)
        if spec is None:
            return [[] for _ in range(n)]
        if isinstance(spec, dict):
            per = per_output(spec, output_names, "metrics")
            return [[] if s is None else list(s) if isinstance(s, (list, tuple)) else [s] for s in per]
        if not isinstance(spec, (list, tuple)):
            spec = [spec]
        if n > 1 and len(spec) == n and (
                all(isinstance(s, (list, tuple)) or s is None for s in spec)
                or config.default("metrics.flat_list") == "one_per_output"):
            return [list(s) if isinstance(s, (list, tuple)) else [] if s is None else [s]
                    for s in spec]
        if n > 1 and config.default("metrics.flat_list") == "one_per_output":
            warnings.warn(f"compile: a model with {n} outputs got a list of {len(spec)} metrics; "
                          f"each metric now applies to every output (Keras 2). Keras 3 expects "
                          f"one entry per output, or a dict keyed by output name",
                          DeprecationWarning, stacklevel=4)
        return [list(spec) for _ in range(n)]

    def build(self, y_true, y_pred):
        self.metrics = []
        for name, i, spec, _ in self.entries:
            metric = _metric_object(spec, name, y_true[i], y_pred[i], self.loss_functions[i])
            self.metrics.append(metric)
        self.built = True

    def update(self, y_true, y_pred, sample_weights):
        if not self.built:
            self.build(y_true, y_pred)
        for metric, (_, i, _, weighted) in zip(self.metrics, self.entries):
            if y_true[i] is not None:
                metric.update_state(y_true[i], y_pred[i], sample_weights[i] if weighted else None)

    def results(self):
        if not self.built:
            return {}
        return {name: metric.result() for (name, _, _, _), metric in zip(self.entries, self.metrics)}

    def reset(self):
        if self.built:
            for metric in self.metrics:
                metric.reset_state()


def _metric_name(spec):
    if isinstance(spec, str):
        return spec
    if isinstance(spec, metrics_module.Metric):
        return spec.name
    if isinstance(spec, type) and issubclass(spec, metrics_module.Metric):
        return spec().name
    name = getattr(spec, "__name__", None) or getattr(spec, "name", None)
    if name is None:
        raise ValueError(f"compile: cannot name metric {spec!r}; give it a __name__ or use a "
                         f"keras.metrics.Metric")
    # Keras 3 snake-cases a metric function's name (``PSNR`` -> ``psnr``); Keras 2 kept it
    return name if config.default("naming.style") == "keras2" else to_snake_case(name)


def _metric_object(spec, name, y_true, y_pred, loss_fn):
    """A fresh stateful metric for one output."""
    if isinstance(spec, metrics_module.Metric):
        metric = copy.copy(spec)
        metric.reset_state()
        metric.name = name
        return metric
    if isinstance(spec, str) and spec.lower() in _ACCURACY + _CROSSENTROPY:
        kind = resolve_kind(y_true, y_pred, loss_fn)
        table = _ACCURACY_CLASSES if spec.lower() in _ACCURACY else _CROSSENTROPY_CLASSES
        return table[kind](name=name)
    obj = metrics_module.get(spec)
    if isinstance(obj, metrics_module.Metric):
        obj.name = name
        return obj
    return metrics_module.MeanMetricWrapper(obj, name=name)


_ACCURACY_CLASSES = {"binary": metrics_module.BinaryAccuracy,
                     "sparse": metrics_module.SparseCategoricalAccuracy,
                     "categorical": metrics_module.CategoricalAccuracy}
_CROSSENTROPY_CLASSES = {"binary": metrics_module.BinaryCrossentropy,
                         "sparse": metrics_module.SparseCategoricalCrossentropy,
                         "categorical": metrics_module.CategoricalCrossentropy}


def resolve_kind(y_true, y_pred, loss_fn):
    """'binary', 'sparse' or 'categorical' for 'accuracy'/'crossentropy' (profile's rule)."""
    pred_shape, true_shape = tuple(y_pred.shape), tuple(y_true.shape)
    binary_output = len(pred_shape) < 2 or pred_shape[-1] == 1
    if config.default("metrics.accuracy_rule") == "loss_and_shapes":  # Keras 2
        if binary_output or loss_fn is losses_module.binary_crossentropy:
            return "binary"
        if loss_fn is losses_module.sparse_categorical_crossentropy:
            return "sparse"
        return "categorical"
    if binary_output:
        return "binary"
    if len(true_shape) < len(pred_shape) or (len(true_shape) == len(pred_shape)
                                             and true_shape[-1] == 1):
        return "sparse"
    return "categorical"


def detach_all(values):
    return [v.detach() if isinstance(v, ag.Tensor) else v for v in values]


def _unique(names):
    """Repeated log names get ``_1``, ``_2``... as in Keras 3 (``['mae', 'mae']`` logs ``mae`` and
    ``mae_1``), so no metric overwrites another."""
    seen, out = set(names), []
    counts = {}
    for name in names:
        if name in counts:
            while True:
                counts[name] += 1
                candidate = f"{name}_{counts[name]}"
                if candidate not in seen:
                    break
            seen.add(candidate)
            out.append(candidate)
        else:
            counts[name] = 0
            out.append(name)
    return out
