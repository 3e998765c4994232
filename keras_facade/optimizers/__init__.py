"""``keras.optimizers``: SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
Lamb, Adafactor, the Keras 2 lowercase aliases, ``get``/``serialize``/``deserialize`` and ``schedules``.

Each optimizer applies a pure update rule written in engine ops (``rules``); ``stateless_apply``
records a step so that one can differentiate through training.
"""
from . import rules, schedules
from .algorithms import (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
                         Lamb, Adafactor, ALL)
from .base import Optimizer

# Keras 2 lowercase aliases (``from keras.optimizers import sgd``)
sgd, rmsprop, adagrad, adadelta, adam, adamax, nadam = SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam

_BY_NAME = {cls.__name__.lower(): cls for cls in ALL}

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam",
           "Lion", "Ftrl", "Lamb", "Adafactor",
           "sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam", "get", "serialize",
           "deserialize", "schedules", "rules"]


def serialize(optimizer):
    """Keras 3's form: ``{'module': 'keras.optimizers', 'class_name', 'config', 'registered_name'}``."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer from ``serialize``'s output or Keras 2's ``{'class_name', 'config'}``
    (whose ``lr``/``decay`` keys are understood)."""
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}; known: {sorted(c.__name__ for c in ALL)}")
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name ('adam', case-insensitive), a config dict, or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}; use one of {sorted(_BY_NAME)} or an "
                             f"optimizer instance such as keras.optimizers.Adam(learning_rate=1e-3)")
        return cls()
    raise ValueError(f"Could not interpret optimizer identifier {identifier!r}: pass a name such as "
                     f"'adam', a config dict, or an Optimizer instance")
