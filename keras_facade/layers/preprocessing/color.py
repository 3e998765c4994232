"""Colour augmentation layers (Keras 3): RandomGrayscale, RandomHue, RandomSaturation,
RandomColorJitter, RandomColorDegeneration, RandomSharpness, RandomInvert, RandomPosterization,
Solarization, AutoContrast, Equalization.

Images are handled as (n, h, w, c) batches (see ``ImageLayer``); the colour conversions (luma
weights 0.2989, 0.587, 0.114; hexcone HSV) and the random draws follow Keras 3, so values agree
with it for the same parameters.
"""
import numpy as np

import autograd_core as ag

from .augmentation import RandomBrightness, RandomContrast, RandomImageLayer, _ColorLayer

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)


def check_value_range(layer, value_range):
    """``value_range`` as a sorted [low, high] list."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{layer}: `value_range` must be a pair [low, high], "
                         f"got value_range={value_range!r}")
    return sorted(value_range)


def rescale(x, source, target):
    """Map values linearly from the range ``source`` to the range ``target``."""
    if tuple(source) == tuple(target):
        return x
    unit = (x - float(source[0])) / float(source[1] - source[0])
    return unit * float(target[1] - target[0]) + float(target[0])


def _channels(x, layer, count=3):
    if x.shape[-1] != count:
        raise ValueError(f"{layer}: expected RGB images with {count} channels, got "
                         f"{x.shape[-1]} channels (image shape {tuple(x.shape)})")
    return x[..., 0], x[..., 1], x[..., 2]


def grayscale(x, layer="rgb_to_grayscale"):
    """Luma of (n, h, w, 3) images as (n, h, w, 1); one-channel images unchanged."""
    if x.shape[-1] == 1:
        return x
    r, g, b = _channels(x, layer)
    return ag.expand_dims(r * GRAY_WEIGHTS[0] + g * GRAY_WEIGHTS[1] + b * GRAY_WEIGHTS[2], -1)


def rgb_to_hsv(x, layer="rgb_to_hsv"):
    """(n, h, w, 3) RGB to hue, saturation, value (hue in [0, 1))."""
    eps = float(np.finfo(x.dtype).eps)
    x = ag.where(ag.abs(x) < eps, ag.zeros_like(x), x)
    r, g, b = _channels(x, layer)
    value = ag.maximum(ag.maximum(r, g), b)
    spread = value - ag.minimum(ag.minimum(r, g), b)
    ones, zeros = ag.ones_like(value), ag.zeros_like(value)
    saturation = ag.where(value > 0, spread / ag.where(value > 0, value, ones), zeros)
    norm = 1.0 / (6.0 * ag.where(spread > 0, spread, ones))
    hue = ag.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = ag.where(value == r, norm * (g - b), hue)
    hue = ag.where(spread > 0, hue, zeros) + ag.cast(hue < 0, x.dtype)
    return ag.stack([hue, saturation, value], axis=-1)


def hsv_to_rgb(x):
    """(n, h, w, 3) hue, saturation, value to RGB."""
    hue, saturation, value = x[..., 0], x[..., 1], x[..., 2]
    sector = ag.mod(hue, 1.0) * 6.0
    red = ag.clip(ag.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    green = ag.clip(2.0 - ag.abs(sector - 2.0), 0.0, 1.0)
    blue = ag.clip(2.0 - ag.abs(sector - 4.0), 0.0, 1.0)
    grey = 1.0 - saturation
    return ag.stack([value * (grey + saturation * c) for c in (red, green, blue)], axis=-1)


class _RangeLayer(_ColorLayer):
    """A colour layer with a sorted ``value_range`` and Keras' argument order."""

    BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, check_value_range(type(self).__name__, value_range), seed,
                         data_format=data_format, **kwargs)


class RandomGrayscale(RandomImageLayer):
    """Turn each image grey (luma repeated over the channels) with probability ``factor``."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: `factor` must be a number in [0, 1], "
                             f"got factor={factor!r}")
        self.factor = factor

    def _augment(self, x):
        apply = self._uniform(0, 1, (x.shape[0], 1, 1, 1)) < self.factor
        grey = ag.broadcast_to(grayscale(x, "RandomGrayscale"), x.shape)
        return ag.where(ag.tensor(apply, device=x.device), grey, x)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class RandomHue(_ColorLayer):
    """Rotate the hue of each image by ±(a draw from ``factor``)/2 of a turn (sign random)."""

    BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        check_value_range("RandomHue", value_range)
        super().__init__(factor, value_range, seed, data_format=data_format, **kwargs)

    def _augment(self, x):
        shift = self._sign(x.shape[0]) * self._uniform(*self.factor, x.shape[0]) * 0.5
        return self._shift_hue(x, ag.tensor(shift.reshape(-1, 1, 1).astype(x.dtype),
                                            device=x.device))

    def _shift_hue(self, x, shift):
        hsv = rgb_to_hsv(rescale(x, sorted(self.value_range), (0, 1)), "RandomHue")
        hue = hsv[..., 0] + shift
        hue = ag.where(hue > 1.0, hue - 1.0, hue)
        hue = ag.where(hue < 0.0, hue + 1.0, hue)
        rgb = hsv_to_rgb(ag.stack([hue, hsv[..., 1], hsv[..., 2]], axis=-1))
        return rescale(ag.clip(rgb, 0.0, 1.0), (0, 1), sorted(self.value_range))


class RandomSaturation(_RangeLayer):
    """Scale the saturation by f / (1 - f) for f drawn from ``factor`` in [-1, 1] (0.5 keeps it,
    1 saturates fully, 0 or less gives grey). As in Keras 3, the scaled saturation is clipped to
    ``value_range``."""

    BOUNDS = (-1, 1)

    def _augment(self, x):
        factor = self._uniform(*self.factor, x.shape[0])
        factor = factor / (1 - factor + 1e-7)
        hsv = rgb_to_hsv(x, "RandomSaturation")
        scale = ag.tensor(factor.reshape(-1, 1, 1).astype(x.dtype), device=x.device)
        saturation = ag.clip(hsv[..., 1] * scale, *self.value_range)
        return hsv_to_rgb(ag.stack([hsv[..., 0], saturation, hsv[..., 2]], axis=-1))


class RandomColorDegeneration(_RangeLayer):
    """Blend each image towards its greyscale version by a fraction drawn from ``factor``."""

    BOUNDS = (-1, 1)

    def _augment(self, x):
        factor = self._per_image(*self.factor, x)
        return self._clip(x + factor * (grayscale(x, "RandomColorDegeneration") - x))


def smooth3x3(x):
    """The 3x3 smoothing filter [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13, zero-padded, per channel."""
    h, w = x.shape[1], x.shape[2]
    padded = ag.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    total = None
    for dy in range(3):
        for dx in range(3):
            term = padded[:, dy:dy + h, dx:dx + w] * (5.0 if dy == dx == 1 else 1.0)
            total = term if total is None else total + term
    return total * (1.0 / 13.0)


class RandomSharpness(_RangeLayer):
    """Move each image away from (or towards) a smoothed copy: with f drawn from ``factor``,
    ``x + (1 - 2 f) (smooth(x) - x)``; f = 0.5 keeps the image."""

    def _augment(self, x):
        factor = self._per_image(*self.factor, x) * 2.0
        return self._clip(x + (1.0 - factor) * (smooth3x3(x) - x))


class RandomInvert(_ColorLayer):
    """Replace x by ``value_range[1] - x`` in an image with probability p, where p itself is
    drawn from ``factor`` per image."""

    BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        check_value_range("RandomInvert", value_range)
        super().__init__(factor, value_range, seed, data_format=data_format, **kwargs)

    def _augment(self, x):
        apply = self._chance(self.factor, x.shape[0])
        return ag.where(ag.tensor(apply.reshape(-1, 1, 1, 1), device=x.device),
                        float(self.value_range[1]) - x, x)


class RandomPosterization(_RangeLayer):
    """Keep only the top b bits of each 8-bit value, b an integer in [factor[0], factor[1])
    (b = factor when the range is a single value). Not differentiable (integer rounding)."""

    BOUNDS = (1, 8)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, value_range, data_format, seed, **kwargs)
        self.factor = tuple(int(f) for f in self.factor)

    def _augment(self, x):
        low, high = (int(f) for f in self.factor)
        bits = np.full(x.shape[0], low) if low == high else \
            self.generator().integers(low, high, x.shape[0])
        shift = ag.tensor((8 - bits).reshape(-1, 1, 1, 1).astype("uint8"), device=x.device)
        pixels = ag.cast(rescale(x, self.value_range, (0, 255)), "uint8")
        pixels = ag.left_shift(ag.right_shift(pixels, shift), shift)
        return rescale(ag.cast(pixels, x.dtype), (0, 255), self.value_range)


def _unit_factor(layer, name, factor):
    """Solarization's factors: a number f in [0, 1] gives (0, f), a pair is sorted."""
    values = list(factor) if isinstance(factor, (tuple, list)) else [0, factor]
    if len(values) != 2 or not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in values):
        raise ValueError(f"{layer}: `{name}` must be a number or a pair of numbers in [0, 1], "
                         f"got {name}={factor!r}")
    return tuple(sorted(values))


class Solarization(RandomImageLayer):
    """On the 0-255 scale, add a random ``addition`` and invert (255 - x) the values at or above
    a random ``threshold``. As in Keras 3, each draw is uniform in
    [factor[0], factor[1] * 255] for both factors."""

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _unit_factor("Solarization", "addition_factor", addition_factor)
        self.threshold_factor = _unit_factor("Solarization", "threshold_factor",
                                             threshold_factor)
        self.value_range = check_value_range("Solarization", value_range)

    def _augment(self, x):
        def draw(factor):
            values = self._uniform(factor[0], factor[1] * 255, (x.shape[0], 1, 1, 1))
            return ag.tensor(values.astype(x.dtype), device=x.device)
        additions, thresholds = draw(self.addition_factor), draw(self.threshold_factor)
        y = ag.clip(rescale(x, self.value_range, (0, 255)) + additions, 0.0, 255.0)
        y = ag.where(y < thresholds, y, 255.0 - y)
        return rescale(y, (0, 255), self.value_range)

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range,
                    addition_factor=self.addition_factor, threshold_factor=self.threshold_factor)


def _unseeded(config):
    """The config of a deterministic layer: no seed."""
    config.pop("seed", None)
    return config


class AutoContrast(RandomImageLayer):
    """Stretch each image's channels to the full ``value_range`` (min to low, max to high);
    a constant channel is left unchanged. Applied in training and at inference."""

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range("AutoContrast", value_range)

    def call(self, inputs, training=True):
        return super().call(inputs, training=True)

    def _augment(self, x):
        y = rescale(x, self.value_range, (0, 255))
        low = ag.min(y, axis=(1, 2), keepdims=True)
        high = ag.max(y, axis=(1, 2), keepdims=True)
        constant = ag.broadcast_to(high == low, x.shape)
        spread = ag.where(high == low, ag.ones_like(high), high - low)
        y = ag.clip((y - low) * (255.0 / spread), 0.0, 255.0)
        return ag.where(constant, x, rescale(y, (0, 255), self.value_range))

    def get_config(self):
        return dict(_unseeded(super().get_config()), value_range=self.value_range)


class Equalization(RandomImageLayer):
    """Histogram equalisation per channel (histogram over the whole batch, ``bins`` bins on the
    0-255 scale), in training mode as in Keras 3. The output is piecewise constant in the input:
    its gradient is zero."""

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = int(bins)
        self.value_range = check_value_range("Equalization", value_range)

    def _equalize(self, channel):
        """(levels, indices): the 0-255 output levels and, per value, which one it takes."""
        values = np.asarray(channel, np.float32)
        hist_index = np.trunc(values * (self.bins - 1) / 255.0).clip(0, self.bins - 1)
        hist = np.bincount(hist_index.astype(np.intp).ravel(), minlength=self.bins)
        if np.count_nonzero(hist) <= 1:
            return None
        cdf = hist.cumsum()
        cdf_min = cdf[np.nonzero(cdf)[0][0]]
        levels = ((cdf - cdf_min) * 255 / max(cdf[-1] - cdf_min, 1)).round().clip(0, 255)
        index = (values / 255.0 * (self.bins - 1)).clip(0, self.bins - 1).astype(np.intp)
        return levels, index

    def _augment(self, x):
        y = rescale(x, self.value_range, (0, 255))
        data = y.numpy()
        channels = []
        for c in range(x.shape[-1]):
            found = self._equalize(data[..., c])
            if found is None:
                channels.append(y[..., c])
                continue
            levels = ag.tensor(found[0].astype(x.dtype), device=x.device)
            channels.append(levels[found[1]])
        return rescale(ag.stack(channels, axis=-1), (0, 255), self.value_range)

    def get_config(self):
        return dict(_unseeded(super().get_config()), bins=self.bins,
                    value_range=self.value_range)


class RandomColorJitter(RandomImageLayer):
    """RandomBrightness, RandomContrast, RandomSaturation and RandomHue in this order, each only
    when its factor is given; all draw from this layer's generator."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        steps = [(RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor)]
        self._steps = self._own([cls(factor, value_range=value_range) for cls, factor in steps
                                 if factor is not None])

    def _augment(self, x):
        for step in self._steps:
            x = step._augment(x)
        return x

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range,
                    brightness_factor=self.brightness_factor,
                    contrast_factor=self.contrast_factor,
                    saturation_factor=self.saturation_factor, hue_factor=self.hue_factor)
