"""Convolutions, channels-last with Keras kernel layouts.

``conv2d``: x (N, H, W, Cin), w (kh, kw, Cin, Cout). ``conv1d``: x (N, L, Cin), w (k, Cin, Cout).
``conv2d_transpose``: x (N, H, W, Cin), w (kh, kw, Cout, Cin). 'same' padding follows TensorFlow
(the odd pixel goes after); 'causal' (1-D) pads (k-1)*dilation on the left.
"""
from ..ops import reshape
from ..ops._coerce import as_tensor
from ..primitives import windows as W
from ._geometry import (as_pair, as_single, check_bias, check_operands, check_padding,
                        check_positive, check_strides_dilation, conv_geometry, resolve)


def conv2d(x, w, b=None, stride=1, padding="valid", dilation=1):
    """2-D convolution (cross-correlation, as Keras): x (N, H, W, Cin), w (kh, kw, Cin, Cout),
    optional bias (Cout,); ``stride``/``dilation`` an int or a pair; padding 'valid' or 'same'."""
    x, w = as_tensor(x), as_tensor(w)
    b = None if b is None else as_tensor(b)
    check_operands("conv2d", x, w, 2, 2)
    check_bias("conv2d", b, w.shape[3])
    strides = as_pair(stride, "stride", "conv2d")
    dilation = as_pair(dilation, "dilation", "conv2d")
    pads, _ = conv_geometry("conv2d", x, w, strides, dilation, padding)
    args = (x, w) if b is None else (x, w, b)
    return W.conv2d(*args, strides=strides, dilation=dilation, pads=pads)


def conv1d(x, w, b=None, stride=1, padding="valid", dilation=1):
    """1-D convolution: x (N, L, Cin), w (k, Cin, Cout); padding 'valid', 'same' or 'causal'
    (stride and dilation may both exceed 1 only with 'causal')."""
    op = "conv1d"
    x, w = as_tensor(x), as_tensor(w)
    b = None if b is None else as_tensor(b)
    check_operands(op, x, w, 1, 1)
    check_bias(op, b, w.shape[2])
    s, d = as_single(stride, "stride", op), as_single(dilation, "dilation", op)
    padding = check_padding(padding, ("valid", "same", "causal"), op)
    if padding == "causal":
        check_positive((s,), "strides", op)
        check_positive((d,), "dilation", op)
    else:
        check_strides_dilation(op, (s,), (d,), x, w)
    shapes = f"input {x.shape}, kernel {w.shape}, strides ({s},)"
    (pad,), _ = resolve(x.shape[1:2], w.shape[:1], (s,), (d,), padding, op, shapes)
    n, length, c = x.shape
    args = (reshape(x, (n, 1, length, c)), reshape(w, (1,) + w.shape))
    y = W.conv2d(*args, *(() if b is None else (b,)), strides=(1, s), dilation=(1, d),
                 pads=((0, 0), pad))
    return reshape(y, (n,) + y.shape[2:])


def _transpose_pads(k, s, d, padding, output_padding):
    """Pads (before, after) of the forward conv whose input gradient is this transposed conv
    (negative: a crop), from the Keras/TensorFlow rule for the transposed output size."""
    span = (k - 1) * d + 1
    if padding == "valid":
        extra = max(span, s) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    else:
        total = s + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, span - 1)
        right = total - left
    return span - 1 - left, span - 1 - right


def conv2d_transpose(x, w, b=None, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed 2-D convolution: x (N, H, W, Cin), w (kh, kw, Cout, Cin) (Keras layout).

    Output size per axis: 'valid' (n-1)*s + max(k, s), 'same' n*s; with ``output_padding``
    (n-1)*s + k - 2*pad + output_padding (pad = k//2 for 'same', 0 for 'valid')."""
    op = "conv2d_transpose"
    x, w = as_tensor(x), as_tensor(w)
    b = None if b is None else as_tensor(b)
    check_operands(op, x, w, 2, 3)
    check_bias(op, b, w.shape[2])
    padding = check_padding(padding, ("valid", "same"), op)
    strides = as_pair(stride, "stride", op)
    dilation = as_pair(dilation, "dilation", op)
    check_strides_dilation(op, strides, dilation, x, w)
    extra = (None, None) if output_padding is None else \
        as_pair(output_padding, "output_padding", op)
    if output_padding is not None and any(not 0 <= p < s for p, s in zip(extra, strides)):
        raise ValueError(f"{op}: output_padding {output_padding} must be non-negative and smaller "
                         f"than the strides {strides}")
    pads, outs = [], []
    for n, k, s, d, p in zip(x.shape[1:3], w.shape[:2], strides, dilation, extra):
        before, after = _transpose_pads(k, s, d, padding, p)
        pads.append((before, after))
        outs.append((n - 1) * s + (k - 1) * d + 1 - before - after)
    x_shape = (x.shape[0], outs[0], outs[1], w.shape[2])
    y = W.conv2d_input_grad(x, w, x_shape=x_shape, strides=strides, dilation=dilation,
                            pads=tuple(pads))
    return y if b is None else y + b
