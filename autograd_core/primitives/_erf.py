"""erf for numpy and cupy arrays, accurate to rounding in float32 and float64.

Two Chebyshev expansions, fitted once at import to the C library's erf (``math.erf``):

* |x| < 2: erf(x) = x * A(x^2), A smooth on t = x^2 in [0, 4];
* 2 <= |x| < 6: erf(x) = 1 - exp(-x^2) * B(1/|x|) / |x|, where B(u) = erfc(1/u) exp(1/u^2) / u is
  smooth on u in [1/6, 1/2]; beyond 6, erfc(x) < 2e-17 and erf is +-1.

Each dtype evaluates just the terms its precision needs (float32: about half), in its own
precision, with in-place Clenshaw recurrences: no per-element Python and few temporaries.
"""
import math

import numpy as np
from numpy.polynomial import chebyshev

_SPLIT, _END = 2.0, 6.0


def _fit(f, lo, hi, degree):
    """Chebyshev coefficients of f on [lo, hi] (interpolation at Chebyshev points)."""
    f = np.vectorize(f, otypes=[np.float64])
    coeffs = chebyshev.chebinterpolate(lambda s: f(lo + (hi - lo) * (s + 1) / 2), degree)
    return [float(c) for c in coeffs]  # Python floats: they keep a float32 array in float32


def _inner(t):  # erf(sqrt t) / sqrt t, t = x^2
    return 2 / math.sqrt(math.pi) if t == 0 else math.erf(math.sqrt(t)) / math.sqrt(t)


def _tail(u):  # erfc(x) exp(x^2) x at x = 1/u
    return math.erfc(1 / u) * math.exp(1 / (u * u)) / u


# degrees where the coefficients fall below each dtype's rounding (checked by the tests)
_COEFFS = {np.dtype(np.float64): (_fit(_inner, 0, _SPLIT ** 2, 19),
                                  _fit(_tail, 1 / _END, 1 / _SPLIT, 18)),
           np.dtype(np.float32): (_fit(_inner, 0, _SPLIT ** 2, 10), _fit(_tail, 1 / _END, 1 / _SPLIT, 6))}


def _clenshaw(xp, coeffs, s):
    """sum_k c_k T_k(s) for s in [-1, 1]."""
    two_s = s + s
    b1, b2, tmp = xp.zeros_like(s), xp.zeros_like(s), xp.empty_like(s)
    for c in coeffs[:0:-1]:
        xp.multiply(two_s, b1, out=tmp)
        tmp -= b2
        tmp += c
        b1, b2, tmp = tmp, b1, b2
    xp.multiply(s, b1, out=tmp)
    tmp -= b2
    tmp += coeffs[0]
    return tmp


def erf(xp, x):
    """erf(x) elementwise, in x's float dtype (other dtypes are computed in float64)."""
    shape, x = x.shape, x.reshape(-1)  # 1-D, so that every step is an array (never a scalar)
    work = x.dtype if x.dtype in _COEFFS else np.dtype(np.float64)
    inner, tail = _COEFFS[work]
    z = xp.abs(x).astype(work, copy=False)
    zz = z * z
    # |x| < 2: s = t / 2 - 1 maps t = x^2 in [0, 4] to [-1, 1]
    s = xp.minimum(zz, _SPLIT ** 2)
    s *= 2 / _SPLIT ** 2
    s -= 1
    small = _clenshaw(xp, inner, s)
    small *= z
    # 2 <= |x|: u = 1/|x| in [1/6, 1/2] mapped to [-1, 1]; larger |x| extrapolate a little, where
    # exp(-x^2) has already made the tail vanish
    u = xp.maximum(z, _SPLIT)
    xp.reciprocal(u, out=u)
    s = u * (2 / (1 / _SPLIT - 1 / _END))
    s -= (1 / _SPLIT + 1 / _END) / (1 / _SPLIT - 1 / _END)
    xp.maximum(s, -1.0, out=s)
    big = _clenshaw(xp, tail, s)
    big *= u
    xp.negative(zz, out=zz)
    xp.exp(zz, out=zz)
    big *= zz
    xp.subtract(1, big, out=big)
    mag = xp.where(z < _SPLIT, small, big)
    return xp.copysign(mag, x.astype(work, copy=False)).astype(x.dtype, copy=False).reshape(shape)
