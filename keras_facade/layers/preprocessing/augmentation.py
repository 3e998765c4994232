"""Random image augmentation layers (active in training mode, the identity at inference):
RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop, RandomContrast,
RandomBrightness.

Each draws its random parameters with numpy (its own generator when ``seed`` is given) and applies
them with engine ops, so gradients flow to the input.
"""
import math

import numpy as np

import autograd_core as ag

from ... import backend
from ..core import _Seeded
from . import sampling
from .image import ImageLayer, SizedImageLayer


def _factor_error(layer, name, bounds, factor):
    return ValueError(f"{layer}: `{name}` must be a number or a pair of numbers in the range "
                      f"{bounds}, got {name}={factor!r}")


def symmetric_factor(layer, name, factor, low, high):
    """(lower, upper) of a factor in [low, high]: a number f gives (max(-|f|, low), |f|), a pair
    is sorted."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > high or factor[1] < low:
            raise _factor_error(layer, name, f"[{low}, {high}]", factor)
        return tuple(sorted(float(f) for f in factor))
    if not isinstance(factor, (int, float)) or not low <= factor <= high:
        raise _factor_error(layer, name, f"[{low}, {high}]", factor)
    return max(-abs(float(factor)), low), abs(float(factor))


def fraction_factor(layer, name, factor, open_low):
    """(lower, upper) of a fraction of the image size: each number in [-1, 1] ((-1, 1] when
    ``open_low``); a number f gives (-|f|, |f|)."""
    values = list(factor) if isinstance(factor, (tuple, list)) else [factor]
    bounds = "(-1.0, 1.0]" if open_low else "[-1.0, 1.0]"
    if len(values) not in (1, 2) or not all(isinstance(v, (int, float)) and
                                            (-1 < v if open_low else -1 <= v) and v <= 1
                                            for v in values):
        raise _factor_error(layer, name, bounds, factor)
    if len(values) == 1:
        return -abs(float(factor)), abs(float(factor))
    return tuple(sorted(float(v) for v in values))


class RandomImageLayer(ImageLayer, _Seeded):
    """An image layer that transforms each image of a batch randomly while training.

    As in Keras 3, a call without a training flag (none given, by an enclosing call either, and
    no learning phase set) transforms: ``dataset.map(lambda x, y: (augment(x), y))`` augments.
    ``predict`` and ``training=False`` give the identity. A dict ``{"images": ..., ...}`` gets
    its images transformed, the other entries passed through.
    """

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)

    def _uniform(self, low, high, size):
        return self.generator().uniform(low, high, size=size)

    def _own(self, layers):
        """``layers``, made to draw from this layer's generator (for composite layers)."""
        for layer in layers:
            layer.generator = self.generator
        return layers

    def _sign(self, n):
        """A random sign per image: -1 where a uniform draw exceeds 1/2."""
        return 1.0 - 2.0 * (self._uniform(0, 1, n) > 0.5)

    def _chance(self, factor, n):
        """Which of ``n`` images to change: each with a probability drawn from ``factor``."""
        probability = self._uniform(factor[0], factor[1], n)
        return self._uniform(0, 1, n) < probability

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):  # {"images": ..., "labels": ...}: the images change
            return dict(inputs, images=self.call(inputs["images"], training))
        if not training:
            return inputs
        return self._from_nhwc(self._augment(self._to_nhwc(inputs)), inputs.ndim)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), seed=self.seed)


class RandomFlip(RandomImageLayer):
    """Flip each image with probability 1/2: left-right ('horizontal'), upside down ('vertical')
    or, with the same draw, both ('horizontal_and_vertical')."""

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = sampling.check_choice("RandomFlip", "mode", mode, self.MODES)

    def _augment(self, x):
        flips = ag.tensor(self._uniform(0, 1, (x.shape[0], 1, 1, 1)) <= 0.5, device=x.device)
        axes = {"horizontal": (2,), "vertical": (1,), "horizontal_and_vertical": (2, 1)}[self.mode]
        for axis in axes:
            x = ag.where(flips, ag.flip(x, axis), x)
        return x

    def get_config(self):
        return dict(super().get_config(), mode=self.mode)


class _AffineLayer(RandomImageLayer):
    """Random affine warps: ``_transforms(n, height, width)`` gives one (a0, a1, a2, b0, b1, b2)
    per image (see ``sampling``)."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.fill_mode = sampling.check_choice(name, "fill_mode", fill_mode, sampling.FILL_MODES)
        self.interpolation = sampling.check_choice(name, "interpolation", interpolation,
                                                   sampling.INTERPOLATIONS)
        self.fill_value = fill_value

    def _augment(self, x):
        transforms = self._transforms(x.shape[0], x.shape[1], x.shape[2])
        return sampling.affine_transform(x, transforms, self.fill_mode, self.interpolation,
                                         self.fill_value)

    def get_config(self):
        return dict(super().get_config(), fill_mode=self.fill_mode, fill_value=self.fill_value,
                    interpolation=self.interpolation)


def rotation_transforms(angles, height, width):
    """Rotations by ``angles`` (degrees, counter-clockwise) about the image centre, (n, 6)."""
    theta = [math.radians(a) for a in np.ravel(angles)]
    cos = np.array([math.cos(t) for t in theta])
    sin = np.array([math.sin(t) for t in theta])
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    return np.stack([cos, -sin, cx - cx * cos + cy * sin,
                     sin, cos, cy - cx * sin - cy * cos], axis=-1)


def zoom_transforms(width_zoom, height_zoom, height, width):
    """Zooms about the image centre, (n, 6); a zoom above 1 shows more of the image."""
    zx, zy = np.asarray(width_zoom, np.float64), np.asarray(height_zoom, np.float64)
    zeros = np.zeros_like(zx)
    return np.stack([zx, zeros, (width - 1) / 2 * (1 - zx),
                     zeros, zy, (height - 1) / 2 * (1 - zy)], axis=-1)


def translation_transforms(dx, dy):
    """Shifts by ``dx`` columns and ``dy`` rows, (n, 6)."""
    dx, dy = np.asarray(dx, np.float64), np.asarray(dy, np.float64)
    ones, zeros = np.ones_like(dx), np.zeros_like(dx)
    return np.stack([ones, zeros, -dx, zeros, ones, -dy], axis=-1)


class RandomRotation(_AffineLayer):
    """Rotate each image by a random angle drawn from ``factor`` (fractions of a full turn,
    positive = counter-clockwise); ``factor=f`` means [-f, f]."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = symmetric_factor("RandomRotation", "factor", factor, -1, 1)

    def _transforms(self, n, height, width):
        angles = self._uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, n)
        return rotation_transforms(angles, height, width)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class RandomZoom(_AffineLayer):
    """Zoom each image by 1 + a factor drawn from ``height_factor`` (and ``width_factor``, else
    the same zoom both ways); positive factors zoom out, negative zoom in."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = fraction_factor("RandomZoom", "height_factor", height_factor, True)
        self.width_range = None if width_factor is None else \
            fraction_factor("RandomZoom", "width_factor", width_factor, True)

    def _transforms(self, n, height, width):
        height_zoom = 1.0 + self._uniform(*self.height_range, n)
        width_zoom = height_zoom if self.width_range is None else \
            1.0 + self._uniform(*self.width_range, n)
        return zoom_transforms(width_zoom, height_zoom, height, width)

    def get_config(self):
        return dict(super().get_config(), height_factor=self.height_factor,
                    width_factor=self.width_factor)


class RandomTranslation(_AffineLayer):
    """Shift each image by fractions of its height and width drawn from ``height_factor`` and
    ``width_factor`` (positive = down / right)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = fraction_factor("RandomTranslation", "height_factor", height_factor,
                                            False)
        self.width_range = fraction_factor("RandomTranslation", "width_factor", width_factor,
                                           False)

    def _transforms(self, n, height, width):
        dy = self._uniform(*self.height_range, n) * height
        dx = self._uniform(*self.width_range, n) * width
        return translation_transforms(dx, dy)

    def get_config(self):
        return dict(super().get_config(), height_factor=self.height_factor,
                    width_factor=self.width_factor)


class RandomCrop(SizedImageLayer, RandomImageLayer):
    """A random (height, width) window, the same for the whole batch, while training; at
    inference (or when the image is not larger than the window) the centred crop with the
    target aspect ratio, resized to (height, width)."""

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        if seed is None:  # stored in the config, so a reloaded layer draws the same crops
            seed = int(backend.rng().integers(2 ** 31 - 1))
        super().__init__(height=height, width=width, seed=seed, data_format=data_format,
                         name=name, **kwargs)

    def call(self, inputs, training=True):
        h, w = self._image_size(inputs.shape)
        if not training or h <= self.height or w <= self.width:
            return self._crop(inputs, None)
        return self._crop(inputs, (int(self._uniform(0, h - self.height + 1, None)),
                                   int(self._uniform(0, w - self.width + 1, None))))


class _ColorLayer(RandomImageLayer):
    """Per-image random colour changes clipped to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(f"{type(self).__name__}: `value_range` must be a pair [low, high], "
                             f"got value_range={value_range!r}")
        self.value_range = value_range
        self.factor = symmetric_factor(type(self).__name__, "factor", factor, *self.BOUNDS)

    def _per_image(self, low, high, x):
        values = self._uniform(low, high, (x.shape[0], 1, 1, 1))
        return ag.tensor(values.astype(x.dtype), device=x.device)

    def _clip(self, x):
        low, high = sorted(self.value_range)
        return ag.clip(x, low, high)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, value_range=self.value_range)


class RandomContrast(_ColorLayer):
    """``(x - mean) * c + mean`` per image and channel (mean over height and width), c drawn from
    [1 - factor[0], 1 + factor[1]]; ``factor=f`` is stored as (0, f), as Keras 3 does."""

    BOUNDS = (0, 1)

    def _augment(self, x):
        contrast = self._per_image(1.0 - self.factor[0], 1.0 + self.factor[1], x)
        mean = ag.mean(x, axis=(1, 2), keepdims=True)
        return self._clip((x - mean) * contrast + mean)


class RandomBrightness(_ColorLayer):
    """Add one random delta per image, ``factor`` times the width of ``value_range``."""

    BOUNDS = (-1, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed, **kwargs)
        self.value_range = sorted(value_range)

    def _augment(self, x):
        low, high = self.value_range
        delta = self._per_image(self.factor[0] * (high - low), self.factor[1] * (high - low), x)
        return self._clip(x + delta)
