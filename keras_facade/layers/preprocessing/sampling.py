"""Image resampling for the preprocessing layers, differentiable with respect to the image.

Where to read depends only on shapes and random parameters, so numpy computes it (source
coordinates, neighbour indices, blend weights); the engine then gathers and blends the pixels, so
gradients reach the input. Definitions follow Keras 3:

* an affine ``transform`` ``(a0, a1, a2, b0, b1, b2)`` sends output pixel (x = column, y = row) to
  the input point ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``;
* 'bilinear' blends the neighbours ``floor(c)`` and ``floor(c) + 1`` of each coordinate c,
  'nearest' reads ``round(c)`` (halves to even);
* each neighbour index outside the image is mapped back per ``fill_mode``: 'reflect'
  ``dcba|abcd|dcba``, 'wrap' ``abcd|abcd|abcd``, 'nearest' ``aaaa|abcd|dddd``, 'constant'
  ``kkkk|abcd|kkkk`` (k = ``fill_value``; a blend near the border mixes k in);
* resizing reads output i at ``(i + 0.5) * n / size - 0.5`` (half-pixel centres, no antialias);
  'nearest' resizing reads ``floor((i + 0.5) * n / size)``.
"""
import numpy as np

import autograd_core as ag

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")


def check_choice(layer, name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{layer}: unknown `{name}` {value!r}; expected one of {allowed}")
    return value


def _reflect(index, n):
    """Mirror about the outer edges, edge pixels repeated (period 2n)."""
    index = index % (2 * n)
    return (2 * n - 1 - abs(2 * index - 2 * n + 1)) // 2


def _clamp(index, n):
    """The nearest edge pixel ('constant' reads it with weight 0 outside the image)."""
    return index.clip(0, n - 1)


def _mirror(index, n):
    """Mirror about the edge pixels, which are not repeated (period 2n - 2)."""
    period = max(2 * n - 2, 1)
    return abs((index + n - 1) % period - (n - 1)) if n > 1 else index * 0


INDEX_FIXERS = {"reflect": _reflect, "wrap": lambda index, n: index % n, "nearest": _clamp,
                "constant": _clamp, "mirror": _mirror}


def _taps(coords, n, fill_mode, interpolation):
    """[(index in [0, n), weight, inside or None)] of the neighbours read at ``coords``."""
    if interpolation == "nearest":
        pairs = [(np.round(coords), 1.0)]
    else:
        low = np.floor(coords)
        frac = coords - low
        pairs = [(low, 1.0 - frac), (low + 1, frac)]
    taps = []
    for index, weight in pairs:
        index = index.astype(np.intp)
        inside = (index >= 0) & (index < n) if fill_mode == "constant" else None
        taps.append((INDEX_FIXERS[fill_mode](index, n), weight, inside))
    return taps


def _constant(array, like):
    return ag.tensor(np.ascontiguousarray(array, dtype=like.dtype), device=like.device)


def sample(images, rows, cols, fill_mode="constant", interpolation="bilinear", fill_value=0.0):
    """Read ``images`` (n, h, w, c) at the source coordinates ``rows``/``cols`` (n, h', w').

    Returns (n, h', w', c) built from gathers and weighted sums of ``images``.
    """
    n, h, w, c = images.shape
    flat = ag.reshape(images, (n * h * w, c))
    base = (np.arange(n) * (h * w)).reshape(n, 1, 1)
    out, outside = None, 0.0
    for row, row_weight, row_inside in _taps(rows, h, fill_mode, interpolation):
        for col, col_weight, col_inside in _taps(cols, w, fill_mode, interpolation):
            weight = np.broadcast_to(row_weight * col_weight, rows.shape)
            if row_inside is not None:
                inside = row_inside & col_inside
                outside = outside + weight * ~inside
                weight = weight * inside
            term = flat[base + row * w + col] * _constant(weight[..., None], images)
            out = term if out is None else out + term
    if fill_mode == "constant" and fill_value != 0:
        out = out + _constant(outside[..., None] * fill_value, images)
    return out


def affine_coordinates(transforms, height, width):
    """Source (rows, cols), each (n, height, width), of the affine ``transforms`` (n, 6)."""
    transforms = np.asarray(transforms, dtype=np.float32).reshape(-1, 6, 1, 1)
    y = np.arange(height, dtype=np.float32).reshape(1, height, 1)
    x = np.arange(width, dtype=np.float32).reshape(1, 1, width)
    a0, a1, a2, b0, b1, b2 = (transforms[:, k] for k in range(6))
    return b0 * x + b1 * y + b2, a0 * x + a1 * y + a2


def affine_transform(images, transforms, fill_mode, interpolation, fill_value=0.0):
    """Warp ``images`` (n, h, w, c) by one affine transform (n, 6) per image."""
    rows, cols = affine_coordinates(transforms, images.shape[1], images.shape[2])
    return sample(images, rows, cols, fill_mode, interpolation, fill_value)


def _take(x, index, axis):
    return x[(slice(None),) * axis + (index,)]


def _cubic_weights(t, a=-0.75):
    """Weights of the neighbours at offsets -1, 0, 1, 2 from the left one, at fraction ``t``."""
    def near(d):  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def resize_axis(x, axis, size, interpolation="bilinear"):
    """Resize ``x`` along ``axis`` to ``size`` samples (half-pixel centres; 'bicubic': Keys'
    cubic convolution with a = -0.75, edge samples repeated)."""
    n = x.shape[axis]
    if n == size:
        return x
    scale = np.float32(n / size)
    centres = (np.arange(size, dtype=np.float32) + np.float32(0.5)) * scale
    if interpolation == "nearest":
        return _take(x, np.floor(centres).astype(np.intp).clip(0, n - 1), axis)
    src = centres - np.float32(0.5)
    if interpolation == "bilinear":
        src = src.clip(0, n - 1)
    low = np.floor(src)
    frac = src - low
    shape = [1] * x.ndim
    shape[axis] = size
    if interpolation == "bilinear":
        taps = [(low, 1 - frac), (low + 1, frac)]
    else:
        taps = [(low + k, weight) for k, weight in zip((-1, 0, 1, 2), _cubic_weights(frac))]
    out = None
    for index, weight in taps:
        term = _take(x, index.astype(np.intp).clip(0, n - 1), axis) * \
            _constant(weight.reshape(shape), x)
        out = term if out is None else out + term
    return out


def resize(images, height, width, interpolation="bilinear"):
    """Resize (n, h, w, c) images to (n, height, width, c)."""
    return resize_axis(resize_axis(images, 1, height, interpolation), 2, width, interpolation)
