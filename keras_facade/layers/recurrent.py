"""Recurrent layers: ``RNN(cell)`` and the SimpleRNN, LSTM, GRU layers and cells.

Keras weight layouts and gate orders: LSTM (i, f, c, o) with kernel (in, 4u), recurrent_kernel
(u, 4u), bias (4u,); GRU (z, r, h) with bias (3u,) or, with ``reset_after`` (Keras 3 default),
(2, 3u) = (input bias, recurrent bias). The built-in cells project the inputs of every step in one
matmul, then loop over time with one ``ag.nn.*_step`` per step. Dropout masks are drawn once per
call and reused at every step; masked steps carry the previous state and output forward.
"""
import numpy as np

import autograd_core as ag

from .. import activations, backend, config, constraints, initializers, legacy, regularizers
from . import nest
from .base import InputSpec, Layer, to_snake_case


def _engine(fn):
    """The engine's own sigmoid/tanh for Keras' (lets the step kernels fuse the gates)."""
    return {activations.sigmoid: ag.sigmoid, activations.tanh: ag.tanh}.get(fn, fn)


class _RecurrentCell(Layer):
    """A built-in cell: ``gates`` blocks of ``units`` in the kernel, recurrent kernel and bias."""
    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        if self.units <= 0:
            raise ValueError(f"{type(self).__name__}: `units` must be a positive integer, got "
                             f"{units}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer \"{self.name}\": the feature dimension of the inputs should "
                             f"be defined, got input shape {input_shape}")
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_dim, width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(),
                                    initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        super().build(input_shape)

    # -- the pieces the RNN layer loops over ----------------------------------------------------
    def dropout_masks(self, batch, input_dim, training):
        """(input mask, recurrent mask), each None unless dropping while training."""
        gen = self._generator if self._generator is not None else backend.rng()

        def mask(rate, width):
            if not training or not 0 < rate < 1:
                return None
            return ag.nn.dropout(ag.ones((batch, width), device=backend.get_device()), rate,
                                 training=True, generator=gen)
        return mask(self.dropout, input_dim), mask(self.recurrent_dropout, self.units)

    def _input_bias(self):
        return self.bias

    def project(self, x):
        """x @ kernel + input bias, for one step (batch, in) or all steps (batch, time, in)."""
        z = ag.matmul(x, self.kernel)
        bias = self._input_bias()
        return z if bias is None else z + bias

    def step(self, zx, states, recurrent_mask=None):
        """(output, new states) from a projected input and the previous states."""
        raise NotImplementedError

    def call(self, inputs, states, training=None):
        """One step on (batch, in) inputs (Keras' cell API)."""
        states = nest.to_list(states)
        dp, rdp = self.dropout_masks(inputs.shape[0], inputs.shape[-1], training)
        if dp is not None:
            inputs = inputs * dp
        return self.step(self.project(inputs), states, rdp)

    def get_initial_state(self, batch_size, dtype="float32"):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ag.zeros((batch_size, s), dtype=dtype, device=backend.get_device()) for s in sizes]

    def get_config(self):
        s = initializers.serialize
        return dict(super().get_config(), units=self.units,
                    activation=activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=s(self.kernel_initializer),
                    recurrent_initializer=s(self.recurrent_initializer),
                    bias_initializer=s(self.bias_initializer),
                    kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                    recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
                    bias_regularizer=regularizers.serialize(self.bias_regularizer),
                    kernel_constraint=constraints.serialize(self.kernel_constraint),
                    recurrent_constraint=constraints.serialize(self.recurrent_constraint),
                    bias_constraint=constraints.serialize(self.bias_constraint),
                    dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed)


def unstack_time(seq):
    """The steps of a time-major tensor as a list (the engine scatters each step's gradient into
    one shared buffer, so this stays O(T) in the backward pass)."""
    return [seq[t] for t in range(seq.shape[0])]


def _dropped(h, mask):
    return h if mask is None else h * mask


class SimpleRNNCell(_RecurrentCell):
    """h = activation(x·W + h·U + b)."""
    gates = 1

    def step(self, zx, states, recurrent_mask=None):
        h = ag.nn.simple_rnn_step(zx, _dropped(states[0], recurrent_mask), self.recurrent_kernel,
                                  _engine(self.activation))
        return h, [h]


class LSTMCell(_RecurrentCell):
    """Gates (i, f, c, o): c = f·c + i·act(c̃), h = o·act(c). ``unit_forget_bias`` starts the
    forget gate's bias at 1."""
    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 unit_forget_bias=True, implementation=2, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = implementation

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def forget_bias_one(shape, dtype=None):
            parts = [np.asarray(init((u,), dtype=dtype)), np.ones(u),
                     np.asarray(init((2 * u,), dtype=dtype))]
            return np.concatenate(parts).astype(dtype or backend.floatx())
        return forget_bias_one

    def step(self, zx, states, recurrent_mask=None):
        h, c = ag.nn.lstm_step(zx, _dropped(states[0], recurrent_mask), states[1],
                               self.recurrent_kernel, _engine(self.activation),
                               _engine(self.recurrent_activation))
        return h, [h, c]

    def get_config(self):
        return dict(super().get_config(),
                    recurrent_activation=activations.serialize(self.recurrent_activation),
                    unit_forget_bias=self.unit_forget_bias, implementation=self.implementation)


class GRUCell(_RecurrentCell):
    """Gates (z, r, h): h = z·h_prev + (1 - z)·hh. ``reset_after`` (Keras 3 default True, keras2
    profile False) applies the reset gate after the recurrent matmul and keeps a separate
    recurrent bias."""
    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 reset_after=None, implementation=2, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = config.default("gru.reset_after") if reset_after is None \
            else bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def step(self, zx, states, recurrent_mask=None):
        recurrent_bias = self.bias[1] if self.reset_after and self.bias is not None else None
        h = ag.nn.gru_step(zx, _dropped(states[0], recurrent_mask), self.recurrent_kernel,
                           recurrent_bias=recurrent_bias, reset_after=self.reset_after,
                           activation=_engine(self.activation),
                           recurrent_activation=_engine(self.recurrent_activation))
        return h, [h]

    def get_config(self):
        return dict(super().get_config(),
                    recurrent_activation=activations.serialize(self.recurrent_activation),
                    implementation=self.implementation, reset_after=self.reset_after)


class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds the output of a cell to the next."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        sizes = []
        for cell in self.cells:
            sizes += nest.to_list(cell.state_size)
        return sizes

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", nest.to_list(last.state_size)[0])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell._maybe_build(shape)
            size = getattr(cell, "output_size", nest.to_list(cell.state_size)[0])
            shape = shape[:-1] + (size,)
        super().build(input_shape)

    def call(self, inputs, states, training=None):
        states = nest.to_list(states)
        new_states = []
        for cell in self.cells:
            n = len(nest.to_list(cell.state_size))
            own, states = states[:n], states[n:]
            inputs, own = _cell_call(cell, inputs, own, training)
            new_states += own
        return inputs, new_states

    def get_config(self):
        from .serialization import serialize
        return dict(super().get_config(), cells=[serialize(c) for c in self.cells])

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import deserialize, clean_layer_config
        config = dict(config)
        cells = [deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **clean_layer_config(cls, config, custom_objects))


def _cell_call(cell, inputs, states, training):
    kwargs = {"training": training} if cell._accepts("training") else {}
    out, new = cell.call(inputs, list(states), **kwargs)
    return out, nest.to_list(new)


class RNN(Layer):
    """Run ``cell`` over the time axis of (batch, time, features) inputs.

    ``return_sequences``: every step's output (batch, time, units) instead of the last one;
    ``return_state``: also the final states; ``go_backwards``: process the sequence reversed (and
    return it reversed); ``stateful``: the final states of a batch are the initial states of the
    next one (fixed batch size; ``reset_states()`` zeroes them). At masked steps the states carry
    over, and so does the output unless ``zero_output_for_mask`` (then it is zeros).
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, zero_output_for_mask=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"RNN: `cell` must have a `call` method and a `state_size` "
                             f"attribute, got {cell!r}")
        if time_major:
            raise ValueError("RNN: time_major=True is not supported; pass (batch, time, ...) "
                             "inputs")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), \
            bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self.states = None

    def _state_sizes(self):
        return nest.to_list(self.cell.state_size)

    def _output_size(self):
        return getattr(self.cell, "output_size", self._state_sizes()[0])

    def build(self, input_shape):
        if not nest.is_shape(input_shape):
            input_shape = nest.flatten_shapes(input_shape)[0]
        if not self.cell.built:
            self.cell._maybe_build((input_shape[0],) + tuple(input_shape[2:]))
        self.input_spec = InputSpec(min_ndim=3, axes={-1: input_shape[-1]})
        super().build(input_shape)

    def _check_input_spec(self, input_shape):
        """Only the sequence is checked (Keras 2 also accepts [sequence, *initial_states])."""
        if not nest.is_shape(input_shape):
            input_shape = nest.flatten_shapes(input_shape)[0]
        super()._check_input_spec(input_shape)

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError(f"Layer \"{self.name}\" is not stateful")
        if states is None:  # zeros of the batch seen so far (Keras 3 keeps the state variables)
            self.states = None if self.states is None else [ag.zeros_like(s) for s in self.states]
            return
        self.states = [ag.tensor(np.asarray(s, dtype=self.dtype), device=backend.get_device())
                       for s in nest.to_list(states)]

    def _initial_states(self, inputs, initial_state):
        batch = inputs.shape[0]
        sizes = self._state_sizes()
        if initial_state is not None:
            states = [s if isinstance(s, ag.Tensor) else
                      ag.tensor(np.asarray(s, self.dtype), device=inputs.device)
                      for s in nest.to_list(initial_state)]
        elif self.stateful and self.states is not None:
            states = self.states
        else:
            return [ag.zeros((batch, s), dtype=self.dtype, device=inputs.device) for s in sizes]
        if len(states) != len(sizes) or any(tuple(s.shape) != (batch, n)
                                            for s, n in zip(states, sizes)):
            raise ValueError(f"Layer \"{self.name}\" expects {len(sizes)} state(s) of shapes "
                             f"{[(batch, n) for n in sizes]}, but it received shapes "
                             f"{[tuple(s.shape) for s in states]}")
        return states

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):  # Keras 2: [inputs, *initial_states]
            inputs, rest = inputs[0], list(inputs[1:])
            initial_state = initial_state if initial_state is not None else (rest or None)
            mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        states = self._initial_states(inputs, initial_state)
        steps = inputs.shape[1]
        cell = self.cell
        keep = None
        if mask is not None:
            keep = np.asarray(mask.numpy() if isinstance(mask, ag.Tensor) else mask, dtype=bool)
            keep = None if keep.all() else keep.T
        if isinstance(cell, _RecurrentCell):
            dp, rdp = cell.dropout_masks(inputs.shape[0], inputs.shape[-1], training)
            x = inputs if dp is None else inputs * ag.expand_dims(dp, 1)
            if isinstance(cell, LSTMCell) and keep is None and rdp is None:
                return self._lstm_sequence(cell, x, states)
            seq = unstack_time(ag.transpose(cell.project(x), (1, 0, 2)))

            def step(t, states):
                return cell.step(seq[t], states, rdp)
        else:
            seq = unstack_time(ag.transpose(inputs, (1, 0) + tuple(range(2, inputs.ndim))))

            def step(t, states):
                return _cell_call(cell, seq[t], states, training)
        outputs, output = [], None
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            out, new_states = step(t, states)
            if keep is not None:
                m = ag.tensor(keep[t][:, None], device=inputs.device)
                new_states = [ag.where(m, n, o) for n, o in zip(new_states, states)]
                held = output if output is not None and not self.zero_output_for_mask else None
                out = ag.where(m, out, held if held is not None else ag.zeros_like(out))
            states, output = new_states, out
            if self.return_sequences:
                outputs.append(out)
        return self._finish(ag.stack(outputs, axis=1) if self.return_sequences else output, states)

    def _finish(self, result, states):
        if self.stateful:
            self.states = [s.detach() for s in states]
        return [result] + list(states) if self.return_state else result

    def _lstm_sequence(self, cell, x, states):
        """An unmasked LSTM without recurrent dropout: all steps in one fused engine primitive."""
        zx = cell.project(x)
        if self.go_backwards:
            zx = ag.flip(zx, 1)
        hs, cs = ag.nn.lstm_sequence(zx, states[0], states[1], cell.recurrent_kernel,
                                     _engine(cell.activation), _engine(cell.recurrent_activation))
        h, c = hs[:, -1], cs[:, -1]
        return self._finish(hs if self.return_sequences else h, [h, c])

    def compute_output_shape(self, input_shape):
        if not nest.is_shape(input_shape):
            input_shape = nest.flatten_shapes(input_shape)[0]
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self._output_size()) if self.return_sequences else \
            (batch, self._output_size())
        if self.return_state:
            return [out] + [(batch, s) for s in self._state_sizes()]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self._state_sizes()) if self.return_state else out

    def _computes_own_mask(self):
        return False

    def get_config(self):
        from .serialization import serialize
        return dict(super().get_config(), return_sequences=self.return_sequences,
                    return_state=self.return_state, go_backwards=self.go_backwards,
                    stateful=self.stateful, unroll=self.unroll,
                    zero_output_for_mask=self.zero_output_for_mask, cell=serialize(self.cell))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import deserialize, clean_layer_config
        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects)
        return cls(cell, **clean_layer_config(cls, config, custom_objects))


class _CellLayer(RNN):
    """An RNN layer that builds its own cell from flat Keras arguments (SimpleRNN, LSTM, GRU)."""
    cell_class = None
    _RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
    _BASE_ARGS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape", "batch_size",
                  "input_dim", "weights", "input_dtype", "batch_shape", "autocast", "time_major")

    def __init__(self, cell_args, rnn_args, activity_regularizer=None, **kwargs):
        cell_kwargs = {k: kwargs[k] for k in ("dtype", "trainable") if k in kwargs}
        cell = self.cell_class(**cell_args, **cell_kwargs,
                               name=to_snake_case(self.cell_class.__name__))
        super().__init__(cell, **rnn_args, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def __getattr__(self, name):
        if name in _CELL_ATTRS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("cell")
        cell_cfg = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_cfg.pop(key, None)
        cfg.update(cell_cfg)
        cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import clean_layer_config
        return cls(**clean_layer_config(cls, config, custom_objects))


_CELL_ATTRS = frozenset({
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "implementation", "reset_after", "seed",
    "kernel", "recurrent_kernel", "bias"})


def _split_args(local, cell_params):
    cell_args = {k: local[k] for k in cell_params}
    rnn_args = {k: local[k] for k in _CellLayer._RNN_ARGS}
    return cell_args, rnn_args


_COMMON = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
           "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
           "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
           "recurrent_dropout", "seed")


class SimpleRNN(_CellLayer):
    cell_class = SimpleRNNCell

    @legacy.interface("SimpleRNN")
    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, seed=None,
                 **kwargs):
        cell_args, rnn_args = _split_args(locals(), _COMMON)
        super().__init__(cell_args, rnn_args, activity_regularizer, **kwargs)


class LSTM(_CellLayer):
    cell_class = LSTMCell

    @legacy.interface("LSTM")
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=2, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, seed=None,
                 **kwargs):
        cell_args, rnn_args = _split_args(locals(), _COMMON + (
            "recurrent_activation", "unit_forget_bias", "implementation"))
        super().__init__(cell_args, rnn_args, activity_regularizer, **kwargs)


class GRU(_CellLayer):
    cell_class = GRUCell

    @legacy.interface("GRU")
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=2, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 reset_after=None, seed=None, **kwargs):
        cell_args, rnn_args = _split_args(locals(), _COMMON + (
            "recurrent_activation", "implementation", "reset_after"))
        super().__init__(cell_args, rnn_args, activity_regularizer, **kwargs)
