"""Cross-entropy losses, unreduced exactly like ``keras.ops``.

* ``binary_crossentropy``: elementwise (no mean over the last axis).
* ``categorical_crossentropy``: sums over ``axis``.
* ``sparse_categorical_crossentropy``: integer targets, one value per sample.

Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does; the logits paths use the log-sum-exp /
softplus formulations and stay finite (values and gradients) at logits of +-1e4.
"""
import numpy as np

from ..autodiff.graph import primitive
from ..primitives._lazy import O
from ..ops import clip, log, log_softmax, sigmoid, sum as _sum, moveaxis, reshape
from ..ops._coerce import as_tensor

EPSILON = 1e-7


def _sigmoid_ce_fwd(xp, x, t):
    # max(x, 0) - x*t + log(1 + exp(-|x|)): no overflow for any x
    return xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))


sigmoid_cross_entropy = primitive(
    "sigmoid_cross_entropy", _sigmoid_ce_fwd,
    vjps=[lambda g, out, x, t: g * (sigmoid(x) - t), lambda g, out, x, t: -g * x],
    jvps=[lambda dx, out, x, t: dx * (sigmoid(x) - t), lambda dt, out, x, t: -dt * x],
    doc="Elementwise binary cross-entropy of logits x against targets t.")


def _clipped(p, axis):
    """``p`` renormalized to sum to one over ``axis``, then clipped to [EPSILON, 1 - EPSILON]
    (an array or a tensor: the same arithmetic in the forward and the derivative rules)."""
    return (p / p.sum(axis=axis, keepdims=True)).clip(EPSILON, 1.0 - EPSILON)


def _probability_ce_vjp_output(g, out, t, p, axis=-1):
    # with q = p / s, c = clip(q): dL/dq = -u where u = t / c inside the clip range, else 0, and
    # dL/dp_k = (sum_j u_j q_j - u_k) / s
    s = O.sum(p, axis=axis, keepdims=True)
    q = p / s
    c = O.clip(q, EPSILON, 1.0 - EPSILON)
    u = O.where(c == q, t / c, 0.0)
    return O.expand_dims(g, axis) * ((O.sum(u * q, axis=axis, keepdims=True) - u) / s)


probability_cross_entropy = primitive(
    "probability_cross_entropy",
    lambda xp, t, p, axis=-1: -(t * xp.log(_clipped(p, axis))).sum(axis=axis),
    vjps=[lambda g, out, t, p, axis=-1: -O.expand_dims(g, axis) * O.log(_clipped(p, axis)),
          _probability_ce_vjp_output],
    doc="-sum(t * log(clip(p / sum(p)))) over ``axis``: the categorical cross-entropy of "
        "probabilities, one primitive (a classifier's loss costs one op forward).")


def _prepare(target, output, op):
    output = as_tensor(output)
    target = as_tensor(target, device=output.device)
    if target.dtype != output.dtype:
        target = target.astype(output.dtype)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"{op}: target and output must have the same shape, got target "
                         f"{tuple(target.shape)} and output {tuple(output.shape)}")
    return target, output


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -(t*log(p) + (1-t)*log(1-p)); ``output`` holds probabilities unless
    ``from_logits``."""
    target, output = _prepare(target, output, "binary_crossentropy")
    if from_logits:
        return sigmoid_cross_entropy(output, target)
    p = clip(output, EPSILON, 1.0 - EPSILON)
    return -(target * log(p) + (1.0 - target) * log(1.0 - p))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(t * log(p), axis); probabilities are renormalized to sum to one, then clipped."""
    target, output = _prepare(target, output, "categorical_crossentropy")
    if from_logits:
        return -_sum(target * log_softmax(output, axis), axis)
    return probability_cross_entropy(target, output, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy against integer class ids: ``target`` has ``output``'s shape without ``axis``
    (a trailing axis of size 1 is accepted too)."""
    op = "sparse_categorical_crossentropy"
    output = as_tensor(output)
    ids = as_tensor(target, device=output.device).numpy()
    axis = axis % output.ndim
    if ids.ndim == output.ndim and ids.shape[-1] == 1:
        ids = ids.reshape(ids.shape[:-1])
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if tuple(ids.shape) != tuple(expected):
        raise ValueError(f"{op}: target shape {tuple(ids.shape)} does not match output shape "
                         f"{tuple(output.shape)} without axis {axis} ({tuple(expected)})")
    classes = output.shape[axis]
    ids = np.asarray(ids).astype(np.int64, copy=False).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= classes):
        raise ValueError(f"{op}: class ids must lie in [0, {classes}), got values from "
                         f"{ids.min()} to {ids.max()}")
    if axis != output.ndim - 1:
        output = moveaxis(output, axis, -1)
    flat = reshape(output, (-1, classes))
    key = (np.arange(flat.shape[0]), ids)
    if from_logits:
        loss = -log_softmax(flat, axis=-1)[key]
    else:
        p = clip(flat[key] / _sum(flat, axis=-1), EPSILON, 1.0 - EPSILON)
        loss = -log(p)
    return reshape(loss, expected)
