"""``keras.ops.nn``: activations, convolution and pooling, normalization, losses, attention and
encodings, computed with ``autograd_core`` (``ag.nn`` for the network pieces). Images are
channels-last unless ``data_format`` says otherwise; kernels use Keras' layouts."""
import math

import numpy as np

import autograd_core as ag

from .. import backend
from ._dispatch import keras_op
from .core import named, to_real, to_tensor

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
           "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
           "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
           "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
           "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax",
           "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu",
           "relu6", "rms_normalization", "selu", "separable_conv", "sigmoid", "silu",
           "soft_shrink", "softmax", "softplus", "softsign", "space_to_depth",
           "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax",
           "squareplus", "swish", "tanh_shrink", "threshold", "unfold"]


# ---------------------------------------------------------------- helpers

def public(fn):
    """A ``keras.ops`` function: symbolic calls become graph nodes, and errors name the op."""
    name = ("image." if fn.__module__.endswith(".image") else "") + fn.__name__
    return keras_op(named(fn, name))


def tensor(x, dtype=None):
    """An argument as a tensor the way Keras converts it (``core.to_tensor``)."""
    if isinstance(x, ag.Tensor) and (dtype is None or x.dtype == dtype):
        return x
    return to_tensor(x, dtype)


def constant(array, like):
    """A numpy array as a tensor on the device of ``like``."""
    return ag.tensor(np.ascontiguousarray(array), device=like.device)


real = to_real  # a floating-point tensor: integers and bools become float32


def layout(value):
    return backend.normalize_data_format(value)


def to_last(x, fmt):
    """(N, C, ...) as (N, ..., C) when ``fmt`` is channels_first."""
    return ag.moveaxis(x, 1, -1) if fmt == "channels_first" else x


def from_last(y, fmt):
    return ag.moveaxis(y, -1, 1) if fmt == "channels_first" else y


def check_rank(op, x, ranks, what):
    if x.ndim not in ranks:
        raise ValueError(f"keras.ops.{op}: expected {what}, got shape {tuple(x.shape)}")


def _elementwise(engine_fn, name, doc):
    def fn(x):
        return engine_fn(real(x))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return public(fn)


# ---------------------------------------------------------------- activations

@public
def relu(x):
    """max(x, 0) (integers stay integers)."""
    return ag.relu(tensor(x))


@public
def relu6(x):
    """min(max(x, 0), 6) (integers stay integers)."""
    x = tensor(x)
    return ag.clip(x, 0, 6) if x.dtype.kind in "iu" else ag.nn.relu6(x)


@public
def hard_tanh(x):
    """x clipped to [-1, 1] (integers stay integers)."""
    x = tensor(x)
    return ag.clip(x, -1, 1) if x.dtype.kind in "iu" else ag.nn.hard_tanh(x)


sigmoid = _elementwise(ag.sigmoid, "sigmoid", "1 / (1 + e^-x).")
log_sigmoid = _elementwise(ag.nn.log_sigmoid, "log_sigmoid", "log(sigmoid(x)), stable.")
softplus = _elementwise(ag.nn.softplus, "softplus", "log(1 + e^x), stable.")
softsign = _elementwise(ag.nn.softsign, "softsign", "x / (1 + |x|).")
silu = _elementwise(ag.nn.silu, "silu", "x * sigmoid(x).")
swish = _elementwise(ag.nn.silu, "swish", "x * sigmoid(x) (= silu).")
selu = _elementwise(ag.nn.selu, "selu", "Scaled exponential linear unit.")
hard_sigmoid = _elementwise(ag.nn.hard_sigmoid, "hard_sigmoid", "relu6(x + 3) / 6.")
hard_silu = _elementwise(ag.nn.hard_silu, "hard_silu", "x * hard_sigmoid(x).")
hard_swish = _elementwise(ag.nn.hard_silu, "hard_swish", "x * hard_sigmoid(x) (= hard_silu).")
tanh_shrink = _elementwise(ag.nn.tanh_shrink, "tanh_shrink", "x - tanh(x).")
sparse_plus = _elementwise(ag.nn.sparse_plus, "sparse_plus", "A piecewise-quadratic smooth relu.")
sparse_sigmoid = _elementwise(ag.nn.sparse_sigmoid, "sparse_sigmoid",
                              "clip((x + 1) / 2, 0, 1).")


@public
def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, else negative_slope * x."""
    return ag.nn.leaky_relu(real(x), negative_slope)


@public
def elu(x, alpha=1.0):
    """x for x > 0, else alpha * (e^x - 1)."""
    return ag.nn.elu(real(x), alpha)


@public
def celu(x, alpha=1.0):
    """x for x > 0, else alpha * (e^(x / alpha) - 1)."""
    return ag.nn.celu(real(x), alpha)


@public
def gelu(x, approximate=True):
    """Gaussian error linear unit (the tanh approximation by default, as Keras 3)."""
    return ag.nn.gelu(real(x), approximate)


@public
def glu(x, axis=-1):
    """a * sigmoid(b) for the two halves a, b of ``x`` along ``axis``."""
    return ag.nn.glu(real(x), axis)


@public
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return ag.nn.hard_shrink(real(x), threshold)


@public
def soft_shrink(x, threshold=0.5):
    """x shrunk towards 0 by ``threshold`` (0 inside [-threshold, threshold])."""
    return ag.nn.soft_shrink(real(x), threshold)


@public
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    return ag.nn.squareplus(real(x), b)


@public
def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    x = tensor(x)
    return ag.where(x > threshold, x, default_value).astype(x.dtype)


def _check_axis(op, x, axis):
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"keras.ops.{op}: axis {axis} is out of range for an input of shape "
                         f"{tuple(x.shape)}")


@public
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis`` (an int or a tuple of axes)."""
    return _softmax_over(ag.softmax, "softmax", x, axis)


@public
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis`` (an int or a tuple of axes)."""
    return _softmax_over(ag.log_softmax, "log_softmax", x, axis)


def _softmax_over(fn, op, x, axis):
    x = real(x)
    if x.ndim == 0:
        return fn(ag.reshape(x, (1,)), axis=-1)[0]
    if isinstance(axis, int):
        _check_axis(op, x, axis)
        return fn(x, axis=axis)
    axes = sorted(a % x.ndim for a in axis)  # several axes: move them last and flatten them
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = ag.transpose(x, rest + axes)
    y = fn(ag.reshape(moved, moved.shape[:len(rest)] + (-1,)), axis=-1)
    return ag.transpose(ag.reshape(y, moved.shape), list(np.argsort(rest + axes)))


@public
def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``."""
    return ag.nn.sparsemax(real(x), axis)


# ---------------------------------------------------------------- convolution and pooling

_CONV = {1: ag.nn.conv1d, 2: ag.nn.conv2d, 3: ag.nn.conv3d}
_CONV_T = {1: ag.nn.conv1d_transpose, 2: ag.nn.conv2d_transpose, 3: ag.nn.conv3d_transpose}
_DEPTHWISE = {1: ag.nn.depthwise_conv1d, 2: ag.nn.depthwise_conv2d}
_MAX_POOL = {1: ag.nn.max_pool1d, 2: ag.nn.max_pool2d, 3: ag.nn.max_pool3d}
_AVG_POOL = {1: ag.nn.avg_pool1d, 2: ag.nn.avg_pool2d, 3: ag.nn.avg_pool3d}


def _spatial(op, inputs, table, fmt):
    """(channels-last input, engine function for its spatial rank, data format)."""
    x, fmt = tensor(inputs), layout(fmt)
    rank = x.ndim - 2
    if rank not in table:
        ranks = ", ".join(str(r + 2) for r in table)
        raise ValueError(f"keras.ops.{op}: input must have rank {ranks} (batch, spatial..., "
                         f"channels), got shape {tuple(x.shape)}")
    return to_last(x, fmt), table[rank], fmt


def _conv_operands(x, kernel):
    x, kernel = tensor(x), tensor(kernel)
    if x.dtype != kernel.dtype:
        x, kernel = ag.cast(x, np.result_type(x.dtype, kernel.dtype)), \
            ag.cast(kernel, np.result_type(x.dtype, kernel.dtype))
    return x, kernel


@public
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D, 2-D or 3-D convolution (by the input's rank); kernel (k..., in / groups, out)."""
    x, fn, fmt = _spatial("conv", inputs, _CONV, data_format)
    x, kernel = _conv_operands(x, kernel)
    groups = x.shape[-1] // kernel.shape[-2] if kernel.ndim == x.ndim and kernel.shape[-2] else 1
    return from_last(fn(x, kernel, None, strides, padding, dilation_rate, groups), fmt)


@public
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed 1-D, 2-D or 3-D convolution; kernel (k..., out, in)."""
    x, fn, fmt = _spatial("conv_transpose", inputs, _CONV_T, data_format)
    x, kernel = _conv_operands(x, kernel)
    return from_last(fn(x, kernel, None, strides, padding, output_padding, dilation_rate), fmt)


@public
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise 1-D or 2-D convolution; kernel (k..., channels, multiplier)."""
    x, fn, fmt = _spatial("depthwise_conv", inputs, _DEPTHWISE, data_format)
    x, kernel = _conv_operands(x, kernel)
    return from_last(fn(x, kernel, None, strides, padding, dilation_rate), fmt)


@public
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a 1x1 convolution (pointwise_kernel (1..., C*M, out))."""
    x, fn, fmt = _spatial("separable_conv", inputs, _DEPTHWISE, data_format)
    x, depthwise_kernel = _conv_operands(x, depthwise_kernel)
    y = fn(x, depthwise_kernel, None, strides, padding, dilation_rate)
    return from_last(_CONV[x.ndim - 2](y, tensor(pointwise_kernel).astype(y.dtype)), fmt)


def _pool(op, table, inputs, pool_size, strides, padding, fmt):
    x, fn, fmt = _spatial(op, inputs, table, fmt)
    return from_last(fn(x, pool_size, strides, padding), fmt)


@public
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1, 2 or 3 spatial axes; ``strides`` default to ``pool_size``."""
    return _pool("max_pool", _MAX_POOL, inputs, pool_size, strides, padding, data_format)


@public
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1, 2 or 3 spatial axes ('same': divided by the real element count)."""
    return _pool("average_pool", _AVG_POOL, inputs, pool_size, strides, padding, data_format)


def _adaptive(op, reduce, inputs, output_size, fmt):
    """Pool each axis into ``output_size`` bins [floor(i n / m), ceil((i + 1) n / m))."""
    x, _, fmt = _spatial(op, inputs, _CONV, fmt)
    rank = x.ndim - 2
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != rank or any(s <= 0 for s in sizes):
        raise ValueError(f"keras.ops.{op}: output_size must be a positive int or {rank} of them, "
                         f"got {output_size!r} (input {tuple(x.shape)})")
    if op == "adaptive_average_pool":
        x = real(x)
    for axis, m in zip(range(1, rank + 1), sizes):
        n = x.shape[axis]
        bins = [ag.getitem(x, (slice(None),) * axis + (slice(i * n // m, -(-(i + 1) * n // m)),))
                for i in range(m)]
        x = ag.concatenate([reduce(b, axis=axis, keepdims=True) for b in bins], axis=axis)
    return from_last(x, fmt)


@public
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size`` (PyTorch's bins)."""
    return _adaptive("adaptive_average_pool", ag.mean, inputs, output_size, data_format)


@public
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size`` (PyTorch's bins)."""
    return _adaptive("adaptive_max_pool", ag.max, inputs, output_size, data_format)


# ---------------------------------------------------------------- patches

def _pairs(value, name, op):
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"keras.ops.{op}: {name} must be an int or a pair, got {value!r}")
    return value


def window_taps(x, kernel, strides, dilation, axes):
    """The strided views of ``x`` that each kernel tap reads (row-major over the taps), with
    the output size per axis; ``axes`` are the spatial axes of ``x``."""
    outs = [(x.shape[a] - (k - 1) * d - 1) // s + 1 for a, k, s, d in
            zip(axes, kernel, strides, dilation)]
    views = []
    for tap in np.ndindex(*kernel):
        key = [slice(None)] * x.ndim
        for a, t, s, d, o in zip(axes, tap, strides, dilation, outs):
            key[a] = slice(t * d, t * d + s * (o - 1) + 1, s)
        views.append(ag.getitem(x, tuple(key)))
    return views, outs


def _torch_window_args(op, x, kernel_size, dilation, padding, stride):
    x = tensor(x)
    check_rank(op, x, (4,), "a (batch, channels, height, width) input")
    return x, _pairs(kernel_size, "kernel_size", op), _pairs(dilation, "dilation", op), \
        _pairs(padding, "padding", op), _pairs(stride, "stride", op)


@public
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of (N, C, H, W): (N, C * kh * kw, blocks), as PyTorch's ``unfold``."""
    x, kernel, dilation, pads, stride = _torch_window_args("unfold", x, kernel_size, dilation,
                                                           padding, stride)
    x = ag.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in pads))
    views, outs = window_taps(x, kernel, stride, dilation, (2, 3))
    n, c = x.shape[:2]
    return ag.reshape(ag.stack(views, axis=2), (n, c * len(views), outs[0] * outs[1]))


@public
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of ``unfold``: blocks (N, C * kh * kw, L) summed into (N, C, H, W)."""
    op = "fold"
    x = tensor(x)
    check_rank(op, x, (3,), "a (batch, channels * kernel area, blocks) input")
    kernel, dilation = _pairs(kernel_size, "kernel_size", op), _pairs(dilation, "dilation", op)
    pads, stride = _pairs(padding, "padding", op), _pairs(stride, "stride", op)
    height, width = (h + 2 * p for h, p in zip(_pairs(output_size, "output_size", op), pads))
    outs = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in
            zip((height, width), kernel, stride, dilation)]
    taps = kernel[0] * kernel[1]
    if x.shape[1] % taps or outs[0] * outs[1] != x.shape[2]:
        raise ValueError(f"keras.ops.{op}: input {tuple(x.shape)} does not hold C * {taps} rows "
                         f"of {outs[0]}x{outs[1]} blocks for output_size {output_size}, "
                         f"kernel_size {kernel}")
    n, c = x.shape[0], x.shape[1] // taps
    blocks = ag.reshape(x, (n, c, taps, outs[0], outs[1]))
    y = None
    for i, (a, b) in enumerate(np.ndindex(*kernel)):
        key = (slice(None), slice(None),
               slice(a * dilation[0], a * dilation[0] + stride[0] * (outs[0] - 1) + 1, stride[0]),
               slice(b * dilation[1], b * dilation[1] + stride[1] * (outs[1] - 1) + 1, stride[1]))
        term = ag.index_add(blocks[:, :, i], (n, c, height, width), key)
        y = term if y is None else y + term
    return y[:, :, pads[0]:height - pads[0], pads[1]:width - pads[1]]


def _blocks(op, x, block_size, fmt):
    """(x, n, c, h, w, b, channels_last?) of a depth_to_space / space_to_depth call."""
    x = tensor(x)
    check_rank(op, x, (4,), "a rank 4 image batch")
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"keras.ops.{op}: block_size must be an int >= 2, got {block_size!r}")
    last = layout(fmt) == "channels_last"
    n, h, w, c = x.shape if last else (x.shape[0],) + x.shape[2:] + (x.shape[1],)
    return x, n, c, h, w, block_size, last


@public
def depth_to_space(x, block_size, data_format="channels_last"):
    """(N, H, W, C * b * b) -> (N, H * b, W * b, C); channels split as (b, b, C) channels-last,
    (C, b, b) channels-first."""
    x, n, c, h, w, b, last = _blocks("depth_to_space", x, block_size, data_format)
    if c % (b * b):
        raise ValueError(f"keras.ops.depth_to_space: channels ({c}) must be divisible by "
                         f"block_size**2 ({b * b}), got shape {tuple(x.shape)}")
    c //= b * b
    if last:
        y = ag.transpose(ag.reshape(x, (n, h, w, b, b, c)), (0, 1, 3, 2, 4, 5))
        return ag.reshape(y, (n, h * b, w * b, c))
    y = ag.transpose(ag.reshape(x, (n, c, b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return ag.reshape(y, (n, c, h * b, w * b))


@public
def space_to_depth(x, block_size, data_format="channels_last"):
    """(N, H * b, W * b, C) -> (N, H, W, C * b * b), the inverse of ``depth_to_space``."""
    x, n, c, h, w, b, last = _blocks("space_to_depth", x, block_size, data_format)
    if h % b or w % b:
        raise ValueError(f"keras.ops.space_to_depth: height and width must be divisible by "
                         f"block_size ({b}), got shape {tuple(x.shape)}")
    h, w = h // b, w // b
    if last:
        y = ag.transpose(ag.reshape(x, (n, h, b, w, b, c)), (0, 1, 3, 2, 4, 5))
        return ag.reshape(y, (n, h, w, c * b * b))
    y = ag.transpose(ag.reshape(x, (n, c, h, b, w, b)), (0, 1, 3, 5, 2, 4))
    return ag.reshape(y, (n, c * b * b, h, w))


# ---------------------------------------------------------------- normalization

def _axes(axis):
    return (axis,) if isinstance(axis, int) else tuple(axis)


@public
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over ``axes``."""
    return ag.nn.moments(real(x), _axes(axes), keepdims)


@public
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with the 1-D statistics laid
    along ``axis``."""
    x = real(x)
    _check_axis("batch_normalization", x, axis)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def along(v):
        if v is None:
            return None
        v = tensor(v).astype(x.dtype)
        if v.shape != (x.shape[axis],):
            raise ValueError(f"keras.ops.batch_normalization: statistics must have shape "
                             f"({x.shape[axis]},) (axis {axis} of {tuple(x.shape)}), got "
                             f"{tuple(v.shape)}")
        return ag.reshape(v, shape)
    return ag.nn.batch_norm(x, along(mean), along(variance), along(offset), along(scale),
                            epsilon)


@public
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalize over ``axis`` per sample, then scale by gamma and shift by beta."""
    x = real(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    cast = (lambda v: None if v is None else tensor(v).astype(x.dtype))
    return ag.nn.layer_norm(x, cast(gamma), cast(beta), axis, eps)


@public
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2, axis) + epsilon) * scale."""
    x = real(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    y = x / ag.sqrt(ag.mean(ag.square(x), _axes(axis), keepdims=True) + eps)
    return y if scale is None else y * tensor(scale).astype(x.dtype)


@public
def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order), epsilon) along ``axis``."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"keras.ops.normalize: order must be an int >= 1, got {order!r}")
    x = real(x)
    if x.ndim == 0:
        x = ag.reshape(x, (1,))
    eps = backend.epsilon() if epsilon is None else epsilon
    axes = None if axis is None else _axes(axis)
    if order == 2:
        inv = 1.0 / ag.sqrt(ag.sum(ag.square(x), axes, keepdims=True))
        return x * ag.minimum(inv, 1.0 / eps)
    norm = ag.sum(ag.abs(x) ** order, axes, keepdims=True) ** (1.0 / order)
    return x / ag.maximum(norm, eps)


# ---------------------------------------------------------------- losses and metrics

@public
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no reduction)."""
    return ag.nn.binary_crossentropy(real(target), real(output), from_logits)


@public
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(output)) along ``axis``."""
    return ag.nn.categorical_crossentropy(real(target), real(output), from_logits, axis)


@public
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy against integer class ids."""
    return ag.nn.sparse_categorical_crossentropy(tensor(target), real(output), from_logits, axis)


@public
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per sample; ``output`` holds logits."""
    return ag.nn.ctc_loss(tensor(target), real(output), tensor(target_length),
                          tensor(output_length), blank=mask_index)


def _greedy_decode(x, lengths, merge_repeated, mask):
    """Best class per step, repeats merged, blanks dropped: (labels (1, batch, steps) padded
    with -1, -sum of the best scores (batch, 1))."""
    steps = x.shape[1]
    past = np.arange(steps)[None, :] >= lengths[:, None]
    ids = np.where(past, mask, ag.argmax(x, axis=-1).numpy())
    if merge_repeated:
        ids[:, 1:] = np.where(ids[:, 1:] == ids[:, :-1], mask, ids[:, 1:])
    blank = ids == mask
    order = np.argsort(np.where(blank, steps, np.arange(steps)), axis=-1, kind="stable")
    labels = np.take_along_axis(np.where(blank, -1, ids), order, axis=-1).astype(np.int32)
    scores = ag.where(constant(past, x), 0.0, ag.max(x, axis=-1))
    return constant(labels[None], x), -ag.sum(scores, axis=1, keepdims=True)


def _prefix_beam_search(logp, beam_width, mask):
    """{label prefix: (log p ending in a blank, log p ending in a label)} after every step."""
    beams = {(): (0.0, -np.inf)}
    for row in logp:
        grown = {}

        def add(prefix, blank=-np.inf, label=-np.inf):
            b, n = grown.get(prefix, (-np.inf, -np.inf))
            grown[prefix] = (np.logaddexp(b, blank), np.logaddexp(n, label))
        for prefix, (b, n) in beams.items():
            add(prefix, blank=np.logaddexp(b, n) + row[mask])
            for c in range(len(row)):
                if c == mask:
                    continue
                if prefix and prefix[-1] == c:  # a repeat merges unless a blank separates it
                    add(prefix, label=n + row[c])
                    add(prefix + (c,), label=b + row[c])
                else:
                    add(prefix + (c,), label=np.logaddexp(b, n) + row[c])
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    return beams


def _beam_decode(x, lengths, beam_width, top_paths, mask):
    """The ``top_paths`` most probable labellings per sample (CTC prefix beam search over the
    log-softmax of ``x``): (labels (top_paths, batch, steps) padded with -1, log probabilities
    (batch, top_paths))."""
    logp = ag.log_softmax(x, axis=-1).numpy().astype(np.float64)
    batch, steps, _ = logp.shape
    labels = np.full((top_paths, batch, steps), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf)
    for i in range(batch):
        beams = _prefix_beam_search(logp[i, :lengths[i]], beam_width, mask)
        ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))[:top_paths]
        for k, (prefix, (b, n)) in enumerate(ranked):
            labels[k, i, :len(prefix)] = prefix
            scores[i, k] = np.logaddexp(b, n)
    return constant(labels, x), constant(scores.astype(x.dtype), x)


@public
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """CTC decoding of (batch, steps, classes) scores: 'greedy' (labels (1, batch, steps)
    padded with -1, -sum of the best scores) or 'beam_search' (labels (top_paths, batch, steps),
    log probabilities (batch, top_paths))."""
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"strategy must be 'greedy' or 'beam_search', got {strategy!r}")
    x = real(inputs)
    check_rank("ctc_decode", x, (3,), "inputs (batch, steps, classes)")
    mask = x.shape[2] - 1 if mask_index is None else mask_index
    lengths = np.asarray(tensor(sequence_lengths).numpy()).reshape(-1)
    if lengths.shape != (x.shape[0],):
        raise ValueError(f"sequence_lengths needs one entry per sample ({x.shape[0]}), got "
                         f"shape {lengths.shape}")
    if strategy == "greedy":
        return _greedy_decode(x, lengths, merge_repeated, mask)
    return _beam_decode(x, lengths, beam_width, top_paths, mask)


@public
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: 20 log10(max_val) - 10 log10(mean((x1 - x2)^2))."""
    x1, x2 = real(x1), real(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"keras.ops.psnr: x1 and x2 must have the same shape, got "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    mse = ag.mean(ag.square(x1 - x2))
    return 20.0 * math.log10(max_val) - 10.0 * ag.log(mse) / math.log(10.0)


# ---------------------------------------------------------------- encodings

@public
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer ids as one-hot vectors along ``axis`` (ids outside [0, num_classes) give zeros)."""
    if sparse:
        raise ValueError("keras.ops.one_hot: sparse=True is not supported")
    x = tensor(x)
    classes = ag.arange(num_classes, device=x.device)
    y = ag.equal(ag.expand_dims(x.astype(np.int64), -1), classes)
    y = y.astype(np.dtype(dtype or backend.floatx()))
    return y if axis == -1 else ag.moveaxis(y, -1, axis)


@public
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """One vector per sample with a 1 at each id it holds."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    if num_classes is None or kwargs:
        raise ValueError(f"keras.ops.multi_hot: num_classes is required (unknown arguments: "
                         f"{sorted(kwargs)})")
    x = tensor(inputs)
    return ag.max(one_hot(x, num_classes, axis, dtype, sparse), axis=1 if x.ndim > 1 else 0)


@public
def polar(abs_, angle):
    """abs_ * (cos(angle) + i sin(angle)) as a complex tensor."""
    abs_, angle = real(abs_), real(angle)
    complex_dtype = np.result_type(abs_.dtype, angle.dtype, np.complex64)
    unit = constant(np.array(1j, dtype=complex_dtype), abs_)
    return ag.cast(abs_ * ag.cos(angle), complex_dtype) + ag.cast(abs_ * ag.sin(angle),
                                                                   complex_dtype) * unit


# ---------------------------------------------------------------- attention

@public
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(q k^T * scale + bias, masked) v over (batch, steps, heads, head_dim) tensors;
    key/value may have fewer heads than query (grouped-query attention)."""
    op = "keras.ops.dot_product_attention"
    q, k, v = real(query), real(key), real(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"{op}: query, key and value must have rank 4 (batch, steps, heads, "
                         f"head_dim), got {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    if bias is not None and mask is not None:
        raise ValueError(f"{op}: only one of bias and mask can be given")
    heads, kv_heads = q.shape[2], k.shape[2]
    if k.shape != v.shape[:3] + (k.shape[3],) or heads % kv_heads or k.shape[3] != q.shape[3]:
        raise ValueError(f"{op}: incompatible shapes query {tuple(q.shape)}, key "
                         f"{tuple(k.shape)}, value {tuple(v.shape)}")
    if heads != kv_heads:
        k, v = ag.repeat(k, heads // kv_heads, axis=2), ag.repeat(v, heads // kv_heads, axis=2)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = ag.einsum("btnh,bsnh->bnts", q, k) * scale
    if attn_logits_soft_cap is not None:
        logits = ag.tanh(logits / attn_logits_soft_cap) * attn_logits_soft_cap
    if bias is not None:
        logits = logits + tensor(bias).astype(logits.dtype)
    keep = None if mask is None else tensor(mask).astype(bool)
    if is_causal:
        causal = constant(np.tril(np.ones(logits.shape[-2:], dtype=bool)), logits)
        keep = causal if keep is None else ag.logical_and(keep, causal)
    if keep is not None:
        logits = ag.where(keep, logits, float(np.finfo(np.dtype(logits.dtype)).min))
    weights = ag.softmax(logits, axis=-1)
    return ag.einsum("bnts,bsnh->btnh", weights, v)
