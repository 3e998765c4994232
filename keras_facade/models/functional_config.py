"""Functional model configs: written in the Keras 2 layout (``inbound_nodes`` as
``[[layer_name, node_index, tensor_index, kwargs], ...]``), read from the Keras 2 and Keras 3
layouts."""
import inspect

from ..layers import nest, serialization
from ..layers.input_layer import KerasTensor


def _members(model):
    """The layers of the graph, keras.ops calls included (``model.layers`` leaves those out)."""
    return list(model._graph_layers) if model._is_graph_network else model.layers


def _node_index_map(model):
    """(id(layer), original node index) -> the index written in configs."""
    mapping = {}
    for layer in _members(model):
        kept = layer._node_offset("keras2")
        for i, node in enumerate(layer._inbound_nodes):
            if id(node) in model._network_nodes:
                mapping[(id(layer), i)] = kept
                kept += 1
    return mapping


def _tensor_ref(t, mapping):
    layer, node_index, tensor_index = t._keras_history
    return [layer.name, mapping[(id(layer), node_index)], tensor_index]


def _plain_kwargs(kwargs, mapping):
    out = {}
    for key, value in kwargs.items():
        out[key] = nest.map_structure(
            lambda v: _tensor_ref(v, mapping) if isinstance(v, KerasTensor) else v, value)
    return out


def _call_kwargs(layer, node):
    """The call's keyword arguments, its positional ones after the first named by ``call``'s
    signature (as tf.keras stored them): ``layer(a, b, scale=2)`` -> ``{"b": b, "scale": 2}``."""
    extra = node.call_args[1:]
    if not extra:
        return node.call_kwargs
    params = [p for p in inspect.signature(layer.call).parameters.values()][1:]
    if len(params) < len(extra) or any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                       for p in params[:len(extra)]):
        raise ValueError(f"Layer {layer.name!r} was called with {len(extra) + 1} positional "
                         f"arguments that its call() signature does not name; pass them by name "
                         f"so that the model can be saved")
    return dict(zip((p.name for p in params), extra), **node.call_kwargs)


def functional_config(model):
    mapping = _node_index_map(model)
    layer_configs = []
    for layer in _members(model):
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) not in model._network_nodes or not node.keras_inputs:
                continue
            call_kwargs = _call_kwargs(layer, node)
            kwargs = _plain_kwargs({k: v for k, v in call_kwargs.items()
                                    if not any(isinstance(t, KerasTensor)
                                               for t in nest.flatten(v))}, mapping)
            inbound = [_tensor_ref(t, mapping) + [kwargs] for t in nest.flatten(node.input_tensors)
                       if isinstance(t, KerasTensor)]
            extra = {k: v for k, v in call_kwargs.items()
                     if any(isinstance(t, KerasTensor) for t in nest.flatten(v))}
            if extra:  # e.g. initial_state=[h, c]: stored as tensor references in the kwargs
                extra = _plain_kwargs(extra, mapping)
                inbound = [entry[:3] + [dict(entry[3], **extra)] for entry in inbound]
            nodes.append(inbound)
        layer_configs.append({"name": layer.name, "class_name": serialization.class_name(layer),
                              "config": layer.get_config(), "inbound_nodes": nodes})

    def refs(structure, tensors):
        items = [_tensor_ref(t, mapping) for t in tensors]
        if isinstance(structure, dict):
            return dict(zip(structure, items))
        return items

    return {"name": model.name, "layers": layer_configs,
            "input_layers": refs(model._nested_inputs, model.inputs),
            "output_layers": refs(model._nested_outputs, model.outputs)}


def _is_ref(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and all(isinstance(v, int) for v in value[1:]))


# Keras 3's spelling of Python values (and of constant arrays: __tensor__)
_K3_VALUES = ("__tuple__", "__slice__", "__ellipsis__", "__tensor__")


class _Builder:
    """Re-creates the layers of a config, then replays their calls in dependency order."""

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects
        self.layers = {}

    def tensor(self, name, node_index, tensor_index, style):
        layer = self.layers[name]
        index = node_index - layer._node_offset(style)
        if index >= len(layer._inbound_nodes):
            return None
        return layer._inbound_nodes[index].flat_outputs[tensor_index]

    def _k3_arg(self, value):
        if isinstance(value, dict) and value.get("class_name") in _K3_VALUES:
            from ..ops._dispatch import from_keras3_arguments
            return from_keras3_arguments(value)
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = value["config"]["keras_history"]
            t = self.tensor(name, node_index, tensor_index, "keras3")
            if t is None:
                raise LookupError
            return t
        if isinstance(value, dict):
            return {k: self._k3_arg(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._k3_arg(v) for v in value]
        return value

    def process_node(self, layer, node_data):
        """Call ``layer`` as the node says; False when an input does not exist yet."""
        try:
            if isinstance(node_data, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
                args = self._k3_arg(node_data.get("args", []))
                kwargs = self._k3_arg(node_data.get("kwargs", {}))
                layer(*args, **kwargs)
                return True
            inputs, kwargs = [], {}
            for entry in node_data:
                name, node_index, tensor_index = entry[:3]
                t = self.tensor(name, node_index, tensor_index, "keras2")
                if t is None:
                    raise LookupError
                inputs.append(t)
                kwargs = dict(entry[3]) if len(entry) > 3 and entry[3] else kwargs
            for key, value in list(kwargs.items()):
                refs = [value] if _is_ref(value) else value
                if isinstance(refs, list) and refs and all(map(_is_ref, refs)):
                    found = [self.tensor(*r, "keras2") for r in refs]
                    if any(t is None for t in found):
                        raise LookupError
                    kwargs[key] = found[0] if _is_ref(value) else found
            layer(inputs[0] if len(inputs) == 1 else inputs, **kwargs)
            return True
        except LookupError:
            return False

    def endpoints(self, spec, style):
        if isinstance(spec, dict):
            return {k: self.endpoints(v, style) for k, v in spec.items()}
        if spec and isinstance(spec[0], str):  # a single [name, node, tensor]
            return self.tensor(*spec[:3], style)
        tensors = [self.tensor(*ref[:3], style) for ref in spec]
        return tensors[0] if len(tensors) == 1 else tensors  # Keras 2: one output is not a list


def functional_from_config(cls, config, custom_objects=None):
    from .sequential import Sequential
    if issubclass(cls, Sequential) or ("layers" in config and "input_layers" not in config):
        return Sequential.from_config(config, custom_objects)
    builder = _Builder(custom_objects)
    pending = []
    style = "keras2"
    for layer_data in config["layers"]:
        record = {k: v for k, v in layer_data.items() if k != "inbound_nodes"}
        from ..ops._dispatch import OpLayer
        if any(isinstance(n, dict) for n in layer_data.get("inbound_nodes") or []) and \
                OpLayer.is_record(record, serialization.layer_classes()):  # a Keras 3 operation
            layer = OpLayer.from_keras3(record)
        else:
            layer = serialization.deserialize(record, custom_objects)
        builder.layers[layer_data["name"]] = layer
        nodes = list(layer_data.get("inbound_nodes") or [])
        if any(isinstance(n, dict) for n in nodes):
            style = "keras3"
        pending.append((layer, nodes))
    while any(nodes for _, nodes in pending):
        progress = False
        for layer, nodes in pending:
            while nodes and builder.process_node(layer, nodes[0]):
                nodes.pop(0)
                progress = True
        if not progress:
            stuck = [layer.name for layer, nodes in pending if nodes]
            raise ValueError(f"Cannot rebuild the model {config.get('name')!r} from its config: "
                             f"the inputs of layer(s) {stuck} are never produced")
    inputs = builder.endpoints(config["input_layers"], style)
    outputs = builder.endpoints(config["output_layers"], style)
    kwargs = {"name": config.get("name")}
    if "trainable" in config:
        kwargs["trainable"] = config["trainable"]
    return cls(inputs, outputs, **kwargs)
