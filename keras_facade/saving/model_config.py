"""The JSON parts of a saved model: the architecture record, the build config and the compile config.

Files written here use Keras 3's spelling (``module``/``class_name``/``config``/``registered_name``), so
real Keras can rebuild and recompile the model. Reading accepts Keras 2 spellings too
(``training_config`` with ``optimizer_config``, losses and metrics as plain names).
"""
import importlib
import inspect

from . import registration
from .structure import class_name

_FUNCTIONAL = ("Functional", "Model")


def _module(name):
    return importlib.import_module(f"keras_facade.{name}")


def serialize_object(obj, package):
    """``{"module", "class_name", "config", "registered_name"}`` for an object with ``get_config``;
    a plain name for a function or a string."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_object(o, package) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_object(v, package) for k, v in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return registration.get_registered_name(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() and is not a function")
    own = type(obj).__module__.startswith("keras_facade")
    name = class_name(obj)
    return {"module": f"keras.{package}" if own else type(obj).__module__, "class_name": name,
            "config": obj.get_config(),
            "registered_name": None if own else registration.get_registered_name(type(obj))}


def serialize_model(model):
    """The architecture record of ``config.json`` (without build/compile parts)."""
    cls = class_name(model)
    if cls == "Sequential":
        module = "keras"
    elif cls in _FUNCTIONAL:
        module, cls = "keras.src.models.functional", "Functional"
    else:
        module = type(model).__module__
    own = type(model).__module__.startswith("keras_facade")
    return {"module": module, "class_name": cls, "config": model.get_config(),
            "registered_name": None if own else registration.get_registered_name(type(model))}


def build_config(model):
    """``{"input_shape": ...}`` so a loader can build the model before it sets the weights."""
    getter = getattr(model, "get_build_config", None)
    if callable(getter):
        found = getter()
        if found:
            return found
    for attr in ("_build_input_shape", "input_shape"):
        try:
            shape = getattr(model, attr, None)
        except (AttributeError, ValueError, RuntimeError):
            shape = None
        if shape is not None:
            return {"input_shape": _jsonable(shape)}
    return None


def _jsonable(value):
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if value is None else int(value) if hasattr(value, "__index__") else value


def compile_args(model):
    """The arguments ``model`` was compiled with (objects), or None when it was never compiled."""
    stored = getattr(model, "_compile_config", None)
    if isinstance(stored, dict) and stored.get("optimizer") is not None:
        return dict(stored)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return {"optimizer": optimizer, "loss": getattr(model, "loss", None),
            "metrics": getattr(model, "_compile_metrics", None),
            "loss_weights": getattr(model, "loss_weights", None),
            "weighted_metrics": getattr(model, "_compile_weighted_metrics", None)}


def compile_config(model):
    """Keras 3's ``compile_config`` for ``model``, or None when it is not compiled."""
    args = compile_args(model)
    if args is None:
        return None
    return {"optimizer": serialize_object(args["optimizer"], "optimizers"),
            "loss": serialize_object(args.get("loss"), "losses"),
            "loss_weights": args.get("loss_weights"),
            "metrics": serialize_object(args.get("metrics"), "metrics"),
            "weighted_metrics": serialize_object(args.get("weighted_metrics"), "metrics"),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def training_config(model):
    """Keras 2's ``training_config`` (the legacy ``.h5`` attribute), or None."""
    cfg = compile_config(model)
    if cfg is None:
        return None
    optimizer = cfg.pop("optimizer")
    cfg["optimizer_config"] = {"class_name": optimizer["class_name"], "config": optimizer["config"]}
    cfg["sample_weight_mode"] = None
    return cfg


def _plain(config):
    """A ``{"class_name", "config"}`` dict (Keras 3's extra keys dropped)."""
    return {"class_name": config["class_name"], "config": config.get("config") or {}}


def _find_class(record, table):
    name = record.get("registered_name") or record["class_name"]
    found = table.get(name) or table.get(record["class_name"])
    if found is not None:
        return found
    models = _module("models")
    if record["class_name"] == "Sequential":
        return models.Sequential
    if record["class_name"] in _FUNCTIONAL:
        return models.Model
    raise ValueError(f"Unknown model class {record['class_name']!r}: pass it in custom_objects or "
                     f"register it with @keras_facade.saving.register_keras_serializable()")


def deserialize_model(record, custom_objects=None):
    """Rebuild a model from its architecture record (``{"class_name", "config", ...}``)."""
    table = registration.lookup_table(custom_objects)
    cls = _find_class(record, table)
    config = record.get("config") or {}
    with registration.custom_object_scope(table):
        try:
            return cls.from_config(config, custom_objects=table)
        except TypeError as err:
            if "custom_objects" not in str(err):
                raise
            return cls.from_config(config)


def ensure_built(model, build_cfg):
    """Build ``model`` from ``build_cfg`` when deserializing left it unbuilt."""
    if getattr(model, "built", True) or not build_cfg:
        return
    builder = getattr(model, "build_from_config", None)
    if callable(builder):
        builder(build_cfg)
    elif build_cfg.get("input_shape") is not None:
        model.build(tuple(build_cfg["input_shape"]))


def _deserialize_entry(entry, kind, table):
    """A loss or metric from a config entry: names stay names (compile resolves them)."""
    if entry is None or isinstance(entry, (str, int, float)):
        return entry
    if isinstance(entry, list):
        return [_deserialize_entry(e, kind, table) for e in entry]
    if isinstance(entry, dict) and "class_name" not in entry:
        return {k: _deserialize_entry(v, kind, table) for k, v in entry.items()}
    if entry["class_name"] == "function":
        return entry["config"]
    name = entry.get("registered_name") or entry["class_name"]
    custom = table.get(name) or table.get(entry["class_name"])
    if custom is not None:
        return custom.from_config(entry.get("config") or {})
    return _module(kind).deserialize(_plain(entry), custom_objects=table)


def compile_from_config(model, cfg, custom_objects=None):
    """``model.compile`` with the optimizer, loss and metrics of a compile/training config."""
    table = registration.lookup_table(custom_objects)
    opt_cfg = cfg.get("optimizer") or cfg.get("optimizer_config")
    if isinstance(opt_cfg, dict):
        custom = table.get(opt_cfg.get("registered_name") or opt_cfg["class_name"])
        optimizer = (custom.from_config(opt_cfg.get("config") or {}) if custom is not None else
                     _module("optimizers").deserialize(_plain(opt_cfg), custom_objects=table))
    else:
        optimizer = opt_cfg
    kwargs = {"optimizer": optimizer,
              "loss": _deserialize_entry(cfg.get("loss"), "losses", table),
              "metrics": _deserialize_entry(cfg.get("metrics"), "metrics", table),
              "loss_weights": cfg.get("loss_weights")}
    weighted = _deserialize_entry(cfg.get("weighted_metrics"), "metrics", table)
    if weighted:
        kwargs["weighted_metrics"] = weighted
    model.compile(**kwargs)
