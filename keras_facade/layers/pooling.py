"""Pooling: Max/AveragePooling1D/2D/3D (Keras 2 defaults: pool_size 2 / (2, 2) / (2, 2, 2),
strides = pool_size) and Global{Max,Average}Pooling1D/2D/3D (+ the aliases MaxPool2D, AvgPool3D,
GlobalMaxPool2D, ...), and Adaptive{Average,Max}Pooling1D/2D/3D (Keras 3)."""
import numpy as np

import autograd_core as ag

from .. import backend, legacy
from .base import InputSpec, Layer
from .conv_utils import conv_output_length, normalize_tuple, to_channels_first, to_channels_last


class _Pooling(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = self.pool_size if strides is None else \
            normalize_tuple(strides, self.rank, "strides", cls)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{cls}: `padding` must be 'valid' or 'same', got {padding!r}")
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        x = to_channels_last(inputs, self.data_format)
        fn = getattr(ag.nn, f"{self.kind}_pool{self.rank}d")
        y = fn(x, self.pool_size, self.strides, self.padding)
        return to_channels_first(y, self.data_format)

    def compute_output_shape(self, s):
        axes = range(2, 2 + self.rank) if self.data_format == "channels_first" else \
            range(1, 1 + self.rank)
        s = list(s)
        for axis, k, st in zip(axes, self.pool_size, self.strides):
            s[axis] = conv_output_length(s[axis], k, self.padding, st)
        return tuple(s)

    def get_config(self):
        return dict(super().get_config(), pool_size=tuple(self.pool_size), padding=self.padding,
                    strides=tuple(self.strides), data_format=self.data_format)


class MaxPooling1D(_Pooling):
    rank, kind = 1, "max"

    @legacy.interface("MaxPooling1D")
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    rank, kind = 1, "avg"

    @legacy.interface("AveragePooling1D")
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    rank, kind = 2, "max"

    @legacy.interface("MaxPooling2D")
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    rank, kind = 2, "avg"

    @legacy.interface("AveragePooling2D")
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    rank, kind = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    rank, kind = 3, "avg"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    rank = 2
    kind = "max"

    @legacy.interface("GlobalPooling")
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        default = "channels_last" if self.rank == 1 and data_format is None else data_format
        self.data_format = backend.normalize_data_format(default)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        return tuple(range(2, 2 + self.rank)) if self.data_format == "channels_first" else \
            tuple(range(1, 1 + self.rank))

    def call(self, inputs):
        reduce = ag.max if self.kind == "max" else ag.mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, s):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(s))
        return tuple(d for i, d in enumerate(s) if i not in axes)

    def get_config(self):
        cfg = dict(super().get_config(), data_format=self.data_format)
        if self.keepdims:
            cfg["keepdims"] = True
        return cfg


class GlobalMaxPooling1D(_GlobalPooling):
    rank, kind = 1, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    rank, kind = 1, "avg"

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps, features = (2, 1) if self.data_format == "channels_first" else (1, 2)
        weights = ag.expand_dims(ag.cast(mask, inputs.dtype), features)
        total = ag.sum(inputs * weights, axis=steps, keepdims=self.keepdims)
        return total / ag.maximum(ag.sum(weights, axis=steps, keepdims=self.keepdims), 1.0)


class GlobalMaxPooling2D(_GlobalPooling):
    rank, kind = 2, "max"


class GlobalAveragePooling2D(_GlobalPooling):
    rank, kind = 2, "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    rank, kind = 3, "max"


class GlobalAveragePooling3D(_GlobalPooling):
    rank, kind = 3, "avg"


MaxPool1D, AvgPool1D, MaxPool2D, AvgPool2D = MaxPooling1D, AveragePooling1D, MaxPooling2D, \
    AveragePooling2D
MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalMaxPool1D, GlobalAvgPool1D = GlobalMaxPooling1D, GlobalAveragePooling1D
GlobalMaxPool2D, GlobalAvgPool2D = GlobalMaxPooling2D, GlobalAveragePooling2D
GlobalMaxPool3D, GlobalAvgPool3D = GlobalMaxPooling3D, GlobalAveragePooling3D


def adaptive_bins(length, size):
    """(index (size, k), weight (size, k)) of the input positions in each of ``size`` bins over
    ``length``: bin i spans [floor(i L / size), ceil((i + 1) L / size)); short bins repeat their
    last position with weight 0, the others weigh 1 / (bin length)."""
    i = np.arange(size)
    start = (i * length) // size
    end = -((-(i + 1) * length) // size)
    k = int((end - start).max())
    index = start[:, None] + np.arange(k)
    inside = index < end[:, None]
    weight = inside / (end - start)[:, None]
    return index.clip(None, end[:, None] - 1), weight


class _AdaptivePooling(Layer):
    """Pool each spatial axis into ``output_size`` bins (PyTorch's bin rule), gathering the bins
    with one index array per axis and reducing them: gradients reach the input."""

    rank = 2
    kind = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        sizes = (output_size,) * self.rank if isinstance(output_size, int) else output_size
        if not isinstance(sizes, (tuple, list)) or len(sizes) != self.rank or \
                not all(isinstance(s, int) and s > 0 for s in sizes):
            raise TypeError(f"{cls}: `output_size` must be a positive integer or a tuple of "
                            f"{self.rank} positive integers, got output_size={output_size!r}")
        self.output_size = tuple(sizes)
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        first = 2 if self.data_format == "channels_first" else 1
        x = inputs
        for axis, size in zip(range(first, first + self.rank), self.output_size):
            index, weight = adaptive_bins(x.shape[axis], size)
            x = x[(slice(None),) * axis + (index,)]  # (..., size, k, ...)
            if self.kind == "max":
                x = ag.max(x, axis=axis + 1)
            else:
                shape = (size, index.shape[1]) + (1,) * (x.ndim - axis - 2)
                weight = ag.tensor(weight.reshape(shape).astype(x.dtype), device=x.device)
                x = ag.sum(x * weight, axis=axis + 1)
        return x

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        return dict(super().get_config(), output_size=self.output_size,
                    data_format=self.data_format)


class AdaptiveAveragePooling1D(_AdaptivePooling):
    rank, kind = 1, "avg"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    rank, kind = 2, "avg"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    rank, kind = 3, "avg"


class AdaptiveMaxPooling1D(_AdaptivePooling):
    rank, kind = 1, "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    rank, kind = 2, "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    rank, kind = 3, "max"
