"""Activation functions with Keras semantics (Keras 3 defaults unless named otherwise).

Activations compute in floating point: integer and bool inputs become float32 (the default float).
Branches that could overflow are fed clamped inputs, so an unused branch of ``where`` never turns into
an inf or NaN gradient. ``softplus`` is a primitive: log(1 + e^x) computed without overflow, with
derivative sigmoid(x).
"""
import math

from ..autodiff.graph import primitive
from ..ops import (erf, exp, expm1, tanh, sigmoid, where, clip, abs as _abs,  # noqa: F401
                   softmax, log_softmax)
from ..ops import relu as _relu
from ..ops._coerce import as_real, as_tensor

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
    return _softplus(as_real(x))


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's ReLU: x above ``threshold`` (0 at and below it), clipped to [0, max_value] when
    ``max_value`` is given, minus negative_slope * relu(threshold - x)."""
    x = as_real(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return leaky_relu(x, negative_slope)
    if threshold != 0:
        y = where(x > threshold, x, 0.0)
    elif max_value == 6:
        y, max_value = relu6(x), None
    else:
        y = _relu(x)
    if max_value is not None:
        y = clip(y, 0.0, float(max_value))
    if negative_slope != 0:
        y = y - _relu(threshold - x) * negative_slope
    return y


def relu6(x):
    """min(max(x, 0), 6); the derivative is 0 at both kinks (as TensorFlow and PyTorch)."""
    x = as_real(x)
    return where(x < 6.0, _relu(x), 6.0)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise."""
    x = as_real(x)
    return where(x > 0, x, x * negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (e^x - 1) otherwise (derivative alpha at 0, as TensorFlow and PyTorch)."""
    x = as_real(x)
    return where(x > 0, x, expm1(where(x > 0, 0.0, x)) * alpha)


def selu(x):
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


def gelu(x, approximate=False):
    """x * Phi(x), exact through erf; ``approximate=True`` uses the tanh formula."""
    x = as_real(x)
    if approximate:
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (tanh(inner) + 1.0) * 0.5
    return x * (erf(x * (1 / math.sqrt(2))) + 1.0) * 0.5


def silu(x):
    """x * sigmoid(x)."""
    x = as_real(x)
    return x * sigmoid(x)


swish = silu


def softsign(x):
    """x / (1 + |x|)."""
    x = as_real(x)
    return x / (_abs(x) + 1.0)


def hard_sigmoid(x):
    """Keras 3: relu6(x + 3) / 6 (derivative 0 at x = -3 and 3, as relu6)."""
    return relu6(as_real(x) + 3.0) / 6.0


def hard_sigmoid_keras2(x):
    """Keras 2: clip(0.2 * x + 0.5, 0, 1)."""
    return clip(as_real(x) * 0.2 + 0.5, 0.0, 1.0)


def hard_silu(x):
    """x * hard_sigmoid(x) (hard swish)."""
    x = as_real(x)
    return x * hard_sigmoid(x)


def exponential(x):
    return exp(as_real(x))


def mish(x):
    """x * tanh(softplus(x))."""
    x = as_real(x)
    return x * tanh(softplus(x))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for any x."""
    return -softplus(-as_real(x))


def linear(x):
    return as_tensor(x)

