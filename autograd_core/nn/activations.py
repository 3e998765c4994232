"""Activation functions with Keras semantics (Keras 3 defaults unless named otherwise).

Activations compute in floating point: integer and bool inputs become float32 (the default float).
Branches that could overflow are fed clamped inputs, so an unused branch of ``where`` never turns into
an inf or NaN gradient. ``softplus`` is a primitive: log(1 + e^x) computed without overflow, with
derivative sigmoid(x).

Derivatives at the kinks follow PyTorch: 0 where a piece is constant on one side (hard_tanh at
+-1, hard_shrink/soft_shrink at +-threshold, threshold at its threshold, sparse_sigmoid at +-1,
sparse_plus at -1), the linear piece's 1 for sparse_plus at 1, and 1 for celu at 0 (both sides
agree there).
"""
import math

from ..autodiff.graph import primitive
from ..ops import (erf, exp, expm1, tanh, sigmoid, where, clip, abs as _abs,  # noqa: F401
                   softmax, log_softmax, split, sqrt, square, sum as _sum)
from ..ops import relu as _relu
from ..ops._coerce import as_real, as_tensor

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus",
           "softsign", "hard_sigmoid", "hard_sigmoid_keras2", "hard_silu", "exponential", "mish",
           "log_sigmoid", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "celu", "glu",
           "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus", "squareplus",
           "threshold", "sparsemax", "sparse_sigmoid"]

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



def celu(x, alpha=1.0):
    """x for x > 0, alpha * (e^(x/alpha) - 1) otherwise (continuously differentiable)."""
    if alpha == 0:
        raise ValueError("celu: alpha must be non-zero, got 0")
    x = as_real(x)
    return where(x > 0, x, expm1(where(x > 0, 0.0, x) / alpha) * alpha)


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of ``x`` along ``axis``."""
    x = as_real(x)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"glu: axis {axis} is out of range for an input of shape {x.shape}")
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, got shape {x.shape}")
    a, b = split(x, 2, axis=axis)
    return a * sigmoid(b)


def hard_tanh(x):
    """x clipped to [-1, 1]; the derivative is 0 at -1 and 1."""
    x = as_real(x)
    return where(x <= -1.0, -1.0, where(x >= 1.0, 1.0, x))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = as_real(x)
    return where(_abs(x) > threshold, x, 0.0)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 between."""
    x = as_real(x)
    return where(x > threshold, x - threshold, where(x < -threshold, x + threshold, 0.0))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = as_real(x)
    return x - tanh(x)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1 (a smooth relu)."""
    x = as_real(x)
    quadratic = square(clip(x, -1.0, 1.0) + 1.0) * 0.25
    return where(x <= -1.0, 0.0, where(x < 1.0, quadratic, x))


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2 (a smooth relu; b >= 0)."""
    if b < 0:
        raise ValueError(f"squareplus: b must be >= 0, got {b}")
    x = as_real(x)
    return (x + sqrt(square(x) + b)) * 0.5


def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    x = as_real(x)
    return where(x > threshold, x, default_value)


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1."""
    x = as_real(x)
    return where(x <= -1.0, 0.0, where(x >= 1.0, 1.0, (x + 1.0) * 0.5))


def _sparsemax_support_fwd(xp, x, axis):
    """True for the entries that stay positive: the k largest, with k the largest count such that
    1 + k * z_(k) > z_(1) + ... + z_(k) (z sorted in descending order)."""
    z = -xp.sort(-x, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    ranks = xp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    cumsum = xp.cumsum(z, axis=axis)
    k = xp.sum(1 + ranks * z > cumsum, axis=axis, keepdims=True)
    kth = xp.take_along_axis(z, k - 1, axis=axis)
    return x >= kth


_sparsemax_support = primitive("sparsemax_support", _sparsemax_support_fwd, differentiable=False,
                               doc="The support (a bool mask) of sparsemax along ``axis``.")


def sparsemax(x, axis=-1):
    """Euclidean projection onto the probability simplex along ``axis``: max(x - tau, 0) with tau
    chosen so that the result sums to 1. The Jacobian is the exact one of that projection."""
    x = as_real(x)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"sparsemax: axis {axis} is out of range for an input of shape {x.shape}")
    axis = axis % x.ndim
    support = _sparsemax_support(x, axis=axis)
    count = _sum(where(support, 1.0, 0.0), axis=axis, keepdims=True)
    tau = (_sum(where(support, x, 0.0), axis=axis, keepdims=True) - 1.0) / count
    return where(support, x - tau, 0.0)
