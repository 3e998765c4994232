"""Model configs in Keras 3's serialized form, for the files real Keras 3 must read.

The layers write Keras 2 shaped configs (``{"class_name", "config"}``, ``batch_input_shape`` on the
first layer, ``inbound_nodes`` as ``[[name, node, tensor, kwargs]]`` with Keras 2's node numbering).
Keras 3 wants every object as ``{"module", "class_name", "config", "registered_name"}``, an explicit
``InputLayer`` (``batch_shape``) at the head of a Sequential, functional nodes as
``{"args", "kwargs"}`` holding ``__keras_tensor__`` references (node numbers counted without Keras 2's
extra node of nested models), and functions as ``{"class_name": "function"}`` or ``"__lambda__"``.
"""
import numpy as np

from . import registration
from .structure import class_name
from ..layers import nest

_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_NESTED_LAYERS = ("layer", "forward_layer", "backward_layer", "cell")
_OBJECT_MODULES = (("_initializer", "keras.initializers"), ("_regularizer", "keras.regularizers"),
                   ("_constraint", "keras.constraints"))


def _is_own(obj):
    return obj is None or type(obj).__module__.startswith("keras_facade")


def _wrap(obj, cls, module, config):
    own = _is_own(obj)
    return {"module": module if own else type(obj).__module__, "class_name": cls, "config": config,
            "registered_name": None if own else registration.get_registered_name(type(obj))}


def model_record(model):
    """``{"module", "class_name", "config", "registered_name"}`` of ``model`` in Keras 3's form."""
    return _layer_record(model, {"class_name": class_name(model), "config": model.get_config()},
                         top=True)


def _layer_record(obj, entry, top=False):
    cls, cfg = entry["class_name"].split(">")[-1], dict(entry.get("config") or {})
    if cls == "Sequential":
        record = _wrap(obj, cls, "keras", _sequential(obj, cfg))
    elif cls in _MODEL_CLASSES and "input_layers" in cfg:
        record = _wrap(obj, "Functional", "keras.src.models.functional", _functional(obj, cfg))
    else:
        record = _wrap(obj, cls, "keras.layers", _layer_config(obj, cls, cfg))
    getter = getattr(obj, "get_build_config", None)
    build = getter() if callable(getter) and not top else None
    if build:
        record["build_config"] = build
    return record


def _object_record(value, module):
    if isinstance(value, dict) and "class_name" in value and "module" not in value:
        return {"module": module, "class_name": value["class_name"],
                "config": value.get("config") or {}, "registered_name": None}
    return value


def _function_record(cfg, key):
    value, kind = cfg.get(key), cfg.pop(f"{key}_type", None)
    module = cfg.pop("module" if key == "function" else f"{key}_module", None)
    if kind == "lambda" and isinstance(value, (list, tuple)):
        code, defaults, closure = (list(value) + [None, None])[:3]
        cfg[key] = {"class_name": "__lambda__",
                    "config": {"code": code, "defaults": defaults, "closure": closure}}
    elif kind == "function" and isinstance(value, str):
        cfg[key] = {"module": module or "builtins", "class_name": "function", "config": value,
                    "registered_name": "function"}


def _layer_config(obj, cls, cfg):
    if cls == "InputLayer" and "batch_input_shape" in cfg:
        cfg["batch_shape"] = cfg.pop("batch_input_shape")
    if cls == "Lambda":
        _function_record(cfg, "function")
        _function_record(cfg, "output_shape")
    for key, value in list(cfg.items()):
        if key in _NESTED_LAYERS and isinstance(value, dict) and "class_name" in value:
            cfg[key] = _layer_record(getattr(obj, key, None), value)
        elif key == "cells" and isinstance(value, list):
            live = getattr(obj, "cells", None) or [None] * len(value)
            cfg[key] = [_layer_record(o, v) for o, v in zip(live, value)]
        elif hasattr(value, "get_config"):  # a live object a custom get_config returned as is
            from .serialization_lib import serialize_keras_object
            cfg[key] = serialize_keras_object(value)
        else:
            for suffix, module in _OBJECT_MODULES:
                if key.endswith(suffix):
                    cfg[key] = _object_record(value, module)
    return cfg


def _sequential(model, cfg):
    entries = [dict(e) for e in cfg.get("layers", [])]
    live = {layer.name: layer for layer in getattr(model, "layers", [])}
    if entries and entries[0]["class_name"] != "InputLayer":
        first = dict(entries[0].get("config") or {})
        shape = first.pop("batch_input_shape", None)
        if shape is not None:
            entries[0]["config"] = first
            input_layer = getattr(model, "_input_layer", None)
            name = getattr(input_layer, "name", None) or f"{first.get('name', 'sequential')}_input"
            entries.insert(0, {"class_name": "InputLayer", "config": {
                "batch_shape": shape, "dtype": first.get("dtype") or "float32", "sparse": False,
                "name": name}})
    cfg = dict(cfg, layers=[_layer_record(live.get((e.get("config") or {}).get("name")), e)
                            for e in entries])
    return cfg


def _functional(model, cfg):
    try:
        refs = _TensorRefs(model)
        layers = []
        for entry in cfg["layers"]:
            layer = refs.layer(entry["name"])
            if getattr(layer, "_is_operation", False):  # a keras.ops call: Keras 3's operation
                node = entry["inbound_nodes"][0]
                record = layer.keras3_record(lambda i: refs.tensor(node[i]))
            else:
                record = _layer_record(layer, entry)
                live = [n for n in layer._inbound_nodes if id(n) in refs.nodes and n.keras_inputs]
                record["inbound_nodes"] = [refs.node(n, live[i] if i < len(live) else None)
                                           for i, n in enumerate(entry.get("inbound_nodes", []))]
            record["name"] = entry["name"]
            layers.append(record)
        return dict(cfg, layers=layers, input_layers=refs.endpoints(cfg["input_layers"]),
                    output_layers=refs.endpoints(cfg["output_layers"]))
    except (AttributeError, KeyError, IndexError, ValueError):
        # without the live graph: Keras 2 node lists, which Keras 3 reads for unnested models
        layers = []
        for entry in cfg["layers"]:
            record = _layer_record(None, entry)
            record.update(name=entry["name"], inbound_nodes=entry.get("inbound_nodes", []))
            layers.append(record)
        return dict(cfg, layers=layers)


def _is_ref(value):
    return (isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str)
            and all(isinstance(v, int) for v in value[1:3]))


class _TensorRefs:
    """Keras 2 ``[layer, node, tensor]`` references of a functional model, in Keras 3's numbering."""

    def __init__(self, model):
        self.model = model
        self.nodes = model._network_nodes

    def layer(self, name):
        for layer in self.model._graph_layers:  # keras.ops calls included
            if layer.name == name:
                return layer
        return self.model.get_layer(name)

    def index(self, name, node_index):
        return node_index - self.layer(name)._node_offset("keras2")

    def tensor(self, ref):
        name, node_index, tensor_index = ref[:3]
        layer, index = self.layer(name), self.index(name, node_index)
        node = [n for n in layer._inbound_nodes if id(n) in self.nodes][index]
        t = node.flat_outputs[tensor_index]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape),
                           "dtype": t.dtype if t.dtype == "string" else str(np.dtype(t.dtype)),
                           "keras_history": [name, index, tensor_index]}}

    def _value(self, value):
        if _is_ref(value):
            return self.tensor(value)
        if isinstance(value, list) and value and all(_is_ref(v) for v in value):
            return [self.tensor(v) for v in value]
        return value

    def node(self, node, live=None):
        """A Keras 2 node entry in Keras 3's form; ``live`` (the graph's node) keeps a dict of
        inputs a dict."""
        if isinstance(node, dict):
            return node
        tensors = [self.tensor(entry) for entry in node]
        kwargs = next((dict(e[3]) for e in node if len(e) > 3 and e[3]), {})
        inputs = live.input_tensors if live is not None else None
        if isinstance(inputs, dict) and len(nest.flatten(inputs)) == len(tensors):
            return {"args": [nest.pack_like(inputs, tensors)],
                    "kwargs": {k: self._value(v) for k, v in kwargs.items()}}
        return {"args": [tensors[0] if len(tensors) == 1 else tensors],
                "kwargs": {k: self._value(v) for k, v in kwargs.items()}}

    def endpoints(self, spec):
        if isinstance(spec, dict):
            return {k: self.endpoints(v) for k, v in spec.items()}
        if _is_ref(spec):
            return [spec[0], self.index(spec[0], spec[1]), spec[2]]
        return [self.endpoints(s) for s in spec]
