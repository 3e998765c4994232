"""The JSON parts of a saved model: the architecture record, the build config and the compile config.

Files written here use Keras 3's spelling (``module``/``class_name``/``config``/``registered_name``), so
real Keras can rebuild and recompile the model. Reading accepts Keras 2 spellings too
(``training_config`` with ``optimizer_config``, losses and metrics as plain names).
"""
import inspect

from . import keras3_config, registration
from .safe_mode import effective


def serialize_model(model):
    """The architecture record of ``config.json`` in Keras 3's form (without build/compile parts)."""
    return keras3_config.model_record(model)


def full_record(model):
    """What Keras 3 serializes a model to (``config.json``, ``to_json``): the architecture record,
    plus ``build_config`` and ``compile_config`` when the model has them."""
    record = serialize_model(model)
    for key, value in (("build_config", build_config(model)),
                       ("compile_config", compile_config(model))):
        if value is not None:
            record[key] = value
    return record


def build_config(model):
    """``{"input_shape": ...}``: what a loader needs to build the model before setting weights."""
    getter = getattr(model, "get_build_config", None)
    return getter() if callable(getter) else None


def compile_config(model):
    """Keras 3's ``compile_config`` of ``model`` (its ``get_compile_config()``), or None when it is
    not compiled. A model's own ``get_compile_config`` may return objects (functions, optimizers):
    they are serialized as Keras 3 does."""
    from .serialization_lib import serialize_keras_object  # that module imports this one
    getter = getattr(model, "get_compile_config", None)
    return serialize_keras_object(getter()) if callable(getter) else None


#: Short loss names that Keras 3's legacy ``.h5`` reader cannot resolve; every version knows the long ones.
_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                 "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}


def _long_loss_names(loss):
    if isinstance(loss, str):
        return _LOSS_ALIASES.get(loss, loss)
    if isinstance(loss, list):
        return [_long_loss_names(v) for v in loss]
    if isinstance(loss, dict) and "class_name" not in loss:
        return {k: _long_loss_names(v) for k, v in loss.items()}
    return loss


def training_config(model):
    """Keras 2's ``training_config`` (the legacy ``.h5`` attribute), or None."""
    cfg = compile_config(model)
    if cfg is None:
        return None
    cfg["loss"] = _long_loss_names(cfg.get("loss"))
    optimizer = cfg.pop("optimizer")
    cfg["optimizer_config"] = {"class_name": optimizer["class_name"], "config": optimizer["config"]}
    cfg["sample_weight_mode"] = None
    return cfg


def deserialize_model(record, custom_objects=None, safe_mode=True):
    """Rebuild (and build) a model from its record (``{"class_name", "config", "build_config"...}``);
    Lambda bytecode is rebuilt only when ``safe_mode`` is off (see ``safe_mode.effective``)."""
    from ..layers import serialization
    table = registration.lookup_table(custom_objects)
    with registration.custom_object_scope(table):
        return serialization.deserialize(record, table, safe_mode=effective(safe_mode))


def compile_from_config(model, cfg, custom_objects=None):
    """Compile ``model`` from a Keras 3 ``compile_config`` or a Keras 2 ``training_config``."""
    cfg = dict(cfg)
    if "optimizer" not in cfg and "optimizer_config" in cfg:
        cfg["optimizer"] = cfg.pop("optimizer_config")
    table = registration.lookup_table(custom_objects)
    with registration.custom_object_scope(table):
        if "custom_objects" in inspect.signature(model.compile_from_config).parameters:
            model.compile_from_config(cfg, custom_objects=table)
        else:  # a model's own compile_from_config(config), as Keras 3 defines it
            model.compile_from_config(cfg)
