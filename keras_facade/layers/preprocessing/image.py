"""Image preprocessing layers: Rescaling, Resizing, CenterCrop, and the base of the image layers.

Image layers take one image (rank 3) or a batch (rank 4), channels last or first (``data_format``),
and work internally on (n, h, w, c) batches.
"""
import numpy as np

import autograd_core as ag

from ... import backend
from ..base import Layer
from . import sampling


class ImageLayer(Layer):
    """Base of the image layers: ``data_format`` and the (n, h, w, c) view of the inputs."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.normalize_data_format(data_format)

    def _spatial_axes(self, shape):
        """(height axis, width axis) of an image or batch ``shape``."""
        if len(shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected a rank 3 image (h, w, c) or rank 4 "
                             f"batch (n, h, w, c) (channels first: (c, h, w) / (n, c, h, w)), "
                             f"got shape {tuple(shape)}")
        return (-3, -2) if self.data_format == "channels_last" else (-2, -1)

    def _image_size(self, shape):
        height_axis, width_axis = self._spatial_axes(shape)
        return shape[height_axis], shape[width_axis]

    def _to_nhwc(self, x):
        self._spatial_axes(x.shape)
        if x.ndim == 3:
            x = ag.expand_dims(x, 0)
        return ag.transpose(x, (0, 2, 3, 1)) if self.data_format == "channels_first" else x

    def _from_nhwc(self, y, rank):
        if self.data_format == "channels_first":
            y = ag.transpose(y, (0, 3, 1, 2))
        return y[0] if rank == 3 else y

    def _with_size(self, input_shape, height, width):
        shape = list(input_shape)
        height_axis, width_axis = self._spatial_axes(shape)
        shape[height_axis], shape[width_axis] = height, width
        return tuple(shape)

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


def crop_box(height, width, target_height, target_width):
    """(top, left, crop height, crop width): the largest centred window with the target's aspect
    ratio, at least one pixel each way."""
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width


def crop_and_resize(images, height, width, interpolation="bilinear"):
    """Centre crop of (n, h, w, c) ``images`` to the target aspect ratio, resized to the target."""
    top, left, crop_height, crop_width = crop_box(images.shape[1], images.shape[2], height, width)
    images = images[:, top:top + crop_height, left:left + crop_width]
    return sampling.resize(images, height, width, interpolation)


def pad_to_aspect(images, height, width, fill_value):
    """Pad (n, h, w, c) ``images`` evenly with ``fill_value`` to the target aspect ratio."""
    n, h, w, c = images.shape
    pad_rows = (max(h, int(w * height / width)) - h) // 2
    pad_cols = (max(w, int(h * width / height)) - w) // 2
    return ag.pad(images, ((0, 0), (pad_rows, pad_rows), (pad_cols, pad_cols), (0, 0)),
                  value=fill_value)


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1 / 255)`` maps [0, 255] to [0, 1]); a
    sequence ``scale`` or ``offset`` applies per channel."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def _operand(self, value, inputs):
        value = ag.tensor(value, dtype=inputs.dtype, device=inputs.device)
        if value.ndim and backend.image_data_format() == "channels_first":
            value = ag.reshape(value, value.shape + (1,) * (3 - value.ndim))
        return value

    def call(self, inputs):
        return inputs * self._operand(self.scale, inputs) + self._operand(self.offset, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(value):
            return [float(v) for v in value] if hasattr(value, "__len__") else float(value)
        return dict(super().get_config(), scale=plain(self.scale), offset=plain(self.offset))


class SizedImageLayer(ImageLayer):
    """An image layer whose outputs are (height, width) images."""

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def _crop(self, inputs, origin):
        """The (height, width) window at ``origin`` = (top, left) of each image or, when
        ``origin`` is None, the centred crop with the target aspect ratio resized to it."""
        x = self._to_nhwc(inputs)
        if origin is None:
            y = crop_and_resize(x, self.height, self.width)
        else:
            top, left = origin
            y = x[:, top:top + self.height, left:left + self.width]
        return self._from_nhwc(y, inputs.ndim)

    def compute_output_shape(self, input_shape):
        return self._with_size(input_shape, self.height, self.width)

    def get_config(self):
        return dict(super().get_config(), height=self.height, width=self.width)


class Resizing(SizedImageLayer):
    """Resize images to (height, width); optionally crop or pad to the target aspect ratio first.
    Integer images stay integer (rounded, saturated), as in Keras 3."""

    _cast_inputs = False

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)
        self.interpolation = sampling.check_choice("Resizing", "interpolation", interpolation,
                                                   sampling.RESIZE_INTERPOLATIONS)
        self.fill_mode = sampling.check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio` can be True")
        if antialias:
            raise NotImplementedError("Resizing: antialias=True is not supported; resizing is "
                                      "without antialiasing")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_value = fill_value
        self.antialias = False

    def call(self, inputs):
        integer = inputs.dtype.kind in "iu"
        x = self._to_nhwc(ag.cast(inputs, "float32") if integer else inputs)
        if self.crop_to_aspect_ratio:
            y = crop_and_resize(x, self.height, self.width, self.interpolation)
        else:
            if self.pad_to_aspect_ratio:
                x = pad_to_aspect(x, self.height, self.width, self.fill_value)
            y = sampling.resize(x, self.height, self.width, self.interpolation)
        y = self._from_nhwc(y, inputs.ndim)
        if integer:
            info = np.iinfo(inputs.dtype)
            y = ag.cast(ag.clip(ag.round(y), info.min, info.max), inputs.dtype)
        return y

    def _output_dtype(self, input_dtypes):
        kinds = [np.dtype(d).kind for d in input_dtypes]
        return str(input_dtypes[0]) if kinds and kinds[0] in "iu" else self.dtype

    def get_config(self):
        return dict(super().get_config(), interpolation=self.interpolation,
                    crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                    pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                    fill_value=self.fill_value, antialias=self.antialias)


class CenterCrop(SizedImageLayer):
    """The central (height, width) window; an image smaller than that is centre-cropped to the
    target aspect ratio and resized instead."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)

    def call(self, inputs):
        h, w = self._image_size(inputs.shape)
        if h < self.height or w < self.width:
            return self._crop(inputs, None)
        return self._crop(inputs, ((h - self.height) // 2, (w - self.width) // 2))
