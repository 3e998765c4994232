"""keras_facade: the Keras API on top of autograd_core.

Submodules load on first use, so ``import keras_facade`` is cheap and ``keras_facade.layers`` etc.
work as attribute access, like ``keras.layers``.
"""
import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "models", "layers", "optimizers", "losses", "metrics", "callbacks", "preprocessing", "utils",
    "datasets", "backend", "activations", "initializers", "regularizers", "constraints", "saving",
    "config", "distribute", "applications", "training", "objectives", "ops", "random",
}
_NAMES = {
    "Model": "models", "Sequential": "models", "load_model": "models", "model_from_json": "models",
    "Input": "layers", "Layer": "layers", "Variable": "variables",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'keras_facade' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))
