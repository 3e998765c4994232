"""Convolutions: Conv1D/2D/3D (with ``groups``), Conv1D/2D/3DTranspose, DepthwiseConv1D/2D,
SeparableConv1D/2D (+ the aliases Convolution1D/2D/3D, Convolution1D/2D/3DTranspose,
Deconvolution2D/3D, AtrousConvolution1D/2D, SeparableConvolution1D/2D). Kernels are
(k..., in/groups, out) as Keras (the transposed convolutions' (k..., out, in), the depthwise
(k..., in, depth_multiplier)); ``data_format='channels_first'`` inputs are transposed around the
channels-last computation. The padding/cropping/upsampling layers of Keras 2's
``keras.layers.convolutional`` are re-exported from :mod:`.reshaping`."""
import autograd_core as ag

from .. import activations, backend, constraints, initializers, legacy, regularizers
from .base import InputSpec, Layer
from .core import kernel_bias_config, set_kernel_bias_args
from .conv_utils import (conv_output_length, deconv_output_length, normalize_tuple,  # noqa: F401
                         to_channels_first, to_channels_last)
from .reshaping import (ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, Cropping1D,  # noqa: F401
                        Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D)


class _Window(Layer):
    """Shared body of every convolution: the window arguments, weights built from the channel
    count, the channels-last computation and the output shape."""
    rank = 2
    paddings = ("valid", "same")

    def _positive(self, value, name):
        if int(value) <= 0:
            raise ValueError(f"{type(self).__name__}: `{name}` must be a positive integer, got "
                             f"{value}")
        return int(value)

    def _set_window(self, kernel_size, strides, padding, data_format, dilation_rate):
        """Normalise and check the window arguments."""
        cls = type(self).__name__
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, self.rank, "strides", cls)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", cls)
        self.padding = str(padding).lower()
        if self.padding not in self.paddings:
            raise ValueError(f"{cls}: `padding` must be one of {self.paddings}, got {padding!r}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: `strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1` (strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate})")
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _add_weight(self, name, shape, prefix):
        """A weight with the ``<prefix>_initializer/_regularizer/_constraint`` arguments."""
        return self.add_weight(name, shape, initializer=getattr(self, f"{prefix}_initializer"),
                               regularizer=getattr(self, f"{prefix}_regularizer"),
                               constraint=getattr(self, f"{prefix}_constraint"))

    def _build_kernels(self, channels):
        raise NotImplementedError

    def _out_channels(self, in_channels):
        raise NotImplementedError

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"Layer \"{self.name}\": the channel dimension of the inputs "
                             f"should be defined, found None (input shape {input_shape})")
        self._build_kernels(channels)
        self.bias = self._add_weight("bias", (self._out_channels(channels),), "bias") \
            if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        super().build(input_shape)

    def _convolve(self, x):
        raise NotImplementedError

    def call(self, inputs):
        x = to_channels_last(inputs, self.data_format)
        return to_channels_first(self.activation(self._convolve(x)), self.data_format)

    def _spatial_output(self, spatial):
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        out = self._out_channels(input_shape[self._channel_axis()])
        if self.data_format == "channels_first":
            return (input_shape[0], out) + self._spatial_output(input_shape[2:])
        return (input_shape[0],) + self._spatial_output(input_shape[1:-1]) + (out,)

    def _window_config(self):
        return dict(kernel_size=tuple(self.kernel_size), strides=tuple(self.strides),
                    padding=self.padding, data_format=self.data_format,
                    dilation_rate=tuple(self.dilation_rate))


class _Conv(_Window):
    """Shared body of the convolutions with a (k..., in/groups, filters) kernel: ``groups``
    splits the input and output channels into independent groups."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, groups=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = self._positive(filters, "filters")
        self.groups = self._positive(groups, "groups")
        if self.filters % self.groups:
            raise ValueError(f"{type(self).__name__}: the number of filters ({self.filters}) must "
                             f"be divisible by the number of groups ({self.groups})")
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        set_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                             kernel_regularizer, bias_regularizer, activity_regularizer,
                             kernel_constraint, bias_constraint)

    def _kernel_shape(self, in_channels):
        if in_channels % self.groups:
            raise ValueError(f"Layer \"{self.name}\": the number of input channels "
                             f"({in_channels}) must be divisible by the number of groups "
                             f"({self.groups})")
        return self.kernel_size + (in_channels // self.groups, self.filters)

    def _out_channels(self, in_channels):
        return self.filters

    def _build_kernels(self, channels):
        self.kernel = self._add_weight("kernel", self._kernel_shape(channels), "kernel")

    def _conv_with(self, x, kernel, bias):
        return getattr(ag.nn, f"conv{self.rank}d")(
            x, kernel, bias, stride=self.strides, padding=self.padding,
            dilation=self.dilation_rate, groups=self.groups)

    def convolution_op(self, inputs, kernel):
        """``inputs`` (in the layer's data format) convolved with ``kernel``, no bias; override it
        to customise the convolution while keeping the layer's weights, bias and activation."""
        x = to_channels_last(inputs, self.data_format)
        return to_channels_first(self._conv_with(x, kernel, None), self.data_format)

    def _convolve(self, x):
        if type(self).convolution_op is _Conv.convolution_op:
            return self._conv_with(x, self.kernel, self.bias)  # bias fused into the convolution
        out = self.convolution_op(to_channels_first(x, self.data_format), self.kernel)
        out = to_channels_last(out, self.data_format)
        return out if self.bias is None else out + self.bias

    def get_config(self):
        return dict(super().get_config(), filters=self.filters, **self._window_config(),
                    groups=self.groups, **kernel_bias_config(self))


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); padding 'valid', 'same' or 'causal'. The
    initializer/regularizer/constraint arguments are those of ``Dense``, with the same names."""
    rank = 1
    paddings = ("valid", "same", "causal")

    @legacy.interface("Conv1D")
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, groups=groups, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over (batch, rows, cols, channels) (channels_last)."""
    rank = 2

    @legacy.interface("Conv2D")
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, groups=groups, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over (batch, depth, rows, cols, channels) (channels_last)."""
    rank = 3

    @legacy.interface("Conv3D")
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, groups=groups, **kwargs)


class _Transposed:
    """Transposed convolutions (mixed in before a ``_Conv``): kernel (k..., filters,
    in_channels), optional ``output_padding`` (each smaller than its stride), no groups."""
    paddings = ("valid", "same")

    def _set_output_padding(self, output_padding):
        """Check and keep ``output_padding`` (and that no ``groups`` came with the arguments)."""
        cls = type(self).__name__
        if self.groups != 1:
            raise ValueError(f"{cls}: transposed convolutions take no `groups` (got "
                             f"{self.groups})")
        self.output_padding = None if output_padding is None else \
            normalize_tuple(output_padding, self.rank, "output_padding", cls)
        if self.output_padding is not None and any(
                not 0 <= p < s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{cls}: `output_padding` {self.output_padding} must be "
                             f"smaller than the strides {self.strides}")

    def _kernel_shape(self, in_channels):
        return self.kernel_size + (self.filters, in_channels)

    def _convolve(self, x):
        return getattr(ag.nn, f"conv{self.rank}d_transpose")(
            x, self.kernel, self.bias, stride=self.strides, padding=self.padding,
            output_padding=self.output_padding, dilation=self.dilation_rate)

    def _spatial_output(self, spatial):
        pads = self.output_padding or (None,) * self.rank
        return tuple(deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                     zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate))

    def get_config(self):
        cfg = super().get_config()
        del cfg["groups"]
        return dict(cfg, output_padding=None if self.output_padding is None
                    else tuple(self.output_padding))


class Conv1DTranspose(_Transposed, _Conv):
    """Transposed 1-D convolution; kernel (k, filters, in_channels)."""
    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, **kwargs)
        self._set_output_padding(output_padding)


class Conv2DTranspose(_Transposed, Conv2D):
    """Transposed 2-D convolution; kernel (kh, kw, filters, in_channels)."""

    @legacy.interface("Conv2DTranspose")
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True, **kwargs):
        _Conv.__init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate,
                       activation, use_bias, **kwargs)
        self._set_output_padding(output_padding)


class Conv3DTranspose(_Transposed, _Conv):
    """Transposed 3-D convolution; kernel (kd, kh, kw, filters, in_channels)."""
    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, **kwargs)
        self._set_output_padding(output_padding)


_WEIGHT_ARGS = (("initializer", initializers), ("regularizer", regularizers),
                ("constraint", constraints))
# tf.keras 2 stored its base Conv's unused kernel arguments in SeparableConv2D configs
_UNUSED_KERNEL_ARGS = ("kernel_initializer", "kernel_regularizer", "kernel_constraint")


class _Depthwise(_Window):
    """Shared body of the depthwise convolutions: kernel (k..., channels, depth_multiplier),
    output channel c*depth_multiplier + m from input channel c and its filter m."""
    _weight_names = ("depthwise", "bias")

    def _set_depthwise_args(self, kernel_size, strides, padding, data_format, dilation_rate,
                            depth_multiplier, activation, use_bias, **weight_args):
        """Window arguments, ``depth_multiplier``, activation, use_bias and the
        ``<weight>_initializer/_regularizer/_constraint`` arguments (resolved)."""
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.depth_multiplier = self._positive(depth_multiplier, "depth_multiplier")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        modules = dict(_WEIGHT_ARGS)
        for key, value in weight_args.items():
            setattr(self, key, modules[key.rsplit("_", 1)[1]].get(value))

    _depthwise_name = "depthwise_kernel"

    def _build_kernels(self, channels):
        self.depthwise_kernel = self._add_weight(
            self._depthwise_name, self.kernel_size + (channels, self.depth_multiplier), "depthwise")

    def _depthwise(self, x, bias=None):
        return getattr(ag.nn, f"depthwise_conv{self.rank}d")(
            x, self.depthwise_kernel, bias, stride=self.strides, padding=self.padding,
            dilation=self.dilation_rate)

    def get_config(self):
        cfg = dict(super().get_config(), depth_multiplier=self.depth_multiplier,
                   **self._window_config(), activation=activations.serialize(self.activation),
                   use_bias=self.use_bias)
        for kind, module in _WEIGHT_ARGS:
            names = self._weight_names + (("activity",) if kind == "regularizer" else ())
            cfg.update({f"{n}_{kind}": module.serialize(getattr(self, f"{n}_{kind}"))
                        for n in names})
        return cfg


class _DepthwiseConv(_Depthwise):
    """Depthwise convolution: each input channel through its own ``depth_multiplier`` filters;
    weights kernel (k..., channels, depth_multiplier) (Keras 3's name; also
    ``.depthwise_kernel``, tf.keras's attribute) and bias (channels * depth_multiplier,)."""
    _depthwise_name = "kernel"

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_depthwise_args(
            kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
            activation, use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint)

    def _out_channels(self, in_channels):
        return None if in_channels is None else in_channels * self.depth_multiplier

    def _build_kernels(self, channels):
        super()._build_kernels(channels)
        self.kernel = self.depthwise_kernel

    def _convolve(self, x):
        return self._depthwise(x, self.bias)


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution; kernel (kh, kw, channels, depth_multiplier)."""
    rank = 2


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution over (batch, steps, channels); kernel (k, channels,
    depth_multiplier); padding 'valid' or 'same'."""
    rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


class _SeparableConv(_Depthwise):
    """Depthwise separable convolution: the depthwise convolution, then a 1x1 convolution to
    ``filters`` channels; weights depthwise_kernel (k..., channels, depth_multiplier),
    pointwise_kernel (1..., channels * depth_multiplier, filters), bias (filters,)."""
    _weight_names = ("depthwise", "pointwise", "bias")

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = self._positive(filters, "filters")
        self._set_depthwise_args(
            kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
            activation, use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint)

    def _out_channels(self, in_channels):
        return self.filters

    def _build_kernels(self, channels):
        super()._build_kernels(channels)
        shape = (1,) * self.rank + (channels * self.depth_multiplier, self.filters)
        self.pointwise_kernel = self._add_weight("pointwise_kernel", shape, "pointwise")

    def _convolve(self, x):
        return getattr(ag.nn, f"conv{self.rank}d")(self._depthwise(x), self.pointwise_kernel,
                                                   self.bias)

    def get_config(self):
        return dict(super().get_config(), filters=self.filters)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = {k: v for k, v in config.items() if k not in _UNUSED_KERNEL_ARGS}
        return super().from_config(config, custom_objects)


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2-D convolution (pointwise kernel (1, 1, channels * depth_multiplier,
    filters))."""
    rank = 2
    __init__ = legacy.interface("SeparableConv2D")(_SeparableConv.__init__)


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1-D convolution (pointwise kernel (1, channels * depth_multiplier,
    filters)); padding 'valid' or 'same'."""
    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Deconvolution2D = Conv2DTranspose
Deconvolution3D = Conv3DTranspose
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
AtrousConvolution1D = Conv1D
AtrousConvolution2D = Conv2D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

# Keras 1/2 scripts import the pooling layers from here too
from .pooling import (  # noqa: E402,F401
    MaxPooling1D, AveragePooling1D, MaxPooling2D, AveragePooling2D, MaxPooling3D,
    AveragePooling3D, GlobalMaxPooling1D, GlobalAveragePooling1D, GlobalMaxPooling2D,
    GlobalAveragePooling2D, GlobalMaxPooling3D, GlobalAveragePooling3D)
