"""Convolutions: Conv1D, Conv2D, Conv2DTranspose (+ Keras 1 aliases Convolution1D/2D,
Deconvolution2D, AtrousConvolution1D/2D). Kernels are (k..., in, out) as Keras (the transposed
convolution's (kh, kw, out, in)); ``data_format='channels_first'`` inputs are transposed around the
channels-last computation. The padding/cropping/upsampling layers of Keras 2's
``keras.layers.convolutional`` are re-exported from :mod:`.reshaping`."""
import autograd_core as ag

from .. import backend, legacy
from .base import InputSpec, Layer
from .core import kernel_bias_config, set_kernel_bias_args
from .conv_utils import (conv_output_length, deconv_output_length, normalize_tuple,  # noqa: F401
                         to_channels_first, to_channels_last)
from .reshaping import (ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D,  # noqa: F401
                        UpSampling1D, UpSampling2D)


class _Conv(Layer):
    """Shared body of the convolutions of rank 1 and 2."""
    rank = 2
    paddings = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, groups=1, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.filters = int(filters)
        if self.filters <= 0:
            raise ValueError(f"{cls}: `filters` must be a positive integer, got {filters}")
        if groups != 1:
            raise ValueError(f"{cls}: grouped convolutions (groups={groups}) are not supported")
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
        set_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                             kernel_regularizer, bias_regularizer, activity_regularizer,
                             kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _kernel_shape(self, in_channels):
        return self.kernel_size + (in_channels, self.filters)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"Layer \"{self.name}\": the channel dimension of the inputs "
                             f"should be defined, found None (input shape {input_shape})")
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
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
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + self._spatial_output(input_shape[2:])
        return (input_shape[0],) + self._spatial_output(input_shape[1:-1]) + (self.filters,)

    def get_config(self):
        return dict(super().get_config(), filters=self.filters, kernel_size=list(self.kernel_size),
                    strides=list(self.strides), padding=self.padding, data_format=self.data_format,
                    dilation_rate=list(self.dilation_rate), **kernel_bias_config(self))


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); padding 'valid', 'same' or 'causal'. The
    initializer/regularizer/constraint arguments are those of ``Dense``, with the same names."""
    rank = 1
    paddings = ("valid", "same", "causal")

    @legacy.interface("Conv1D")
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, **kwargs)

    def _convolve(self, x):
        return ag.nn.conv1d(x, self.kernel, self.bias, stride=self.strides[0], padding=self.padding,
                            dilation=self.dilation_rate[0])


class Conv2D(_Conv):
    """2-D convolution over (batch, rows, cols, channels) (channels_last)."""
    rank = 2

    @legacy.interface("Conv2D")
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, **kwargs)

    def _convolve(self, x):
        return ag.nn.conv2d(x, self.kernel, self.bias, stride=self.strides, padding=self.padding,
                            dilation=self.dilation_rate)


class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution; kernel (kh, kw, filters, in_channels)."""

    @legacy.interface("Conv2DTranspose")
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True, **kwargs):
        _Conv.__init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate,
                       activation, use_bias, **kwargs)
        self.output_padding = None if output_padding is None else \
            normalize_tuple(output_padding, 2, "output_padding", "Conv2DTranspose")
        if self.output_padding is not None and any(
                not 0 <= p < s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"Conv2DTranspose: `output_padding` {self.output_padding} must be "
                             f"smaller than the strides {self.strides}")

    def _kernel_shape(self, in_channels):
        return self.kernel_size + (self.filters, in_channels)

    def _convolve(self, x):
        return ag.nn.conv2d_transpose(x, self.kernel, self.bias, stride=self.strides,
                                      padding=self.padding, output_padding=self.output_padding,
                                      dilation=self.dilation_rate)

    def _spatial_output(self, spatial):
        pads = self.output_padding or (None, None)
        return tuple(deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                     zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate))

    def get_config(self):
        return dict(super().get_config(), output_padding=None if self.output_padding is None
                    else list(self.output_padding))


Convolution1D = Conv1D
Convolution2D = Conv2D
Deconvolution2D = Conv2DTranspose
Convolution2DTranspose = Conv2DTranspose
AtrousConvolution1D = Conv1D
AtrousConvolution2D = Conv2D

# Keras 1/2 scripts import the pooling layers from here too
from .pooling import (  # noqa: E402,F401
    MaxPooling1D, AveragePooling1D, MaxPooling2D, AveragePooling2D, GlobalMaxPooling1D,
    GlobalAveragePooling1D, GlobalMaxPooling2D, GlobalAveragePooling2D)
