"""Activation functions with Keras semantics (Keras 3 defaults unless named otherwise).

Branches that could overflow are fed clamped inputs, so an unused branch of ``where`` never turns into
an inf or NaN gradient. ``softplus`` is a primitive: log(1 + e^x) computed without overflow, with
derivative sigmoid(x).
"""
import math

from ..autodiff.graph import primitive
from ..ops import (erf, exp, expm1, minimum, tanh, sigmoid, where, clip, abs as _abs,  # noqa: F401
                   softmax, log_softmax)
from ..ops import relu as _relu
from ..ops._coerce import as_tensor

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus",
           "softsign", "hard_sigmoid", "hard_sigmoid_keras2", "hard_silu", "exponential", "mish",
           "log_sigmoid", "sigmoid", "tanh", "softmax", "log_softmax", "linear"]

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _softplus_fwd(xp, x):
    return xp.logaddexp(x.dtype.type(0), x)


_softplus = primitive("softplus", _softplus_fwd,
                      vjps=[lambda g, out, x: g * sigmoid(x)],
                      jvps=[lambda t, out, x: t * sigmoid(x)],
                      doc="log(1 + exp(x)) without overflow.")


def softplus(x):
    """log(1 + e^x), stable for any x."""
    return _softplus(as_tensor(x))


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras ReLU: x for threshold <= x < max_value, max_value above it, and
    negative_slope * (x - threshold) below the threshold."""
    x = as_tensor(x)
    if negative_slope == 0 and threshold == 0:
        y = _relu(x)
    elif negative_slope == 0:
        y = where(x >= threshold, x, 0.0)
    else:
        y = where(x >= threshold, x, (x - threshold) * negative_slope)
    if max_value is not None:
        y = where(x >= max_value, float(max_value), y)
    return y


def relu6(x):
    """min(max(x, 0), 6)."""
    return minimum(_relu(as_tensor(x)), 6.0)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise."""
    x = as_tensor(x)
    return where(x > 0, x, x * negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (e^x - 1) otherwise."""
    x = as_tensor(x)
    return where(x > 0, x, expm1(minimum(x, 0.0)) * alpha)


def selu(x):
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


def gelu(x, approximate=False):
    """x * Phi(x), exact through erf; ``approximate=True`` uses the tanh formula."""
    x = as_tensor(x)
    if approximate:
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (tanh(inner) + 1.0) * 0.5
    return x * (erf(x * (1 / math.sqrt(2))) + 1.0) * 0.5


def silu(x):
    """x * sigmoid(x)."""
    x = as_tensor(x)
    return x * sigmoid(x)


swish = silu


def softsign(x):
    """x / (1 + |x|)."""
    x = as_tensor(x)
    return x / (_abs(x) + 1.0)


def hard_sigmoid(x):
    """Keras 3: relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)."""
    return clip(as_tensor(x) * (1 / 6) + 0.5, 0.0, 1.0)


def hard_sigmoid_keras2(x):
    """Keras 2: clip(0.2 * x + 0.5, 0, 1)."""
    return clip(as_tensor(x) * 0.2 + 0.5, 0.0, 1.0)


def hard_silu(x):
    """x * hard_sigmoid(x) (hard swish)."""
    x = as_tensor(x)
    return x * hard_sigmoid(x)


def exponential(x):
    return exp(as_tensor(x))


def mish(x):
    """x * tanh(softplus(x))."""
    x = as_tensor(x)
    return x * tanh(softplus(x))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for any x."""
    return -softplus(-as_tensor(x))


def linear(x):
    return as_tensor(x)

