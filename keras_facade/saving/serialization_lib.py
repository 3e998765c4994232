"""``serialize_keras_object`` / ``deserialize_keras_object``: any Keras object to and from Keras 3's
``{"module", "class_name", "config", "registered_name"}`` form.

Layers and models go through the model-config writer and reader (with ``build_config`` and, for a
compiled model, ``compile_config``); optimizers, losses, metrics, initializers, regularizers and
constraints through their own modules; registered custom classes through ``from_config``.
Functions are ``{"class_name": "function", "config": <registered name>}``; numpy arrays, tuples,
lists, dicts and plain values as Keras writes them.
"""
import importlib

import numpy as np

from . import keras3_config, model_config, registration

__all__ = ["serialize_keras_object", "deserialize_keras_object"]

# Keras module name -> (the facade module whose ``deserialize`` rebuilds its objects, base class)
_KINDS = {"keras.optimizers": ("optimizers", "Optimizer"), "keras.losses": ("losses", "Loss"),
          "keras.metrics": ("metrics", "Metric"),
          "keras.initializers": ("initializers", "Initializer"),
          "keras.regularizers": ("regularizers", "Regularizer"),
          "keras.constraints": ("constraints", "Constraint")}
_LAYER_MODULES = ("keras", "keras.layers", "keras.models", "keras.src.models.functional")


def _is_layer(obj):
    from ..layers import Layer
    return isinstance(obj, Layer) or (isinstance(obj, type) and issubclass(obj, Layer))


def _facade_module(keras_module):
    return importlib.import_module(f"keras_facade.{_KINDS[keras_module][0]}")


def _keras_module(obj):
    """``keras.<kind>`` of an optimizer, loss, metric, initializer, regularizer or constraint."""
    for module, (_, base) in _KINDS.items():
        if isinstance(obj, getattr(_facade_module(module), base)):
            return module
    return None


def serialize_keras_object(obj):
    """The JSON-ready form of ``obj`` (see the module docstring)."""
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                      "dtype": str(obj.dtype)}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(item) for item in obj]  # list subclasses too (tracked)
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if _is_layer(obj):
        return model_config.full_record(obj)
    if hasattr(obj, "get_config"):
        return keras3_config._wrap(obj, type(obj).__name__, _keras_module(obj),
                                   serialize_keras_object(obj.get_config()))
    if callable(obj) and hasattr(obj, "__name__"):
        return {"module": "builtins", "class_name": "function",
                "config": registration.get_registered_name(obj), "registered_name": "function"}
    raise TypeError(f"serialize_keras_object cannot serialize {obj!r} (type "
                    f"{type(obj).__name__}): it is not a plain value, array, function or object "
                    f"with get_config()")


def _function(name, custom_objects):
    found = registration.get_registered_object(name, custom_objects)
    if found is None:
        from .. import activations
        found = activations.get(name)
    return found


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild what ``serialize_keras_object`` wrote (plain values come back as they are, tuples
    as lists). ``module_objects`` (Keras 2) adds names to look classes up in."""
    if config is None or isinstance(config, (str, bool, int, float)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(item, custom_objects, safe_mode) for item in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object expects a dict, list or plain value; got "
                        f"{config!r} (type {type(config).__name__})")
    if "class_name" not in config or "config" not in config:
        return {key: deserialize_keras_object(value, custom_objects, safe_mode)
                for key, value in config.items()}
    name, inner = config["class_name"], config["config"]
    if name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if name == "__tuple__":
        return tuple(deserialize_keras_object(inner["value"], custom_objects, safe_mode))
    if name == "function":
        return _function(inner, custom_objects)
    custom_objects = dict(kwargs.get("module_objects") or {}, **(custom_objects or {}))
    module = config.get("module")
    cls = registration.get_registered_object(config.get("registered_name") or name,
                                             custom_objects)
    if module in _LAYER_MODULES or (cls is not None and _is_layer(cls)):
        table = dict(custom_objects, **({name: cls} if cls is not None else {}))
        return model_config.deserialize_model(config, table, safe_mode=safe_mode)
    if cls is None and module in _KINDS:
        return _facade_module(module).deserialize(config, custom_objects)
    if cls is None:
        raise TypeError(f"Could not locate class {name!r} (module {module!r}). Register custom "
                        f"classes with @register_keras_serializable() or pass them in "
                        f"custom_objects.")
    inner = deserialize_keras_object(inner, custom_objects, safe_mode)
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
