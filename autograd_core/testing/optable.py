"""The op table: one :class:`OpSpec` per primitive and composite, and the property checks every
entry gets (forward vs numpy, gradient vs finite differences, gradient of gradient, JVP vs VJP and
finite differences, gradient shape/dtype/device under broadcasting).

Add your own op to the same property tests in a few lines::

    import numpy as np, autograd_core as ag
    from autograd_core.testing.optable import OpSpec, Domain, elementwise, property_test

    softplus = OpSpec("softplus", lambda x: ag.log1p(ag.exp(x)), lambda x: np.log1p(np.exp(x)),
                      elementwise(Domain(-4, 4)))
    test_softplus = property_test(softplus)      # a hypothesis test that pytest collects

An entry's ``inputs`` is a hypothesis strategy of :class:`Case` (the operands as numpy arrays, the
static parameters as a dict). Float operands are differentiated; other operands (masks, indices)
pass through. Builders: :func:`elementwise`, :func:`arrays_with`, or any ``st.composite``. The
spec type, the builders and the checks live in :mod:`autograd_core.testing.opspec` (re-exported
here).
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import nn as _nn
from .. import ops as ag
from . import strategies as S
from .opspec import (CHECKS, Case, Domain, OpSpec, arrays_with, elementwise,  # noqa: F401
                     property_test, run_check)


# -- the table -------------------------------------------------------------------------------------
OPS = []


def register(spec):
    """Add ``spec`` to :data:`OPS` (names are unique); returns it."""
    if any(s.name == spec.name for s in OPS):
        raise ValueError(f"op table: an entry named {spec.name!r} already exists")
    OPS.append(spec)
    return spec


def get(name):
    return next(s for s in OPS if s.name == name)


def _add(name, fn, ref, inputs, kind="composite", **kw):
    register(OpSpec(name, fn, ref, inputs, kind=kind, **kw))


def _prim(name, fn, ref, inputs, **kw):
    _add(name, fn, ref, inputs, kind="primitive", **kw)


_ANY = Domain()
_POS = Domain(0.2, 3.0)
_NONZERO = Domain(-3.0, 3.0, avoid=(0.0,), margin=0.2)
_KINK0 = Domain(-3.0, 3.0, avoid=(0.0,))
_DISTINCT = Domain(-3.0, 3.0, distinct=True)
_NO_GRAD = ("forward", "nograd")


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


_np_erf = np.vectorize(math.erf, otypes=[np.float64])

# elementwise binary
_prim("add", ag.add, np.add, elementwise(_ANY, _ANY))
_prim("sub", ag.sub, np.subtract, elementwise(_ANY, _ANY))
_prim("mul", ag.mul, np.multiply, elementwise(_ANY, _ANY))
_prim("div", ag.div, np.divide, elementwise(_ANY, _NONZERO))
_prim("pow", ag.pow, np.power, elementwise(_POS, Domain(-2.0, 2.0)))
_prim("maximum", ag.maximum, np.maximum, elementwise(_ANY, _ANY, prepare=S.interleave))
_prim("minimum", ag.minimum, np.minimum, elementwise(_ANY, _ANY, prepare=S.interleave))
_prim("lerp", ag.lerp, lambda a, b, w: a + w * (b - a), elementwise(_ANY, _ANY, _ANY))
_prim("addcdiv", ag.addcdiv, lambda x, a, b, v: x + v * a / b,
      elementwise(_ANY, _ANY, _NONZERO, _ANY))

# elementwise unary
for _name, _fn, _ref, _dom in [
        ("neg", ag.neg, np.negative, _ANY), ("exp", ag.exp, np.exp, _ANY),
        ("log", ag.log, np.log, Domain(0.1, 5.0)), ("log1p", ag.log1p, np.log1p, Domain(-0.9, 3.0)),
        ("expm1", ag.expm1, np.expm1, _ANY), ("sqrt", ag.sqrt, np.sqrt, Domain(0.1, 4.0)),
        ("sin", ag.sin, np.sin, _ANY), ("cos", ag.cos, np.cos, _ANY),
        ("tanh", ag.tanh, np.tanh, _ANY), ("sigmoid", ag.sigmoid, _np_sigmoid, Domain(-6.0, 6.0)),
        ("relu", ag.relu, lambda x: np.maximum(x, 0), _KINK0), ("abs", ag.abs, np.abs, _KINK0),
        ("erf", ag.erf, _np_erf, _ANY)]:
    _prim(_name, _fn, _ref, elementwise(_dom))

for _name, _fn, _ref, _dom in [
        ("square", ag.square, np.square, _ANY), ("reciprocal", ag.reciprocal, np.reciprocal, _NONZERO),
        ("tan", ag.tan, np.tan, Domain(-1.2, 1.2)), ("log2", ag.log2, np.log2, Domain(0.1, 5.0)),
        ("log10", ag.log10, np.log10, Domain(0.1, 5.0))]:
    _add(_name, _fn, _ref, elementwise(_dom))

_add("pow_scalar_exponent", lambda x, p: x ** p, lambda x, p: x ** p,
     arrays_with(lambda s: st.fixed_dictionaries({"p": st.sampled_from([2, 3, -1, 0.5, 2.5])}),
                 Domain(0.2, 3.0)))
_add("rpow_scalar_base", lambda x: 2.0 ** x, lambda x: 2.0 ** x, elementwise(_ANY))

# comparisons and other ops without a gradient (ties on purpose: values on a coarse lattice)
_TIES = Domain(-2.0, 2.0)


def _lattice(*arrays):
    return tuple(np.asarray(np.round(a)) for a in arrays)


for _name, _fn, _ref in [("equal", ag.equal, np.equal), ("not_equal", ag.not_equal, np.not_equal),
                         ("less", ag.less, np.less), ("less_equal", ag.less_equal, np.less_equal),
                         ("greater", ag.greater, np.greater),
                         ("greater_equal", ag.greater_equal, np.greater_equal)]:
    _prim(_name, _fn, _ref, elementwise(_TIES, _TIES, prepare=_lattice), checks=_NO_GRAD)
# piecewise constant: zero derivatives away from the steps
_prim("sign", ag.sign, np.sign, elementwise(_KINK0))
_prim("floor", ag.floor, np.floor, elementwise(Domain(-3.0, 3.0, avoid=tuple(range(-3, 4)))))
_prim("round", ag.round, np.round,
      elementwise(Domain(-3.0, 3.0, avoid=tuple(k + 0.5 for k in range(-3, 3)))))
_prim("argmax", ag.argmax, np.argmax,
      arrays_with(lambda s: st.fixed_dictionaries({"axis": S.axes(len(s), allow_tuple=False)}),
                  _DISTINCT), checks=_NO_GRAD)


@st.composite
def _clip_cases(draw):
    lo = draw(st.one_of(st.none(), st.sampled_from([-1.5, -0.5, 0.0])))
    hi = draw(st.one_of(st.none(), st.sampled_from([0.25, 1.0, 2.0])))
    bounds = tuple(b for b in (lo, hi) if b is not None)
    x = draw(S.smooth_points(S.shapes(), -3.0, 3.0, avoid=bounds))
    return Case((x,), {"a_min": lo, "a_max": hi})


def _np_clip(x, a_min=None, a_max=None):
    return x if a_min is None and a_max is None else np.clip(x, a_min, a_max)


_prim("clip", ag.clip, _np_clip, _clip_cases())


@st.composite
def _where_cases(draw):
    shapes = draw(S.broadcastable_shapes(3))
    cond = draw(hnp.arrays(np.bool_, shapes[0]))
    return Case((cond, draw(_ANY.points(shapes[1])), draw(_ANY.points(shapes[2]))), {})


_prim("where", ag.where, np.where, _where_cases())

# reductions
_prim("sum", ag.sum, np.sum, arrays_with(S.reduction_args))
_prim("max", ag.max, np.max, arrays_with(S.reduction_args, _DISTINCT))
_prim("min", ag.min, np.min, arrays_with(S.reduction_args, _DISTINCT))
_prim("prod", ag.prod, np.prod, arrays_with(S.reduction_args, Domain(-2.0, 2.0)))
_prim("cumsum", ag.cumsum, np.cumsum,
      arrays_with(lambda s: st.fixed_dictionaries({"axis": S.axes(len(s), allow_tuple=False)})))
_add("mean", ag.mean, np.mean, arrays_with(S.reduction_args))
_add("logsumexp", ag.logsumexp,
     lambda x, axis=None, keepdims=False: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
     arrays_with(S.reduction_args))


def _var_args(shape):
    """Reduction arguments plus ``ddof``, keeping at least two reduced elements and more than ``ddof``
    (numpy gives NaN/inf otherwise, and std's derivative is infinite at a single element)."""
    def valid(p):
        axes = range(len(shape)) if p["axis"] is None else np.atleast_1d(p["axis"])
        count = int(np.prod([shape[a] for a in axes]))
        return count - p["ddof"] >= 1 and count >= 2
    return st.fixed_dictionaries({"axis": S.axes(len(shape)), "keepdims": st.booleans(),
                                  "ddof": st.sampled_from([0, 1])}).filter(valid)


_VAR_SHAPES = S.shapes(min_dims=1, min_side=2)
_add("var", ag.var, np.var, arrays_with(_var_args, _DISTINCT, _VAR_SHAPES))
_add("std", ag.std, np.std, arrays_with(_var_args, _DISTINCT, _VAR_SHAPES))


def _softmax_ref(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _int_axis(shape):
    return st.fixed_dictionaries({"axis": st.integers(-len(shape), len(shape) - 1)})


_ND = S.shapes(min_dims=1)
_prim("softmax", ag.softmax, _softmax_ref, arrays_with(_int_axis, shapes=_ND))
_add("log_softmax", ag.log_softmax, lambda x, axis=-1: np.log(_softmax_ref(x, axis)),
     arrays_with(_int_axis, shapes=_ND))


# shape primitives
@st.composite
def _new_shape(draw, shape):
    size = int(np.prod(shape))
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    a = draw(st.sampled_from(divisors))
    options = [(size,), (a, size // a), (size // a, 1, a), tuple(reversed(shape))]
    new = list(draw(st.sampled_from(options)))
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return {"shape": tuple(new)}


_prim("reshape", lambda x, shape: ag.reshape(x, shape), lambda x, shape: np.reshape(x, shape),
      arrays_with(_new_shape))
_prim("transpose", lambda x, axes: ag.transpose(x, axes), lambda x, axes: np.transpose(x, axes),
      arrays_with(lambda s: st.fixed_dictionaries(
          {"axes": st.none() | st.permutations(range(len(s))).map(tuple)})))
_prim("broadcast_to", ag.broadcast_to, np.broadcast_to,
      arrays_with(lambda s: hnp.broadcastable_shapes(s, max_dims=4).map(
          lambda t: {"shape": np.broadcast_shapes(s, t)})))


@st.composite
def _concat_cases(draw, same_shape=False):
    shape = draw(S.shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = draw(st.integers(1, 3))
    arrays = []
    for _ in range(n):
        s = list(shape)
        if not same_shape:
            s[axis] = draw(st.integers(1, 3))
        arrays.append(draw(_ANY.points(tuple(s))))
    return Case(tuple(arrays), {"axis": axis})


_prim("concatenate", lambda *xs, axis: ag.concatenate(xs, axis=axis),
      lambda *xs, axis: np.concatenate(xs, axis=axis), _concat_cases())
_add("stack", lambda *xs, axis: ag.stack(xs, axis=axis),
     lambda *xs, axis: np.stack(xs, axis=axis), _concat_cases(same_shape=True))


def _pad_args(shape):
    widths = st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2)) for _ in shape])
    return st.fixed_dictionaries({"pad_width": widths, "value": st.sampled_from([0.0, -1.5])})


_prim("pad", lambda x, pad_width, value: ag.pad(x, pad_width, value=value),
      lambda x, pad_width, value: np.pad(x, pad_width, constant_values=value),
      arrays_with(_pad_args, shapes=_ND))
_prim("getitem", lambda x, key: x[key], lambda x, key: x[key],
      arrays_with(lambda s: S.indices(s).map(lambda k: {"key": k})))


@st.composite
def _index_add_cases(draw):
    shape = draw(S.shapes())
    key = draw(S.indices(shape))
    src_shape = np.zeros(shape)[key].shape
    return Case((draw(_ANY.points(src_shape)),), {"shape": shape, "key": key})


def _np_index_add(src, shape, key):
    out = np.zeros(shape)
    np.add.at(out, key, src)
    return out


_prim("index_add", ag.index_add, _np_index_add, _index_add_cases())


# matmul and friends
@st.composite
def _matmul_cases(draw):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch_a, batch_b = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
    a_shape = (k,) if draw(st.booleans()) and not batch_a else batch_a + (n, k)
    b_shape = (k,) if draw(st.booleans()) and not batch_b else batch_b + (k, m)
    return Case((draw(_ANY.points(a_shape)), draw(_ANY.points(b_shape))), {})


_prim("matmul", ag.matmul, np.matmul, _matmul_cases())

_EINSUM_FORMS = ["ij,jk->ik", "bij,bjk->bik", "i,i->", "ij,ij->ij", "ij,ij->", "i,j->ij",
                 "bi,bi->b", "ij,j->i", "ij,kj->ik", "ij,jk", "...ij,...jk->...ik", "ij->ji",
                 "ij->j", "ijk->kij"]


@st.composite
def _einsum_cases(draw):
    form = draw(st.sampled_from(_EINSUM_FORMS))
    ins = form.split("->")[0].split(",")
    sizes = {c: draw(st.integers(1, 3)) for c in "bijk"}
    batch = draw(S.shapes(max_dims=2, max_side=2))
    arrays = tuple(draw(_ANY.points(tuple(batch) * ("..." in s) +
                                    tuple(sizes[c] for c in s.replace("...", ""))))
                   for s in ins)
    return Case(arrays, {"subscripts": form})


_add("einsum", lambda *xs, subscripts: ag.einsum(subscripts, *xs),
     lambda *xs, subscripts: np.einsum(subscripts, *xs), _einsum_cases())


@st.composite
def _tensordot_cases(draw):
    shared = draw(S.shapes(max_dims=2, max_side=3))
    a = draw(S.shapes(max_dims=2, max_side=3)) + shared
    b = shared + draw(S.shapes(max_dims=1, max_side=3))
    return Case((draw(_ANY.points(a)), draw(_ANY.points(b))), {"axes": len(shared)})


_add("tensordot", ag.tensordot, np.tensordot, _tensordot_cases())
_add("outer", ag.outer, np.outer, elementwise(_ANY, _ANY, broadcast=False, max_dims=1))


@st.composite
def _dot_cases(draw):
    k = draw(st.integers(1, 4))
    a = draw(st.sampled_from([(k,), (2, k), (3, 2, k)]))
    b = draw(st.sampled_from([(k,), (k, 3)] if len(a) <= 2 else [(k,)]))
    return Case((draw(_ANY.points(a)), draw(_ANY.points(b))), {})


_add("dot", ag.dot, np.dot, _dot_cases())

# cast (to float64: a float32 result could not be checked against float64 finite differences;
# the float32 direction is covered by the dtype tests)
_prim("cast", lambda x, dtype: ag.cast(x, dtype), lambda x, dtype: x.astype(dtype),
      arrays_with(lambda s: st.just({"dtype": "float64"})), checks=("forward", "backward"),
      keeps_dtype=False)
_add("cast_roundtrip", lambda x: ag.cast(ag.cast(x, "float32"), "float64") * 1.0,
      lambda x: x.astype(np.float32).astype(np.float64), elementwise(_ANY),
      checks=("forward", "backward"), keeps_dtype=False)


# shape composites
def _axis_for_insert(shape):
    return st.fixed_dictionaries({"axis": st.integers(-len(shape) - 1, len(shape))})


_add("expand_dims", ag.expand_dims, np.expand_dims, arrays_with(_axis_for_insert))


@st.composite
def _squeeze_args(draw, shape):
    ones = [i for i, n in enumerate(shape) if n == 1]
    if not ones or draw(st.booleans()):
        return {"axis": None}
    axis = draw(st.sampled_from(ones))
    return {"axis": axis - len(shape) if draw(st.booleans()) else axis}


_add("squeeze", ag.squeeze, np.squeeze,
     arrays_with(_squeeze_args, shapes=S.shapes(min_side=1, max_side=2)))
_add("flatten", ag.flatten, np.ravel, elementwise(_ANY))


def _two_axes(shape):
    n = len(shape)
    ax = st.integers(-n, n - 1)
    return st.fixed_dictionaries({"axis1": ax, "axis2": ax})


_add("swapaxes", ag.swapaxes, np.swapaxes, arrays_with(_two_axes, shapes=_ND))
_add("moveaxis", lambda x, axis1, axis2: ag.moveaxis(x, axis1, axis2),
     lambda x, axis1, axis2: np.moveaxis(x, axis1, axis2), arrays_with(_two_axes, shapes=_ND))
_add("flip", ag.flip, np.flip,
     arrays_with(lambda s: st.fixed_dictionaries({"axis": S.axes(len(s))}), shapes=_ND))


@st.composite
def _split_args(draw, shape):
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    sections = [d for d in range(1, n + 1) if n % d == 0]
    if draw(st.booleans()):
        return {"indices_or_sections": draw(st.sampled_from(sections)), "axis": axis}
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    return {"indices_or_sections": cuts, "axis": axis}


_add("split", lambda x, indices_or_sections, axis: tuple(ag.split(x, indices_or_sections, axis)),
     np.split, arrays_with(_split_args, shapes=_ND))
_add("repeat", ag.repeat, np.repeat,
     arrays_with(lambda s: st.fixed_dictionaries(
         {"repeats": st.integers(1, 3),
          "axis": st.none() | (st.integers(-len(s), len(s) - 1) if s else st.none())})))
_add("tile", ag.tile, np.tile,
     arrays_with(lambda s: st.fixed_dictionaries(
         {"reps": st.integers(1, 2) | st.lists(st.integers(1, 2), max_size=3).map(tuple)})))


# activations of autograd_core.nn
def _np_celu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) / alpha))


def _np_shrink(soft):
    def ref(x, threshold):
        kept = np.abs(x) > threshold
        return np.where(kept, x - np.sign(x) * threshold if soft else x, 0.0)
    return ref


def _params(**choices):
    return lambda shape: st.fixed_dictionaries({k: st.sampled_from(v) for k, v in choices.items()})


# kinks avoided: the derivatives there are tested in tests/autograd_core/nn/test_activations_more.py
_SHRINK = _params(threshold=[0.3, 0.5, 1.0])
_SHRINK_KINKS = Domain(-3.0, 3.0, avoid=(-1.0, -0.5, -0.3, 0.3, 0.5, 1.0))
_UNIT_KINKS = Domain(-3.0, 3.0, avoid=(-1.0, 1.0))
_add("celu", _nn.celu, _np_celu, arrays_with(_params(alpha=[0.5, 1.0, 2.0]), _KINK0))
_add("hard_tanh", _nn.hard_tanh, lambda x: np.clip(x, -1, 1), elementwise(_UNIT_KINKS))
_add("hard_shrink", _nn.hard_shrink, _np_shrink(False),
     arrays_with(_SHRINK, _SHRINK_KINKS))
_add("soft_shrink", _nn.soft_shrink, _np_shrink(True),
     arrays_with(_SHRINK, _SHRINK_KINKS))
_add("tanh_shrink", _nn.tanh_shrink, lambda x: x - np.tanh(x), elementwise(_ANY))
_add("log_sigmoid", _nn.log_sigmoid, lambda x: -np.logaddexp(0, -x), elementwise(_ANY))
_add("sparse_plus", _nn.sparse_plus,
     lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x)), elementwise(_UNIT_KINKS))
_add("squareplus", _nn.squareplus, lambda x, b: (x + np.sqrt(x * x + b)) / 2,
     arrays_with(_params(b=[0.5, 4])))
_add("threshold", _nn.threshold, lambda x, threshold, default_value: np.where(
    x > threshold, x, default_value),
    arrays_with(_params(threshold=[-0.5, 0.3], default_value=[0.0, -2.0]),
                Domain(-3.0, 3.0, avoid=(-0.5, 0.3))))
_add("sparse_sigmoid", _nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1),
     elementwise(_UNIT_KINKS))


@st.composite
def _glu_cases(draw):
    shape = list(draw(S.shapes(min_dims=1, max_side=3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    shape[axis] *= 2
    return Case((draw(_ANY.points(tuple(shape))),), {"axis": axis})


def _np_glu(x, axis):
    a, b = np.split(x, 2, axis=axis)
    return a * _np_sigmoid(b)


_add("glu", _nn.glu, _np_glu, _glu_cases())


def _np_sparsemax_tau(x, axis):
    """The threshold tau of sparsemax by its definition: sum(max(x - tau, 0)) = 1 along ``axis``
    (found by bisection)."""
    lo, hi = x.min(axis, keepdims=True) - 1, x.max(axis, keepdims=True)
    for _ in range(100):
        mid = (lo + hi) / 2
        above = np.maximum(x - mid, 0).sum(axis, keepdims=True) > 1
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return (lo + hi) / 2


def _np_sparsemax(x, axis=-1):
    return np.maximum(x - _np_sparsemax_tau(x, axis), 0)


@st.composite
def _sparsemax_cases(draw):
    """Entries kept 0.05 away from tau, where the support (and so the derivative) changes."""
    shape = draw(S.shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    x = draw(_DISTINCT.points(shape).filter(
        lambda x: np.abs(x - _np_sparsemax_tau(x, axis)).min() > 0.05))
    return Case((x,), {"axis": axis})


_add("sparsemax", _nn.sparsemax, _np_sparsemax, _sparsemax_cases())
_prim("sparsemax_support", lambda x, axis: _nn.activations._sparsemax_support(x, axis=axis),
      lambda x, axis: x > _np_sparsemax_tau(x, axis), _sparsemax_cases(), checks=_NO_GRAD)


# convolution and pooling of autograd_core.nn, 1-D to 3-D: the references loop over the kernel
# taps (convolutions) or the output positions (pooling), TensorFlow's 'same' padding written out
from .. import nn as _conv_nn  # noqa: E402


def _np_same_pads(n, k, s, d=1):
    span = (k - 1) * d + 1
    total = max((-(-n // s) - 1) * s + span - n, 0)
    return total // 2, total - total // 2


def _np_tuple(value, rank):
    return tuple(np.broadcast_to(np.asarray(value, dtype=int), (rank,)))


def np_conv(x, w, b=None, stride=1, padding="valid", dilation=1, groups=1):
    """N-D correlation: x (N, spatial..., C), w (k..., C/groups, O); padding 'valid', 'same',
    'causal'."""
    r = x.ndim - 2
    s, d, ks = _np_tuple(stride, r), _np_tuple(dilation, r), w.shape[:r]
    pads = [(0, 0) if padding == "valid" else ((k - 1) * di, 0) if padding == "causal" else
            _np_same_pads(n, k, si, di) for n, k, si, di in zip(x.shape[1:-1], ks, s, d)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(n - (k - 1) * di - 1) // si + 1 for n, k, si, di in zip(xp.shape[1:-1], ks, s, d)]
    cin, og = w.shape[-2], w.shape[-1] // groups
    y = np.zeros((x.shape[0], *outs, w.shape[-1]))
    for tap in np.ndindex(*ks):
        patch = xp[(slice(None),) + tuple(slice(t * di, t * di + si * (m - 1) + 1, si)
                                          for t, si, di, m in zip(tap, s, d, outs))]
        for g in range(groups):
            y[..., g * og:(g + 1) * og] += patch[..., g * cin:(g + 1) * cin] @ \
                w[tap][:, g * og:(g + 1) * og]
    return y if b is None else y + b


def np_conv_transpose(x, w, b=None, stride=1, padding="valid", output_padding=None, dilation=1):
    """N-D transposed convolution, w (k..., O, C): every input position scattered through the
    kernel, then the Keras output window cut out."""
    r = x.ndim - 2
    s, d, ks = _np_tuple(stride, r), _np_tuple(dilation, r), w.shape[:r]
    extra = (None,) * r if output_padding is None else _np_tuple(output_padding, r)
    spans = [(k - 1) * di + 1 for k, di in zip(ks, d)]
    full = np.zeros((x.shape[0],) + tuple((n - 1) * si + sp for n, si, sp in
                                         zip(x.shape[1:-1], s, spans)) + (w.shape[-2],))
    for tap in np.ndindex(*ks):
        key = tuple(slice(t * di, t * di + si * (n - 1) + 1, si)
                    for t, si, di, n in zip(tap, s, d, x.shape[1:-1]))
        full[(slice(None),) + key] += x @ w[tap].T
    sizes = [n * si + max(sp - si, 0) if p is None and padding == "valid" else n * si if p is None
             else (n - 1) * si + sp - 2 * (sp // 2 if padding == "same" else 0) + p
             for n, si, sp, p in zip(x.shape[1:-1], s, spans, extra)]
    starts = [0 if padding == "valid" else _np_same_pads(m, k, si, di)[0]
              for m, k, si, di in zip(sizes, ks, s, d)]
    part = full[(slice(None),) + tuple(slice(a, a + m) for a, m in zip(starts, sizes))]
    out = np.zeros((x.shape[0], *sizes, w.shape[-2]))
    out[(slice(None),) + tuple(slice(0, m) for m in part.shape[1:-1])] = part
    return out if b is None else out + b


def np_depthwise(x, w, b=None, stride=1, padding="valid", dilation=1):
    """Depthwise convolution, w (k..., C, M): the grouped convolution with one group a channel."""
    c, m = w.shape[-2:]
    return np_conv(x, w.reshape(w.shape[:-2] + (1, c * m)), b, stride, padding, dilation, c)


def np_pool(x, pool_size, strides=None, padding="valid", kind="max"):
    """N-D max or average pooling; 'same' windows hold only their real elements."""
    r = x.ndim - 2
    pool = _np_tuple(pool_size, r)
    s = pool if strides is None else _np_tuple(strides, r)
    pads = [(0, 0) if padding == "valid" else _np_same_pads(n, k, si)
            for n, k, si in zip(x.shape[1:-1], pool, s)]
    xp = np.pad(x.astype(float), [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    outs = [(n - k) // si + 1 for n, k, si in zip(xp.shape[1:-1], pool, s)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for pos in np.ndindex(*outs):
        win = xp[(slice(None),) + tuple(slice(p * si, p * si + k) for p, si, k in
                                        zip(pos, s, pool))].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + pos] = np.nanmax(win, 1) if kind == "max" else np.nanmean(win, 1)
    return y


@st.composite
def _window_geometry(draw, rank, max_size, max_kernel, paddings=("valid", "same")):
    """Sizes, kernel, strides, dilation and padding of a window that fits its input."""
    sizes = tuple(draw(st.integers(1, max_size)) for _ in range(rank))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    dilation = (1,) * rank if max(strides) > 1 else \
        tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(paddings))
    if padding == "valid" and any((k - 1) * d + 1 > n for k, d, n in zip(kernel, dilation, sizes)):
        padding = "same"
    return sizes, kernel, strides, dilation, padding


@st.composite
def _conv_cases(draw, rank, paddings=("valid", "same")):
    sizes, kernel, strides, dilation, padding = draw(
        _window_geometry(rank, 4 if rank < 3 else 3, 3 if rank < 3 else 2, paddings))
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    arrays = (draw(_ANY.points((1,) + sizes + (cin,))),
              draw(_ANY.points(kernel + (cin // groups, cout))), draw(_ANY.points((cout,))))
    return Case(arrays, {"stride": strides, "padding": padding, "dilation": dilation,
                         "groups": groups})


@st.composite
def _conv_transpose_cases(draw, rank):
    sizes, kernel, _, dilation, padding = draw(_window_geometry(rank, 3, 3))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank)) if max(dilation) == 1 else \
        (1,) * rank
    extra = None
    odd = all(((k - 1) * d) % 2 == 0 for k, d in zip(kernel, dilation))
    if draw(st.booleans()) and (padding == "valid" or odd):  # TensorFlow's valid sizes
        extra = tuple(draw(st.integers(0, s - 1)) for s in strides)
    cin, cout = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    arrays = (draw(_ANY.points((1,) + sizes + (cin,))), draw(_ANY.points(kernel + (cout, cin))),
              draw(_ANY.points((cout,))))
    return Case(arrays, {"stride": strides, "padding": padding, "output_padding": extra,
                         "dilation": dilation})


@st.composite
def _depthwise1d_cases(draw):
    sizes, kernel, strides, dilation, padding = draw(_window_geometry(1, 5, 3))
    c, m = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    arrays = (draw(_ANY.points((1,) + sizes + (c,))), draw(_ANY.points(kernel + (c, m))),
              draw(_ANY.points((c * m,))))
    return Case(arrays, {"stride": strides, "padding": padding, "dilation": dilation})


@st.composite
def _pool3d_cases(draw):
    sizes, pool, _, _, padding = draw(_window_geometry(3, 3, 3))
    strides = draw(st.none() | st.tuples(*[st.integers(1, 3)] * 3))
    x = draw(_DISTINCT.points((1,) + sizes + (draw(st.integers(1, 2)),)))
    return Case((x,), {"pool_size": pool, "strides": strides, "padding": padding})


for _rank in (1, 2, 3):
    _add(f"conv{_rank}d", getattr(_conv_nn, f"conv{_rank}d"), np_conv,
         _conv_cases(_rank, ("valid", "same", "causal") if _rank == 1 else ("valid", "same")))
    _add(f"conv{_rank}d_transpose", getattr(_conv_nn, f"conv{_rank}d_transpose"),
         np_conv_transpose, _conv_transpose_cases(_rank))
_add("depthwise_conv1d", _conv_nn.depthwise_conv1d, np_depthwise, _depthwise1d_cases())
_add("max_pool3d", _conv_nn.max_pool3d, np_pool, _pool3d_cases())
_add("avg_pool3d", _conv_nn.avg_pool3d, lambda x, **p: np_pool(x, kind="avg", **p),
     _pool3d_cases())

# hyperbolic and inverse trigonometric functions, remainders, rounding
_UNIT = Domain(-0.9, 0.9)
for _name, _dom in [("sinh", _ANY), ("cosh", _ANY), ("arcsin", _UNIT), ("arccos", _UNIT),
                    ("arctan", _ANY), ("arcsinh", _ANY), ("arccosh", Domain(1.2, 4.0)),
                    ("arctanh", _UNIT)]:
    _prim(_name, getattr(ag, _name), getattr(np, _name), elementwise(_dom))
_prim("arctan2", ag.arctan2, np.arctan2, elementwise(_NONZERO, _NONZERO))


def _off_multiples(a, b):
    """Dividends moved 0.1 or more away from the jumps of a remainder (a/b near an integer)."""
    q = a / b
    return np.where(np.abs(q - np.round(q)) > 0.1, a, a + 0.3 * b), b


_remainder_cases = elementwise(_ANY, Domain(0.5, 2.0), broadcast=False, prepare=_off_multiples)


_prim("mod", ag.mod, np.mod, _remainder_cases)
_prim("fmod", ag.fmod, np.fmod, _remainder_cases)
_prim("ceil", ag.ceil, np.ceil, elementwise(Domain(-3.0, 3.0, avoid=tuple(range(-3, 4)))))
_prim("trunc", ag.trunc, np.trunc, elementwise(Domain(-3.0, 3.0, avoid=tuple(range(-3, 4)))))


# linear algebra (autograd_core.linalg): well-conditioned matrices (a multiple of the identity
# added), batched and broadcast over leading axes; decompositions with spread-out eigen/singular
# values and their signs fixed by the (near-one) diagonal, so finite differences are smooth
_LA = Domain(-1.0, 1.0)


@st.composite
def _la_cases(draw, rhs=False, params=None, rect=False):
    n = draw(st.integers(1, 3))
    m = draw(st.integers(1, 4)) if rect else n
    batch_a, batch_b = draw(S.broadcastable_shapes(2, max_dims=1, max_side=2))
    arrays = (draw(_LA.points(batch_a + (m, n))),)
    if rhs:
        arrays += (draw(_LA.points(batch_b + (n, draw(st.integers(1, 2))))),)
    return Case(arrays, draw(params) if params is not None else {})


def _const(a, values):
    """``values`` (a numpy array) beside ``a``: as is for numpy, else a tensor on a's device."""
    if isinstance(a, np.ndarray):
        return values
    return ag.tensor(values.astype(a.dtype), device=a.device)


def _mT(a):
    return np.swapaxes(a, -1, -2) if isinstance(a, np.ndarray) else ag.swapaxes(a, -1, -2)


def _shift(a, c=4.0):
    """a plus c on its leading diagonal (engine tensors and numpy arrays alike): with entries in
    [-1, 1] and at most 3 columns, strictly diagonally dominant, so well-conditioned."""
    return a + _const(a, c * np.eye(*a.shape[-2:]))


def _fix_signs(cols, rows=None):
    """Columns of ``cols`` (and rows of ``rows``) times the sign of cols' diagonal."""
    k = min(cols.shape[-2:])
    diag = cols[..., np.arange(k), np.arange(k)]
    sign = np.sign(diag) if isinstance(cols, np.ndarray) else ag.sign(diag.detach())
    fixed = cols[..., :k] * sign[..., None, :]
    return fixed if rows is None else (fixed, rows[..., :k, :] * sign[..., :, None])


def _spread(a):
    """a / 5 plus a descending diagonal 2k-1, ..., 3, 1: well-separated singular values."""
    m, n = a.shape[-2:]
    k = min(m, n)
    d = np.zeros((m, n))
    d[np.arange(k), np.arange(k)] = np.arange(2 * k - 1, 0, -2)
    return 0.2 * a + _const(a, d)


def _sym_spread(a):
    """A symmetric matrix with well-separated ascending eigenvalues (0, 3, 6 on the diagonal)."""
    return 0.2 * (a + _mT(a)) + _const(a, np.diag(3.0 * np.arange(a.shape[-1])))


def _spd(a):
    return _shift(a @ _mT(a), float(a.shape[-1]))


def _np_solve(a, b):
    """numpy's solve with the engine's (PyTorch's) reading of b: a batch of vectors when
    b.shape == a.shape[:-1]."""
    if b.shape == a.shape[:-1]:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _np_tri_solve(a, b, lower):
    return _np_solve(np.tril(a) if lower else np.triu(a), b)


_LOWER = st.fixed_dictionaries({"lower": st.booleans()})
_prim("inv", lambda a: ag.linalg.inv(_shift(a)), lambda a: np.linalg.inv(_shift(a)), _la_cases())
_prim("solve", lambda a, b: ag.linalg.solve(_shift(a), b),
      lambda a, b: _np_solve(_shift(a), b), _la_cases(rhs=True))
_prim("solve_triangular", lambda a, b, lower: ag.linalg.solve_triangular(_shift(a), b, lower),
      lambda a, b, lower: _np_tri_solve(_shift(a), b, lower), _la_cases(rhs=True, params=_LOWER))
_prim("det", lambda a: ag.linalg.det(_shift(a)), lambda a: np.linalg.det(_shift(a)), _la_cases())
_prim("logabsdet", lambda a: ag.linalg.slogdet(_shift(a))[1],
      lambda a: np.linalg.slogdet(_shift(a))[1], _la_cases())
_prim("cholesky", lambda a: ag.linalg.cholesky(_spd(a)), lambda a: np.linalg.cholesky(_spd(a)),
      _la_cases())
_prim("eigh", lambda a: (lambda w, v: (w, _fix_signs(v)))(*ag.linalg.eigh(_sym_spread(a))),
      lambda a: (lambda w, v: (w, _fix_signs(v)))(*np.linalg.eigh(_sym_spread(a))), _la_cases())
_prim("svd", lambda a: (lambda u, s, vh: (s,) + _fix_signs(u, vh))(
          *ag.linalg.svd(_spread(a), full_matrices=False)),
      lambda a: (lambda u, s, vh: (s,) + _fix_signs(u, vh))(
          *np.linalg.svd(_spread(a), full_matrices=False)), _la_cases(rect=True))


@st.composite
def _tall_cases(draw):
    n = draw(st.integers(1, 3))
    shape = draw(S.shapes(max_dims=1, max_side=2)) + (n + draw(st.integers(0, 2)), n)
    return Case((draw(_LA.points(shape)),), {})


def _positive_r(q, r):
    """q, r with r's diagonal made positive (LAPACK's signs jump where a column is already
    reduced)."""
    k = r.shape[-2]
    diag = r[..., np.arange(k), np.arange(k)]
    sign = np.sign(diag) if isinstance(r, np.ndarray) else ag.sign(diag.detach())
    return q * sign[..., None, :], r * sign[..., :, None]


_prim("qr", lambda a: _positive_r(*ag.linalg.qr(_shift(a))),
      lambda a: _positive_r(*np.linalg.qr(_shift(a))), _tall_cases())
# (the matrix 1 and inf norms, maxima of sums that tie on hypothesis' simple values, are checked
# with fixed inputs in tests/keras_facade/test_ops_linalg.py)
_add("norm", ag.linalg.norm, np.linalg.norm,
     arrays_with(lambda s: st.sampled_from(
         [{"ord": None, "axis": None}] + [{"ord": o, "axis": -1} for o in (None, 1, 3, np.inf)]
         + [{"ord": o, "axis": (0, -1)} for o in ("fro", "nuc", 2)]),
         Domain(0.5, 2.0, distinct=True), S.shapes(min_dims=2, max_dims=2)))


# integer, bit and float-classification primitives (no gradient)
def _small_ints(*arrays):
    return tuple(np.asarray(np.round(np.abs(a) * 3).astype(np.int64) + 1) for a in arrays)


for _name, _ref in [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                    ("bitwise_xor", np.bitwise_xor), ("left_shift", np.left_shift),
                    ("right_shift", np.right_shift), ("gcd", np.gcd), ("lcm", np.lcm),
                    ("floor_divide", np.floor_divide)]:
    _prim(_name, getattr(ag, _name), _ref, elementwise(_ANY, _ANY, prepare=_small_ints),
          checks=_NO_GRAD)
_prim("bitwise_not", ag.bitwise_not, np.invert, elementwise(_ANY, prepare=_small_ints),
      checks=_NO_GRAD)
_prim("logical_xor", ag.logical_xor, np.logical_xor, elementwise(_TIES, _TIES, prepare=_lattice),
      checks=_NO_GRAD)
_prim("nextafter", ag.nextafter, np.nextafter, elementwise(_ANY, _ANY), checks=_NO_GRAD)
for _name in ("isinf", "signbit"):
    _prim(_name, getattr(ag, _name), getattr(np, _name), elementwise(_ANY), checks=_NO_GRAD)


def _np_lu_factor(a):
    """LU with partial pivoting, row by row (the factors packed in one matrix, 0-based pivots)."""
    lu = np.array(a, dtype=np.float64)
    piv = np.zeros(a.shape[:-1], dtype=np.int32)
    for index in np.ndindex(*a.shape[:-2]):
        m = lu[index]
        for k in range(m.shape[0]):
            p = k + int(np.argmax(np.abs(m[k:, k])))
            piv[index + (k,)] = p
            m[[k, p]] = m[[p, k]]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
            m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    return lu, piv


# rows of a diagonally dominant matrix reversed: clear pivots that are not on the diagonal
_prim("lu_factor", ag.linalg.lu_factor, _np_lu_factor,
      _la_cases().map(lambda c: Case((np.flip(_shift(c.args[0]), -2).copy(),), {})),
      checks=_NO_GRAD)
