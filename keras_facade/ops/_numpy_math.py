"""``keras.ops.numpy``, the math part: arithmetic, reductions, comparisons and logic, exp/log and
trigonometric functions, products (matmul, einsum...), statistics, windows and bit operations.

Arguments may be tensors, arrays, lists or Python numbers (converted as Keras does: Python ints and
int lists become int32, floats float32; Python scalars next to a tensor stay weak). Everything is
computed with ``autograd_core`` ops, so gradients flow where Keras' do. The engine is real-valued:
``real``/``conj`` return their input, ``imag`` zeros and ``angle`` 0 or pi.
"""
import builtins
import itertools
import math

import numpy as np  # dtypes, constants and index computation only

import autograd_core as ag
from autograd_core import Tensor

from ._dispatch import keras_op
from .core import to_tensor as _to_tensor

_SCALARS = (bool, int, float)
_SMALL_INTS = ("bool", "int8", "int16", "uint8", "uint16")
_NOT_OPS = {"Tensor", "keras_op"}


# -- converting arguments ------------------------------------------------------------------------
def _fail(name, message, error=ValueError):
    raise error(f"keras.ops.{name}: {message}")


def _tensor(x, name="convert_to_tensor"):
    """``x`` as a tensor with Keras' defaults (``core.to_tensor``: Python ints and int lists
    int32, floats float32); errors name ``keras.ops.<name>``."""
    if isinstance(x, Tensor):
        return x
    if x is None or isinstance(x, (str, bytes, dict, set)):
        _fail(name, f"expected a tensor, an array or a number, got {type(x).__name__}", TypeError)
    try:
        return _to_tensor(x)
    except TypeError:
        _fail(name, f"cannot convert {type(x).__name__} of dtype {np.asarray(x).dtype} to a "
              f"tensor", TypeError)


def _operand(x, name):
    """A binary op's operand: Python scalars stay weak (they never widen the tensor's dtype)."""
    return x if isinstance(x, _SCALARS) else _tensor(x, name)


def _pair(x1, x2, name):
    a, b = _operand(x1, name), _operand(x2, name)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = _tensor(a, name)
    a, b = (_bool_as_int(t, o) for t, o in ((a, b), (b, a)))
    shapes = [t.shape for t in (a, b) if isinstance(t, Tensor)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        _fail(name, f"shapes {shapes[0]} and {shapes[1]} cannot be broadcast together")
    return a, b


def _bool_as_int(t, other):
    """A bool tensor next to a Python int computes in int32."""
    if isinstance(t, Tensor) and t.dtype == np.bool_ and other.__class__ is int:
        return ag.cast(t, "int32")
    return t


def _is_float(x):
    return isinstance(x, float) or (isinstance(x, Tensor) and x.dtype.kind == "f")


def _real(x, name="convert_to_tensor"):
    """A float tensor: integers and bools become float32."""
    x = _tensor(x, name) if not isinstance(x, _SCALARS) else _tensor(float(x), name)
    return x if x.dtype.kind == "f" else ag.cast(x, "float32")


def _real_pair(x1, x2, name):
    a, b = _pair(x1, x2, name)
    if not _is_float(a) and not _is_float(b):
        a = _real(a, name)
    return a, b


def _integers(x, name):
    x = _tensor(x, name)
    if x.dtype.kind not in "biu":
        _fail(name, f"expected an integer or bool tensor, got dtype {x.dtype}", TypeError)
    return x


def _named(name, fn, doc):
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _unary(name, op, convert=_tensor, doc=None):
    return _named(name, lambda x: op(convert(x, name)), doc or f"Elementwise {name}.")


def _binary(name, op, convert=_pair, doc=None):
    return _named(name, lambda x1, x2: op(*convert(x1, x2, name)),
                  doc or f"Elementwise {name} with broadcasting.")


def _bits(name, op):
    def fn(x, y):
        x = _bool_as_int(_integers(x, name), y)
        y = ag.full_like(x, y) if isinstance(y, (bool, int)) else _integers(y, name)
        return op(x, y)
    return _named(name, fn, f"Elementwise {name} of integer or bool tensors.")


# -- arithmetic ----------------------------------------------------------------------------------
add = _binary("add", ag.add)
subtract = _binary("subtract", ag.subtract)
multiply = _binary("multiply", ag.multiply)
divide = _binary("divide", ag.divide, doc="True division (integers divide as float32).")
true_divide = divide
floor_divide = _binary("floor_divide", ag.floor_divide)
mod = _binary("mod", ag.mod, doc="Remainder with the sign of the divisor.")
fmod = _binary("fmod", ag.fmod, doc="Remainder with the sign of the dividend.")
power = _binary("power", ag.power)
maximum = _binary("maximum", ag.maximum)
minimum = _binary("minimum", ag.minimum)
negative = _unary("negative", ag.negative)
abs = _unary("abs", ag.abs)  # noqa: A001
absolute = abs
sign = _unary("sign", lambda x: x if x.dtype == np.bool_ else ag.sign(x))
square = _unary("square", lambda x: ag.square(ag.cast(x, "int32") if x.dtype == np.bool_ else x))
sqrt = _unary("sqrt", ag.sqrt, _real)
cbrt = _unary("cbrt", lambda x: ag.sign(x) * ag.abs(x) ** (1.0 / 3.0), _real)
reciprocal = _unary("reciprocal", lambda x: 1.0 / x, _real)
fabs = _unary("fabs", ag.abs, _real)


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0."""
    a, b = _real_pair(x1, x2, "divide_no_nan")
    zero = ag.equal(b, 0)
    out = ag.where(zero, 0.0, ag.divide(a, ag.where(zero, 1.0, b)))
    return ag.cast(out, a.dtype) if isinstance(a, Tensor) and a.dtype.kind == "f" else out


def _nan_aware(op):
    """``op`` that takes the other operand where one is NaN."""
    def fn(a, b):
        out = op(a, b)
        for x, other in ((b, a), (a, b)):
            if isinstance(x, Tensor) and _is_float(x):
                out = ag.where(ag.isnan(x), other, out)
        return out
    return fn


fmax = _binary("fmax", _nan_aware(ag.maximum), doc="Elementwise maximum that ignores NaNs.")
fmin = _binary("fmin", _nan_aware(ag.minimum), doc="Elementwise minimum that ignores NaNs.")


def clip(x, x_min, x_max):
    """Clip to [x_min, x_max] (scalars or tensors); bools are clipped as int32."""
    x = _tensor(x, "clip")
    if x.dtype == np.bool_:
        x = ag.cast(x, "int32")
    if isinstance(x_min, _SCALARS) and isinstance(x_max, _SCALARS):
        return ag.clip(x, x_min, x_max)
    return ag.minimum(ag.maximum(x, _operand(x_min, "clip")), _operand(x_max, "clip"))


def heaviside(x1, x2):
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0."""
    a, b = _real_pair(x1, x2, "heaviside")
    return ag.where(ag.less(a, 0), 0.0, ag.where(ag.greater(a, 0), 1.0, b))


def ldexp(x1, x2):
    """x1 * 2**x2 with an integer exponent."""
    exponent = _tensor(x2, "ldexp") if not isinstance(x2, int) else x2
    if isinstance(exponent, Tensor) and exponent.dtype.kind not in "iu":
        _fail("ldexp", f"the exponent x2 must be an integer, got dtype {exponent.dtype}", TypeError)
    x = _real(x1, "ldexp")
    scale = 2.0 ** (ag.cast(exponent, x.dtype) if isinstance(exponent, Tensor) else exponent)
    return ag.multiply(x, scale)


# -- rounding ------------------------------------------------------------------------------------
floor = _unary("floor", ag.floor, _real)
ceil = _unary("ceil", ag.ceil, _real)
trunc = _unary("trunc", lambda x: ag.trunc(x) if x.dtype.kind == "f" else x)


def round(x, decimals=0):  # noqa: A001
    """Round half to even to ``decimals`` places (negative: to tens, hundreds...)."""
    x = _tensor(x, "round")
    if x.dtype == np.bool_:
        _fail("round", "bool tensors cannot be rounded", TypeError)
    if decimals == 0:
        return ag.round(x) if x.dtype.kind == "f" else x
    scale = 10.0 ** decimals
    out = ag.round(ag.cast(x, "float32") * scale if x.dtype.kind != "f" else x * scale) / scale
    return out if x.dtype.kind == "f" else ag.cast(out, x.dtype)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``, +inf -> ``posinf`` (default: the dtype's largest), -inf -> ``neginf``."""
    x = _tensor(x, "nan_to_num")
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    x = ag.where(ag.isnan(x), float(nan), x)
    x = ag.where(_isposinf(x), float(info.max if posinf is None else posinf), x)
    return ag.where(_isneginf(x), float(info.min if neginf is None else neginf), x)


# -- exponentials, logarithms and trigonometric functions ----------------------------------------
_LN2 = math.log(2.0)
exp = _unary("exp", ag.exp, _real)
exp2 = _unary("exp2", lambda x: 2.0 ** x, _real)
expm1 = _unary("expm1", ag.expm1, _real)
log = _unary("log", ag.log, _real)
log2 = _unary("log2", ag.log2, _real)
log10 = _unary("log10", ag.log10, _real)
log1p = _unary("log1p", ag.log1p, _real)
sin, cos, tan = (_unary(n, getattr(ag, n), _real) for n in ("sin", "cos", "tan"))
sinh, cosh, tanh = (_unary(n, getattr(ag, n), _real) for n in ("sinh", "cosh", "tanh"))
arcsin, arccos, arctan = (_unary(n, getattr(ag, n), _real) for n in ("arcsin", "arccos", "arctan"))
arcsinh, arccosh, arctanh = (_unary(n, getattr(ag, n), _real)
                             for n in ("arcsinh", "arccosh", "arctanh"))
arctan2 = _binary("arctan2", ag.arctan2, _real_pair, "Elementwise arctan(x1 / x2) in (-pi, pi].")
deg2rad = _unary("deg2rad", lambda x: x * (math.pi / 180.0), _real)
rad2deg = _unary("rad2deg", lambda x: x * (180.0 / math.pi), _real)
hypot = _binary("hypot", lambda a, b: ag.sqrt(a * a + b * b), _real_pair, "sqrt(x1**2 + x2**2).")


def _logaddexp(a, b):
    d = ag.subtract(a, b)
    d = ag.where(ag.isnan(d), 0.0, d)  # both inf of one sign
    return ag.maximum(a, b) + ag.log1p(ag.exp(-ag.abs(d)))


logaddexp = _binary("logaddexp", _logaddexp, _real_pair, "log(exp(x1) + exp(x2)), computed stably.")
logaddexp2 = _binary("logaddexp2", lambda a, b: _logaddexp(a * _LN2, b * _LN2) * (1 / _LN2),
                     _real_pair, "log2(2**x1 + 2**x2), computed stably.")


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    x = _real(x, "sinc")
    zero = ag.equal(x, 0)
    px = ag.where(zero, 1.0, x) * math.pi
    return ag.where(zero, 1.0, ag.sin(px) / px)


# the modified Bessel function I0 by the polynomial fits of Abramowitz and Stegun 9.8.1-2
_I0_SMALL = (1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.0360768, 0.0045813)
_I0_LARGE = (0.39894228, 0.01328592, 0.00225319, -0.00157565, 0.00916281, -0.02057706,
             0.02635537, -0.01647633, 0.00392377)


def _horner(coeffs, t):
    out = coeffs[-1]
    for c in coeffs[-2::-1]:
        out = out * t + c
    return out


def i0(x):
    """The modified Bessel function of the first kind, order 0 (about 2e-7 relative error)."""
    x = _real(x, "i0")
    ax = ag.abs(x)
    small = ag.less_equal(ax, 3.75)
    t = x * (1 / 3.75)
    inner = _horner(_I0_SMALL, t * t)
    big = ag.where(small, 3.75, ax)
    outer = _horner(_I0_LARGE, 3.75 / big) * ag.exp(big) / ag.sqrt(big)
    return ag.where(small, inner, outer)


# -- complex parts (the engine is real-valued) ---------------------------------------------------
real = _unary("real", lambda x: x, doc="The real part: the tensor itself.")
conj = _unary("conj", lambda x: x, doc="The complex conjugate: the tensor itself.")
conjugate = conj
imag = _unary("imag", ag.zeros_like, doc="The imaginary part: zeros.")
angle = _unary("angle", lambda x: ag.where(ag.less(x, 0), math.pi, 0.0 * x), _real,
               "The complex argument: pi for negative numbers, else 0.")


# -- comparisons and logic -----------------------------------------------------------------------
equal = _binary("equal", ag.equal)
not_equal = _binary("not_equal", ag.not_equal)
less = _binary("less", ag.less)
less_equal = _binary("less_equal", ag.less_equal)
greater = _binary("greater", ag.greater)
greater_equal = _binary("greater_equal", ag.greater_equal)
logical_and = _binary("logical_and", ag.logical_and)
logical_or = _binary("logical_or", ag.logical_or)
logical_xor = _binary("logical_xor", ag.logical_xor)
logical_not = _unary("logical_not", ag.logical_not)
isnan = _unary("isnan", ag.isnan)
isinf = _unary("isinf", ag.isinf)
isfinite = _unary("isfinite", ag.isfinite)
signbit = _unary("signbit", ag.signbit)
isreal = _unary("isreal", lambda x: ag.equal(ag.zeros_like(x), 0), doc="True everywhere (real).")


def _isposinf(x):
    return ag.logical_and(ag.isinf(x), ag.logical_not(ag.signbit(x)))


def _isneginf(x):
    return ag.logical_and(ag.isinf(x), ag.signbit(x))


isposinf = _unary("isposinf", _isposinf)
isneginf = _unary("isneginf", _isneginf)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|x1 - x2| <= atol + rtol * |x2| elementwise (infinities close only to themselves)."""
    a, b = _pair(x1, x2, "isclose")
    if not _is_float(a) and not _is_float(b):
        return ag.equal(a, b)
    a, b = _real_pair(a, b, "isclose")
    out = ag.logical_or(ag.equal(a, b), ag.less_equal(ag.abs(a - b), atol + rtol * ag.abs(b)))
    if equal_nan:
        out = ag.logical_or(out, ag.logical_and(ag.isnan(a), ag.isnan(b)))
    return out


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are ``isclose`` (a bool scalar tensor)."""
    return ag.all(isclose(x1, x2, rtol, atol, equal_nan))


# -- bit operations (integer and bool tensors) ---------------------------------------------------
bitwise_and = _bits("bitwise_and", ag.bitwise_and)
bitwise_or = _bits("bitwise_or", ag.bitwise_or)
bitwise_xor = _bits("bitwise_xor", ag.bitwise_xor)
bitwise_left_shift = _bits("bitwise_left_shift", ag.left_shift)
bitwise_right_shift = _bits("bitwise_right_shift", ag.right_shift)
left_shift, right_shift = bitwise_left_shift, bitwise_right_shift
gcd = _bits("gcd", ag.gcd)
lcm = _bits("lcm", ag.lcm)
bitwise_not = _named("bitwise_not", lambda x: ag.bitwise_not(_integers(x, "bitwise_not")),
                     "Elementwise bit inversion (logical not for bools).")
bitwise_invert = bitwise_not


def nextafter(x1, x2):
    """The next float after x1 towards x2 (float32 for integers)."""
    return ag.nextafter(*_real_pair(x1, x2, "nextafter"))


# -- reductions ----------------------------------------------------------------------------------
def _axes(x, axis, name):
    """``axis`` (None, int or sequence) as a tuple of non-negative axes, checked against x."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            _fail(name, f"axis {a} is out of range for a tensor of shape {x.shape}")
    return tuple(int(a) % x.ndim for a in axes)


def _widen(x):
    """Sums and products of bools and small integers are int32, as in Keras."""
    return ag.cast(x, "int32") if str(x.dtype) in _SMALL_INTS else x


def _keep_dtype(op):
    """``op`` with its result in its input's dtype (the engine sums int32 as int64)."""
    return lambda x, *args, **kwargs: ag.cast(op(x, *args, **kwargs), x.dtype)


def _reduction(name, op, prepare=lambda x: x, doc=None):
    def fn(x, axis=None, keepdims=False):
        x = _tensor(x, name)
        axes = _axes(x, axis, name)
        return op(prepare(x), axis=axes, keepdims=keepdims)
    return _named(name, fn, doc or f"The {name} over ``axis`` (all axes when None).")


def _nonempty(op, name):
    def reduce(x, axis=None, keepdims=False):
        if x.size == 0:
            _fail(name, f"zero-size tensor of shape {x.shape} has no {name}")
        return op(x, axis=axis, keepdims=keepdims)
    return reduce


def _no_nan(x, fill):
    return ag.where(ag.isnan(x), fill, x) if x.dtype.kind == "f" else x


def _count(x, axes):
    """How many non-NaN elements each reduction over ``axes`` sees (kept dims)."""
    return ag.sum(ag.cast(ag.logical_not(ag.isnan(x)), x.dtype), axis=axes, keepdims=True)


def _safe_sqrt(v):
    zero = ag.equal(v, 0)
    return ag.where(zero, 0.0, ag.sqrt(ag.where(zero, 1.0, v)))


def _squeeze(x, axes, keepdims):
    if keepdims:
        return x
    return ag.squeeze(x, axis=axes) if axes is not None else ag.reshape(x, ())


sum = _reduction("sum", _keep_dtype(ag.sum), _widen)  # noqa: A001
mean = _reduction("mean", ag.mean)
amax = _reduction("amax", _nonempty(ag.max, "amax"))
amin = _reduction("amin", _nonempty(ag.min, "amin"))
std = _reduction("std", ag.std, _real)
var = _reduction("var", ag.var, _real)
all = _reduction("all", ag.all)  # noqa: A001
any = _reduction("any", ag.any)  # noqa: A001
ptp = _reduction("ptp", lambda x, **k: ag.max(x, **k) - ag.min(x, **k), doc="max - min.")
nansum = _reduction("nansum", _keep_dtype(lambda x, **k: ag.sum(_no_nan(x, 0.0), **k)), _widen)
nanprod = _reduction("nanprod", _keep_dtype(lambda x, **k: ag.prod(_no_nan(x, 1.0), **k)),
                     _widen)


def _nan_extreme(op, fill):
    def reduce(x, axis=None, keepdims=False):
        out = op(_no_nan(x, fill), axis=axis, keepdims=keepdims)
        if x.dtype.kind != "f":
            return out
        return ag.where(ag.all(ag.isnan(x), axis=axis, keepdims=keepdims), math.nan, out)
    return reduce


nanmax = _reduction("nanmax", _nan_extreme(ag.max, -math.inf))
nanmin = _reduction("nanmin", _nan_extreme(ag.min, math.inf))


def _nanmean(x, axis=None, keepdims=False):
    x = _real(x)
    out = ag.sum(_no_nan(x, 0.0), axis=axis, keepdims=True) / _count(x, axis)
    return _squeeze(out, axis, keepdims)


def _nanvar(x, axis=None, keepdims=False):
    x = _real(x)
    d = _no_nan(x - _nanmean(x, axis, keepdims=True), 0.0)
    return _squeeze(ag.sum(d * d, axis=axis, keepdims=True) / _count(x, axis), axis, keepdims)


nanmean = _reduction("nanmean", _nanmean)
nanvar = _reduction("nanvar", _nanvar)
nanstd = _reduction("nanstd", lambda x, **k: _safe_sqrt(_nanvar(x, **k)))


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """The maximum over ``axis``, at least ``initial`` when given; ties share the gradient."""
    out = amax(x, axis, keepdims)
    return out if initial is None else ag.maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """The minimum over ``axis``, at most ``initial`` when given; ties share the gradient."""
    out = amin(x, axis, keepdims)
    return out if initial is None else ag.minimum(out, initial)


def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over ``axis`` (computed in ``dtype`` when given)."""
    x = _tensor(x, "prod")
    x = ag.cast(x, dtype) if dtype is not None else _widen(x)
    return _keep_dtype(ag.prod)(x, axis=_axes(x, axis, "prod"), keepdims=keepdims)


def _arg(name, op, fill=None):
    def fn(x, axis=None, keepdims=False):
        x = _tensor(x, name)
        if x.size == 0:
            _fail(name, f"zero-size tensor of shape {x.shape} has no {name}")
        axes = _axes(x, axis, name)
        if fill is not None:
            x = _no_nan(x, fill)
        return ag.cast(op(x, axis=None if axes is None else axes[0], keepdims=keepdims), "int32")
    return _named(name, fn, f"The index of the {name[-3:]}imum along ``axis`` (of the flattened "
                            f"tensor when None), int32.")


argmax = _arg("argmax", ag.argmax)
argmin = _arg("argmin", ag.argmin)
nanargmax = _arg("nanargmax", ag.argmax, -math.inf)
nanargmin = _arg("nanargmin", ag.argmin, math.inf)


def _cumprod(x, axis):
    """Cumulative product as a product over a triangular mask (exact gradient also at zeros)."""
    x = ag.moveaxis(x, axis, -1)
    n = x.shape[-1]
    mask = ag.tensor(np.tril(np.ones((n, n), bool)), device=x.device)
    out = ag.prod(ag.where(mask, ag.expand_dims(x, -2), 1), axis=-1)
    return ag.moveaxis(out, -1, axis)


def _cumulative(name, op, fill):
    def fn(x, axis=None, dtype=None):
        x = _tensor(x, name)
        if dtype is not None or x.dtype == np.bool_:
            x = ag.cast(x, dtype or "int32")
        if axis is None:
            x, axis = ag.reshape(x, (-1,)), 0
        axis = _axes(x, axis, name)[0]
        return _keep_dtype(op)(x if fill is None else _no_nan(x, fill), axis)
    return _named(name, fn, f"The {name} along ``axis`` (of the flattened tensor when None).")


cumsum = _cumulative("cumsum", lambda x, axis: ag.cumsum(x, axis=axis), None)
cumprod = _cumulative("cumprod", _cumprod, None)
nancumsum = _cumulative("nancumsum", lambda x, axis: ag.cumsum(x, axis=axis), 0.0)
nancumprod = _cumulative("nancumprod", _cumprod, 1.0)


def average(x, axis=None, weights=None):
    """The mean, or the ``weights``-weighted mean, over ``axis`` (1-D weights: along ``axis``)."""
    x = _real(x, "average")
    axes = _axes(x, axis, "average")
    if weights is None:
        return ag.mean(x, axis=axes)
    w = ag.cast(_tensor(weights, "average"), x.dtype)
    if w.shape != x.shape:
        if axes is None or len(axes) != 1 or w.shape != (x.shape[axes[0]],):
            _fail("average", f"weights of shape {w.shape} do not match x of shape {x.shape} "
                             f"along axis {axis}")
        w = ag.reshape(w, tuple(n if i == axes[0] else 1 for i, n in enumerate(x.shape)))
    return ag.sum(x * w, axis=axes) / ag.sum(w * ag.ones_like(x), axis=axes)


# -- quantiles: gathered from the sorted values (the sort order is index computation) -------------
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, x, q, axis, method, keepdims, skip_nan=False, scale=1.0):
    x = _real(x, name)
    if method not in _METHODS:
        _fail(name, f"method must be one of {_METHODS}, got {method!r}")
    qs = np.asarray(q.numpy() if isinstance(q, Tensor) else q, dtype=np.float64) / scale
    if qs.ndim > 1 or np.any((qs < 0) | (qs > 1)):
        _fail(name, f"q must be a scalar or 1-D with values in [0, {scale:g}], got {q}")
    axes = _axes(x, axis, name) or tuple(range(x.ndim))
    kept = [i for i in range(x.ndim) if i not in axes]
    rows = ag.reshape(ag.transpose(x, kept + list(axes)), (-1, math.prod(x.shape[a] for a in axes)))
    data = rows.numpy()
    nan = np.isnan(data)
    r = np.arange(rows.shape[0])[:, None]
    ordered = rows[r, np.argsort(data, axis=-1, kind="stable")]  # NaNs last
    count = (rows.shape[1] - nan.sum(-1, keepdims=True)) if skip_nan else rows.shape[1]
    pos = qs.reshape(1, -1) * np.maximum(count - 1, 0)
    lo, hi = np.floor(pos).astype(np.intp), np.ceil(pos).astype(np.intp)
    if method == "nearest":
        lo = hi = np.around(pos).astype(np.intp)
    low, high = ordered[r, lo], ordered[r, hi]
    if method == "linear":
        const = lambda v: ag.tensor(np.asarray(v, dtype=x.dtype), device=x.device)  # noqa: E731
        q_row = ag.reshape(ag.cast(_real(q, name), x.dtype), (1, -1)) * (1.0 / scale)
        out = low + (high - low) * (q_row * const(np.maximum(count - 1, 0)) - const(lo))
    else:
        out = {"lower": low, "higher": high, "midpoint": (low + high) * 0.5, "nearest": low}[method]
    undefined = (count == 0) if skip_nan else nan.any(-1, keepdims=True)
    out = ag.where(ag.tensor(undefined, device=x.device), math.nan, out)
    shape = [1 if i in axes else n for i, n in enumerate(x.shape)] if keepdims else \
        [x.shape[i] for i in kept]
    out = ag.reshape(ag.transpose(out, (1, 0)), (qs.size,) + tuple(shape))
    return out[0] if qs.ndim == 0 else out


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantile(s) over ``axis`` (q in [0, 1]; a 1-D q adds a leading axis)."""
    return _quantile("quantile", x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentile(s) over ``axis`` (q in [0, 100])."""
    return _quantile("percentile", x, q, axis, method, keepdims, scale=100.0)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` ignoring NaNs."""
    return _quantile("nanquantile", x, q, axis, method, keepdims, skip_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """``percentile`` ignoring NaNs."""
    return _quantile("nanpercentile", x, q, axis, method, keepdims, True, 100.0)


def median(x, axis=None, keepdims=False):
    """The median over ``axis``."""
    return _quantile("median", x, 0.5, axis, "linear", keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """The median over ``axis``, ignoring NaNs."""
    return _quantile("nanmedian", x, 0.5, axis, "linear", keepdims, skip_nan=True)


# -- products and linear algebra -----------------------------------------------------------------
def _product(name, op, doc):
    def fn(x1, x2):
        a, b = _tensor(x1, name), _tensor(x2, name)
        try:
            return op(a, b)
        except ValueError as e:
            _fail(name, f"shapes {a.shape} and {b.shape} do not fit: {e}")
    return _named(name, fn, doc)


matmul = _product("matmul", ag.matmul, "Matrix product (batch axes broadcast, 1-D promoted).")
dot = _product("dot", ag.dot, "numpy's dot product.")
vdot = _product("vdot", lambda a, b: ag.sum(ag.reshape(a, (-1,)) * ag.reshape(b, (-1,))),
                "The dot product of the flattened tensors.")


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation (numpy's subscripts, with ``...``)."""
    return ag.einsum(subscripts, *(_tensor(x, "einsum") for x in operands))


def tensordot(x1, x2, axes=2):
    """Sum over the last ``axes`` axes of x1 and the first of x2 (or the given axis lists)."""
    a, b = _tensor(x1, "tensordot"), _tensor(x2, "tensordot")
    return ag.tensordot(a, b, axes=axes)


def _to_end(x, axes):
    """``x`` with ``axes`` moved, in order, to the end."""
    return ag.transpose(x, [i for i in range(x.ndim) if i not in axes] + list(axes))


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum along a diagonal of the planes (axis1, axis2)."""
    x = _widen(_tensor(x, "trace"))
    if x.ndim < 2:
        _fail("trace", f"expected a tensor of rank >= 2, got shape {x.shape}")
    a1, a2 = _axes(x, (axis1, axis2), "trace")
    x = _to_end(x, (a1, a2))
    rows = np.arange(builtins.max(0, -offset), x.shape[-2])
    rows = rows[rows + offset < x.shape[-1]]
    return _keep_dtype(ag.sum)(x[..., rows, rows + offset], axis=-1)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 2- or 3-vectors along the given axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = ag.moveaxis(_tensor(x1, "cross"), axisa, -1)
    b = ag.moveaxis(_tensor(x2, "cross"), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        _fail("cross", f"vectors must have 2 or 3 components, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] == b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a0, a1, a2 = (a[..., i] if i < a.shape[-1] else 0 * a[..., 0] for i in range(3))
    b0, b1, b2 = (b[..., i] if i < b.shape[-1] else 0 * b[..., 0] for i in range(3))
    c = ag.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return ag.moveaxis(c, -1, axisc)


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors (modes 'valid', 'same', 'full', as numpy)."""
    a, b = _real(x1, "correlate"), _real(x2, "correlate")
    if a.ndim != 1 or b.ndim != 1 or not a.shape[0] or not b.shape[0]:
        _fail("correlate", f"expected two non-empty 1-D tensors, got shapes {a.shape} and "
                           f"{b.shape}")
    if mode not in ("valid", "same", "full"):
        _fail("correlate", f"mode must be 'valid', 'same' or 'full', got {mode!r}")
    m, n = a.shape[0], b.shape[0]
    padded = ag.pad(a, ((n - 1, n - 1),))
    full = ag.matmul(padded[np.arange(m + n - 1)[:, None] + np.arange(n)], b)
    size = {"full": m + n - 1, "same": builtins.max(m, n), "valid": builtins.max(m, n) -
            builtins.min(m, n) + 1}[mode]
    start = (m + n - 1 - size + (m < n)) // 2  # numpy's centring of 'same'
    return full[start:start + size]


def corrcoef(x):
    """Pearson correlation coefficients of the rows (variables) of a 1-D or 2-D tensor."""
    x = _real(x, "corrcoef")
    if x.ndim not in (1, 2):
        _fail("corrcoef", f"expected a 1-D or 2-D tensor, got shape {x.shape}")
    rows = ag.reshape(x, (1, -1)) if x.ndim == 1 else x
    d = rows - ag.mean(rows, axis=1, keepdims=True)
    cov = ag.matmul(d, ag.transpose(d))
    scale = ag.sqrt(ag.sum(d * d, axis=1))
    out = ag.clip(cov / (ag.reshape(scale, (-1, 1)) * ag.reshape(scale, (1, -1))), -1.0, 1.0)
    return ag.reshape(out, ()) if x.ndim == 1 else out


def slogdet(x):
    """(sign, log|det|) of square matrices."""
    x = _real(x, "slogdet")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        _fail("slogdet", f"expected square matrices (..., n, n), got shape {x.shape}")
    return ag.linalg.slogdet(x)


# -- differences, selection, windows -------------------------------------------------------------
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``."""
    x = _tensor(a, "diff")
    axis = _axes(x, axis, "diff")[0]
    before = (slice(None),) * axis
    step = ag.not_equal if x.dtype == np.bool_ else ag.subtract
    for _ in range(n):
        x = step(x[before + (slice(1, None),)], x[before + (slice(None, -1),)])
    return x


def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, else ``default``."""
    if len(condlist) != len(choicelist) or not condlist:
        _fail("select", f"condlist and choicelist must be non-empty and of equal length, got "
                        f"{len(condlist)} and {len(choicelist)}")
    out = _operand(default, "select")
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = ag.where(_tensor(cond, "select"), _tensor(choice, "select"), out)
    return out


def _window(name, fn):
    def window(x, *args):
        size = int(x.item() if isinstance(x, Tensor) else x)
        if size < 1:
            return ag.zeros(0)
        if size == 1:
            return ag.ones(1)
        return fn(ag.arange(size, dtype="float32") * (2.0 / (size - 1)), *args)
    return _named(name, window, f"The {name} window of ``x`` points (float32).")


def _cosines(*coeffs):
    """A window sum_k c_k cos(pi k t), t = 2n / (M - 1)."""
    def window(t):
        out = coeffs[0]
        for k, c in enumerate(coeffs[1:], 1):
            out = out + c * ag.cos(t * (math.pi * k))
        return out
    return window


bartlett = _window("bartlett", lambda t: 1.0 - ag.abs(t - 1.0))
blackman = _window("blackman", _cosines(0.42, -0.5, 0.08))
hamming = _window("hamming", _cosines(0.54, -0.46))
hanning = _window("hanning", _cosines(0.5, -0.5))
kaiser = _window("kaiser", lambda t, beta: i0(beta * ag.sqrt(ag.clip(1.0 - (t - 1.0) ** 2, 0.0)))
                 / i0(float(beta)))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` mapped over the leading (batch) axes of its tensor arguments; ``signature``
    ('(n),(n)->()') gives each argument's core axes (none by default)."""
    excluded = set(excluded or ())
    cores = None
    if signature is not None:
        ins = signature.replace(" ", "").split("->")[0]
        cores = [len([d for d in part.split(",") if d]) for part in ins[1:-1].split("),(")]

    def mapped(*args):
        slots = [i for i in range(len(args)) if i not in excluded]
        xs = {i: _tensor(args[i], "vectorize") for i in slots}
        core = {i: (cores[k] if cores else 0) for k, i in enumerate(slots)}
        batch = np.broadcast_shapes(*(xs[i].shape[:xs[i].ndim - core[i]] for i in slots))
        for i in slots:
            xs[i] = ag.broadcast_to(xs[i], batch + xs[i].shape[xs[i].ndim - core[i]:])
        outs = [pyfunc(*(xs[i][idx] if i in xs else args[i] for i in range(len(args))))
                for idx in itertools.product(*map(range, batch))]
        out = ag.stack([_tensor(o, "vectorize") for o in outs])
        return ag.reshape(out, batch + out.shape[1:])
    return mapped


# the public names are the functions above; each also accepts KerasTensors (one graph node)
__all__ = sorted(name for name, value in list(globals().items())
                 if callable(value) and not name.startswith("_") and name not in _NOT_OPS)
for _name in __all__:
    if _name not in ("vectorize", "bartlett", "blackman", "hamming", "hanning", "kaiser"):
        globals()[_name] = keras_op(globals()[_name], _name)
