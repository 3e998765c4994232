"""Reshaping layers: ZeroPadding1D/2D/3D, Cropping1D/2D/3D, UpSampling1D/2D/3D (plus Flatten,
Reshape, Permute and RepeatVector from :mod:`.core`, Keras 3's home for them)."""
import autograd_core as ag

from .. import backend, legacy
from .base import InputSpec, Layer
from .conv_utils import normalize_tuple, to_channels_first, to_channels_last
from .core import Flatten, Reshape, Permute, RepeatVector  # noqa: F401


def _pairs(value, n, name, layer):
    """``value`` as n (before, after) pairs: an int, n ints, or n pairs."""
    if isinstance(value, int):
        return ((value, value),) * n
    value = tuple(value)
    if n == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (tuple(value),)
    if len(value) != n:
        raise ValueError(f"{layer}: `{name}` must be an int, {n} ints or {n} pairs, got {value!r}")
    out = []
    for v in value:
        pair = (v, v) if isinstance(v, int) else tuple(v)
        if len(pair) != 2 or any(p < 0 for p in pair):
            raise ValueError(f"{layer}: `{name}` must hold non-negative (before, after) pairs, "
                             f"got {value!r}")
        out.append((int(pair[0]), int(pair[1])))
    return tuple(out)


def _grow(n, pads, sign=1):
    return None if n is None else n + sign * (pads[0] + pads[1])


class _Spatial(Layer):
    """Layers acting on the spatial axes of channels_last or channels_first inputs."""
    rank = 2

    def _spatial_axes(self):
        first = getattr(self, "data_format", "channels_last") == "channels_first"
        return tuple(range(2, 2 + self.rank)) if first else tuple(range(1, 1 + self.rank))


class ZeroPadding1D(_Spatial):
    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, 1, "padding", "ZeroPadding1D")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ag.pad(inputs, ((0, 0), self.padding, (0, 0)))

    def compute_output_shape(self, s):
        return (s[0], _grow(s[1], self.padding), s[2])

    def get_config(self):
        return dict(super().get_config(), padding=list(self.padding))


class ZeroPadding2D(_Spatial):
    """``padding``: an int, (rows, cols) symmetric, or ((top, bottom), (left, right))."""

    @legacy.interface("ZeroPadding2D")
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self.rank, "padding", type(self).__name__)
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        width = [(0, 0)] * inputs.ndim
        for axis, pads in zip(self._spatial_axes(), self.padding):
            width[axis] = pads
        return ag.pad(inputs, tuple(width))

    def compute_output_shape(self, s):
        s = list(s)
        for axis, pads in zip(self._spatial_axes(), self.padding):
            s[axis] = _grow(s[axis], pads)
        return tuple(s)

    def get_config(self):
        return dict(super().get_config(), padding=[list(p) for p in self.padding],
                    data_format=self.data_format)


class Cropping1D(_Spatial):
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, 1, "cropping", "Cropping1D")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        lo, hi = self.cropping
        return inputs[:, lo:inputs.shape[1] - hi]

    def compute_output_shape(self, s):
        return (s[0], _grow(s[1], self.cropping, -1), s[2])

    def get_config(self):
        return dict(super().get_config(), cropping=list(self.cropping))


class Cropping2D(_Spatial):
    """``cropping``: an int, (rows, cols) symmetric, or ((top, bottom), (left, right))."""

    @legacy.interface("Cropping2D")
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", type(self).__name__)
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        key = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(self._spatial_axes(), self.cropping):
            if lo + hi >= inputs.shape[axis]:
                raise ValueError(f"Layer \"{self.name}\": cropping {self.cropping} removes every "
                                 f"element of an input of shape {tuple(inputs.shape)}")
            key[axis] = slice(lo, inputs.shape[axis] - hi)
        return inputs[tuple(key)]

    def compute_output_shape(self, s):
        s = list(s)
        for axis, pads in zip(self._spatial_axes(), self.cropping):
            s[axis] = _grow(s[axis], pads, -1)
        return tuple(s)

    def get_config(self):
        return dict(super().get_config(), cropping=[list(p) for p in self.cropping],
                    data_format=self.data_format)


class ZeroPadding3D(ZeroPadding2D):
    """``padding``: an int, (depth, rows, cols) symmetric, or three (before, after) pairs."""
    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping3D(Cropping2D):
    """``cropping``: an int, (depth, rows, cols) symmetric, or three (before, after) pairs."""
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class UpSampling1D(_Spatial):
    """Repeat each step ``size`` times."""
    rank = 1

    @legacy.interface("UpSampling1D")
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        n, t, c = inputs.shape
        y = ag.broadcast_to(ag.reshape(inputs, (n, t, 1, c)), (n, t, self.size, c))
        return ag.reshape(y, (n, t * self.size, c))

    def compute_output_shape(self, s):
        return (s[0], None if s[1] is None else s[1] * self.size, s[2])

    def get_config(self):
        return dict(super().get_config(), size=self.size)


class UpSampling2D(_Spatial):
    """Repeat rows and columns (``interpolation`` 'nearest' or 'bilinear')."""

    @legacy.interface("UpSampling2D")
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 2, "size", "UpSampling2D")
        self.data_format = backend.normalize_data_format(data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: `interpolation` must be 'nearest' or 'bilinear', got "
                             f"{interpolation!r}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        x = to_channels_last(inputs, self.data_format)
        y = ag.nn.upsampling2d(x, self.size, self.interpolation)
        return to_channels_first(y, self.data_format)

    def compute_output_shape(self, s):
        s = list(s)
        for axis, k in zip(self._spatial_axes(), self.size):
            s[axis] = None if s[axis] is None else s[axis] * k
        return tuple(s)

    def get_config(self):
        return dict(super().get_config(), size=list(self.size), data_format=self.data_format,
                    interpolation=self.interpolation)


class UpSampling3D(_Spatial):
    """Repeat each of depth, rows and columns ``size`` times (nearest neighbour)."""
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 3, "size", "UpSampling3D")
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        x = to_channels_last(inputs, self.data_format)
        n, c = x.shape[0], x.shape[-1]
        spread = (n,) + sum(((d, 1) for d in x.shape[1:4]), ()) + (c,)
        grown = (n,) + sum(((d, k) for d, k in zip(x.shape[1:4], self.size)), ()) + (c,)
        y = ag.broadcast_to(ag.reshape(x, spread), grown)
        y = ag.reshape(y, (n,) + tuple(d * k for d, k in zip(x.shape[1:4], self.size)) + (c,))
        return to_channels_first(y, self.data_format)

    compute_output_shape = UpSampling2D.compute_output_shape

    def get_config(self):
        return dict(super().get_config(), size=list(self.size), data_format=self.data_format)
