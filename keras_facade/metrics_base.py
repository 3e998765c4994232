"""The stateful metric machinery of ``keras.metrics``: the ``Metric`` base class, running sums and
sample-weighted means, and the wrapper that turns a per-sample function into a mean metric.

State lives in engine tensors updated without recording; ``result()`` returns a scalar tensor (a
vector for several thresholds), so a training loop converts to Python numbers only when it shows or
logs them. Averages are weighted by samples (Keras 2.3+/3): a metric's epoch value is
sum(value * weight) / sum(weight) over every sample seen since ``reset_state()``.
"""
import numpy as np

import autograd_core as ag

from . import backend, initializers
from .losses import _align, as_tensor, divide_no_nan, match_ranks, prediction_mask, _snake
from .variables import Variable


class Metric:
    """Base class: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``,
    ``reset_state()``; calling the metric updates it and returns the result."""

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = np.dtype(dtype or "float32")
        self._variables = []   # (variable, initial value) made by add_variable
        # The built-in classes set their state up here; a subclass's own reset_state may use
        # variables that its __init__ creates after this call, so it is not run yet.
        builtin = next(c for c in type(self).__mro__ if "reset_state" in vars(c)
                       and c.__module__.startswith(__package__ + "."))
        builtin.reset_state(self)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """A non-trainable state variable; the default ``reset_state`` restores its initial value."""
        dtype = np.dtype(dtype or self.dtype)
        value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        value = np.asarray(value.numpy() if isinstance(value, ag.Tensor) else value, dtype=dtype)
        var = Variable(np.broadcast_to(value, tuple(shape)).copy(), trainable=False,
                       name=name or "variable", path=f"{self.name}/{name or 'variable'}",
                       device=backend.get_device())
        self._variables.append((var, var.numpy()))
        return var

    def add_weight(self, name=None, shape=(), aggregation="sum", synchronization="on_read",
                   initializer="zeros", dtype=None):
        """Keras 2 spelling of ``add_variable``."""
        return self.add_variable(shape, initializer, dtype, aggregation, name)

    @property
    def variables(self):
        return [var for var, _ in self._variables]

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        """Restore every ``add_variable`` state to its initial value."""
        for var, initial in self._variables:
            var.assign(initial)

    def reset_states(self):
        """Keras 2 spelling of ``reset_state``."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        with ag.no_grad():
            self.update_state(*args, **kwargs)
            self._last_result = self.result()  # lets Layer.add_metric find the metric's name
            return self._last_result

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def accumulate(metric, values):
    """Add each tensor of ``values`` (a dict) into the metric attribute of that name (None at
    first, so a state's shape comes from the first batch)."""
    for key, value in values.items():
        old = getattr(metric, key)
        setattr(metric, key, value if old is None else old + value)


def _detached(x):
    return x.detach() if isinstance(x, ag.Tensor) else x


class Reduce(Metric):
    """Running sum or weighted mean of values, reduced per sample as Keras does: without weights
    each sample's values are reduced over the non-batch axes; with weights the values are first
    reduced to the weights' rank, then weighted, and the weights count as samples (a scalar
    weight counts once per update). Updates only queue the reduced values; they are summed in
    one go when the result is asked for, so a training step pays almost nothing here."""
    _FLUSH_AT = 256

    @staticmethod
    def _reduce(x, axis=None):
        return ag.mean(x, axis=axis)

    def reset_state(self):
        self.total, self.count = 0.0, 0.0
        self._pending = []

    def update_state(self, values, sample_weight=None):
        with ag.no_grad():
            values = as_tensor(_detached(values), dtype=self.dtype)
            if isinstance(sample_weight, (int, float)):  # one weight for the update (a batch size)
                value = values if values.ndim == 0 else self._reduce(values)
                self._queue(value if sample_weight == 1 else value * sample_weight)
                self.count = self.count + sample_weight
                return
            weight = None
            if sample_weight is not None:
                weight = as_tensor(_detached(sample_weight), like=values)
                values, weight = match_ranks(values, weight)
                if weight.ndim > values.ndim:
                    raise ValueError(f"{type(self).__name__}: sample_weight of shape "
                                     f"{weight.shape} has more axes than the values of shape "
                                     f"{values.shape}")
                if values.ndim > weight.ndim:
                    values = self._reduce(values, axis=tuple(range(weight.ndim, values.ndim)))
                weight = ag.broadcast_to(weight, values.shape)
                values = values * weight
                if weight.ndim > 1:
                    weight = self._reduce(weight, axis=tuple(range(1, weight.ndim)))
            if values.ndim > 1:
                values = self._reduce(values, axis=tuple(range(1, values.ndim)))
            self._queue(values)
            if weight is not None:
                self.count = self.count + ag.sum(weight)
            else:
                self.count = self.count + (values.shape[0] if values.ndim else 1)

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
            return divide_no_nan(as_tensor(self.total, dtype=self.dtype), self.count)


class Sum(Reduce):
    """Weighted sum of all the values seen."""

    @staticmethod
    def _reduce(x, axis=None):
        return ag.sum(x, axis=axis)

    def result(self):
        with ag.no_grad():
            self._flush()
            return as_tensor(self.total, dtype=self.dtype)


class Mean(Reduce):
    """Weighted mean of the values seen (see ``Reduce`` for how samples are counted)."""


class MeanMetricWrapper(Mean):
    """The mean of a per-sample metric function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        with ag.no_grad():
            values = self._fn(_detached(y_true), _detached(y_pred), **self._fn_kwargs)
            mask = prediction_mask(y_pred, values)
            if mask is not None:  # masked-out entries weigh nothing
                mask = ag.cast(mask, values.dtype)
                if sample_weight is not None:
                    mask, weight = _align(mask, as_tensor(_detached(sample_weight), like=mask))
                    mask = mask * weight
                sample_weight = mask
            super().update_state(values, sample_weight)

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)


def _wrapper_class(class_name, fn, params=(), default_name=None):
    defaults = dict(params)
    default_name = default_name or _snake(class_name)

    def __init__(self, *args, name=None, dtype=None, **kwargs):
        values = dict(defaults)
        values.update(zip(defaults, args))
        unknown = set(kwargs) - set(defaults)
        if unknown or len(args) > len(defaults):
            raise TypeError(f"{class_name}: unexpected argument(s) {sorted(unknown) or args}")
        values.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name or default_name, dtype=dtype, **values)

    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": f"The sample-weighted mean of ``{fn.__name__}``."})
