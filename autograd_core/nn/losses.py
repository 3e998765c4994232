"""Cross-entropy losses, unreduced exactly like ``keras.ops``.

* ``binary_crossentropy``: elementwise (no mean over the last axis).
* ``categorical_crossentropy``: sums over ``axis``.
* ``sparse_categorical_crossentropy``: integer targets, one value per sample.
* ``ctc_loss``: connectionist temporal classification, one value per sample.

Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does; the logits paths use the log-sum-exp /
softplus formulations and stay finite (values and gradients) at logits of +-1e4.
"""
import numpy as np

from ..autodiff.graph import primitive
from ..primitives._lazy import O
from ..ops import (clip, log, log_softmax, sigmoid, sum as _sum, moveaxis, reshape, matmul,
                   transpose, concatenate, stack, logsumexp, where, full, tensor as _tensor)
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


_LOG_ZERO = -1e30  # log(0) for the CTC recursion: finite, so no inf - inf turns into NaN


def _ctc_paths(labels, label_length, classes, blank):
    """The extended label rows (blank, l1, blank, l2, ..., blank), where a path may skip a blank
    (the labels on both sides differ), and where the paths end (the last label or the blank
    after it), all as numpy arrays (index computation)."""
    batch, max_length = labels.shape
    extended = np.full((batch, 2 * max_length + 1), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    skip = np.zeros(extended.shape, dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    position = np.arange(extended.shape[1])
    ends = (position == 2 * label_length[:, None]) | \
        ((position == 2 * label_length[:, None] - 1) & (label_length[:, None] > 0))
    return np.eye(classes, dtype=bool)[extended], skip, ends


def ctc_loss(labels, logits, label_length, logit_length, blank=0):
    """-log p(labels | logits) summed over every CTC alignment, per sample.

    ``logits`` (B, T, classes) are normalized with a log-softmax; ``labels`` (B, L) are integer
    class ids of which each row's first ``label_length`` count; the first ``logit_length`` steps
    of each sample count. The forward recursion runs in log space with engine ops (one
    log-sum-exp per time step over all samples and label positions), so the gradient and its
    derivatives come from the engine. A sample with no valid alignment gets +inf."""
    op = "ctc_loss"
    logits = as_tensor(logits)
    ids = np.asarray(as_tensor(labels).numpy()).astype(np.int64)
    label_length = np.asarray(as_tensor(label_length).numpy()).astype(np.int64).reshape(-1)
    steps = np.asarray(as_tensor(logit_length).numpy()).astype(np.int64).reshape(-1)
    if logits.ndim != 3 or ids.ndim != 2 or ids.shape[0] != logits.shape[0]:
        raise ValueError(f"{op}: expects logits (batch, steps, classes) and labels (batch, "
                         f"max_length) with the same batch, got logits {tuple(logits.shape)} and "
                         f"labels {tuple(ids.shape)}")
    batch, time, classes = logits.shape
    if label_length.shape != (batch,) or steps.shape != (batch,):
        raise ValueError(f"{op}: label_length and logit_length need one entry per sample "
                         f"({batch}), got {label_length.shape} and {steps.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= classes):
        raise ValueError(f"{op}: labels must lie in [0, {classes}), got values from {ids.min()} "
                         f"to {ids.max()}")
    if (label_length > ids.shape[1]).any() or (steps > time).any() or (steps < 1).any():
        raise ValueError(f"{op}: label_length must be <= {ids.shape[1]} and logit_length in "
                         f"[1, {time}], got {label_length.tolist()} and {steps.tolist()}")
    onehot, skip, ends = _ctc_paths(ids, label_length, classes, blank)
    device, dtype = logits.device, logits.dtype
    onehot = _tensor(onehot.astype(dtype), device=device)
    skip, ends = _tensor(skip, device=device), _tensor(ends, device=device)
    # log-probability of emitting each extended label at each step: (B, T, S)
    emit = matmul(log_softmax(logits, axis=-1), transpose(onehot, (0, 2, 1)))
    width = emit.shape[-1]
    starts = _tensor(np.arange(width) < 2, device=device)
    alpha = where(starts, emit[:, 0], _LOG_ZERO)
    pad = full((batch, 2), _LOG_ZERO, dtype=dtype, device=device)
    running = _tensor(steps[:, None] > np.arange(time)[None, :], device=device)  # (B, T)
    for t in range(1, time):
        padded = concatenate([pad, alpha], axis=1)
        step = where(skip, padded[:, :width], _LOG_ZERO)
        options = stack([alpha, padded[:, 1:width + 1], step], axis=-1)
        alpha = where(running[:, t:t + 1], logsumexp(options, axis=-1) + emit[:, t], alpha)
    loss = -logsumexp(where(ends, alpha, _LOG_ZERO), axis=-1)
    return where(loss < -0.5 * _LOG_ZERO, loss, float("inf"))
