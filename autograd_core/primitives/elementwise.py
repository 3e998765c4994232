"""Elementwise primitives: unary and binary math, the fused updates lerp and addcdiv, comparisons,
where, clip, cast.

Subgradient policy at kinks (one table, tested so that equivalent formulations agree):

=====================  =========================================================
op                     derivative at the kink
=====================  =========================================================
relu(x), x = 0         0
abs(x), x = 0          0 (sign(0))
maximum/minimum ties   split evenly: 0.5 to each operand
max/min reductions     split evenly among all tied elements
clip(x, lo, hi)        1 at x == lo or x == hi (gradient flows at the bounds)
=====================  =========================================================

Rules with a pole (div, log, log1p, sqrt, pow) or an overflow (exp, expm1) give 0 where a zero
cotangent meets an infinite or NaN factor, so an inf or NaN in the branch of ``where`` that was not
selected never turns into a NaN gradient; with a finite factor a zero cotangent is an ordinary value
(the rule stays linear in it, so second-order derivatives through it are exact).
"""
import numpy as np

from ..autodiff.graph import primitive
from ..tensor import Tensor
from ._erf import erf as _erf_values
from ._lazy import O


def _safe(g, value):
    """``value`` (the cotangent times a factor), but 0 where the cotangent is 0 and the product is
    NaN: 0 * inf from the unused branch of ``where`` stays 0. Everywhere else ``value`` is kept as
    it is, so its derivative with respect to ``g`` (second order) is the factor, also at g = 0."""
    return O.where(O.logical_and(g == 0, O.isnan(value)), 0.0, value)


# -- binary arithmetic -----------------------------------------------------------------------
add = primitive(
    "add", lambda xp, a, b: a + b,
    vjps=[lambda g, out, a, b: g, lambda g, out, a, b: g],
    jvps=[lambda t, out, a, b: t, lambda t, out, a, b: t])

sub = primitive(
    "sub", lambda xp, a, b: a - b,
    vjps=[lambda g, out, a, b: g, lambda g, out, a, b: -g],
    jvps=[lambda t, out, a, b: t, lambda t, out, a, b: -t])

mul = primitive(
    "mul", lambda xp, a, b: a * b,
    vjps=[lambda g, out, a, b: g * b, lambda g, out, a, b: g * a],
    jvps=[lambda t, out, a, b: t * b, lambda t, out, a, b: t * a])

div = primitive(
    "div", lambda xp, a, b: a / b,
    vjps=[lambda g, out, a, b: _safe(g, g / b), lambda g, out, a, b: _safe(g, -g * out / b)],
    jvps=[lambda t, out, a, b: t / b, lambda t, out, a, b: -t * out / b])


def _pow_vjp_base(g, out, a, b):
    if not isinstance(b, Tensor):
        if b == 0:
            return None  # a**0 is constant (also at a == 0, where a**(b-1) is inf)
        return _safe(g, g * b * a ** (b - 1))
    # a tensor exponent: 0 at a == b == 0 (where b * a**(b-1) would be 0 * inf), as PyTorch
    return O.where(_zero_power(a, b), 0.0, _safe(g, g * b * a ** (b - 1)))


def _pow_jvp_base(t, out, a, b):
    if not isinstance(b, Tensor):
        return None if b == 0 else t * b * a ** (b - 1)
    return O.where(_zero_power(a, b), 0.0, t * b * a ** (b - 1))


def _zero_power(a, b):
    return O.logical_and(O.equal(a, 0.0), O.equal(b, 0.0))


def _log_base(a):
    """log(a), defined as 0 where a == 0 (d/db a**b = a**b log a has limit 0 there for b > 0).
    A Python-scalar base stays a scalar, so no tensor is made on the default device."""
    if not isinstance(a, Tensor):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.log(a)) if a != 0 else 0.0
    return O.log(O.where(a == 0, 1.0, a))


def _pow_vjp_exp(g, out, a, b):
    return _safe(g, g * out * _log_base(a))


pow = primitive(
    "pow", lambda xp, a, b: a ** b,
    vjps=[_pow_vjp_base, _pow_vjp_exp],
    jvps=[_pow_jvp_base, lambda t, out, a, b: t * out * _log_base(a)])


def _split_tie(g, a, b, pick_a):
    """Cotangent for operand a of maximum/minimum: 1 where a wins, 0.5 at ties."""
    weight = O.where(a == b, 0.5, O.where(pick_a, 1.0, 0.0))
    return g * weight


maximum = primitive(
    "maximum", lambda xp, a, b: xp.maximum(a, b),
    vjps=[lambda g, out, a, b: _split_tie(g, a, b, a > b),
          lambda g, out, a, b: _split_tie(g, b, a, b > a)],
    jvps=[lambda t, out, a, b: _split_tie(t, a, b, a > b),
          lambda t, out, a, b: _split_tie(t, b, a, b > a)])

minimum = primitive(
    "minimum", lambda xp, a, b: xp.minimum(a, b),
    vjps=[lambda g, out, a, b: _split_tie(g, a, b, a < b),
          lambda g, out, a, b: _split_tie(g, b, a, b < a)],
    jvps=[lambda t, out, a, b: _split_tie(t, a, b, a < b),
          lambda t, out, a, b: _split_tie(t, b, a, b < a)])

# -- fused update arithmetic (optimizers): one primitive, one result buffer ------------------
def _fits(xp, out, other):
    """Whether ``out op= other`` keeps out's shape and dtype (so the result can reuse out)."""
    if type(out) is not xp.ndarray:  # a numpy scalar from 0-d operands
        return False
    shape = getattr(other, "shape", None)
    if shape is None:  # Python scalars are weak: never promote
        return True
    if shape != out.shape and (len(shape) > out.ndim or any(
            s not in (1, o) for s, o in zip(shape[::-1], out.shape[::-1]))):
        return False
    return other.dtype == out.dtype or xp.result_type(out, other) == out.dtype


_IN_PLACE_MIN_SIZE = 1024  # below this, numpy's out= argument costs more than a fresh buffer


def _scale_shift(xp, out, scale, shift):
    """out * scale + shift, in out's buffer where broadcasting and dtypes allow (large arrays)."""
    if out.size < _IN_PLACE_MIN_SIZE:
        return out * scale + shift
    out = xp.multiply(out, scale, out=out) if _fits(xp, out, scale) else out * scale
    return xp.add(out, shift, out=out) if _fits(xp, out, shift) else out + shift


def _lerp_fwd(xp, a, b, w):
    return _scale_shift(xp, xp.subtract(b, a), w, a)


lerp = primitive(
    "lerp", _lerp_fwd,
    vjps=[lambda g, out, a, b, w: g * (1 - w), lambda g, out, a, b, w: g * w,
          lambda g, out, a, b, w: g * (b - a)],
    jvps=[lambda t, out, a, b, w: t * (1 - w), lambda t, out, a, b, w: t * w,
          lambda t, out, a, b, w: t * (b - a)],
    doc="a + w (b - a).")


def _addcdiv_fwd(xp, x, a, b, v):
    return _scale_shift(xp, xp.divide(a, b), v, x)


addcdiv = primitive(
    "addcdiv", _addcdiv_fwd,
    vjps=[lambda g, out, x, a, b, v: g,
          lambda g, out, x, a, b, v: _safe(g, g * v / b),
          lambda g, out, x, a, b, v: _safe(g, -g * v * (a / b) / b),
          lambda g, out, x, a, b, v: _safe(g, g * (a / b))],
    jvps=[lambda t, out, x, a, b, v: t,
          lambda t, out, x, a, b, v: t * v / b,
          lambda t, out, x, a, b, v: -t * v * (a / b) / b,
          lambda t, out, x, a, b, v: t * (a / b)],
    doc="x + v a / b (a zero cotangent stays zero at b = 0, as for div).")

# -- unary math ------------------------------------------------------------------------------
neg = primitive("neg", lambda xp, x: -x,
                vjps=[lambda g, out, x: -g], jvps=[lambda t, out, x: -t])

# exp and expm1 overflow to inf: a zero cotangent stays zero (where(x < 50, exp(x), ...) patterns)
exp = primitive("exp", lambda xp, x: xp.exp(x),
                vjps=[lambda g, out, x: _safe(g, g * out)], jvps=[lambda t, out, x: t * out])

log = primitive("log", lambda xp, x: xp.log(x),
                vjps=[lambda g, out, x: _safe(g, g / x)], jvps=[lambda t, out, x: t / x])

log1p = primitive("log1p", lambda xp, x: xp.log1p(x),
                  vjps=[lambda g, out, x: _safe(g, g / (1 + x))],
                  jvps=[lambda t, out, x: t / (1 + x)])

expm1 = primitive("expm1", lambda xp, x: xp.expm1(x),
                  vjps=[lambda g, out, x: _safe(g, g * (out + 1))],
                  jvps=[lambda t, out, x: t * (out + 1)])

sqrt = primitive("sqrt", lambda xp, x: xp.sqrt(x),
                 vjps=[lambda g, out, x: _safe(g, g * 0.5 / out)],
                 jvps=[lambda t, out, x: t * 0.5 / out])

sin = primitive("sin", lambda xp, x: xp.sin(x),
                vjps=[lambda g, out, x: g * O.cos(x)], jvps=[lambda t, out, x: t * O.cos(x)])

cos = primitive("cos", lambda xp, x: xp.cos(x),
                vjps=[lambda g, out, x: -g * O.sin(x)], jvps=[lambda t, out, x: -t * O.sin(x)])

tanh = primitive("tanh", lambda xp, x: xp.tanh(x),
                 vjps=[lambda g, out, x: g * (1 - out * out)],
                 jvps=[lambda t, out, x: t * (1 - out * out)])


def _sigmoid(xp, x):
    # stable for both signs: exp never overflows
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


sigmoid = primitive("sigmoid", _sigmoid,
                    vjps=[lambda g, out, x: g * (out * (1 - out))],
                    jvps=[lambda t, out, x: t * (out * (1 - out))])

relu = primitive("relu", lambda xp, x: xp.maximum(x, 0),
                 vjps=[lambda g, out, x: g * (x > 0)], jvps=[lambda t, out, x: t * (x > 0)])

abs = primitive("abs", lambda xp, x: xp.abs(x),
                vjps=[lambda g, out, x: g * O.sign(x)], jvps=[lambda t, out, x: t * O.sign(x)])

# piecewise constant: a zero gradient (not an error), as PyTorch
_STEP = dict(vjps=[lambda g, out, x: O.zeros_like(g)], jvps=[lambda t, out, x: O.zeros_like(t)])
sign = primitive("sign", lambda xp, x: xp.sign(x), **_STEP)


erf = primitive("erf", _erf_values,
                vjps=[lambda g, out, x: g * (2 / np.sqrt(np.pi)) * O.exp(-x * x)],
                jvps=[lambda t, out, x: t * (2 / np.sqrt(np.pi)) * O.exp(-x * x)])


def _clip_mask(x, lo, hi):
    mask = None
    if lo is not None:
        mask = x >= lo
    if hi is not None:
        upper = x <= hi
        mask = upper if mask is None else O.logical_and(mask, upper)
    return mask


def _clip_fwd(xp, x, lo=None, hi=None):
    return x.clip(lo, hi) if (lo is not None or hi is not None) else x.copy()


def _clip_rule(g, out, x, lo=None, hi=None):
    mask = _clip_mask(x, lo, hi)
    return g if mask is None else g * mask


clip = primitive("clip", _clip_fwd, vjps=[_clip_rule], jvps=[_clip_rule],
                 doc="Clip to [lo, hi] (static bounds); the gradient is 1 at the bounds.")


def _where_fwd(xp, cond, a, b):
    return xp.where(cond, a, b)


where = primitive(
    "where", _where_fwd,
    vjps=[None,
          lambda g, out, c, a, b: O.where(c, g, 0.0),
          lambda g, out, c, a, b: O.where(c, 0.0, g)],
    jvps=[None,
          lambda t, out, c, a, b: O.where(c, t, 0.0),
          lambda t, out, c, a, b: O.where(c, 0.0, t)])


def _cast_fwd(xp, x, dtype=None):
    return x.astype(dtype)


cast = primitive(
    "cast", _cast_fwd,
    vjps=[lambda g, out, x, dtype=None: g.astype(x.dtype) if x.dtype.kind == "f" else None],
    jvps=[lambda t, out, x, dtype=None: t.astype(dtype)])


def _to_device_fwd(xp, x, device=None):
    arr = device.asarray(x)
    if arr is x:
        arr = x.copy()
    return arr


def _to_device_vjp(g, out, x, device=None):
    return g.to(x.device)


to_device = primitive("to_device", _to_device_fwd, vjps=[_to_device_vjp],
                      jvps=[lambda t, out, x, device=None: t.to(device)])

# -- comparisons and logic (no gradient) -----------------------------------------------------
equal = primitive("equal", lambda xp, a, b: a == b, differentiable=False)
not_equal = primitive("not_equal", lambda xp, a, b: a != b, differentiable=False)
less = primitive("less", lambda xp, a, b: a < b, differentiable=False)
less_equal = primitive("less_equal", lambda xp, a, b: a <= b, differentiable=False)
greater = primitive("greater", lambda xp, a, b: a > b, differentiable=False)
greater_equal = primitive("greater_equal", lambda xp, a, b: a >= b, differentiable=False)
logical_and = primitive("logical_and", lambda xp, a, b: xp.logical_and(a, b), differentiable=False)
logical_or = primitive("logical_or", lambda xp, a, b: xp.logical_or(a, b), differentiable=False)
logical_not = primitive("logical_not", lambda xp, a: xp.logical_not(a), differentiable=False)
isnan = primitive("isnan", lambda xp, a: xp.isnan(a), differentiable=False)
isfinite = primitive("isfinite", lambda xp, a: xp.isfinite(a), differentiable=False)
floor = primitive("floor", lambda xp, a: xp.floor(a), **_STEP)
round = primitive("round", lambda xp, a: xp.round(a), **_STEP)

# -- more unary math: hyperbolic and inverse trigonometric functions ------------------------------
sinh = primitive("sinh", lambda xp, x: xp.sinh(x),
                 vjps=[lambda g, out, x: g * O.cosh(x)], jvps=[lambda t, out, x: t * O.cosh(x)])

cosh = primitive("cosh", lambda xp, x: xp.cosh(x),
                 vjps=[lambda g, out, x: g * O.sinh(x)], jvps=[lambda t, out, x: t * O.sinh(x)])


def _inverse_trig(name, fwd, slope):
    """A primitive whose derivative is ``slope(x)`` (with a pole at the ends of its domain)."""
    return primitive(name, fwd, vjps=[lambda g, out, x: _safe(g, g * slope(x))],
                     jvps=[lambda t, out, x: t * slope(x)])


arcsin = _inverse_trig("arcsin", lambda xp, x: xp.arcsin(x), lambda x: 1 / O.sqrt(1 - x * x))
arccos = _inverse_trig("arccos", lambda xp, x: xp.arccos(x), lambda x: -1 / O.sqrt(1 - x * x))
arctan = _inverse_trig("arctan", lambda xp, x: xp.arctan(x), lambda x: 1 / (1 + x * x))
arcsinh = _inverse_trig("arcsinh", lambda xp, x: xp.arcsinh(x), lambda x: 1 / O.sqrt(x * x + 1))
arccosh = _inverse_trig("arccosh", lambda xp, x: xp.arccosh(x), lambda x: 1 / O.sqrt(x * x - 1))
arctanh = _inverse_trig("arctanh", lambda xp, x: xp.arctanh(x), lambda x: 1 / (1 - x * x))


def _arctan2_scale(a, b):
    return 1 / (a * a + b * b)


arctan2 = primitive(
    "arctan2", lambda xp, a, b: xp.arctan2(a, b),
    vjps=[lambda g, out, a, b: _safe(g, g * b * _arctan2_scale(a, b)),
          lambda g, out, a, b: _safe(g, -g * a * _arctan2_scale(a, b))],
    jvps=[lambda t, out, a, b: t * b * _arctan2_scale(a, b),
          lambda t, out, a, b: -t * a * _arctan2_scale(a, b)])

# remainders: d/da = 1, d/db = -(the integer quotient), as PyTorch
mod = primitive("mod", lambda xp, a, b: xp.mod(a, b),
                vjps=[lambda g, out, a, b: g, lambda g, out, a, b: -g * O.floor(a / b)],
                jvps=[lambda t, out, a, b: t, lambda t, out, a, b: -t * O.floor(a / b)])
fmod = primitive("fmod", lambda xp, a, b: xp.fmod(a, b),
                 vjps=[lambda g, out, a, b: g, lambda g, out, a, b: -g * O.trunc(a / b)],
                 jvps=[lambda t, out, a, b: t, lambda t, out, a, b: -t * O.trunc(a / b)])

# piecewise constant (zero derivative) and integer/bit operations (no gradient)
ceil = primitive("ceil", lambda xp, a: xp.ceil(a), **_STEP)
trunc = primitive("trunc", lambda xp, a: xp.trunc(a), **_STEP)
floor_divide = primitive(
    "floor_divide", lambda xp, a, b: xp.floor_divide(a, b),
    vjps=[lambda g, out, a, b: O.zeros_like(g)] * 2,
    jvps=[lambda t, out, a, b: O.zeros_like(t)] * 2)
isinf = primitive("isinf", lambda xp, a: xp.isinf(a), differentiable=False)
signbit = primitive("signbit", lambda xp, a: xp.signbit(a), differentiable=False)
logical_xor = primitive("logical_xor", lambda xp, a, b: xp.logical_xor(a, b), differentiable=False)
nextafter = primitive("nextafter", lambda xp, a, b: xp.nextafter(a, b), differentiable=False)
bitwise_and = primitive("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b), differentiable=False)
bitwise_or = primitive("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b), differentiable=False)
bitwise_xor = primitive("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b), differentiable=False)
bitwise_not = primitive("bitwise_not", lambda xp, a: xp.invert(a), differentiable=False)
left_shift = primitive("left_shift", lambda xp, a, b: xp.left_shift(a, b), differentiable=False)
right_shift = primitive("right_shift", lambda xp, a, b: xp.right_shift(a, b), differentiable=False)
gcd = primitive("gcd", lambda xp, a, b: xp.gcd(a, b), differentiable=False)
lcm = primitive("lcm", lambda xp, a, b: xp.lcm(a, b), differentiable=False)
