"""Depthwise 1-D and 2-D convolutions, channels-last: every input channel has its own ``M`` filters.

x (N, H, W, C), w (kh, kw, C, M) (the Keras/TensorFlow layout) give (N, H', W', C*M), channel
``c*M + m`` from channel c and filter m. A composite of engine primitives (pad, broadcast, strided
slicing, multiply, add), so derivatives of every order come with it. The input, repeated M times
along the channels when M > 1, is read through one strided window view per kernel tap; each tap
adds one vectorised product over the whole batch: kh*kw passes over the output, forward and back.
A depthwise kernel has only kh*kw numbers per output channel, too few for a GEMM to pay off: the
window view contracted by a matmul batched over the channels measured 2-7x slower for M <= 2 (the
common case), on par at M = 4, faster only from M = 8.
"""
from ..ops import broadcast_to, expand_dims, pad, reshape
from ._geometry import as_pair, as_single, conv_geometry, operands


def _tap_views(xpad, kernel, strides, dilation, outs):
    """(a, b, view) per kernel tap: the (N, H', W', C) strided slice of ``xpad`` that tap reads."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, strides, dilation, outs
    for a in range(kh):
        for b in range(kw):
            yield a, b, xpad[:, a * dh:a * dh + sh * (ho - 1) + 1:sh,
                             b * dw:b * dw + sw * (wo - 1) + 1:sw]


def depthwise_conv2d(x, w, b=None, stride=1, padding="valid", dilation=1):
    """Depthwise 2-D convolution (cross-correlation, as Keras): x (N, H, W, C), w (kh, kw, C, M),
    optional bias (C*M,); ``stride``/``dilation`` an int or a pair; padding 'valid' or 'same'
    (TensorFlow's rule: the odd pixel goes after). Returns (N, H', W', C*M)."""
    op = "depthwise_conv2d"
    x, w, b = operands(op, x, w, b, 2, 2, bias_axes=(-2, -1))
    strides, dilation = as_pair(stride, "stride", op), as_pair(dilation, "dilation", op)
    pads, outs = conv_geometry(op, x, w, strides, dilation, padding)
    return _depthwise(x, w, b, strides, dilation, pads, outs)


def depthwise_conv1d(x, w, b=None, stride=1, padding="valid", dilation=1):
    """Depthwise 1-D convolution: x (N, L, C), w (k, C, M), optional bias (C*M,); padding 'valid'
    or 'same'. Returns (N, L', C*M)."""
    op = "depthwise_conv1d"
    x, w, b = operands(op, x, w, b, 1, 1, bias_axes=(-2, -1))
    s, d = as_single(stride, "stride", op), as_single(dilation, "dilation", op)
    (pads,), (out,) = conv_geometry(op, x, w, (s,), (d,), padding)
    n, length, c = x.shape
    y = _depthwise(reshape(x, (n, 1, length, c)), reshape(w, (1,) + w.shape), b, (1, s), (1, d),
                   ((0, 0), pads), (1, out))
    return reshape(y, (n,) + y.shape[2:])


def _depthwise(x, w, b, strides, dilation, pads, outs):
    """The depthwise correlation of 4-D operands with resolved geometry."""
    kh, kw, c, m = w.shape
    if any(p for pair in pads for p in pair):
        x = pad(x, ((0, 0),) + pads + ((0, 0),))
    if m > 1:  # channel c*M + j of the repeated input is channel c
        x = reshape(broadcast_to(expand_dims(x, -1), x.shape + (m,)), x.shape[:3] + (c * m,))
    taps = reshape(w, (kh, kw, c * m))
    y = None
    for i, j, view in _tap_views(x, (kh, kw), strides, dilation, outs):
        term = view * taps[i, j]
        y = term if y is None else y + term
    return y if b is None else y + b
