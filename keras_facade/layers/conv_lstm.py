"""Convolutional LSTMs: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D over (batch, time, spatial..., channels).

An LSTM whose kernels are convolutions: gates (i, f, c, o) as in ``LSTM``, with weights kernel
(k..., channels, 4*filters), recurrent_kernel (k..., filters, 4*filters) and bias (4*filters,).
The input convolution takes the layer's strides, padding and dilation; the recurrent one is always
'same' with stride 1, so the state keeps the output's spatial shape.

The layers run on the ``RNN`` machinery of :mod:`.recurrent`: each step's input and state are
handed to it flattened (channels-last), so masks, initial and stateful states, ``go_backwards``
and dropout work as for ``LSTM``; the input convolution of every step runs as one batched
convolution before the time loop. Dropout masks are drawn per element of the input and of the
state, once per call, and shared by the four gates.
"""
import math

import numpy as np

import autograd_core as ag

from .. import activations, config, legacy
from . import nest
from .base import InputSpec, Layer, to_snake_case
from .convolutional import _Window
from .recurrent import LSTMCell, _CellLayer, _dropped, _engine, _RecurrentCell


class ConvLSTMCell(_RecurrentCell, _Window):
    """One ConvLSTM step on flattened channels-last inputs (batch, prod(spatial) * channels) and
    states (batch, prod(output spatial) * filters); ``rank`` spatial dimensions."""
    gates = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, unit_forget_bias=True, **kwargs):
        self.rank = rank
        super().__init__(filters, activation=activation, use_bias=use_bias, **kwargs)
        self.filters = self.units
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.input_spec = None  # the RNN layer checks its (batch, time, ...) inputs
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.spatial = self.output_spatial = None

    _bias_initializer = LSTMCell._bias_initializer  # forget-gate bias at 1 (unit_forget_bias)

    def _out_channels(self, in_channels):
        return self.filters

    @property
    def state_size(self):
        n = None if self.output_spatial is None else math.prod(self.output_spatial) * self.filters
        return [n, n]

    @property
    def output_size(self):
        return self.state_size[0]

    def build(self, input_shape):
        """``input_shape``: one step (batch, spatial..., channels) in the layer's layout."""
        axis = self._channel_axis()
        channels = input_shape[axis]
        spatial = tuple(input_shape[2:] if axis == 1 else input_shape[1:-1])
        output = self._spatial_output(spatial)
        self.spatial, self.output_spatial, self.input_dim = spatial, output, channels
        width = 4 * self.filters
        self.kernel = self._add_weight("kernel", self.kernel_size + (channels, width), "kernel")
        self.recurrent_kernel = self._add_weight(
            "recurrent_kernel", self.kernel_size + (self.filters, width), "recurrent")
        self.bias = self.add_weight("bias", (width,), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        Layer.build(self, input_shape)

    def _conv(self, x, w, b=None, **geometry):
        return getattr(ag.nn, f"conv{self.rank}d")(x, w, b, **geometry)

    def dropout_masks(self, batch, input_dim, training):
        """(input mask, state mask) over the flattened step input and state."""
        units, self.units = self.units, self.state_size[0]  # the state mask's width
        try:
            return super().dropout_masks(batch, input_dim, training)
        finally:
            self.units = units

    def project(self, x):
        """The input convolution (+ bias) of flattened steps (..., prod(spatial) * channels), one
        convolution for all of them."""
        lead = tuple(x.shape[:-1])
        images = ag.reshape(x, (-1,) + self.spatial + (self.input_dim,))
        z = self._conv(images, self.kernel, self.bias, stride=self.strides, padding=self.padding,
                       dilation=self.dilation_rate)
        return ag.reshape(z, lead + (-1,))

    def step(self, zx, states, recurrent_mask=None):
        h, c = states
        batch, f = h.shape[0], self.filters
        image = ag.reshape(_dropped(h, recurrent_mask), (batch,) + self.output_spatial + (f,))
        z = zx + ag.reshape(self._conv(image, self.recurrent_kernel, padding="same"), (batch, -1))
        z = ag.reshape(z, (batch, -1, 4 * f))
        act, gate = _engine(self.activation), _engine(self.recurrent_activation)
        i, forget, o = gate(z[..., :f]), gate(z[..., f:2 * f]), gate(z[..., 3 * f:])
        c = forget * ag.reshape(c, (batch, -1, f)) + i * act(z[..., 2 * f:3 * f])
        h = ag.reshape(o * act(c), (batch, -1))
        c = ag.reshape(c, (batch, -1))
        return h, [h, c]

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("units")
        return dict(cfg, filters=self.filters, **self._window_config(),
                    recurrent_activation=activations.serialize(self.recurrent_activation),
                    unit_forget_bias=self.unit_forget_bias)


_CONV_ATTRS = frozenset({"filters", "kernel_size", "strides", "padding", "data_format",
                         "dilation_rate"})
_CELL_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "seed")


class _ConvLSTM(_CellLayer):
    """Shared body of ConvLSTM1D/2D/3D (``rank`` spatial dimensions)."""
    cell_class = ConvLSTMCell
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        local = locals()
        cell_args = dict({k: local[k] for k in _CELL_ARGS}, rank=self.rank)
        rnn_args = {k: local[k] for k in ("return_sequences", "return_state", "go_backwards",
                                          "stateful")}
        name = type(self).__name__
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"{name}: `filters` must be a positive integer, got {filters!r}")
        try:
            super().__init__(cell_args, rnn_args, activity_regularizer, **kwargs)
        except ValueError as err:  # the window arguments, checked by the cell
            raise ValueError(str(err).replace(ConvLSTMCell.__name__, name)) from None
        self.input_spec = InputSpec(ndim=self.rank + 3)

    @classmethod
    def _default_name_prefix(cls):
        if config.default("naming.style") == "keras2":
            return to_snake_case(cls.__name__)  # Keras 2's conv_lst_m2d
        return f"conv_lstm{cls.rank}d"

    def __getattr__(self, name):
        if name in _CONV_ATTRS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        return super().__getattr__(name)

    def build(self, input_shape):
        if not nest.is_shape(input_shape):
            input_shape = nest.flatten_shapes(input_shape)[0]
        spatial = self._spatial(input_shape)
        channels = input_shape[2 if self.data_format == "channels_first" else -1]
        if channels is None or None in spatial:
            raise ValueError(f"Layer \"{self.name}\" needs the channel and spatial dimensions of "
                             f"its inputs, got input shape {tuple(input_shape)}")
        if min(self.cell._spatial_output(spatial)) <= 0:
            raise ValueError(f"Layer \"{self.name}\": kernel_size={self.kernel_size} with "
                             f"padding={self.padding!r}, dilation_rate={self.dilation_rate} does "
                             f"not fit the spatial input shape {spatial}")
        super().build(input_shape)
        axes = {i: input_shape[i] for i in range(2, self.rank + 3)}
        self.input_spec = InputSpec(ndim=self.rank + 3, axes=axes)

    # -- between the layer's layout and the cell's flattened channels-last steps -------------------
    def _spatial(self, input_shape):
        """The spatial dimensions of (batch, time, ...) inputs."""
        cf = self.data_format == "channels_first"
        return tuple(input_shape[3:] if cf else input_shape[2:-1])

    def _state_shape(self, spatial):
        """A state's shape without the batch axis, for inputs of ``spatial`` dimensions."""
        out = self.cell._spatial_output(spatial)
        filters = self.cell.filters
        return (filters,) + out if self.data_format == "channels_first" else out + (filters,)

    def _channels_last(self, x, lead):
        """``x`` (``lead`` axes, then channels and spatial axes in the layer's layout) with its
        channels last."""
        if self.data_format != "channels_first":
            return x
        return ag.transpose(x, tuple(range(lead)) + tuple(range(lead + 1, x.ndim)) + (lead,))

    def _from_flat(self, flat):
        """A (batch, [time,] n) cell output in the layer's layout."""
        lead = flat.ndim - 1
        x = ag.reshape(flat, tuple(flat.shape[:lead]) + self.cell.output_spatial +
                       (self.cell.filters,))
        if self.data_format != "channels_first":
            return x
        return ag.transpose(x, tuple(range(lead)) + (x.ndim - 1,) + tuple(range(lead, x.ndim - 1)))

    def _initial_states(self, inputs, initial_state):
        """The given (or stateful) states, in the layer's layout, flattened for the cell."""
        if initial_state is None and self.stateful:
            initial_state = self.states
        if initial_state is None:
            return super()._initial_states(inputs, None)
        batch = inputs.shape[0]
        states = [s if isinstance(s, ag.Tensor) else
                  ag.tensor(np.asarray(s, self.dtype), device=inputs.device)
                  for s in nest.to_list(initial_state)]
        want = (batch,) + self._state_shape(self.cell.spatial)
        if len(states) != 2 or any(tuple(s.shape) != want for s in states):
            raise ValueError(f"Layer \"{self.name}\" expects 2 states of shape {want}, but it "
                             f"received shapes {[tuple(s.shape) for s in states]}")
        return [ag.reshape(self._channels_last(s, 1), (batch, -1)) for s in states]

    def _finish(self, result, states):
        return super()._finish(self._from_flat(result), [self._from_flat(s) for s in states])

    def call(self, inputs, mask=None, training=None, initial_state=None):
        listed = isinstance(inputs, (list, tuple))  # Keras 2: [inputs, *initial_states]
        seq = inputs[0] if listed else inputs
        x = ag.reshape(self._channels_last(seq, 2), tuple(seq.shape[:2]) + (-1,))
        x = [x] + list(inputs[1:]) if listed else x
        return super().call(x, mask=mask, training=training, initial_state=initial_state)

    def compute_output_shape(self, input_shape):
        if not nest.is_shape(input_shape):
            input_shape = nest.flatten_shapes(input_shape)[0]
        batch, steps = input_shape[0], input_shape[1]
        state = (batch,) + self._state_shape(self._spatial(input_shape))
        out = state[:1] + (steps,) + state[1:] if self.return_sequences else state
        return [out, state, state] if self.return_state else out


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over (batch, time, steps, channels)."""
    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over (batch, time, rows, cols, channels); Keras 1 spellings are
    converted."""
    rank = 2
    __init__ = legacy.interface("ConvLSTM2D")(_ConvLSTM.__init__)


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over (batch, time, depth, rows, cols, channels)."""
    rank = 3
