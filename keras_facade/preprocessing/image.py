"""``keras.preprocessing.image``: Keras 2 style image loading and augmentation.

Plain numpy + pillow.  Semantics follow keras_preprocessing 1.1.2 (Keras 2.2/2.3):
the affine geometry (off-centre origin ``(h/2 + 0.5, w/2 + 0.5)``, ``tx`` = rows),
shear in degrees, independent ``zx``/``zy``, augmentation before ``rescale``,
Keras 2 file ordering in ``flow_from_directory`` and the quirks users' outputs
depend on (``array_to_img`` truncates, ``standardize`` on a batch takes the
"samplewise" statistics over the whole batch).

Deliberate differences from Keras 2:

* ``interpolation_order`` supports 0 and 1 (other orders warn and use 1);
* ``fill_mode='wrap'`` is periodic with period ``n`` (scipy's ``'wrap'`` used
  ``n - 1``);
* seeded iterators and ``fit(..., seed=...)`` draw from their own
  ``RandomState`` instead of reseeding NumPy's global generator (the same
  draws Keras 2 made, without the side effect; unseeded ones use NumPy's
  global generator, like Keras);
* the images of a batch are loaded and warped in a small thread pool (the
  random draws come first, in order, and ``standardize`` runs in the calling
  thread, so seeded runs repeat exactly);
* ``standardize`` never modifies its argument in place;
* a directory without class subfolders, or a missing ``classes`` folder, raises
  instead of yielding 0 images; unreadable image files raise ``OSError``
  naming the file; ``filepaths`` are always absolute.
"""

import io
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image, ImageEnhance

from keras_facade import backend
from keras_facade.utils.data_utils import Sequence

from . import _affine

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
    "load_img", "img_to_array", "array_to_img", "save_img", "smart_resize",
    "apply_affine_transform", "apply_channel_shift", "apply_brightness_shift", "flip_axis",
    "random_rotation", "random_shift", "random_shear", "random_zoom",
    "random_channel_shift", "random_brightness",
]

_DATA_FORMATS = ("channels_last", "channels_first")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_PIL_MODES = {"rgb": "RGB", "rgba": "RGBA"}
_INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "hamming": Image.Resampling.HAMMING,
    "box": Image.Resampling.BOX,
    "lanczos": Image.Resampling.LANCZOS,
}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")


# ---------------------------------------------------------------------------
# Argument checks

def _data_format(data_format):
    """``data_format``, or the global ``backend.image_data_format()`` when it is None."""
    if data_format is None:
        data_format = backend.image_data_format()
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"data_format must be one of {_DATA_FORMATS}, got {data_format!r}")
    return data_format


def _check_color_mode(color_mode):
    if color_mode not in _CHANNELS:
        raise ValueError(f'color_mode must be "grayscale", "rgb" or "rgba", got {color_mode!r}')


def _resample_filter(interpolation):
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation!r}; "
                         f"supported methods are {', '.join(_INTERPOLATIONS)}")
    return _INTERPOLATIONS[interpolation]


def _float_dtype(x, default):
    return x.dtype if x.dtype.kind == "f" else np.dtype(default)


# ---------------------------------------------------------------------------
# Reading, converting and writing images

def _open_image(path):
    """Decode ``path`` (a path or a binary file object) fully into memory."""
    if hasattr(path, "read"):
        img = Image.open(path)
    else:
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    img.load()
    return img


def _convert_color(img, color_mode):
    if color_mode == "grayscale":
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    mode = _PIL_MODES[color_mode]
    return img if img.mode == mode else img.convert(mode)


def _center_crop_box(size, target_size):
    """Largest centred box of ``size`` (w, h) with the aspect ratio of ``target_size`` (w, h)."""
    width, height = size
    target_w, target_h = target_size
    crop_w = min(width, height * target_w // target_h)
    crop_h = min(height, width * target_h // target_w)
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return left, top, left + crop_w, top + crop_h


def _resize(img, target_size, resample, keep_aspect_ratio):
    size = (int(target_size[1]), int(target_size[0]))
    if img.size == size:
        return img
    box = _center_crop_box(img.size, size) if keep_aspect_ratio else None
    return img.resize(size, resample, box=box)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file as a PIL image.

    ``color_mode`` is 'grayscale', 'rgb' or 'rgba'; it may also be the second
    positional argument (Keras 3 order, ``load_img(path, 'grayscale')``), while
    ``grayscale=True`` (Keras 2) still works.  ``target_size`` is
    ``(height, width)``, resized with ``interpolation``; ``keep_aspect_ratio``
    crops the centre to the target's aspect ratio first.  A file that cannot be
    decoded raises ``OSError`` naming it.
    """
    if isinstance(grayscale, str):  # load_img(path, color_mode, ...) as in Keras 3
        if not isinstance(color_mode, str):
            raise TypeError(f"load_img: with color_mode {grayscale!r} given positionally, pass "
                            f"target_size and the later arguments by keyword (got {color_mode!r} "
                            f"as the third positional argument)")
        if color_mode not in ("rgb", grayscale):
            raise TypeError(f"load_img got two color modes: {grayscale!r} (positional) and "
                            f"color_mode={color_mode!r}")
        grayscale, color_mode = False, grayscale
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode="grayscale"', DeprecationWarning,
                      stacklevel=2)
        color_mode = "grayscale"
    _check_color_mode(color_mode)
    resample = None if target_size is None else _resample_filter(interpolation)
    try:
        img = _convert_color(_open_image(path), color_mode)
        if target_size is not None:
            img = _resize(img, target_size, resample, keep_aspect_ratio)
    except FileNotFoundError:
        raise
    except Exception as exc:  # pillow raises many types for broken files
        name = path if hasattr(path, "read") else os.fspath(path)
        raise OSError(f"Cannot read image file {name!r}: {exc}") from exc
    return img


def img_to_array(img, data_format=None, dtype=None):
    """PIL image (or array) → array, ``(h, w, c)`` or ``(c, h, w)``, float32 by default.

    ``data_format=None`` uses the global ``backend.image_data_format()``.
    """
    data_format = _data_format(data_format)
    x = np.array(img, dtype=dtype or "float32")
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    raise ValueError(f"Unsupported image shape: {x.shape}")


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Rank-3 array → PIL image (1 channel → 'L' or 'I', 3 → 'RGB', 4 → 'RGBA').

    ``scale`` maps ``[min, max]`` to ``[0, 255]`` (a constant image becomes 0);
    values are truncated, not rounded, like Keras 2.  ``data_format=None`` uses
    the global ``backend.image_data_format()``.
    """
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x -= np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype(np.uint8))
    if channels == 1:
        plane = x[:, :, 0]
        return Image.fromarray(plane.astype(np.int32 if np.max(plane) > 255 else np.uint8))
    raise ValueError(f"Unsupported channel number: {channels}")


def _file_format(path, file_format):
    """Pillow format name from ``file_format`` or the file extension (None: unknown)."""
    extensions = Image.registered_extensions()
    if file_format:
        return extensions.get("." + file_format.lower(), file_format.upper())
    if hasattr(path, "write"):
        return None
    return extensions.get(os.path.splitext(os.fspath(path))[1].lower())


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an image array to ``path`` (format from ``file_format`` or the extension).

    ``data_format=None`` uses the global ``backend.image_data_format()``.
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    pil_format = _file_format(path, file_format)
    if img.mode == "RGBA" and pil_format == "JPEG":
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=pil_format, **kwargs)


def _linear_resize_axis(x, axis, size):
    """Resize ``x`` along ``axis`` to ``size`` samples by linear interpolation.

    Half-pixel centres, no antialiasing: output ``i`` reads the input at
    ``(i + 0.5) * n / size - 0.5``, clamped to ``[0, n - 1]``.
    """
    n = x.shape[axis]
    scale = np.float32(n / size)
    src = (np.arange(size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    src = np.clip(src, 0, n - 1)
    low = np.floor(src).astype(np.intp)
    high = np.minimum(low + 1, n - 1)
    weight_shape = [1] * x.ndim
    weight_shape[axis] = size
    weight = (src - np.floor(src)).reshape(weight_shape)
    first = np.take(x, low, axis=axis)
    return first + (np.take(x, high, axis=axis) - first) * weight


def _smart_crop(height, width, target_height, target_width):
    """(top, left, crop_height, crop_width): the largest centred crop with the target's
    aspect ratio, at least one pixel each way."""
    crop_height = max(min(height, width * target_height // target_width), 1)
    crop_width = max(min(width, height * target_width // target_height), 1)
    return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize image(s) to ``size`` (h, w) without distortion; returns float32.

    The largest centred crop with the target aspect ratio is resized.  'bilinear'
    interpolates with half-pixel centres and no antialiasing (as Keras 3, also when
    shrinking); the other methods use pillow's filters.  Accepts one image or a
    batch, channels last (``(h, w, c)``, ``(n, h, w, c)``) or first.
    """
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"smart_resize expects a rank-3 image or rank-4 batch, got shape {x.shape}")
    if len(size) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in size):
        raise ValueError(f"size must be (height, width), two positive integers; got {size!r}")
    size = (int(size[0]), int(size[1]))
    resample = None if interpolation == "bilinear" else _resample_filter(interpolation)
    channels_first = _data_format(data_format) == "channels_first"
    batch = x[None] if x.ndim == 3 else x
    if channels_first:
        batch = batch.transpose(0, 2, 3, 1)
    top, left, crop_h, crop_w = _smart_crop(batch.shape[1], batch.shape[2], *size)
    crop = batch[:, top:top + crop_h, left:left + crop_w, :].astype(np.float32)
    if resample is None:
        out = _linear_resize_axis(_linear_resize_axis(crop, 2, size[1]), 1, size[0])
    else:
        out = np.empty((len(batch), size[0], size[1], batch.shape[3]), dtype=np.float32)
        for n in range(len(batch)):
            for c in range(batch.shape[3]):
                plane = Image.fromarray(np.ascontiguousarray(crop[n, :, :, c]))
                out[n, :, :, c] = np.asarray(plane.resize((size[1], size[0]), resample))
    if channels_first:
        out = out.transpose(0, 3, 1, 2)
    return out[0] if x.ndim == 3 else out


# ---------------------------------------------------------------------------
# Single-image transforms

def _warp_axes(x, matrix, axes, fill_mode, cval, order, flips=(False, False)):
    """Warp ``x`` whose (row, col, channel) axes are ``axes`` by ``matrix`` about its centre.

    ``flips`` = (horizontal, vertical) mirror the result, folded into the sampling.
    Returns a new contiguous float array shaped like ``x``.
    """
    x = np.asarray(x)
    order_crc = (axes[2], axes[0], axes[1])  # (channel, row, col)
    planes = np.transpose(x, order_crc)
    h, w = planes.shape[1:]
    centred = _affine.offset_center(matrix, h, w)
    result = np.empty(x.shape, dtype=np.float64 if x.dtype == np.float64 else np.float32)
    _affine.warp(planes, centred, fill_mode=fill_mode, cval=cval, order=order,
                 out=np.transpose(result, order_crc), flips=flips)
    return result


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.0, order=1):
    """Rotate (degrees), shift (``tx`` rows, ``ty`` cols), shear (degrees) and zoom one image.

    Returns ``x`` itself when every parameter is the identity.
    """
    matrix = _affine.transform_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    return _warp_axes(x, matrix, (row_axis, col_axis, channel_axis), fill_mode, cval, order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own min and max."""
    x = np.asarray(x)
    return np.clip(x + intensity, np.min(x), np.max(x))


def apply_brightness_shift(x, brightness, scale=True):
    """Pillow ``ImageEnhance.Brightness`` on a channels-last image, through an 8-bit image.

    ``scale=True`` (Keras 2.3) first maps the image's ``[min, max]`` onto ``0..255``.
    ``scale=False`` (later Keras) keeps an image already within ``0..255`` as it is
    (values truncated to integers); any other image is scaled onto ``0..255`` and
    mapped back to its own range afterwards.
    """
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    outside_8_bits = low < 0 or high > 255
    img = array_to_img(x, data_format="channels_last", scale=scale or outside_8_bits)
    out = img_to_array(ImageEnhance.Brightness(img).enhance(brightness), data_format="channels_last")
    if outside_8_bits and not scale:
        out = out / 255 * (high - low) + low
    return out


def flip_axis(x, axis):
    """Reverse ``x`` along ``axis``."""
    return np.flip(np.asarray(x), axis)


def _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order, **params):
    return apply_affine_transform(x, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order, **params)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate by a uniform angle in ``[-rg, rg]`` degrees (NumPy's global generator)."""
    theta = np.random.uniform(-rg, rg)
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order,
                          theta=theta)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift by uniform fractions ``hrg`` of the height and ``wrg`` of the width."""
    tx = np.random.uniform(-hrg, hrg) * x.shape[row_axis]
    ty = np.random.uniform(-wrg, wrg) * x.shape[col_axis]
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order,
                          tx=tx, ty=ty)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shear by a uniform angle in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order,
                          shear=shear)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    """Zoom rows and columns by independent uniform factors in ``zoom_range`` (< 1 zooms in)."""
    if len(zoom_range) != 2:
        raise ValueError(f"zoom_range should be a tuple or list of two floats. Received: {zoom_range!r}")
    zx, zy = _draw_zoom(np.random, zoom_range)
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order,
                          zx=zx, zy=zy)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Channel shift by a uniform offset in ``[-intensity_range, intensity_range]``."""
    return apply_channel_shift(x, np.random.uniform(-intensity_range, intensity_range), channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """Brightness shift by a uniform factor in ``brightness_range`` (``scale`` as in
    ``apply_brightness_shift``)."""
    if len(brightness_range) != 2:
        raise ValueError(f"brightness_range should be a tuple or list of two floats. "
                         f"Received: {brightness_range!r}")
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]), scale)


# ---------------------------------------------------------------------------
# Random parameter draws (same order and calls as Keras 2, so seeds give the same draws)

def _draw_shift(rng, shift_range, size):
    """float: uniform ±r; int n: integer in (-n, n); list: an element with a random sign.

    Ranges below 1 are fractions of ``size``.
    """
    if isinstance(shift_range, (float, np.floating)):
        shift = rng.uniform(-shift_range, shift_range)
    else:
        shift = rng.choice(shift_range) * rng.choice([-1, 1])
    if np.max(shift_range) < 1:
        shift = shift * size
    return float(shift)


def _draw_zoom(rng, zoom_range):
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        return 1.0, 1.0
    zx, zy = rng.uniform(zoom_range[0], zoom_range[1], 2)
    return float(zx), float(zy)


def _zoom_bounds(zoom_range):
    if np.isscalar(zoom_range):
        return [1 - zoom_range, 1 + zoom_range]
    if len(zoom_range) == 2:
        return [zoom_range[0], zoom_range[1]]
    raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. "
                     f"Received: {zoom_range!r}")


def _is_set(value):
    """Keras' ``if value:`` test, also for numpy arrays (a non-empty sequence counts as set)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.size(value) > 0
    return bool(value)


# ---------------------------------------------------------------------------
# ImageDataGenerator

class ImageDataGenerator:
    """Real-time data augmentation and normalization for image batches (Keras 2 API).

    Per sample: ``get_random_transform`` → ``apply_transform`` (affine warp about
    the centre, channel shift, flips, brightness) → ``standardize``
    (``preprocessing_function``, ``rescale``, samplewise then featurewise
    statistics, ZCA).  Featurewise statistics and ZCA need ``fit(x)`` first.
    ``data_format=None`` uses the global ``backend.image_data_format()``.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1,
                 dtype="float32"):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.brightness_range = self._check_brightness_range(brightness_range)
        self.shear_range = shear_range
        self.zoom_range = _zoom_bounds(zoom_range)
        self.channel_shift_range = channel_shift_range
        self.fill_mode = self._check_fill_mode(fill_mode)
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = np.dtype(dtype or "float32").name
        self.interpolation_order = self._check_order(interpolation_order)
        self.data_format = _data_format(data_format)
        if self.data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1. "
                             f"Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.principal_components = None
        self._resolve_normalization_flags()

    @staticmethod
    def _check_brightness_range(brightness_range):
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list, np.ndarray)) or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range!r}")
        return brightness_range

    @staticmethod
    def _check_fill_mode(fill_mode):
        if fill_mode not in _affine.FILL_MODES:
            raise ValueError(f"fill_mode must be one of {_affine.FILL_MODES}, got {fill_mode!r}")
        return fill_mode

    @staticmethod
    def _check_order(order):
        if order in (0, 1):
            return order
        warnings.warn(f"interpolation_order={order!r} is not supported; using 1 (bilinear).",
                      stacklevel=3)
        return 1

    def _resolve_normalization_flags(self):
        """ZCA implies featurewise centering (and replaces std normalization); std implies centering."""
        def force(flag, value, reason):
            if getattr(self, flag) != value:
                setattr(self, flag, value)
                warnings.warn(f"This ImageDataGenerator specifies `{reason}`, which overrides setting of "
                              f"`{flag}`.", stacklevel=4)
        if self.zca_whitening:
            force("featurewise_center", True, "zca_whitening")
            force("featurewise_std_normalization", False, "zca_whitening")
        if self.featurewise_std_normalization:
            force("featurewise_center", True, "featurewise_std_normalization")
        if self.samplewise_std_normalization:
            force("samplewise_center", True, "samplewise_std_normalization")

    @property
    def zca_whitening_matrix(self):
        """Alias of ``principal_components`` (the tf.keras name)."""
        return self.principal_components

    # -- iterators ---------------------------------------------------------

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """Batches of augmented data from a rank-4 array ``x`` (and labels ``y``).

        Yields ``(x, y[, sample_weight])``, or ``x`` when ``y`` is None.
        ``subset='validation'`` is the first ``int(n * validation_split)`` samples.
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight, seed=seed,
            data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, ignore_class_split=ignore_class_split,
            dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            save_to_dir=None, save_prefix="", save_format="png", follow_links=False,
                            subset=None, interpolation="nearest", keep_aspect_ratio=False):
        """Batches of augmented images read from ``directory/<class>/...`` (one folder per class)."""
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, batch_size=batch_size, shuffle=shuffle, seed=seed,
            data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, follow_links=follow_links, subset=subset,
            interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    def flow_from_dataframe(self, *args, **kwargs):
        """Not provided: needs pandas; use ``flow_from_directory`` or ``flow``."""
        raise NotImplementedError("flow_from_dataframe is not supported; arrange the files in one "
                                  "folder per class and use flow_from_directory, or load them and use flow.")

    # -- normalization -----------------------------------------------------

    def _fitted(self, value, flag):
        if value is None:
            warnings.warn(f"This ImageDataGenerator specifies `{flag}`, but it hasn't been fit on any "
                          f"training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=3)
        return value

    def standardize(self, x):
        """Apply the normalization configuration to an image or a batch (returns a new array).

        On a batch, the samplewise statistics are taken over the whole batch (Keras 2).
        """
        x = np.asarray(x)
        x = np.array(x, dtype=_float_dtype(x, self.dtype))
        if self.preprocessing_function:
            x = np.asarray(self.preprocessing_function(x))
            if x.dtype.kind != "f" or not x.flags.writeable:
                x = x.astype(_float_dtype(x, self.dtype))
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center and self._fitted(self.mean, "featurewise_center") is not None:
            x -= self.mean
        if (self.featurewise_std_normalization
                and self._fitted(self.std, "featurewise_std_normalization") is not None):
            x /= self.std + 1e-6
        if self.zca_whitening and self._fitted(self.principal_components, "zca_whitening") is not None:
            flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
            x = (flat @ self.principal_components).astype(x.dtype, copy=False).reshape(x.shape)
        return x

    # -- augmentation ------------------------------------------------------

    def get_random_transform(self, img_shape, seed=None):
        """Draw the parameters of one random transform for an image of ``img_shape``.

        Keys: theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
        channel_shift_intensity, brightness.  ``seed`` is an int or a
        ``np.random.RandomState`` to draw from; without one, NumPy's global
        generator is used.
        """
        rng = _random_state(seed)
        theta = float(rng.uniform(-self.rotation_range, self.rotation_range)) if self.rotation_range else 0.0
        tx = (_draw_shift(rng, self.height_shift_range, img_shape[self.row_axis - 1])
              if _is_set(self.height_shift_range) else 0.0)
        ty = (_draw_shift(rng, self.width_shift_range, img_shape[self.col_axis - 1])
              if _is_set(self.width_shift_range) else 0.0)
        shear = float(rng.uniform(-self.shear_range, self.shear_range)) if self.shear_range else 0.0
        zx, zy = _draw_zoom(rng, self.zoom_range)
        flip_horizontal = bool(rng.random_sample() < 0.5) and bool(self.horizontal_flip)
        flip_vertical = bool(rng.random_sample() < 0.5) and bool(self.vertical_flip)
        channel_shift = None
        if self.channel_shift_range != 0:
            channel_shift = float(rng.uniform(-self.channel_shift_range, self.channel_shift_range))
        brightness = None
        if self.brightness_range is not None:
            brightness = float(rng.uniform(self.brightness_range[0], self.brightness_range[1]))
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Apply the transform described by ``transform_parameters`` to one rank-3 image.

        Missing keys mean "no change".  Returns ``x`` itself when nothing applies.
        """
        params = transform_parameters
        axes = (self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1)
        flips = (bool(params.get("flip_horizontal", False)), bool(params.get("flip_vertical", False)))
        matrix = _affine.transform_matrix(
            params.get("theta", 0), params.get("tx", 0), params.get("ty", 0), params.get("shear", 0),
            params.get("zx", 1), params.get("zy", 1))
        if matrix is not None:
            x = _warp_axes(x, matrix, axes, self.fill_mode, self.cval, self.interpolation_order, flips)
        else:
            for flip, axis in zip(flips, axes[1::-1]):
                if flip:
                    x = flip_axis(x, axis)
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], axes[2])
        if params.get("brightness") is not None:
            # Keras 2.3 rescales the image onto 0..255 here (later Keras passes scale=False).
            hwc = apply_brightness_shift(np.transpose(x, axes), params["brightness"], scale=True)
            x = np.transpose(hwc, np.argsort(axes))
        return x

    def random_transform(self, x, seed=None):
        """One random augmentation of a rank-3 image (``get_random_transform`` + ``apply_transform``)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    # -- fitting -----------------------------------------------------------

    def _statistic(self, x, reduce):
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        return reduce(x, axis=(0, self.row_axis, self.col_axis)).reshape(shape)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute featurewise mean/std and the ZCA matrix from a rank-4 sample ``x``.

        ``x`` is rescaled first; ``augment`` fits on ``rounds`` random augmentations
        of every sample instead.
        """
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        _warn_unusual_channels(x.shape, self.channel_axis, self.data_format, ".fit()")
        if self.rescale:
            x *= self.rescale
        if augment:
            x = self._augmented(x, rounds, seed)
        if self.featurewise_center:
            self.mean = self._statistic(x, np.mean)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = self._statistic(x, np.std)
            x /= self.std + 1e-6
        if self.zca_whitening:
            self.principal_components = _zca_matrix(x, self.zca_epsilon).astype(self.dtype)

    def _augmented(self, x, rounds, seed):
        rng = None if seed is None else _random_state(seed)
        out = np.empty((rounds * len(x),) + x.shape[1:], dtype=self.dtype)
        for k in range(len(out)):
            out[k] = self.random_transform(x[k % len(x)], rng)
        return out


def _zca_matrix(x, epsilon):
    """ZCA whitening matrix ``U diag(1 / sqrt(S + epsilon)) U^T`` (Keras 2.3).

    ``U S U^T`` is the full eigendecomposition of the covariance ``X^T X / n``, so
    directions without variance get ``1 / sqrt(epsilon)``.  Computed from the
    reduced SVD of ``X`` (the same matrix, cheaper when there are fewer samples
    than features): ``I / sqrt(epsilon)`` plus the correction on the sample span.
    """
    flat = x.reshape(len(x), -1).astype(np.float64)
    u, singular, _ = np.linalg.svd(flat.T / np.sqrt(len(flat)), full_matrices=False)
    base = 1 / np.sqrt(epsilon)
    correction = (u * (1 / np.sqrt(singular ** 2 + epsilon) - base)) @ u.T
    return correction + base * np.eye(len(u))


def _warn_unusual_channels(shape, channel_axis, data_format, where):
    if shape[channel_axis] not in (1, 3, 4):
        warnings.warn(f"{where} uses data_format {data_format!r} (channels on axis {channel_axis}), "
                      f"i.e. 1, 3 or 4 channels are expected on that axis; the array has shape {shape} "
                      f"({shape[channel_axis]} channels).", stacklevel=4)


def _random_state(seed):
    """NumPy's global generator for None, ``seed`` itself if it is a RandomState."""
    if seed is None:
        return np.random
    if isinstance(seed, np.random.RandomState):
        return seed
    return np.random.RandomState(seed)


# ---------------------------------------------------------------------------
# Iterators

class Iterator(Sequence):
    """Infinite batch iterator over ``n`` samples that is also a ``Sequence``.

    ``next()`` walks consecutive slices of ``index_array`` (the last batch of a
    pass is short), re-permuting at the start of each pass when ``shuffle``.
    With a ``seed``, each batch's randomness comes from
    ``RandomState(seed + total_batches_seen)``.  Subclasses implement
    ``_get_batches_of_transformed_samples(index_array)``.
    """

    white_list_formats = tuple(ext[1:] for ext in IMAGE_EXTENSIONS)

    def __init__(self, n, batch_size, shuffle, seed):
        super().__init__()
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self._local = threading.local()
        self.index_generator = self._flow_index()

    def _batch_rng(self):
        if self.seed is None:
            return np.random
        return np.random.RandomState((self.seed + self.total_batches_seen) % 2**32)

    def _set_index_array(self, rng=np.random):
        self.index_array = rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx):
        length = len(self)
        if not -length <= idx < length:
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {length}")
        idx %= length
        with self.lock:
            rng = self._batch_rng()
            self.total_batches_seen += 1
            if self.index_array is None:
                self._set_index_array(rng)
            index_array = self.index_array[self.batch_size * idx: self.batch_size * (idx + 1)]
        return self._run_batch(index_array, rng)

    def on_epoch_end(self):
        """Re-permute the samples (when shuffling)."""
        self._set_index_array(self._batch_rng())

    def reset(self):
        """Restart ``next()`` at the beginning of a pass."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            rng = self._batch_rng()
            if self.batch_index == 0:
                self._set_index_array(rng)
            start = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > start + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[start: start + self.batch_size], rng

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch."""
        with self.lock:
            index_array, rng = next(self.index_generator)
        return self._run_batch(index_array, rng)

    shard_rows = None  # data-parallel training sets it: index_array -> this rank's rows

    def _run_batch(self, index_array, rng):
        # The batch's generator travels in thread-local storage so that subclasses
        # keep the Keras hook signature ``_get_batches_of_transformed_samples(index_array)``.
        if self.shard_rows is not None:
            index_array = self.shard_rows(index_array)
        self._local.rng = rng
        try:
            return self._get_batches_of_transformed_samples(index_array)
        finally:
            self._local.rng = None

    def _get_batches_of_transformed_samples(self, index_array):
        """Build the batch for the samples ``index_array``."""
        raise NotImplementedError


class _AugmentingIterator(Iterator):
    """Shared per-sample pipeline and ``save_to_dir`` support of the concrete iterators."""

    def _set_output_attrs(self, image_data_generator, data_format, save_to_dir, save_prefix,
                          save_format, dtype):
        self.image_data_generator = image_data_generator
        self.data_format = _data_format(data_format)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.dtype = np.dtype(dtype or "float32").name

    def _random_params(self, sample_shape):
        rng = getattr(self._local, "rng", None)
        if rng is None or rng is np.random:
            return self.image_data_generator.get_random_transform(sample_shape)
        return self.image_data_generator.get_random_transform(sample_shape, seed=rng)

    def _fill_batch(self, index_array, sample_shape, load):
        """Batch of ``load(j)`` for ``j`` in ``index_array``, augmented and standardized.

        The random parameters are drawn first, in sample order; loading and
        ``apply_transform`` then run in a thread pool; ``standardize`` (and so
        ``preprocessing_function``) runs in this thread, in order.
        """
        batch_x = np.empty((len(index_array),) + tuple(sample_shape), dtype=self.dtype)
        generator = self.image_data_generator
        if generator is None:
            for i, x in enumerate(_map_in_threads(load, index_array)):
                batch_x[i] = x
        else:
            params = [self._random_params(sample_shape) for _ in index_array]

            def transformed(i):
                return generator.apply_transform(load(index_array[i]), params[i])

            for i, x in enumerate(_map_in_threads(transformed, range(len(index_array)))):
                batch_x[i] = generator.standardize(x)
        self._save_batch(batch_x, index_array)
        return batch_x

    def _save_batch(self, batch_x, index_array):
        if not self.save_to_dir:
            return
        os.makedirs(self.save_to_dir, exist_ok=True)
        rng = getattr(self._local, "rng", None) or np.random
        for image, index in zip(batch_x, index_array):
            name = f"{self.save_prefix}_{index}_{rng.randint(10**7)}.{self.save_format}"
            save_img(os.path.join(self.save_to_dir, name), image, data_format=self.data_format)


class NumpyArrayIterator(_AugmentingIterator):
    """Iterator over a rank-4 array ``x`` with optional labels ``y`` and ``sample_weight``.

    ``x`` may also be a tuple ``(images, extra)`` where ``extra`` is an array or a
    list of arrays of the same length, batched alongside without augmentation.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None,
                 seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", subset=None, ignore_class_split=False, dtype="float32"):
        self._set_output_attrs(image_data_generator, data_format, save_to_dir, save_prefix,
                               save_format, dtype)
        x, x_misc = self._split_inputs(x)
        self._check_lengths(x, x_misc, y, sample_weight)
        if subset is not None:
            x, x_misc, y, sample_weight = self._subset(x, x_misc, y, sample_weight, subset,
                                                       ignore_class_split)
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        channel_axis = 1 if self.data_format == "channels_first" else 3
        _warn_unusual_channels(self.x.shape, channel_axis, self.data_format, "NumpyArrayIterator")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        super().__init__(len(self.x), batch_size, shuffle, seed)

    @staticmethod
    def _split_inputs(x):
        x_misc = []
        if isinstance(x, (tuple, list)):
            x, misc = x[0], x[1]
            x_misc = [np.asarray(m) for m in misc] if isinstance(misc, list) else [np.asarray(misc)]
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. "
                             f"You passed an array with shape {x.shape}")
        return x, x_misc

    @staticmethod
    def _check_lengths(x, x_misc, y, sample_weight):
        for misc in x_misc:
            if len(misc) != len(x):
                raise ValueError(f"All of the arrays in `x` should have the same length. "
                                 f"Found a pair with: len(x[0]) = {len(x)}, len(x[?]) = {len(misc)}")
        if y is not None and len(y) != len(x):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same length. "
                             f"Found: x.shape = {x.shape}, y.shape = {np.shape(y)} "
                             f"({len(x)} vs {len(y)} samples)")
        if sample_weight is not None and len(sample_weight) != len(x):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same length. "
                             f"Found: x.shape = {x.shape}, sample_weight.shape = {np.shape(sample_weight)} "
                             f"({len(x)} vs {len(sample_weight)} samples)")

    def _subset(self, x, x_misc, y, sample_weight, subset, ignore_class_split):
        """Validation = the first ``int(n * validation_split)`` samples, training = the rest."""
        if subset not in ("training", "validation"):
            raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
        split = int(len(x) * self.image_data_generator._validation_split)
        if (y is not None and not ignore_class_split
                and not np.array_equal(np.unique(y[:split]), np.unique(y[split:]))):
            raise ValueError("Training and validation subsets have different number of classes after "
                             "the split. If your numpy arrays are sorted by the label, you might want "
                             "to shuffle them.")
        part = slice(None, split) if subset == "validation" else slice(split, None)

        def cut(a):
            return None if a is None else np.asarray(a)[part]
        return x[part], [m[part] for m in x_misc], cut(y), cut(sample_weight)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._fill_batch(index_array, self.x.shape[1:], lambda j: self.x[j].copy())
        inputs = [batch_x] + [misc[index_array] for misc in self.x_misc] if self.x_misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


_POOL_LOCK = threading.Lock()
_POOL = {"pid": None, "executor": None}
_POOL_THREAD = threading.local()


def _mark_pool_thread():
    _POOL_THREAD.active = True


def _map_in_threads(function, items):
    """``map(function, items)`` in order, run by a shared thread pool.

    Pillow's decoders and numpy's large-array loops release the GIL, so batches
    of images load and warp in parallel.  Calls made from a pool thread (an
    ``apply_transform`` that reads another iterator) run inline, so the pool
    never waits on itself.
    """
    if len(items) < 2 or getattr(_POOL_THREAD, "active", False):
        return map(function, items)
    with _POOL_LOCK:
        if _POOL["pid"] != os.getpid():  # none yet, or inherited through fork
            _POOL["executor"] = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                                                   thread_name_prefix="image-batch",
                                                   initializer=_mark_pool_thread)
            _POOL["pid"] = os.getpid()
        executor = _POOL["executor"]
    return executor.map(function, items)


def _image_files(class_dir, follow_links):
    """Image files under ``class_dir``: folders in string order of their paths, files sorted."""
    found = []
    for root, _, files in sorted(os.walk(class_dir, followlinks=follow_links), key=lambda entry: entry[0]):
        found.extend(os.path.join(root, name) for name in sorted(files)
                     if name.lower().endswith(IMAGE_EXTENSIONS))
    return found


class DirectoryIterator(_AugmentingIterator):
    """Iterator over the images in ``directory/<class>/**`` (one subfolder per class).

    Attributes: ``filenames`` (relative, grouped by class), ``filepaths``
    (absolute), ``classes`` (int32 labels aligned with ``filenames``),
    ``class_indices``, ``samples``, ``num_classes``, ``image_shape``.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 follow_links=False, subset=None, interpolation="nearest", keep_aspect_ratio=False,
                 dtype="float32"):
        self._set_output_attrs(image_data_generator, data_format, save_to_dir, save_prefix,
                               save_format, dtype)
        _check_color_mode(color_mode)
        _resample_filter(interpolation)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of "
                             f"{sorted(self.allowed_class_modes, key=str)}")
        self.directory = directory
        self.target_size = tuple(int(v) for v in target_size)
        self.color_mode = color_mode
        self.class_mode = class_mode
        self.interpolation = interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        channels = _CHANNELS[color_mode]
        self.image_shape = ((channels,) + self.target_size if self.data_format == "channels_first"
                            else self.target_size + (channels,))
        self.subset = subset
        self.split = self._split_range(subset)
        class_names = self._class_names(directory, classes)
        self.num_classes = len(class_names)
        self.class_indices = dict(zip(class_names, range(len(class_names))))
        self._scan(directory, class_names, follow_links)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _split_range(self, subset):
        if subset is None:
            return None
        validation_split = self.image_data_generator._validation_split
        if subset == "validation":
            return 0.0, validation_split
        if subset == "training":
            return validation_split, 1.0
        raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation"')

    @staticmethod
    def _class_names(directory, classes):
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"Image directory not found: {directory!r}")
        if classes:
            missing = [c for c in classes if not os.path.isdir(os.path.join(directory, c))]
            if missing:
                raise FileNotFoundError(f"Class folder(s) {missing} not found in {directory!r}")
            return list(classes)
        names = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        if not names:
            raise ValueError(f"No class subfolders found in {directory!r}: flow_from_directory expects "
                             f"one subfolder per class, e.g. {os.path.join(directory, 'cats')!r}.")
        return names

    def _scan(self, directory, class_names, follow_links):
        filenames, labels = [], []
        for index, name in enumerate(class_names):
            class_dir = os.path.join(directory, name)
            files = _image_files(class_dir, follow_links)
            if self.split is not None:
                files = files[int(self.split[0] * len(files)): int(self.split[1] * len(files))]
            filenames += [os.path.join(name, os.path.relpath(path, class_dir)) for path in files]
            labels += [index] * len(files)
        self.filenames = filenames
        self.classes = np.array(labels, dtype=np.int32)
        self.samples = len(filenames)
        root = os.path.abspath(directory)
        self._filepaths = [os.path.join(root, name) for name in filenames]

    @property
    def filepaths(self):
        """Absolute paths of the images, aligned with ``filenames``."""
        return self._filepaths

    @property
    def labels(self):
        """Class index of every image (same as ``classes``)."""
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _load(self, index):
        img = load_img(self._filepaths[index], color_mode=self.color_mode, target_size=self.target_size,
                       interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
        return img_to_array(img, data_format=self.data_format, dtype=self.dtype)

    def _labels_for(self, batch_x, index_array):
        if self.class_mode == "input":
            return batch_x.copy()
        labels = self.classes[index_array]
        if self.class_mode in ("binary", "sparse"):
            return labels.astype(self.dtype)
        one_hot = np.zeros((len(labels), self.num_classes), dtype=self.dtype)
        one_hot[np.arange(len(labels)), labels] = 1
        return one_hot

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._fill_batch(index_array, self.image_shape, self._load)
        if self.class_mode is None:
            return batch_x
        return batch_x, self._labels_for(batch_x, index_array)
