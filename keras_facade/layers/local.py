"""Locally connected layers (Keras 2, removed in Keras 3): LocallyConnected1D/2D, convolutions
whose filters are not shared, one set of ``filters`` per output position.

Weights as Keras 2.3. ``implementation=1``: kernel (positions, patch, filters) and bias
(output spatial..., filters); a patch is flattened as Keras 2 sliced it, (k..., channels) for
channels_last inputs and (channels, k...) for channels_first ones. ``implementation=2``: a dense
kernel (input spatial..., channels, output spatial..., filters) (channels_first:
(channels, input spatial..., filters, output spatial...)) masked to the connected pairs, one
matmul; it also accepts ``padding='same'`` (windows start ``k // 2`` before each strided
position, as Keras 2's mask did). ``implementation=3`` (tf.keras): a kernel of one value per
connection, ordered by (flat output index, flat input index) in the inputs' own layout, as its
sparse kernel; 'same' padding too. With channels_first the bias is added after reshaping (not
transposing) it to (filters, output spatial...), as Keras 2 did, so its files load unchanged.
"""
import math

import numpy as np

import autograd_core as ag

from .. import legacy
from .base import InputSpec, Layer
from .convolutional import _Window
from .core import kernel_bias_config, set_kernel_bias_args


def window_taps(spatial, kernel_size, strides, out, padding):
    """Index computation: (flat input index, in range) of every tap of every window, each
    (positions, taps), positions and taps in row-major order."""
    pos = np.stack(np.unravel_index(np.arange(math.prod(out)), out), -1)
    tap = np.stack(np.unravel_index(np.arange(math.prod(kernel_size)), kernel_size), -1)
    shift = np.array([k // 2 for k in kernel_size]) if padding == "same" else 0
    coords = (pos * np.array(strides) - shift)[:, None, :] + tap[None, :, :]
    inside = ((coords >= 0) & (coords < np.array(spatial))).all(-1)
    flat = np.ravel_multi_index(tuple(np.moveaxis(coords, -1, 0)), spatial, mode="clip")
    return flat, inside


def sparse_connections(taps, inside, size, channels, filters, channels_first):
    """Index computation for implementation=3: the (flat output, flat input) index of every
    weight, sorted, the outputs (positions, filters) and inputs (size, channels) flattened in
    the inputs' layout."""
    grid = taps.shape + (channels, filters)
    keep = np.broadcast_to(inside[:, :, None, None], grid)
    p, t, c, f = (a[keep] for a in np.indices(grid))
    positions = grid[0]
    src = taps[p, t]
    if channels_first:
        out, into = f * positions + p, c * size + src
    else:
        out, into = p * filters + f, src * channels + c
    order = np.lexsort((into, out))
    return out[order], into[order]


class _LocallyConnected(_Window):
    """Shared body of LocallyConnected1D/2D (window arguments resolved as the convolutions')."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.filters = self._positive(filters, "filters")
        self._set_window(kernel_size, strides, padding, data_format, 1)
        if implementation not in (1, 2, 3):
            raise ValueError(f"{cls}: `implementation` must be 1, 2 or 3, got "
                             f"{implementation!r}")
        if self.padding != "valid" and implementation == 1:
            raise ValueError(f"{cls}: invalid padding {padding!r} (only 'valid' is supported "
                             f"with implementation=1; implementations 2 and 3 accept 'same')")
        self.implementation = int(implementation)
        set_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                             kernel_regularizer, bias_regularizer, activity_regularizer,
                             kernel_constraint, bias_constraint)

    def _out_channels(self, in_channels):
        return self.filters

    def build(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = tuple(input_shape[2:] if first else input_shape[1:-1])
        channels = input_shape[self._channel_axis()]
        if channels is None or None in spatial:
            raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}) needs fully defined "
                             f"spatial and channel dimensions, got input shape "
                             f"{tuple(input_shape)}")
        out = self._spatial_output(spatial)
        if min(out) <= 0:
            raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}): kernel_size "
                             f"{self.kernel_size} does not fit the input shape "
                             f"{tuple(input_shape)} (output size {out})")
        taps, inside = window_taps(spatial, self.kernel_size, self.strides, out, self.padding)
        self._geometry = (spatial, channels, out)
        if self.implementation == 1:
            self._taps = taps
            shape = (len(taps), taps.shape[1] * channels, self.filters)
        elif self.implementation == 3:
            self._pairs = sparse_connections(taps, inside, math.prod(spatial), channels,
                                             self.filters, first)
            shape = (len(self._pairs[0]),)
        else:
            mask = np.zeros((math.prod(spatial), len(taps)), dtype=self.dtype)
            mask[taps[inside], np.nonzero(inside)[0]] = 1
            if first:
                shape = (channels,) + spatial + (self.filters,) + out
                self._mask = mask.reshape((1,) + spatial + (1,) + out)
            else:
                shape = spatial + (channels,) + out + (self.filters,)
                self._mask = mask.reshape(spatial + (1,) + out + (1,))
        self.kernel = self._add_weight("kernel", shape, "kernel")
        self.bias = self._add_weight("bias", out + (self.filters,), "bias") \
            if self.use_bias else None
        # the weights fix every non-batch dimension
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={i: n for i, n in enumerate(input_shape) if i})
        Layer.build(self, input_shape)

    def _patches(self, x):
        """(batch, positions, patch) with each patch flattened in Keras 2's order."""
        spatial, channels, _ = self._geometry
        n, positions, taps = x.shape[0], self._taps.shape[0], self._taps.shape[1]
        if self.data_format == "channels_first":  # (n, C, positions, taps) -> patch (C, taps)
            p = ag.reshape(x, (n, channels, -1))[:, :, self._taps]
            p = ag.transpose(p, (0, 2, 1, 3))
        else:  # (n, positions, taps, C) -> patch (taps, C)
            p = ag.reshape(x, (n, -1, channels))[:, self._taps]
        return ag.reshape(p, (n, positions, taps * channels))

    def call(self, inputs):
        _, _, out = self._geometry
        n, first = inputs.shape[0], self.data_format == "channels_first"
        if self.implementation == 1:
            y = ag.einsum("npk,pkf->npf", self._patches(inputs), self.kernel)
            y = ag.reshape(ag.transpose(y, (0, 2, 1)), (n, self.filters) + out) if first \
                else ag.reshape(y, (n,) + out + (self.filters,))
        else:
            width, flat = math.prod(out) * self.filters, ag.reshape(inputs, (n, -1))
            if self.implementation == 2:
                mask = ag.tensor(self._mask, dtype=self.kernel.dtype, device=self.kernel.device)
                y = ag.matmul(flat, ag.reshape(self.kernel * mask, (-1, width)))
            else:  # each connection's product summed into its output
                into_out, from_in = self._pairs
                y = ag.index_add(flat[:, from_in] * self.kernel, shape=(n, width),
                                 key=(slice(None), into_out))
            y = ag.reshape(y, (n,) + ((self.filters,) + out if first else out + (self.filters,)))
        if self.bias is not None:
            y = y + (ag.reshape(self.bias, (self.filters,) + out) if first else self.bias)
        return self.activation(y)

    def get_config(self):
        window = self._window_config()
        del window["dilation_rate"]
        return dict(Layer.get_config(self), filters=self.filters, **window,
                    **kernel_bias_config(self), implementation=self.implementation)


class LocallyConnected1D(_LocallyConnected):
    """Unshared 1-D convolution over (batch, steps, channels); kernel (output_length,
    kernel_size * channels, filters) and bias (output_length, filters) with implementation=1."""
    rank = 1

    @legacy.interface("LocallyConnected1D")
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation,
                         use_bias, **kwargs)


class LocallyConnected2D(_LocallyConnected):
    """Unshared 2-D convolution over (batch, rows, cols, channels); kernel (output_rows *
    output_cols, kh * kw * channels, filters) and bias (output_rows, output_cols, filters) with
    implementation=1."""
    rank = 2

    @legacy.interface("LocallyConnected2D")
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation,
                         use_bias, **kwargs)
