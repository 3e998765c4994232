"""Nodes of the functional graph: one per call of a layer on symbolic tensors."""
import numpy as np

import autograd_core as ag

from .. import backend
from . import nest
from .input_layer import KerasTensor


def _shape_of(structure):
    """The shapes of the KerasTensors in ``structure`` (None for anything else)."""
    return nest.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, structure)


class Node:
    """``layer`` called on ``call_args``/``call_kwargs`` (holding KerasTensors), giving ``outputs``.

    ``keras_inputs`` are the symbolic tensors the call consumed, in order; ``inbound_layers``,
    ``node_indices`` and ``tensor_indices`` are where each came from.
    """

    def __init__(self, layer, call_args, call_kwargs, outputs, inbound=True):
        self.layer = layer
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs)
        self.input_tensors = self.call_args[0]
        self.output_tensors = outputs
        self.flat_outputs = nest.flatten(outputs)
        self.keras_inputs = [t for t in nest.flatten((self.call_args, self.call_kwargs))
                             if isinstance(t, KerasTensor)] if inbound else []

    @property
    def inbound_layers(self):
        return [t._keras_history[0] for t in self.keras_inputs]

    @property
    def node_indices(self):
        return [t._keras_history[1] for t in self.keras_inputs]

    @property
    def tensor_indices(self):
        return [t._keras_history[2] for t in self.keras_inputs]

    @property
    def input_shape(self):
        return _shape_of(self.input_tensors)

    @property
    def output_shape(self):
        return _shape_of(self.output_tensors)

    def run(self, values):
        """Call the layer on real values: ``values`` maps id(KerasTensor) -> tensor."""
        def fill(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x
        args = nest.map_structure(fill, self.call_args)
        kwargs = {k: nest.map_structure(fill, v) for k, v in self.call_kwargs.items()}
        return self.layer(*args, **kwargs)

    def __repr__(self):
        return f"<Node {self.layer.name}: {self.input_shape} -> {self.output_shape}>"


def symbolic_call(layer, inputs, args, kwargs):
    """Record ``layer(inputs, *args, **kwargs)`` on KerasTensors; return symbolic outputs."""
    for t in nest.flatten((inputs, args, kwargs)):
        if isinstance(t, ag.Tensor):
            raise ValueError(f"Layer \"{layer.name}\" was called with a mix of symbolic inputs "
                             f"(from Input) and concrete tensors; pass only symbolic tensors when "
                             f"building a model")
    input_shape = _shape_of(inputs)
    if not layer.built:
        layer._maybe_build(input_shape)
    else:
        layer._check_input_spec(input_shape)
    shapes, dtypes = layer._compute_output_specs(inputs, args, kwargs)
    flat_shapes = nest.flatten_shapes(shapes)
    flat_dtypes = nest.flatten(dtypes) if not nest.is_shape(shapes) else [dtypes]
    flat_out = [KerasTensor(s, d) for s, d in zip(flat_shapes, flat_dtypes)]
    outputs = flat_out[0] if nest.is_shape(shapes) else _pack_shapes(shapes, flat_out)
    node = Node(layer, (inputs,) + tuple(args), kwargs, outputs)
    layer._inbound_nodes.append(node)
    index = len(layer._inbound_nodes) - 1
    for i, t in enumerate(flat_out):
        t._keras_history = (layer, index, i)
        t.name = layer.name if len(flat_out) == 1 else f"{layer.name}_{i}"
    return outputs


def _pack_shapes(shapes, leaves):
    it = iter(leaves)
    return nest.map_shapes(lambda s: next(it), shapes)


def infer_output_specs(layer, inputs, args=(), kwargs=None, shapes=True):
    """Output shapes and dtypes found by running ``call`` on small dummy inputs without recording.

    ``inputs`` holds KerasTensors or (with ``shapes``) shapes. Unknown dimensions are tried with two
    sizes; output dimensions that follow them are unknown (None) too; the first (batch) dimension
    of a layer's output always is (an operation's only when it follows an unknown one).
    """
    if shapes:
        inputs = _as_keras(inputs, layer.dtype)
    kwargs = dict(kwargs or {})
    unknown = any(d is None for t in nest.flatten((inputs, args, kwargs))
                  if isinstance(t, KerasTensor) for d in t.shape)
    runs = [_dummy_run(layer, inputs, args, kwargs, (2, 3))]
    if unknown:
        runs.append(_dummy_run(layer, inputs, args, kwargs, (3, 5)))
    flats = [nest.flatten(r) for r in runs]
    shapes, dtypes = [], []
    for i, t in enumerate(flats[0]):
        shape = [d if all(len(f[i].shape) == len(t.shape) and f[i].shape[j] == d for f in flats[1:])
                 else None for j, d in enumerate(t.shape)]
        if shape and not layer._is_operation:
            shape[0] = None
        shapes.append(tuple(shape))
        dtypes.append(str(t.dtype))
    structure = runs[0]
    if not isinstance(structure, (list, tuple, dict)):
        return shapes[0], dtypes[0]
    structure = list(structure) if isinstance(structure, tuple) else structure
    return nest.pack_like(structure, shapes), nest.pack_like(structure, dtypes)


def _as_keras(inputs, dtype):
    if isinstance(inputs, KerasTensor):
        return inputs
    if nest.is_shape(inputs):
        return KerasTensor(inputs, dtype)
    if isinstance(inputs, dict):
        return {k: _as_keras(v, dtype) for k, v in inputs.items()}
    return [_as_keras(v, dtype) for v in inputs]


def _dummy_run(layer, inputs, args, kwargs, sizes):
    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        dims = [(sizes[0] if i == 0 else sizes[1]) if d is None else d
                for i, d in enumerate(t.shape)]
        return ag.zeros(tuple(dims), dtype=np.dtype(t.dtype), device=backend.get_device())

    dummy = nest.map_structure(make, inputs)
    dummy_args = nest.map_structure(make, tuple(args))
    dummy_kwargs = {k: nest.map_structure(make, v) for k, v in kwargs.items()}
    if layer._accepts("training"):
        dummy_kwargs.setdefault("training", False)
    from .base import _CALL_STACK, name_scope
    stateful = [sub for sub in layer._flatten_layers()
                if getattr(sub, "stateful", False) and hasattr(sub, "states")]
    saved = [sub.states for sub in stateful]  # a dummy batch must not meet or become RNN states
    for sub in stateful:
        sub.states = None
    with ag.no_grad(), name_scope(layer), np.errstate(all="ignore"):  # zeros may divide
        _CALL_STACK.append(False)
        try:
            return layer.call(dummy, *dummy_args, **dummy_kwargs)
        finally:
            _CALL_STACK.pop()
            for sub, states in zip(stateful, saved):
                sub.states = states
