"""``keras.models``: Sequential, Model, model_from_json/config, clone_model, load/save_model."""
import json

from ..layers import nest, serialization
from ..layers.input_layer import Input, KerasTensor
from .model import Model
from .sequential import Sequential

__all__ = ["Sequential", "Model", "model_from_json", "model_from_config", "clone_model",
           "load_model", "save_model"]


def model_from_config(config, custom_objects=None, safe_mode=None):
    """A model (or layer) from ``{"class_name", "config"}``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"model_from_config expects a dict with 'class_name' and 'config', got "
                         f"{type(config).__name__}")
    return serialization.deserialize(config, custom_objects, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None, safe_mode=None):
    """A model from ``model.to_json()`` output (Keras 2 or Keras 3 JSON). Lambda layers stored as
    bytecode are refused unless ``safe_mode=False``."""
    return model_from_config(json.loads(json_string), custom_objects, safe_mode=safe_mode)


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A copy of a Sequential or functional model with new layers (fresh weights, same names).
    ``clone_function(layer)`` makes each new layer (default: from the layer's config)."""
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if input_tensors is not None:
            layers = [nest.flatten(input_tensors)[0]] + layers
        elif model._input_layer is not None:
            layers = [Input(batch_shape=model._input_layer._batch_input_shape,
                            dtype=model._input_layer.dtype)] + layers
        return Sequential(layers, name=model.name)
    if not model._is_graph_network:
        raise ValueError(f"clone_model: {model.name!r} is a subclassed model; only Sequential and "
                         f"functional models can be cloned")
    given = nest.flatten(input_tensors) if input_tensors is not None else None
    values = {}
    for i, t in enumerate(model.inputs):
        values[id(t)] = given[i] if given else Input(batch_shape=t.shape, dtype=t.dtype,
                                                     name=t._keras_history[0].name)
    new_layers = {}
    for node in model._execution_order:
        layer = node.layer
        if id(layer) not in new_layers:
            new_layers[id(layer)] = clone_function(layer)
        args = nest.map_structure(lambda x: values[id(x)] if isinstance(x, KerasTensor) else x,
                                  node.call_args)
        kwargs = {k: nest.map_structure(lambda x: values[id(x)] if isinstance(x, KerasTensor)
                                        else x, v) for k, v in node.call_kwargs.items()}
        outs = new_layers[id(layer)](*args, **kwargs)
        for t, v in zip(node.flat_outputs, nest.flatten(outs)):
            values[id(t)] = v
    inputs = nest.pack_like(model._nested_inputs, [values[id(t)] for t in model.inputs])
    outputs = nest.pack_like(model._nested_outputs, [values[id(t)] for t in model.outputs])
    return Model(inputs, outputs, name=model.name)


def __getattr__(name):
    if name in ("load_model", "save_model"):
        from .. import saving
        return getattr(saving, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
