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
    _mark_symbolic_masks(layer, inputs, flat_out)
    return outputs


def _input_masks(inputs):
    """The symbolic masks of ``inputs``' KerasTensors (None where they have none)."""
    from .base import get_mask
    return [get_mask(t) if isinstance(t, KerasTensor) else None for t in nest.flatten(inputs)]


def _mark_symbolic_masks(layer, inputs, flat_out):
    """Give the outputs a symbolic mask (a bool KerasTensor) where the eager call would set one,
    so that a later layer taking ``mask`` receives one while its shapes are inferred, as in
    Keras. A mask covers the leading axes of its tensor."""
    masks = _input_masks(inputs)
    if not layer._computes_own_mask() and not (layer.supports_masking and any(
            m is not None for m in masks)):
        return
    from .base import set_mask
    dummy = nest.map_structure(_dummy_maker((2, 3)), inputs)
    with ag.no_grad(), np.errstate(all="ignore"):
        try:
            out_mask = layer.compute_mask(dummy, _dummy_mask(inputs, masks, (2, 3)))
        except (ValueError, TypeError, IndexError):  # a mask rule that needs real data: no mask
            return
    out_masks = nest.flatten(out_mask) if isinstance(out_mask, (list, tuple)) else \
        [out_mask] * len(flat_out)
    for out, m in zip(flat_out, out_masks):
        if m is not None:
            set_mask(out, KerasTensor(out.shape[:len(m.shape)], "bool"))


def _dummy_mask(inputs, masks, sizes):
    """All-true masks for the dummy inputs (one, or packed like ``inputs``), or None."""
    if all(m is None for m in masks):
        return None
    make = _dummy_maker(sizes, ag.ones)
    made = [None if m is None else make(m) for m in masks]
    return made[0] if len(made) == 1 else nest.pack_like(inputs, made)


def _pack_shapes(shapes, leaves):
    it = iter(leaves)
    return nest.map_shapes(lambda s: next(it), shapes)


def infer_output_specs(layer, inputs, args=(), kwargs=None, shapes=True):
    """Output shapes and dtypes found by running ``call`` on small dummy inputs without recording.

    ``inputs`` holds KerasTensors or (with ``shapes``) shapes. Unknown dimensions are tried with two
    sizes; output dimensions that follow them are unknown (None) too; the first (batch) dimension
    of a layer's output is unknown unless every input's batch size is known (an operation's only
    when it follows an unknown one).
    """
    if shapes:
        inputs = _as_keras(inputs, layer.dtype)
    kwargs = dict(kwargs or {})
    unknown = any(d is None for t in nest.flatten((inputs, args, kwargs))
                  if isinstance(t, KerasTensor) for d in t.shape)
    batch_known = all(t.shape and t.shape[0] is not None for t in nest.flatten(inputs)
                      if isinstance(t, KerasTensor))
    runs = [_dummy_run(layer, inputs, args, kwargs, (2, 3))]
    if unknown:
        runs.append(_dummy_run(layer, inputs, args, kwargs, (3, 5)))
    flats = [nest.flatten(r) for r in runs]
    shapes, dtypes = [], []
    for i, t in enumerate(flats[0]):
        shape = [d if all(len(f[i].shape) == len(t.shape) and f[i].shape[j] == d for f in flats[1:])
                 else None for j, d in enumerate(t.shape)]
        if shape and not layer._is_operation and not batch_known:
            shape[0] = None
        shapes.append(tuple(shape))
        dtypes.append("string" if t.dtype.kind in "US" else str(t.dtype))
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


DUMMY_STRING = "\x00dummy"  # the value of dummy string inputs; lookups map it to any index


def _dummy_maker(sizes, fill=ag.zeros):
    """KerasTensor -> a ``fill`` tensor of its shape (unknown batch: ``sizes[0]``, other unknown
    dimensions: ``sizes[1]``); anything else unchanged."""
    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        dims = [(sizes[0] if i == 0 else sizes[1]) if d is None else d
                for i, d in enumerate(t.shape)]
        if t.dtype == "string":  # string inputs stay numpy arrays (the string layers read them)
            return np.full(tuple(dims), DUMMY_STRING)
        return fill(tuple(dims), dtype=np.dtype(t.dtype), device=backend.get_device())
    return make


def _dummy_run(layer, inputs, args, kwargs, sizes):
    make = _dummy_maker(sizes)
    dummy = nest.map_structure(make, inputs)
    dummy_args = nest.map_structure(make, tuple(args))
    dummy_kwargs = {k: nest.map_structure(make, v) for k, v in kwargs.items()}
    if layer._accepts("training"):
        dummy_kwargs.setdefault("training", False)
    mask = _dummy_mask(inputs, _input_masks(inputs), sizes)
    if mask is not None and layer._accepts("mask") and dummy_kwargs.get("mask") is None:
        dummy_kwargs["mask"] = mask
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
