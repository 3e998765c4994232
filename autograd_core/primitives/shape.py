"""Shape primitives: reshape, transpose, broadcast_to, concatenate, pad.

(expand_dims, squeeze, flatten, swapaxes, stack, split and flip are composites in ``ops``.)
"""
import numpy as np

from ..autodiff.graph import primitive
from ._lazy import O


def _reshape_fwd(xp, x, shape=None):
    return x.reshape(shape)


reshape = primitive(
    "reshape", _reshape_fwd,
    vjps=[lambda g, out, x, shape=None: O.reshape(g, x.shape)],
    jvps=[lambda t, out, x, shape=None: O.reshape(t, out.shape)])


def _transpose_fwd(xp, x, axes=None):
    return x.transpose(axes)


def _inverse(axes):
    return tuple(np.argsort(axes))


transpose = primitive(
    "transpose", _transpose_fwd,
    vjps=[lambda g, out, x, axes=None: O.transpose(g, _inverse(axes))],
    jvps=[lambda t, out, x, axes=None: O.transpose(t, axes)])


broadcast_to = primitive(
    "broadcast_to", lambda xp, x, shape=None: xp.broadcast_to(x, shape),
    vjps=[lambda g, out, x, shape=None: g],  # the engine sums g back to x's shape
    jvps=[lambda t, out, x, shape=None: O.broadcast_to(t, shape)])


def _concat_fwd(xp, *xs, axis=0):
    return xp.concatenate(xs, axis=axis)


def _concat_vjp(g, out, *xs, axis=0):
    pieces, start = [], 0
    index = [slice(None)] * g.ndim
    for x in xs:
        stop = start + x.shape[axis]
        index[axis] = slice(start, stop)
        pieces.append(g[tuple(index)])
        start = stop
    return tuple(pieces)


concatenate = primitive("concatenate", _concat_fwd, vjp=_concat_vjp)


def _pad_fwd(xp, x, pad_width=None, value=0.0):
    return xp.pad(x, pad_width, mode="constant", constant_values=value)


def _unpad(g, out, x, pad_width=None, value=0.0):
    return g[tuple(slice(b, b + n) for (b, _), n in zip(pad_width, x.shape))]


pad = primitive("pad", _pad_fwd, vjps=[_unpad],
                jvps=[lambda t, out, x, pad_width=None, value=0.0: O.pad(t, pad_width)])
