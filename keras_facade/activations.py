"""Activation functions (``keras.activations``): every name Keras 2 knows, plus Keras 3's.

``get('relu')`` / ``get(None)`` (linear) / ``get(callable)``; ``serialize(fn)`` gives the name back.
The math comes from ``autograd_core`` (``ag.nn`` for the non-trivial ones).
"""
import functools
import inspect

import autograd_core as ag

from . import config


def _nn():
    return ag.nn


def linear(x):
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0, negative_slope=None):
    """max(x, 0) with Keras' options: a slope below ``threshold``, a cap at ``max_value``."""
    slope = alpha if negative_slope is None else negative_slope
    if not slope and max_value is None and not threshold:
        return ag.relu(x)
    return _nn().relu(x, negative_slope=slope, max_value=max_value, threshold=threshold)


def sigmoid(x):
    return ag.sigmoid(x)


def tanh(x):
    return ag.tanh(x)


def softmax(x, axis=-1):
    return ag.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ag.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    return _nn().elu(x, alpha)


def selu(x):
    return _nn().selu(x)


def softplus(x):
    return _nn().softplus(x)


def softsign(x):
    return _nn().softsign(x)


def hard_sigmoid(x):
    """clip(x/6 + 0.5, 0, 1) (Keras 3); clip(0.2x + 0.5, 0, 1) under the keras2 profile."""
    if config.default("activations.hard_sigmoid") == "keras2":
        return _nn().hard_sigmoid_keras2(x)
    return _nn().hard_sigmoid(x)


def exponential(x):
    return _nn().exponential(x)


def gelu(x, approximate=False):
    return _nn().gelu(x, approximate)


def silu(x):
    return _nn().silu(x)


swish = silu


def relu6(x):
    return _nn().relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return _nn().leaky_relu(x, negative_slope)


def mish(x):
    return _nn().mish(x)


def hard_silu(x):
    return x * hard_sigmoid(x)


hard_swish = hard_silu


# Keras 3's newer activations are the engine's functions themselves (same names and arguments)
log_sigmoid, celu, glu, hard_tanh = ag.nn.log_sigmoid, ag.nn.celu, ag.nn.glu, ag.nn.hard_tanh
hard_shrink, soft_shrink, tanh_shrink = ag.nn.hard_shrink, ag.nn.soft_shrink, ag.nn.tanh_shrink
sparse_plus, squareplus, threshold = ag.nn.sparse_plus, ag.nn.squareplus, ag.nn.threshold
sparsemax, sparse_sigmoid = ag.nn.sparsemax, ag.nn.sparse_sigmoid


_BY_NAME = {fn.__name__: fn for fn in (
    linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu, softplus, softsign, hard_sigmoid,
    exponential, gelu, silu, relu6, leaky_relu, mish, hard_silu, log_sigmoid, celu, glu, hard_tanh,
    hard_shrink, soft_shrink, tanh_shrink, sparse_plus, squareplus, threshold, sparsemax,
    sparse_sigmoid)}


def _graph_aware(fn):
    """``fn`` that, called on a symbolic KerasTensor, becomes a node of the functional graph: the
    ``keras.ops`` function of the same name where it takes the arguments (as in Keras 3, where
    the activations are written with ``keras.ops``), else an operation node running ``fn``."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def run(x, *args, **kwargs):
        from .layers.input_layer import KerasTensor
        if not isinstance(x, KerasTensor):
            return fn(x, *args, **kwargs)
        from . import ops
        from .ops._dispatch import OpLayer
        bound = signature.bind(x, *args, **kwargs)
        first = next(iter(signature.parameters))
        given = {k: v for k, v in bound.arguments.items() if k != first}
        defaults = {k: p.default for k, p in signature.parameters.items() if k != first}
        op = getattr(ops, fn.__name__, None)
        if op is not None:
            accepted = inspect.signature(op).parameters
            values = {**defaults, **given}
            if all(k in accepted or values[k] == defaults[k] for k in values):
                return op(x, **{k: v for k, v in values.items() if k in accepted})
        return OpLayer(fn, function_name=fn.__name__)(x, *args, **kwargs)
    return run


# the module's public functions become their graph-aware versions (same names, same identity
# as what get() returns)
_BY_NAME = {name: _graph_aware(fn) if fn is not linear else fn for name, fn in _BY_NAME.items()}
globals().update(_BY_NAME)
_BY_NAME.update(swish=silu, hard_swish=hard_silu)
swish, hard_swish = silu, hard_silu


def get(identifier):
    """An activation function from a name, a config dict, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", {}).get("name", identifier.get("class_name"))
    if isinstance(identifier, str):
        if identifier in _BY_NAME:
            return _BY_NAME[identifier]
        if "." in identifier:  # an importable function stored as module.qualname
            from .layers.serialization import resolve_function
            return resolve_function(identifier)
        raise ValueError(f"Unknown activation function: {identifier!r}; known names: "
                         f"{sorted(_BY_NAME)}")
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """The name of a built-in activation, or ``module.qualname`` for an importable function."""
    name = getattr(activation, "__name__", None)
    if _BY_NAME.get(name) is activation:
        return name
    from .layers.serialization import function_reference
    return function_reference(activation)


def deserialize(name, custom_objects=None):
    if isinstance(name, str) and name not in _BY_NAME and (custom_objects or "." in name):
        from .layers.serialization import resolve_function
        return resolve_function(name, custom_objects)
    return get(name)
