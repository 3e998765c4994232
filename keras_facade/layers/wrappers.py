"""Wrappers: TimeDistributed (a layer applied to every time step) and Bidirectional (an RNN run
forwards and backwards)."""
import copy

import autograd_core as ag

from . import nest
from .base import InputSpec, Layer


class Wrapper(Layer):
    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: `layer` must be a Layer instance, got "
                             f"{layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        if self._batch_input_shape is None:  # Keras 2: the wrapped layer may carry the input shape
            self._batch_input_shape = layer._batch_input_shape

    def get_config(self):
        from .serialization import serialize
        return dict(super().get_config(), layer=serialize(self.layer))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import deserialize, clean_layer_config
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **clean_layer_config(cls, config, custom_objects))


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every slice along axis 1 of (batch, time, ...) inputs, with shared
    weights: the time axis is folded into the batch for one call of the layer."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._maybe_build((input_shape[0],) + tuple(input_shape[2:]))
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        y = self.layer(ag.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:])),
                       training=training)
        return ag.reshape(y, (batch, steps) + tuple(y.shape[1:]))

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (inner[0], input_shape[1]) + tuple(inner[1:])


class Bidirectional(Wrapper):
    """Run a recurrent layer forwards and a copy backwards over the sequence, and merge the two
    outputs (``merge_mode`` 'concat', 'sum', 'mul', 'ave' or None for a list). Weights: the
    forward layer's, then the backward layer's."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        from .serialization import serialize, deserialize
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"Bidirectional: invalid merge_mode {merge_mode!r}; expected one of "
                             f"'concat', 'sum', 'mul', 'ave', None")
        super().__init__(layer, **kwargs)
        forward_cfg = serialize(layer)
        forward_cfg["config"] = dict(forward_cfg["config"], name=f"forward_{layer.name}")
        self.forward_layer = deserialize(forward_cfg)
        if backward_layer is None:
            backward_cfg = copy.deepcopy(forward_cfg)
            backward_cfg["config"].update(name=f"backward_{layer.name}",
                                          go_backwards=not layer.go_backwards)
            backward_layer = deserialize(backward_cfg)
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Bidirectional: `backward_layer.go_backwards` must be the opposite of "
                             "`layer.go_backwards`")
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):  # as Keras: masked steps output 0
            sub.zero_output_for_mask = layer.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.supports_masking = True
        self._initial_weights = weights

    def _sublayers(self):
        return [self.forward_layer, self.backward_layer]

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._maybe_build(input_shape)
        super().build(input_shape)

    def _merge(self, y_f, y_b):
        if self.merge_mode == "concat":
            return ag.concatenate([y_f, y_b], axis=-1)
        if self.merge_mode == "sum":
            return y_f + y_b
        if self.merge_mode == "mul":
            return y_f * y_b
        if self.merge_mode == "ave":
            return (y_f + y_b) * 0.5
        return [y_f, y_b]

    def call(self, inputs, training=None, mask=None, initial_state=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        f_state = b_state = None
        if initial_state is not None:
            states = nest.to_list(initial_state)
            half = len(states) // 2
            f_state, b_state = states[:half], states[half:]
        y_f = self.forward_layer(inputs, initial_state=f_state, **kwargs)
        y_b = self.backward_layer(inputs, initial_state=b_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y_f[1:]) + list(y_b[1:])
            y_f, y_b = y_f[0], y_b[0]
        if self.return_sequences:
            y_b = ag.flip(y_b, 1)
        out = self._merge(y_f, y_b)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_output_shape(self, input_shape):
        shapes = self.forward_layer.compute_output_shape(input_shape)
        out, states = (shapes[0], shapes[1:]) if self.return_state else (shapes, [])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (None if out[-1] is None else 2 * out[-1],)
        merged = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return merged + list(states) * 2
        return merged if self.merge_mode is None else out

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        if self.return_state:
            n = len(nest.to_list(self.forward_layer.cell.state_size))
            heads = [out, out] if self.merge_mode is None else [out]
            return heads + [None] * (2 * n)
        return [out, out] if self.merge_mode is None else out

    def _computes_own_mask(self):
        return False

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        cfg = dict(super().get_config(), merge_mode=self.merge_mode)
        if self.backward_layer.name != f"backward_{self.layer.name}":
            from .serialization import serialize
            cfg["backward_layer"] = serialize(self.backward_layer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import deserialize
        config = dict(config)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize(config["backward_layer"], custom_objects)
        return super().from_config(config, custom_objects)
