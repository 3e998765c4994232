"""``keras.ops.image``: resizing, colour conversions, padding and cropping, geometric transforms,
patches and filters, computed with ``autograd_core`` so gradients reach the images. Images are
(h, w, c) or batches (n, h, w, c), channels-last unless ``data_format`` says otherwise. Where to
read (coordinates, neighbour indices) is computed with numpy; the engine gathers and blends."""
import itertools

import numpy as np

import autograd_core as ag

from .. import backend
from ..layers.preprocessing import sampling
from ..layers.preprocessing.image import crop_box, pad_to_aspect
from .nn import (check_rank, constant, depthwise_conv, from_last, layout, public, real,
                 tensor, to_last, window_taps)

__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
           "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
           "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
           "scale_and_translate", "sobel_edges", "ssim"]


def _batch(op, images, fmt, ranks=(3, 4)):
    """(channels-last batch of ``images``, function that restores the caller's layout)."""
    x, fmt = tensor(images), layout(fmt)
    check_rank("image." + op, x, ranks, f"a rank {ranks[0]} image or a rank {ranks[1]} batch")
    single = x.ndim == ranks[0]
    x = to_last(ag.expand_dims(x, 0) if single else x, fmt)

    def restore(y):
        y = from_last(y, fmt)
        return y[0] if single else y
    return x, restore


def _as_dtype(y, dtype):
    """``y`` in the images' dtype (integer images: rounded first)."""
    if np.dtype(dtype).kind in "iub":
        return ag.round(y).astype(dtype)
    return y.astype(dtype)


def _planes(op, images, fmt):
    """The three colour planes of float images, and a function stacking three planes back."""
    x = tensor(images)
    if x.dtype.kind != "f":
        raise ValueError(f"keras.ops.image.{op}: images must have a float dtype, got {x.dtype}")
    check_rank("image." + op, x, (3, 4), "a rank 3 image or a rank 4 batch")
    axis = x.ndim - 1 if layout(fmt) == "channels_last" else x.ndim - 3
    if x.shape[axis] != 3:
        raise ValueError(f"keras.ops.image.{op}: images must have 3 channels, got shape "
                         f"{tuple(x.shape)}")
    planes = [ag.getitem(x, (slice(None),) * axis + (i,)) for i in range(3)]
    return planes, lambda a, b, c: ag.stack([a, b, c], axis=axis)


# ---------------------------------------------------------------- resize, colours

@public
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize to ``size`` (height, width) (half-pixel centres), optionally after a centre crop
    or an even padding to the target's aspect ratio."""
    op = "keras.ops.image.resize"
    sampling.check_choice(op, "interpolation", interpolation, sampling.RESIZE_INTERPOLATIONS)
    if len(tuple(size)) != 2:
        raise ValueError(f"{op}: size must be (height, width), got {size!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{op}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can "
                         f"be True")
    if fill_mode != "constant":
        raise ValueError(f"{op}: fill_mode must be 'constant', got {fill_mode!r}")
    x, restore = _batch("resize", images, data_format)
    height, width = (int(s) for s in size)
    dtype, x = x.dtype, real(x)
    if crop_to_aspect_ratio:
        top, left, rows, cols = crop_box(x.shape[1], x.shape[2], height, width)
        x = x[:, top:top + rows, left:left + cols]
    elif pad_to_aspect_ratio:
        x = pad_to_aspect(x, height, width, fill_value)
    if antialias and interpolation != "nearest" and (height < x.shape[1] or width < x.shape[2]):
        # a filter widened by the downscaling factor: scale_and_translate's kernels
        y = _rescale(x, (x.shape[0], height, width, x.shape[3]), (1, 2),
                     [height / x.shape[1], width / x.shape[2]], [0.0, 0.0],
                     "linear" if interpolation == "bilinear" else "cubic", True)
    else:
        y = sampling.resize(x, height, width, interpolation)
    if interpolation == "bicubic" and dtype == np.uint8:
        y = ag.clip(y, 0.0, 255.0)
    return restore(_as_dtype(y, dtype))


_GRAY = (0.2989, 0.587, 0.114)


@public
def rgb_to_grayscale(images, data_format=None):
    """0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of size 1 and the images' dtype."""
    x = tensor(images)
    check_rank("image.rgb_to_grayscale", x, (3, 4), "a rank 3 image or a rank 4 batch")
    axis = x.ndim - 1 if layout(data_format) == "channels_last" else x.ndim - 3
    if x.shape[axis] not in (1, 3):
        raise ValueError(f"keras.ops.image.rgb_to_grayscale: images must have 1 or 3 channels, "
                         f"got shape {tuple(x.shape)}")
    if x.shape[axis] == 1:
        return x
    shape = [1] * x.ndim
    shape[axis] = 3
    weights = constant(np.array(_GRAY, dtype=real(x).dtype).reshape(shape), x)
    return ag.sum(real(x) * weights, axis=axis, keepdims=True).astype(x.dtype)


@public
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to hue, saturation, value in [0, 1]."""
    (r, g, b), stack = _planes("rgb_to_hsv", images, data_format)
    eps = float(np.finfo(r.dtype).eps)
    r, g, b = (ag.where(ag.abs(p) < eps, 0.0, p) for p in (r, g, b))
    value = ag.maximum(ag.maximum(r, g), b)
    spread = value - ag.minimum(ag.minimum(r, g), b)
    saturation = ag.where(value > 0, spread / ag.where(value > 0, value, 1.0), 0.0)
    scale = 1.0 / (6.0 * ag.where(spread > 0, spread, 1.0))
    hue = ag.where(value == g, scale * (b - r) + 2.0 / 6.0, scale * (r - g) + 4.0 / 6.0)
    hue = ag.where(value == r, scale * (g - b), hue)
    hue = ag.where(spread > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return stack(hue, saturation, value)


@public
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value in [0, 1] to RGB."""
    (hue, saturation, value), stack = _planes("hsv_to_rgb", images, data_format)
    sector = (hue - ag.floor(hue)) * 6.0
    red = ag.clip(ag.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    green = ag.clip(2.0 - ag.abs(sector - 2.0), 0.0, 1.0)
    blue = ag.clip(2.0 - ag.abs(sector - 4.0), 0.0, 1.0)
    return stack(*(value * (1.0 - saturation + saturation * c) for c in (red, green, blue)))


# ---------------------------------------------------------------- pad and crop

def _margins(op, names, n, before, after, target, grow):
    """(before, after) of one axis from two of ``names`` (before, after, target size): the
    images grow to the target (padding) or shrink to it (cropping)."""
    given = (before, after, target)
    if given.count(None) != 1 or any(v < 0 for v in given if v is not None):
        raise ValueError(f"keras.ops.image.{op}: give exactly two of {', '.join(names)} (each "
                         f">= 0), got {before}, {after}, {target}")
    if target is not None:
        total = target - n if grow else n - target
        before = total - after if before is None else before
        after = total - before if after is None else after
    if min(before, after) < 0 or (not grow and before + after > n):
        raise ValueError(f"keras.ops.image.{op}: {', '.join(names)} = {before}, {after}, "
                         f"{target} do not fit an axis of size {n}")
    return before, after


def _box(op, images, kind, top, left, bottom, right, target_height, target_width, fmt):
    """(batch, restore, (top, bottom), (left, right)) of a pad_images / crop_images call."""
    x, restore = _batch(op, images, fmt)
    grow = kind == "padding"
    rows = _margins(op, (f"top_{kind}", f"bottom_{kind}", "target_height"), x.shape[1], top,
                    bottom, target_height, grow)
    cols = _margins(op, (f"left_{kind}", f"right_{kind}", "target_width"), x.shape[2], left,
                    right, target_width, grow)
    return x, restore, rows, cols


@public
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad; two of (top, bottom, target_height) and two of (left, right, target_width)."""
    x, restore, rows, cols = _box("pad_images", images, "padding", top_padding, left_padding,
                                  bottom_padding, right_padding, target_height, target_width,
                                  data_format)
    return restore(ag.pad(x, ((0, 0), rows, cols, (0, 0))))


@public
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop; two of (top, bottom, target_height) and two of (left, right, target_width)."""
    x, restore, rows, cols = _box("crop_images", images, "cropping", top_cropping, left_cropping,
                                  bottom_cropping, right_cropping, target_height, target_width,
                                  data_format)
    return restore(x[:, rows[0]:x.shape[1] - rows[1], cols[0]:x.shape[2] - cols[1]])


# ---------------------------------------------------------------- geometric transforms

_INTERPOLATION_ORDER = {"nearest": 0, "bilinear": 1}


@public
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warp by one transform (a0, a1, a2, b0, b1, b2, c0, c1) per image: output pixel (x, y)
    reads the input at (a0 x + a1 y + a2, b0 x + b1 y + b2) (c0, c1 are not used)."""
    op = "keras.ops.image.affine_transform"
    sampling.check_choice(op, "interpolation", interpolation, tuple(_INTERPOLATION_ORDER))
    sampling.check_choice(op, "fill_mode", fill_mode, tuple(sampling.INDEX_FIXERS))
    x, restore = _batch("affine_transform", images, data_format)
    transforms = np.asarray(tensor(transform).numpy(), dtype=np.float32)
    if transforms.ndim not in (1, 2) or transforms.shape[-1] != 8:
        raise ValueError(f"{op}: transform must have shape (8,) or (batch, 8), got "
                         f"{transforms.shape}")
    transforms = np.broadcast_to(transforms.reshape(-1, 8), (x.shape[0], 8))[:, :6]
    y = sampling.affine_transform(real(x), transforms, fill_mode, interpolation,
                                  float(fill_value))
    return restore(_as_dtype(y, x.dtype))


def _homographies(start_points, end_points, batch):
    """(batch, 8) projective maps sending each output corner in ``end_points`` to the matching
    input corner in ``start_points`` (both (4, 2) or (batch, 4, 2) (x, y) points)."""
    op = "keras.ops.image.perspective_transform"
    start = np.asarray(tensor(start_points).numpy(), dtype=np.float64)
    end = np.asarray(tensor(end_points).numpy(), dtype=np.float64)
    if start.shape != end.shape or start.shape[-2:] != (4, 2) or start.ndim not in (2, 3):
        raise ValueError(f"{op}: start_points and end_points must both have shape (4, 2) or "
                         f"(batch, 4, 2), got {start.shape} and {end.shape}")
    start, end = start.reshape(-1, 4, 2), end.reshape(-1, 4, 2)
    maps = []
    for s, e in zip(start, end):
        rows = []
        for (sx, sy), (ex, ey) in zip(s, e):
            rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
            rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        maps.append(np.linalg.solve(np.array(rows), s.reshape(-1)))
    return np.broadcast_to(np.array(maps), (batch, 8))


@public
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp so that the four ``start_points`` (x, y) land on the ``end_points``; outside
    pixels take ``fill_value``."""
    sampling.check_choice("keras.ops.image.perspective_transform", "interpolation",
                          interpolation, tuple(_INTERPOLATION_ORDER))
    x, restore = _batch("perspective_transform", images, data_format)
    n, height, width = x.shape[:3]
    h = _homographies(start_points, end_points, n)[:, :, None, None]
    cols = np.arange(width, dtype=np.float64)[None, None, :]
    rows = np.arange(height, dtype=np.float64)[None, :, None]
    denominator = h[:, 6] * cols + h[:, 7] * rows + 1.0
    src_cols = (h[:, 0] * cols + h[:, 1] * rows + h[:, 2]) / denominator
    src_rows = (h[:, 3] * cols + h[:, 4] * rows + h[:, 5]) / denominator
    y = sampling.sample(real(x), src_rows.astype(np.float32), src_cols.astype(np.float32),
                        "constant", interpolation, float(fill_value))
    return restore(_as_dtype(y, x.dtype))


@public
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Displace every pixel by a random field: Gaussian noise (scaled by ``sigma``) blurred with
    a Gaussian of ``sigma`` (window int(6 sigma) | 1), times ``alpha``."""
    op = "keras.ops.image.elastic_transform"
    sampling.check_choice(op, "interpolation", interpolation, tuple(_INTERPOLATION_ORDER))
    sampling.check_choice(op, "fill_mode", fill_mode, tuple(sampling.INDEX_FIXERS))
    x, restore = _batch("elastic_transform", images, data_format)
    n, height, width = x.shape[:3]
    size = int(6 * sigma) | 1
    noise = backend.rng(seed).normal(size=(n, height, width, 2)) * sigma
    field = gaussian_blur(noise.astype(np.float32), (size, size), (sigma, sigma),
                          "channels_last").numpy() * alpha
    rows = np.arange(height, dtype=np.float32)[None, :, None] + field[..., 1]
    cols = np.arange(width, dtype=np.float32)[None, None, :] + field[..., 0]
    y = sampling.sample(real(x), rows, cols, fill_mode, interpolation, float(fill_value))
    return restore(_as_dtype(y, x.dtype))


def _lanczos(radius):
    def kernel(x):
        safe = np.where(x > 1e-3, x, 1.0)
        y = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi * safe) ** 2
        return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))
    return kernel


def _keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5."""
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


_SCALE_KERNELS = {"linear": lambda x: np.maximum(0.0, 1.0 - x), "cubic": _keys_cubic,
                  "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}
_SCALE_METHODS = {"linear": "linear", "bilinear": "linear", "trilinear": "linear",
                  "triangle": "linear", "cubic": "cubic", "bicubic": "cubic",
                  "tricubic": "cubic", "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def _scale_weights(n_in, n_out, scale, translation, kernel, antialias):
    """(n_in, n_out) resampling weights: output i samples the input at
    (i + 0.5 - translation) / scale - 0.5, the kernel widened by 1 / scale when downscaling."""
    width = max(1.0 / scale, 1.0) if antialias else 1.0
    src = (np.arange(n_out) + 0.5 - translation) / scale - 0.5
    weights = kernel(np.abs(src[None, :] - np.arange(n_in)[:, None]) / width)
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                       weights / np.where(total != 0, total, 1.0), 0.0)
    return np.where((src >= -0.5) & (src <= n_in - 0.5), weights, 0.0)


def _rescale(x, output_shape, dims, scale, translation, method, antialias):
    """Float images resampled along each of ``dims`` by one weight matrix."""
    for d, s, t in zip(dims, scale, translation):
        kernel = _SCALE_KERNELS[_SCALE_METHODS[method]]
        w = _scale_weights(x.shape[d], output_shape[d], s, t, kernel, antialias)
        x = ag.moveaxis(ag.tensordot(x, constant(w.astype(x.dtype), x), axes=([d], [0])), -1, d)
    return x


@public
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample ``spatial_dims`` to ``output_shape`` by a scale and a translation per axis,
    with a 'linear', 'cubic' or Lanczos kernel (widened to antialias when downscaling)."""
    op = "keras.ops.image.scale_and_translate"
    sampling.check_choice(op, "method", method, tuple(_SCALE_METHODS))
    x = tensor(images)
    scale = np.asarray(tensor(scale).numpy(), dtype=np.float64).reshape(-1)
    translation = np.asarray(tensor(translation).numpy(), dtype=np.float64).reshape(-1)
    dims = [d % x.ndim for d in spatial_dims]
    if len(output_shape) != x.ndim or not len(scale) == len(translation) == len(dims):
        raise ValueError(f"{op}: output_shape needs one size per axis of {tuple(x.shape)} and "
                         f"scale/translation one value per spatial dim {tuple(spatial_dims)}, "
                         f"got {tuple(output_shape)}, {scale.tolist()}, {translation.tolist()}")
    y = _rescale(real(x), output_shape, dims, scale, translation, method, antialias)
    if x.dtype.kind in "iub":
        low, high = float(ag.min(x).numpy()), float(ag.max(x).numpy())
        return ag.clip(ag.round(y), low, high).astype(x.dtype)
    return y


def _axis_taps(coordinate, n, order, fill_mode):
    """[(index in [0, n), weight, inside or None)] of the neighbours each coordinate reads; the
    linear weights are engine values, so gradients reach the coordinates."""
    if order == 0:
        pairs = [(np.round(coordinate.numpy()).astype(np.int64), None)]
    else:
        low = ag.floor(coordinate)
        frac = coordinate - low
        index = low.numpy().astype(np.int64)
        pairs = [(index, 1.0 - frac), (index + 1, frac)]
    return [(sampling.INDEX_FIXERS[fill_mode](index, n), weight,
             (index >= 0) & (index < n) if fill_mode == "constant" else None)
            for index, weight in pairs]


@public
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Read ``inputs`` at ``coordinates`` (one array of points per input axis) with
    nearest (order 0) or linear (order 1) interpolation; outside points follow ``fill_mode``."""
    op = "keras.ops.image.map_coordinates"
    if order not in (0, 1):
        raise ValueError(f"{op}: order must be 0 or 1, got {order!r}")
    sampling.check_choice(op, "fill_mode", fill_mode, tuple(sampling.INDEX_FIXERS))
    x = tensor(inputs)
    coords = [real(c) for c in coordinates]
    if len(coords) != x.ndim or coords[0].ndim < 1:
        raise ValueError(f"{op}: coordinates must hold one array (rank >= 1) per input axis "
                         f"({x.ndim}), got {len(coords)} arrays for input {tuple(x.shape)}")
    flat = ag.reshape(real(x), (-1,))
    strides = np.cumprod((x.shape[1:] + (1,))[::-1])[::-1]
    out = None
    for taps in itertools.product(*(_axis_taps(c, n, order, fill_mode)
                                    for c, n in zip(coords, x.shape))):
        index = sum(i * s for (i, _, _), s in zip(taps, strides))
        value = flat[np.asarray(index)]
        insides = [inside for _, _, inside in taps if inside is not None]
        if insides:
            value = ag.where(constant(np.logical_and.reduce(insides), x), value, float(fill_value))
        for _, weight, _ in taps:
            if weight is not None:
                value = value * weight
        out = value if out is None else out + value
    return _as_dtype(out, x.dtype)


# ---------------------------------------------------------------- patches and filters

def _same_pads(sizes, kernel, strides, dilation):
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _patches(op, images, size, strides, dilation_rate, padding, data_format, rank):
    """Patches over ``rank`` spatial axes, flattened in (taps..., channels) order."""
    x, restore = _batch(op, images, data_format, (rank + 1, rank + 2))
    kernel = (size,) * rank if isinstance(size, int) else tuple(size)
    strides = kernel if not strides else (strides,) * rank if isinstance(strides, int) \
        else tuple(strides)
    dilation = (dilation_rate,) * rank if isinstance(dilation_rate, int) else tuple(dilation_rate)
    if not len(kernel) == len(strides) == len(dilation) == rank:
        raise ValueError(f"keras.ops.image.{op}: size, strides and dilation_rate need {rank} "
                         f"values, got {size}, {strides}, {dilation_rate}")
    sampling.check_choice(f"keras.ops.image.{op}", "padding", padding, ("valid", "same"))
    if padding == "same":
        x = ag.pad(x, [(0, 0)] + _same_pads(x.shape[1:-1], kernel, strides, dilation) + [(0, 0)])
    views, outs = window_taps(x, kernel, strides, dilation, tuple(range(1, rank + 1)))
    patches = ag.stack(views, axis=-2)
    return restore(ag.reshape(patches, (x.shape[0],) + tuple(outs) + (-1,)))


@public
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """(n, h, w, c) -> (n, h', w', kh * kw * c): each window flattened (rows, cols, channels);
    a 3-element ``size`` extracts 3-D patches."""
    if not isinstance(size, int) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                    data_format, 2)


@public
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """(n, d, h, w, c) -> (n, d', h', w', kd * kh * kw * c)."""
    return _patches("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                    data_format, 3)


def _gaussian(size, sigma):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


def _depthwise_filter(x, kernel, pads):
    """Each channel of the (n, h, w, c) batch ``x`` correlated with the 2-D ``kernel``."""
    x = real(x)
    c = x.shape[-1]
    weights = np.broadcast_to(kernel[:, :, None, None], kernel.shape + (c, 1))
    return depthwise_conv(ag.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),)),
                          constant(weights.astype(x.dtype), x))


@public
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a normalized Gaussian kernel (zero padding, same size)."""
    x, restore = _batch("gaussian_blur", images, data_format)
    size = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    sigma = (sigma,) * 2 if isinstance(sigma, (int, float)) else tuple(sigma)
    kernel = np.outer(_gaussian(size[1], sigma[1]), _gaussian(size[0], sigma[0]))
    pad = size[0] // 2
    y = _depthwise_filter(x, kernel.reshape(size), ((pad, pad), (pad, pad)))
    return restore(y.astype(x.dtype))


_SOBEL = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


@public
def sobel_edges(images, data_format=None):
    """Sobel responses of each channel (zero padding), stacked last: (n, h, w, c, 2) (channels
    first: (n, c, h, w, 2)), vertical (dy) then horizontal (dx)."""
    x = tensor(images)
    check_rank("image.sobel_edges", x, (4,), "a rank 4 batch of images")
    fmt = layout(data_format)
    x = to_last(x, fmt)
    edges = ag.stack([_depthwise_filter(x, k, ((1, 1), (1, 1))) for k in (_SOBEL, _SOBEL.T)],
                     axis=-1)
    return ag.moveaxis(edges, 3, 1) if fmt == "channels_first" else edges


@public
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity per image (mean over the valid Gaussian windows and channels)."""
    x, _ = _batch("ssim", image1, data_format)
    y, _ = _batch("ssim", image2, data_format)
    if x.shape != y.shape:
        raise ValueError(f"keras.ops.image.ssim: image1 and image2 must have the same shape, "
                         f"got {tuple(tensor(image1).shape)} and {tuple(tensor(image2).shape)}")
    dtype = np.result_type(x.dtype, np.float32) if x.dtype.kind in "iub" else x.dtype
    x, y = x.astype(dtype), y.astype(dtype)
    g = _gaussian(filter_size, filter_sigma)
    kernel, no_pad = np.outer(g, g), ((0, 0), (0, 0))

    def blur(v):
        return _depthwise_filter(v, kernel, no_pad)
    mu1, mu2 = blur(x), blur(y)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    var1, var2 = blur(x * x) - mu1 * mu1, blur(y * y) - mu2 * mu2
    cov = blur(x * y) - mu1 * mu2
    ratio = (2.0 * mu1 * mu2 + c1) * (2.0 * cov + c2) / \
        ((mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2))
    result = ag.mean(ratio, axis=(1, 2, 3))
    return result[0] if tensor(image1).ndim == 3 else result
