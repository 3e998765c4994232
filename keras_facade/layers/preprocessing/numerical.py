"""Numerical feature layers: Normalization, Discretization, CategoryEncoding.

Their statistics come from ``adapt(data)``: a numpy array or tensor, a keras_facade ``Dataset``,
a ``Sequence`` or any iterable of batches (``(x, y)`` batches contribute ``x``). The statistics
are data handling (numpy); the layers' outputs are computed with engine ops.
"""
import math

import numpy as np

import autograd_core as ag

from ... import backend
from ..base import Layer
from . import sampling


def adapt_batches(data, layer):
    """Yield the batches of ``adapt`` data as numpy arrays."""
    def leading(batch):
        batch = batch[0] if isinstance(batch, tuple) else batch
        return batch.numpy() if isinstance(batch, ag.Tensor) else np.asarray(batch)

    if isinstance(data, (np.ndarray, ag.Tensor, int, float)) or (
            isinstance(data, list) and all(np.isscalar(v) for v in data)):
        yield leading(data)
        return
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and \
            not isinstance(data, (list, tuple, str)):  # a Sequence / PyDataset
        data = (data[i] for i in range(len(data)))
    elif not hasattr(data, "__iter__") or isinstance(data, str):
        raise TypeError(f"{layer}.adapt: expected a numpy array, a tensor, a Dataset, a Sequence "
                        f"or an iterable of batches, got {type(data).__name__}")
    found = False
    for batch in data:
        found = True
        yield leading(batch)
    if not found:
        raise ValueError(f"{layer}.adapt: the data holds no batches")


def encode_categories(indices, output_mode, depth, dtype, count_weights=None):
    """One-hot, multi-hot or count encoding of integer ``indices`` (engine ops)."""
    if indices.ndim == 0:
        indices = ag.reshape(indices, (1,))
    if output_mode == "one_hot" and indices.ndim > 1 and indices.shape[-1] == 1:
        indices = ag.squeeze(indices, -1)
    one_hot = ag.cast(ag.equal(ag.expand_dims(indices, -1),
                               ag.arange(depth, device=indices.device)), dtype)
    if output_mode == "one_hot":
        return one_hot
    if output_mode == "multi_hot":
        return ag.max(one_hot, axis=-2)
    if count_weights is not None:
        one_hot = one_hot * ag.expand_dims(ag.as_tensor(count_weights, dtype=dtype,
                                                        device=indices.device), -1)
    return ag.sum(one_hot, axis=1 if indices.ndim > 1 else 0)


def encoded_shape(input_shape, output_mode, depth):
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def _broadcast(value, shape, keep):
    """``value`` (a number or an array over the kept axes) reshaped to broadcast over ``shape``."""
    value = np.asarray(value, dtype=np.float64)
    if value.ndim:
        expanded = [1] * len(shape)
        for axis, size in zip(keep[len(keep) - value.ndim:], value.shape):
            expanded[axis] = size
        value = value.reshape(expanded)
    return np.broadcast_to(value, [shape[d] if d in keep else 1 for d in range(len(shape))])


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per index of the kept ``axis`` (``invert=True``: the
    reverse), with the statistics given or learnt by ``adapt(data)``."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: set both `mean` and `variance` or neither, got "
                             f"mean={mean} and variance={variance}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"Normalization: `mean` and `variance` must have the same shape, "
                             f"got {np.shape(mean)} and {np.shape(variance)}")
        if mean is not None and np.ndim(mean) > len(self.axis):
            raise ValueError(f"Normalization: `mean` has rank {np.ndim(mean)}, more than the "
                             f"{len(self.axis)} kept axes {self.axis}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._stats = None

    def build(self, input_shape):
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(f"Normalization: every axis must be in [-{rank}, {rank}) for inputs "
                             f"of rank {rank}, got axis={self.axis}")
        self._keep = tuple(sorted(a % rank for a in self.axis))
        if any(input_shape[a] is None for a in self._keep):
            raise ValueError(f"Normalization: the kept axes {self.axis} must have a known size, "
                             f"got input shape {tuple(input_shape)}")
        stats_shape = tuple(input_shape[a] for a in self._keep)
        self._broadcast_shape = [input_shape[d] if d in self._keep else 1 for d in range(rank)]
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
        else:
            self._stats = [_broadcast(v, input_shape, self._keep).astype(self.dtype)
                           for v in (self.input_mean, self.input_variance)]
        super().build(input_shape)

    def adapt(self, data):
        """Learn the mean and variance over all axes but the kept ones."""
        if self.input_mean is not None:
            raise ValueError("Normalization.adapt: the layer was given `mean` and `variance`")
        count, mean, var = 0, 0.0, 0.0
        for batch in adapt_batches(data, "Normalization"):
            if not self.built:
                self._maybe_build(batch.shape)
            self._check_batch(batch)
            reduce = tuple(d for d in range(batch.ndim) if d not in self._keep)
            batch = batch.astype(np.float64)
            n = batch.size // max(math.prod(self.adapt_mean.shape), 1)
            batch_mean, batch_var = batch.mean(axis=reduce), batch.var(axis=reduce)
            total = count + n
            new_mean = mean + (batch_mean - mean) * (n / total)
            var = ((var + (mean - new_mean) ** 2) * (count / total)
                   + (batch_var + (batch_mean - new_mean) ** 2) * (n / total))
            count, mean = total, new_mean
        self.adapt_mean.assign(np.asarray(mean, dtype=self.dtype))
        self.adapt_variance.assign(np.asarray(var, dtype=self.dtype))

    def _check_batch(self, batch):
        expected = self._build_input_shape
        if batch.ndim != len(expected) or any(batch.shape[a] != expected[a] for a in self._keep):
            raise ValueError(f"Normalization.adapt: the layer was built for inputs of shape "
                             f"{tuple(expected)}, but the data has shape {batch.shape}")

    def call(self, inputs):
        if self._stats is not None:
            mean, variance = (ag.tensor(v, device=inputs.device) for v in self._stats)
        else:
            mean = ag.reshape(self.adapt_mean, self._broadcast_shape)
            variance = ag.reshape(self.adapt_variance, self._broadcast_shape)
        scale = ag.maximum(ag.sqrt(variance), backend.epsilon())
        if self.invert:
            return mean + inputs * scale
        return (inputs - mean) / scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(value):
            return None if value is None else np.asarray(value).tolist()
        return dict(super().get_config(), axis=self.axis, invert=self.invert,
                    mean=plain(self.input_mean), variance=plain(self.input_variance))


class _QuantileSummary:
    """Sorted sample points with weights (how many data values each stands for), compressed to
    about ``1 / epsilon`` points; its weighted quantiles approximate the data's."""

    def __init__(self, epsilon):
        self.epsilon = epsilon
        self.points = np.zeros((2, 0), dtype=np.float32)  # rows: values, weights

    def add(self, values):
        values = np.sort(np.asarray(values, dtype=np.float32).ravel())
        step = max(values.size * self.epsilon, 1)
        picked = values[int(step) - 1::int(step)]
        points = np.concatenate([self.points, [picked, np.full(picked.size, step)]], axis=1)
        self.points = self._compress(points[:, np.argsort(points[0], kind="stable")],
                                     self.epsilon)

    @staticmethod
    def _compress(points, epsilon):
        """Resample at the cumulative weight fractions epsilon, 2 epsilon, ..., 1."""
        if points.shape[1] * epsilon < 1:
            return points
        fractions = epsilon + np.arange(0.0, 1.0, epsilon)
        cumulative = points[1].cumsum()
        position = cumulative / cumulative[-1]
        values = np.interp(fractions, position, points[0])
        cumulative = np.interp(fractions, position, cumulative)
        weights = cumulative - np.concatenate([[0.0], cumulative[:-1]])
        return np.stack([values, weights]).astype(np.float32)

    def boundaries(self, num_bins):
        return self._compress(self.points, 1.0 / num_bins)[0, :-1]


class Discretization(Layer):
    """Bucket index of each value: ``i`` where ``bin_boundaries[i-1] <= x < bin_boundaries[i]``
    (or encoded per ``output_mode``); ``num_bins`` learns quantile boundaries with ``adapt``."""

    _OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.output_mode = sampling.check_choice("Discretization", "output_mode", output_mode,
                                                 self._OUTPUT_MODES)
        if sparse:
            raise ValueError("Discretization: sparse=True is not supported (no sparse tensors)")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: `num_bins` must be >= 0, got {num_bins}")
        if (num_bins is None) == (bin_boundaries is None):
            raise ValueError(f"Discretization: set exactly one of `bin_boundaries` and "
                             f"`num_bins`, got bin_boundaries={bin_boundaries}, "
                             f"num_bins={num_bins}")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                   bin_boundaries]
        self.num_bins, self.epsilon, self.sparse = num_bins, epsilon, False

    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` boundaries at the data's quantiles."""
        if self.num_bins is None:
            raise ValueError("Discretization.adapt: the layer was given `bin_boundaries`; "
                             "create it with `num_bins` to adapt it")
        summary = _QuantileSummary(self.epsilon)
        for i, batch in enumerate(adapt_batches(data, "Discretization")):
            if steps is not None and i >= steps:
                break
            summary.add(batch)
        self.bin_boundaries = summary.boundaries(self.num_bins).tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization: call `adapt(data)` first or pass `bin_boundaries`")
        bounds = ag.tensor(np.asarray(self.bin_boundaries, dtype=inputs.dtype),
                           device=inputs.device)
        indices = ag.sum(ag.cast(ag.greater_equal(ag.expand_dims(inputs, -1), bounds), "int32"),
                         axis=-1)
        if self.output_mode == "int":
            return ag.cast(indices, "int32")
        return encode_categories(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                 self.dtype)

    def _output_dtype(self, input_dtypes):
        return "int32" if self.output_mode == "int" else self.dtype

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries or ()) + 1
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return dict(super().get_config(), bin_boundaries=self.bin_boundaries,
                    num_bins=self.num_bins, epsilon=self.epsilon, output_mode=self.output_mode,
                    sparse=self.sparse)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            config.pop("bin_boundaries")  # an adapted layer: restore its boundaries after
        layer = super().from_config(config, custom_objects)
        layer.bin_boundaries = boundaries
        return layer


class CategoryEncoding(Layer):
    """Integer category ids in [0, num_tokens) to 'one_hot', 'multi_hot' or 'count' vectors."""

    _cast_inputs = False
    _OUTPUT_MODES = ("multi_hot", "one_hot", "count")

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        self.output_mode = sampling.check_choice("CategoryEncoding", "output_mode", output_mode,
                                                 self._OUTPUT_MODES)
        if num_tokens is None or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be an integer >= 1, got "
                             f"num_tokens={num_tokens}")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported (no sparse tensors)")
        self.num_tokens, self.sparse = int(num_tokens), False

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"CategoryEncoding: `count_weights` needs output_mode='count', got "
                             f"output_mode={self.output_mode!r}")
        values = inputs.numpy()
        if values.size and (values.min() < 0 or values.max() >= self.num_tokens):
            raise ValueError(f"CategoryEncoding: input values must be in [0, {self.num_tokens}), "
                             f"got values from {values.min()} to {values.max()}")
        return encode_categories(ag.cast(inputs, "int64"), self.output_mode, self.num_tokens,
                                 self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return dict(super().get_config(), num_tokens=self.num_tokens,
                    output_mode=self.output_mode)
