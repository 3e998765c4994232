"""Elementwise math with numpy-style call signatures (tensors, arrays or Python scalars)."""
import numpy as np

from .. import backend
from ..primitives import elementwise as P
from ..tensor import Tensor
from ._coerce import as_real, as_tensor, coerce, pair


def _binary(prim, promote=True):
    def op(a, b):
        a, b = pair(a, b, promote)
        return prim(a, b)
    op.__name__ = prim.name
    op.__doc__ = f"Elementwise {prim.name} with broadcasting (numpy semantics)."
    return op


add = _binary(P.add)
subtract = sub = _binary(P.sub)
multiply = mul = _binary(P.mul)


def divide(a, b):
    """Elementwise true division with broadcasting; two integer operands divide as float32 (the
    default float, as in PyTorch) rather than numpy's float64."""
    a, b = pair(a, b)
    if _integral(a) and _integral(b):
        a, b = (x.astype(backend.float32) if isinstance(x, Tensor) else x for x in (a, b))
    return P.div(a, b)


div = true_divide = divide
power = pow = _binary(P.pow)
maximum = _binary(P.maximum)
minimum = _binary(P.minimum)
# comparisons stay exact: an int64 next to a float32 is compared as numpy does, in float64
equal = _binary(P.equal, promote=False)
not_equal = _binary(P.not_equal, promote=False)
less = _binary(P.less, promote=False)
less_equal = _binary(P.less_equal, promote=False)
greater = _binary(P.greater, promote=False)
greater_equal = _binary(P.greater_equal, promote=False)
logical_and = _binary(P.logical_and, promote=False)
logical_or = _binary(P.logical_or, promote=False)


def _operand(t, x):
    """``x`` as an operand next to tensor ``t`` (a Python scalar stays a weak scalar)."""
    return coerce(t, x)[1]


def lerp(start, end, weight):
    """start + weight * (end - start), elementwise with broadcasting (``torch.lerp``); one result
    buffer, so an update like ``m = lerp(m, g, 1 - beta)`` makes no temporaries."""
    if weight.__class__ is float and isinstance(start, Tensor) and isinstance(end, Tensor):
        return P.lerp(start, end, weight)  # an optimizer's update: nothing to convert
    start, end = pair(start, end)
    return P.lerp(start, end, _operand(start if isinstance(start, Tensor) else end, weight))


def addcdiv(x, a, b, value=1.0):
    """x + value * a / b, elementwise with broadcasting (``torch.addcdiv``); one result buffer."""
    if value.__class__ is float and isinstance(x, Tensor) and isinstance(a, Tensor) \
            and isinstance(b, Tensor):
        return P.addcdiv(x, a, b, value)
    x = as_tensor(x)
    a = a if isinstance(a, Tensor) else as_tensor(a, x._device).astype(x.dtype)
    return P.addcdiv(x, a, *(_operand(x, v) for v in (b, value)))


def _unary(prim, real=False):
    """The op of a one-operand primitive; ``real``: a function of the reals, which computes
    integer and bool inputs in float32 (``as_real``)."""
    convert = as_real if real else as_tensor

    def op(x):
        return prim(convert(x))
    op.__name__ = prim.name
    op.__doc__ = f"Elementwise {prim.name}" + (" (integers are computed in float32)." if real else ".")
    return op


negative = neg = _unary(P.neg)
exp = _unary(P.exp, real=True)
expm1 = _unary(P.expm1, real=True)
log = _unary(P.log, real=True)
log1p = _unary(P.log1p, real=True)
sqrt = _unary(P.sqrt, real=True)
sin = _unary(P.sin, real=True)
cos = _unary(P.cos, real=True)
tanh = _unary(P.tanh, real=True)
sigmoid = _unary(P.sigmoid, real=True)
relu = _unary(P.relu)
abs = absolute = _unary(P.abs)
sign = _unary(P.sign)
erf = _unary(P.erf, real=True)
logical_not = _unary(P.logical_not)
isnan = _unary(P.isnan)
isfinite = _unary(P.isfinite)
floor = _unary(P.floor)
round = _unary(P.round)


def square(x):
    x = as_tensor(x)
    return x * x


def reciprocal(x):
    return 1.0 / as_tensor(x)


def log2(x):
    return log(x) * (1.0 / 0.6931471805599453)


def log10(x):
    return log(x) * (1.0 / 2.302585092994046)


def tan(x):
    return sin(x) / cos(x)


def _bound(v, name):
    if v is None:
        return None
    if hasattr(v, "item") and getattr(v, "size", 1) == 1:
        return v.item()
    if isinstance(v, (int, float)):
        return v
    raise TypeError(f"clip: {name} must be a scalar, got {type(v).__name__}")


def clip(x, a_min=None, a_max=None):
    """Clip to [a_min, a_max] (scalar bounds); the gradient is 1 at the bounds. Integers clipped to
    a float bound become float32."""
    lo, hi = _bound(a_min, "a_min"), _bound(a_max, "a_max")
    x = as_tensor(x)
    if isinstance(lo, float) or isinstance(hi, float):
        x = as_real(x)
    return P.clip(x, lo=lo, hi=hi)


def _integral(x):
    return x._data.dtype.kind in "iub" if isinstance(x, Tensor) else isinstance(x, int)


def where(condition, x, y):
    """Pick ``x`` where ``condition`` holds, else ``y`` (broadcasting). A zero cotangent reaches the
    branch that was not picked; the rules with a pole or an overflow (div, log, log1p, sqrt, pow,
    exp, expm1) keep it zero, so a branch like ``where(x > 0, log(x), 0)`` has a finite gradient.
    An inf or NaN *value* that later ops carry on (e.g. ``x * log(x)`` at 0) still reaches it."""
    from ..tensor import Tensor
    if not isinstance(condition, Tensor):
        dev = x._device if isinstance(x, Tensor) else (y._device if isinstance(y, Tensor) else None)
        condition = Tensor(condition, device=dev)
    if condition._data.dtype != backend.bool_:
        condition = condition != 0
    # the branches follow the binary ops' rules: Python (and numpy) scalars are weak
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = as_tensor(x.item() if isinstance(x, np.generic) else x, device=condition._device)
    if isinstance(x, Tensor):
        x, y = coerce(x, y)
    else:
        y, x = coerce(y, x)
    return P.where(condition, x, y)


def cast(x, dtype):
    """Cast to ``dtype`` (differentiable between float dtypes)."""
    x = as_tensor(x)
    dtype = backend.normalize_dtype(dtype)
    if x._data.dtype == dtype:
        return x
    return P.cast(x, dtype=dtype)


def to_device(x, device=None):
    """Copy ``x`` to ``device``; differentiable (the gradient goes back to x's device)."""
    from ..autodiff.graph import Node
    from ..autodiff.mode import GRAD_ENABLED
    from ..tensor import Tensor
    dev = backend.device(device)
    arr = P._to_device_fwd(None, x._data, device=dev)
    out = Tensor._make(arr, dev)
    if x.requires_grad and GRAD_ENABLED[0]:
        out.requires_grad = True
        out._node = Node(P.to_device, (x,), {"device": dev})
    return out


sinh = _unary(P.sinh, real=True)
cosh = _unary(P.cosh, real=True)
arcsin = _unary(P.arcsin, real=True)
arccos = _unary(P.arccos, real=True)
arctan = _unary(P.arctan, real=True)
arcsinh = _unary(P.arcsinh, real=True)
arccosh = _unary(P.arccosh, real=True)
arctanh = _unary(P.arctanh, real=True)
ceil = _unary(P.ceil)
trunc = _unary(P.trunc)
isinf = _unary(P.isinf)
signbit = _unary(P.signbit)
bitwise_not = _unary(P.bitwise_not)
arctan2 = _binary(P.arctan2)
mod = _binary(P.mod)
fmod = _binary(P.fmod)
floor_divide = _binary(P.floor_divide)
nextafter = _binary(P.nextafter)
logical_xor = _binary(P.logical_xor, promote=False)
bitwise_and = _binary(P.bitwise_and)
bitwise_or = _binary(P.bitwise_or)
bitwise_xor = _binary(P.bitwise_xor)
left_shift = _binary(P.left_shift)
right_shift = _binary(P.right_shift)
gcd = _binary(P.gcd)
lcm = _binary(P.lcm)
