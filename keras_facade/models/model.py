"""``Model``: the functional graph (``Model(inputs, outputs)``) and subclassed models (``call()``).

A functional model keeps the nodes between its inputs and outputs, ordered by depth as Keras 2 does
(so ``model.layers`` and ``summary()`` list layers in Keras' order), and runs them on real tensors.
A subclassed model tracks the sublayers assigned as attributes and runs its own ``call``.
"""
import inspect
import json

import numpy as np

import autograd_core as ag

from .. import backend, config, legacy
from ..layers import nest
from ..layers.base import Layer, to_snake_case, unique_name
from ..layers.input_layer import InputLayer, KerasTensor
from ..saving import SavingMixin
from ..training import Trainer


class Model(Trainer, SavingMixin, Layer):
    """A layer made of layers, with the training and saving API.

    ``Model(inputs, outputs, name=None)`` builds a functional model (inputs/outputs: a KerasTensor,
    a list or a dict; Keras 1 ``input=``/``output=`` accepted with a warning). Subclass it and
    define ``call(inputs, training=None)`` for a subclassed model.
    """
    _cast_inputs = False

    def __init__(self, *args, **kwargs):
        if "input" in kwargs or "output" in kwargs:
            args, kwargs = legacy.convert("Model", args, kwargs, stacklevel=3)
        args = list(args)
        inputs = kwargs.pop("inputs", args.pop(0) if args else None)
        outputs = kwargs.pop("outputs", args.pop(0) if args else None)
        if args:
            raise TypeError(f"Model: unexpected positional arguments {args}")
        if (inputs is None) != (outputs is None):
            raise ValueError("Model: pass both `inputs` and `outputs` (or neither, for a "
                             "subclassed model)")
        name = kwargs.pop("name", None)
        if name is None:
            name = unique_name(self._model_name_prefix(inputs is not None))
        Layer.__init__(self, name=name, **kwargs)
        self._init_mixins()
        object.__setattr__(self, "_is_graph_network", False)
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        if inputs is not None:
            self._init_graph(inputs, outputs)

    def _model_name_prefix(self, functional):
        if functional and type(self) is Model:
            return "model" if config.default("naming.style") == "keras2" else "functional"
        return to_snake_case(type(self).__name__)

    def _init_mixins(self):
        """Run the mixins' own ``__init__`` (argument-free), if they define one."""
        for mixin in (Trainer, SavingMixin):
            init = mixin.__dict__.get("__init__")
            if init is not None:
                init(self)

    # -- the functional graph ----------------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        flat_in, flat_out = nest.flatten(inputs), nest.flatten(outputs)
        for t in flat_in + flat_out:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model {self.name!r}: inputs and outputs must be symbolic tensors "
                                f"from keras Input / layers, got {type(t).__name__}")
        for t in flat_in:
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(f"Model {self.name!r}: input tensors must come from `Input`; "
                                 f"{t!r} is the output of layer {t._keras_history[0].name!r}")
        self.inputs, self.outputs = flat_in, flat_out
        graph = map_graph(flat_in, flat_out)
        object.__setattr__(self, "_graph_layers", graph.layers)
        object.__setattr__(self, "_nodes_by_depth", graph.nodes_by_depth)
        object.__setattr__(self, "_network_nodes", graph.node_ids)
        object.__setattr__(self, "_execution_order", graph.execution_order)
        names = [layer.name for layer in graph.layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"The name {duplicates[0]!r} is used {names.count(duplicates[0])} "
                             f"times in the model. All layer names should be unique.")
        if isinstance(inputs, dict):
            self.input_names = list(inputs)
        else:
            self.input_names = [t._keras_history[0].name for t in flat_in]
        self.output_names = list(outputs) if isinstance(outputs, dict) else \
            [t._keras_history[0].name for t in flat_out]
        object.__setattr__(self, "_is_graph_network", True)
        self.built = True
        shapes = [t.shape for t in flat_in]
        self._build_input_shape = shapes[0] if len(shapes) == 1 else shapes

    @property
    def layers(self):
        if self._is_graph_network:  # keras.ops calls are nodes of the graph but not layers
            return [layer for layer in self._graph_layers if not layer._is_operation]
        return [layer for layer in self._tracked_layers]

    def _sublayers(self):
        if not self._is_graph_network:
            return self._tracked_layers
        graph = self._graph_layers
        extra = [t for t in self._tracked_layers if all(t is not g for g in graph)]
        return graph + extra

    def _node_offset(self, style="keras2"):
        """Keras configs count a pre-existing node on graph models (Keras 3: on functional ones)."""
        return 1 if self._is_graph_network else 0

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` (in ``model.layers`` order)."""
        if index is not None and name is not None:
            raise ValueError("get_layer: provide only a layer name or a layer index, not both")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} is out of range: model {self.name!r} "
                                 f"has {len(layers)} layers")
            return layers[index]
        if name is None:
            raise ValueError("get_layer: provide a layer name or a layer index")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in layers]}")

    def _layer_edges(self):
        """(source layer name, destination layer name) for every connection inside the model."""
        if not self._is_graph_network:
            return []
        names = {layer.name for layer in self.layers}
        edges = []
        for layer in self.layers:
            for node in layer._inbound_nodes:
                if id(node) not in self._network_nodes:
                    continue
                for src in node.inbound_layers:
                    edge = (src.name, layer.name)
                    if src.name in names and edge not in edges:
                        edges.append(edge)
        return edges

    # -- running -----------------------------------------------------------------------------------
    def _convert_inputs(self, inputs):
        """Arrays to tensors: floats take the model's float type, integers stay as they are (the
        layers that need floats cast them)."""
        target = np.dtype(self.dtype)

        def convert(x):
            if isinstance(x, ag.Tensor):
                return x.astype(target) if x.dtype.kind == "f" and x.dtype != target else x
            if x is None:
                return x
            arr = np.asarray(x)
            if arr.dtype.kind in "OUS":
                return x
            if arr.dtype.kind == "f":
                arr = arr.astype(target, copy=False)
            return ag.tensor(arr, device=backend.get_device())
        return nest.map_structure(convert, inputs)

    def _maybe_build(self, input_shape):
        if self._is_graph_network or self.built:
            return
        if self._has_own_build():  # the subclass makes its state in its build, as in Keras 3
            return Layer._maybe_build(self, input_shape)
        self._build_input_shape = input_shape
        self.built = True  # subclassed: sublayers build on the first real call

    def _has_own_build(self):
        return type(self).build is not Model.build and not self._is_graph_network

    def build(self, input_shape=None):
        """Build a subclassed model by running ``call`` on a dummy batch of ``input_shape``."""
        if self._is_graph_network:
            return
        if self._has_own_build():  # reached by super().build() from the subclass's build
            return Layer.build(self, input_shape)
        if input_shape is None:
            raise ValueError(f"Model {self.name!r}: build() needs an `input_shape`")
        from ..layers.node import infer_output_specs
        shape = nest.lists_to_shapes(input_shape) if isinstance(input_shape, list) and \
            not nest.is_shape(input_shape) else tuple(input_shape)
        infer_output_specs(self, shape)
        self._build_input_shape = shape
        self.built = True

    def build_from_config(self, build_config):
        """A subclassed model runs ``call`` on a dummy batch, so that its sublayers have their
        weights before a file's weights are loaded into them."""
        shape = (build_config or {}).get("input_shape")
        if self._is_graph_network or self.built or shape is None:
            return super().build_from_config(build_config)
        self.build(shape)

    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError(f"Model {self.name!r}: a subclassed model must define "
                                      f"call(inputs, training=None)")
        return self._run_graph(inputs, mask)

    def _flatten_model_inputs(self, inputs):
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"Model {self.name!r}: missing data for input(s) {missing}; "
                                 f"expected keys {self.input_names}")
            return [inputs[n] for n in self.input_names]
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s), but it "
                             f"received {len(flat)} input tensors")
        return flat

    def _run_graph(self, inputs, mask=None):
        from ..layers.base import set_mask
        values = {}
        masks = nest.flatten(mask) if mask is not None else [None] * len(self.inputs)
        for i, (t, x) in enumerate(zip(self.inputs, self._flatten_model_inputs(inputs))):
            x = _adjust_rank(t.shape, x)
            _check_compatible(self.name, i, t.shape, tuple(x.shape))
            values[id(t)] = x
            if masks[i] is not None:
                set_mask(x, masks[i])
        for node in self._execution_order:
            outs = node.run(values)
            for t, v in zip(node.flat_outputs, nest.flatten(outs)):
                values[id(t)] = v
        flat = [values[id(t)] for t in self.outputs]
        if isinstance(self._nested_outputs, dict):
            return dict(zip(self._nested_outputs, flat))
        return self._pack_list(flat) if self._returns_list() else flat[0]

    def _returns_list(self):
        """Whether calls return a list: outputs given as a list of several (one is unpacked)."""
        return isinstance(self._nested_outputs, (list, tuple)) and len(self.outputs) > 1

    def _pack_list(self, flat):
        """``flat`` in the nesting of the outputs given as a list (e.g. a layer's output pairs)."""
        return list(nest.pack_like(self._nested_outputs, flat))

    def _set_output_masks(self, inputs, outputs, mask):
        """Masks of a model's outputs were set by its own layers."""

    def _compute_output_specs(self, inputs, args, kwargs):
        if not self._is_graph_network:
            from ..layers.node import infer_output_specs
            return infer_output_specs(self, inputs, args, kwargs)
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s), but it "
                             f"received {len(flat)}")
        for i, (t, given) in enumerate(zip(self.inputs, flat)):
            _check_compatible(self.name, i, t.shape, given.shape)
        shapes = [t.shape for t in self.outputs]
        dtypes = [t.dtype for t in self.outputs]
        if isinstance(self._nested_outputs, dict) or self._returns_list():
            return shapes, dtypes
        return shapes[0], dtypes[0]

    def compute_output_shape(self, input_shape):
        if self._is_graph_network:
            shapes = [t.shape for t in self.outputs]
            return shapes if isinstance(self._nested_outputs, dict) or self._returns_list() \
                else shapes[0]
        return super().compute_output_shape(input_shape)

    # -- shapes ------------------------------------------------------------------------------------
    def _graph_shapes(self, tensors, what):
        if not tensors:
            raise AttributeError(f"Model {self.name!r} has no defined {what} (it is a subclassed "
                                 f"model, or it has not been built yet)")
        shapes = [t.shape for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_shape(self):
        return self._graph_shapes(self.inputs, "input shape")

    @property
    def output_shape(self):
        return self._graph_shapes(self.outputs, "output shape")

    @property
    def input(self):
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        if len(self.outputs) > 1 and self._returns_list():
            return self._pack_list(self.outputs)
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    # -- summary and config ------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, show_trainable=False):
        """Print the Keras 2 text summary (``print_fn`` gets one line per call)."""
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable)

    def get_config(self):
        if not self._is_graph_network:
            if _takes_only_kwargs(type(self)):  # nothing beyond name/trainable/dtype to record
                return Layer.get_config(self)
            raise NotImplementedError(
                f"Model {self.name!r} ({type(self).__name__}) is a subclassed model: define "
                f"get_config() (returning its constructor arguments) to serialize it")
        from .functional_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" not in config and _takes_only_kwargs(cls):  # a subclassed model
            return super().from_config(config, custom_objects)
        from .functional_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The model's architecture as JSON: Keras 3's serialized form (what real Keras 3's
        ``model_from_json`` reads), or the Keras 2 layout under the keras2 profile."""
        if config.default("serialization.keras_version").startswith("2"):
            return json.dumps(self._json_record(), default=_json_default, **kwargs)
        from ..saving import model_config
        return json.dumps(model_config.full_record(self), default=_json_default, **kwargs)

    def _json_record(self):
        return {"class_name": type(self).__name__, "config": self.get_config(),
                "keras_version": config.default("serialization.keras_version"),
                "backend": "tensorflow"}

    def to_yaml(self, **kwargs):
        raise RuntimeError("Method `model.to_yaml()` has been removed due to security risk of "
                           "arbitrary code execution. Please use `model.to_json()` instead.")

    def reset_states(self):
        for layer in self.layers:
            layer.reset_states()


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (bytes, bytearray)):
        return obj.decode("utf-8")
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _adjust_rank(expected, x):
    """``x`` with a trailing axis of size 1 added or dropped where that gives the input's rank
    (as Keras does: strings of shape (n,) feed an input of shape (None, 1))."""
    shape = tuple(x.shape)
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        shape += (1,)
    elif len(shape) == len(expected) + 1 and shape[-1] == 1:
        shape = shape[:-1]
    else:
        return x
    return ag.reshape(x, shape) if isinstance(x, ag.Tensor) else np.reshape(x, shape)


def _check_compatible(model_name, index, expected, received):
    if len(expected) != len(received) or any(
            e is not None and r is not None and e != r for e, r in zip(expected[1:], received[1:])):
        raise ValueError(f"Input {index} of model \"{model_name}\" is incompatible with the model: "
                         f"expected shape={tuple(expected)}, found shape={tuple(received)}")


def _takes_only_kwargs(cls):
    """Whether a subclassed model's constructor takes nothing but ``**kwargs``."""
    if cls.__init__ is Model.__init__:
        return False
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return all(p.kind is p.VAR_KEYWORD for p in params)


class _Graph:
    def __init__(self, layers, nodes_by_depth, node_ids, execution_order):
        self.layers, self.nodes_by_depth = layers, nodes_by_depth
        self.node_ids, self.execution_order = node_ids, execution_order


def _producer(t):
    layer, node_index, _ = t._keras_history
    return layer._inbound_nodes[node_index]


def map_graph(inputs, outputs):
    """The nodes and layers between ``inputs`` and ``outputs``, ordered as Keras 2 orders them:
    by depth from the outputs (deepest first), ties by the order of discovery from the outputs."""
    finished, in_progress = set(), set()
    nodes_in_order = []
    layer_indices = {}
    stack = [(_producer(t), False) for t in reversed(outputs)]
    while stack:  # iterative depth-first post-order walk
        node, expanded = stack.pop()
        if expanded:
            in_progress.discard(id(node))
            if id(node) not in finished:
                finished.add(id(node))
                nodes_in_order.append(node)
            continue
        if id(node) in finished:
            continue
        if id(node) in in_progress:
            raise ValueError(f"The tensor graph has a cycle at layer {node.layer.name!r}")
        layer_indices.setdefault(id(node.layer), len(layer_indices))
        in_progress.add(id(node))
        stack.append((node, True))
        for t in reversed(node.keras_inputs):
            producer = _producer(t)
            if id(producer) not in finished:
                stack.append((producer, False))
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(nodes_in_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layers[id(node.layer)] = node.layer
        node_depth[id(node)] = depth
        for t in node.keras_inputs:
            producer = _producer(t)
            node_depth[id(producer)] = max(depth + 1, node_depth.get(id(producer), 0))
    by_node = {id(n): n for n in nodes_in_order}
    nodes_by_depth = {}
    for nid, depth in node_depth.items():
        nodes_by_depth.setdefault(depth, []).append(by_node[nid])
    order = sorted(layers, key=lambda lid: (-layer_depth[lid], layer_indices[lid]))
    ordered_layers = [layers[lid] for lid in order]
    available = {id(t) for t in inputs}
    execution = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if isinstance(node.layer, InputLayer) and not node.keras_inputs:
                if id(node.flat_outputs[0]) not in available:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                                     f"{node.flat_outputs[0]!r} at layer {node.layer.name!r}. The "
                                     f"following previous layers were accessed without issue: "
                                     f"{[n.layer.name for n in execution]}")
                continue
            for t in node.keras_inputs:
                if id(t) not in available:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t!r} at "
                                     f"layer {node.layer.name!r}")
            available.update(id(t) for t in node.flat_outputs)
            execution.append(node)
    return _Graph(ordered_layers, nodes_by_depth, set(node_depth), execution)
