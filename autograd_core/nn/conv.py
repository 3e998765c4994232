"""Convolutions, channels-last with Keras kernel layouts.

``conv1d/2d/3d``: x (N, spatial..., Cin), w (k..., Cin/groups, Cout). ``conv1d/2d/3d_transpose``:
x (N, spatial..., Cin), w (k..., Cout, Cin). 'same' padding follows TensorFlow (the odd pixel goes
after); 'causal' (1-D) pads (k-1)*dilation on the left. A grouped convolution runs one convolution
per group of channels. 1-D ops are 2-D ones with a height of 1; 3-D ops sum, over the depth taps of
the kernel, one 2-D window GEMM on all (image, depth) slices at once.
"""
from ..ops import concatenate, pad, reshape
from ..primitives import windows as W
from ._geometry import (as_pair, as_single, as_tuple, check_padding, check_strides_dilation,
                        conv_geometry, operands)


def _grouped(x, w, b, groups, **geometry):
    """The 2-D correlation primitive, one call per group of channels when ``groups`` > 1."""
    if groups == 1:
        return W.conv2d(*((x, w) if b is None else (x, w, b)), **geometry)
    cin, cout = w.shape[2], w.shape[3] // groups
    y = concatenate([W.conv2d(x[..., g * cin:(g + 1) * cin], w[..., g * cout:(g + 1) * cout],
                              **geometry) for g in range(groups)], axis=-1)
    return y if b is None else y + b


def conv2d(x, w, b=None, stride=1, padding="valid", dilation=1, groups=1):
    """2-D convolution (cross-correlation, as Keras): x (N, H, W, Cin), w (kh, kw, Cin/groups,
    Cout), optional bias (Cout,); ``stride``/``dilation`` an int or a pair; padding 'valid' or
    'same'; ``groups`` splits input and output channels into that many independent groups."""
    x, w, b = operands("conv2d", x, w, b, 2, 2, groups)
    strides = as_pair(stride, "stride", "conv2d")
    dilation = as_pair(dilation, "dilation", "conv2d")
    pads, _ = conv_geometry("conv2d", x, w, strides, dilation, padding)
    return _grouped(x, w, b, groups, strides=strides, dilation=dilation, pads=pads)


def conv1d(x, w, b=None, stride=1, padding="valid", dilation=1, groups=1):
    """1-D convolution: x (N, L, Cin), w (k, Cin/groups, Cout); padding 'valid', 'same' or
    'causal' (stride and dilation may both exceed 1 only with 'causal')."""
    op = "conv1d"
    x, w, b = operands(op, x, w, b, 1, 1, groups)
    s, d = as_single(stride, "stride", op), as_single(dilation, "dilation", op)
    (pad_,), _ = conv_geometry(op, x, w, (s,), (d,), padding, ("valid", "same", "causal"))
    n, length, c = x.shape
    y = _grouped(reshape(x, (n, 1, length, c)), reshape(w, (1,) + w.shape), b, groups,
                 strides=(1, s), dilation=(1, d), pads=((0, 0), pad_))
    return reshape(y, (n,) + y.shape[2:])


def _depth_window(x, start, length):
    """Axis 1 of ``x`` from ``start`` for ``length`` entries; zeros where that leaves ``x``."""
    lo = max(start, 0)
    x = x[:, lo:max(lo, min(start + length, x.shape[1]))]
    before = min(max(-start, 0), length)
    after = length - before - x.shape[1]
    if before or after:
        x = pad(x, ((0, 0), (before, after)) + ((0, 0),) * (x.ndim - 2))
    return x


def conv3d(x, w, b=None, stride=1, padding="valid", dilation=1, groups=1):
    """3-D convolution: x (N, D, H, W, Cin), w (kd, kh, kw, Cin/groups, Cout), optional bias
    (Cout,); ``stride``/``dilation`` an int or a triple; padding 'valid' or 'same'."""
    op = "conv3d"
    x, w, b = operands(op, x, w, b, 3, 3, groups)
    strides = as_tuple(stride, 3, "stride", op)
    dilation = as_tuple(dilation, 3, "dilation", op)
    pads, outs = conv_geometry(op, x, w, strides, dilation, padding)
    (before, _), sd, dd, n, depth = pads[0], strides[0], dilation[0], x.shape[0], outs[0]
    y = None
    for a in range(w.shape[0]):
        # the input slices depth tap a reads, one per output depth, as a batch of images
        xs = _depth_window(x, a * dd - before, sd * (depth - 1) + 1)[:, ::sd]
        term = _grouped(reshape(xs, (n * depth,) + xs.shape[2:]), w[a], None, groups,
                        strides=strides[1:], dilation=dilation[1:], pads=pads[1:])
        y = term if y is None else y + term
    y = reshape(y, (n, depth) + y.shape[1:])
    return y if b is None else y + b


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


def _transpose_geometry(op, x, w, b, rank, stride, padding, output_padding, dilation):
    """Checked operands and geometry of a transposed convolution: (x, w, b, strides, dilation,
    pads, output sizes) with ``pads`` those of the forward convolution it is the adjoint of."""
    x, w, b = operands(op, x, w, b, rank, rank + 1, bias_axes=(rank,))
    padding = check_padding(padding, ("valid", "same"), op)
    strides = as_tuple(stride, rank, "stride", op)
    dilation = as_tuple(dilation, rank, "dilation", op)
    check_strides_dilation(op, strides, dilation, x, w)
    extra = (None,) * rank if output_padding is None else \
        as_tuple(output_padding, rank, "output_padding", op)
    if output_padding is not None and any(not 0 <= p < s for p, s in zip(extra, strides)):
        raise ValueError(f"{op}: output_padding {output_padding} must be non-negative and smaller "
                         f"than the strides {strides}")
    pads, outs = [], []
    for n, k, s, d, p in zip(x.shape[1:-1], w.shape[:rank], strides, dilation, extra):
        before, after = _transpose_pads(k, s, d, padding, p)
        pads.append((before, after))
        outs.append((n - 1) * s + (k - 1) * d + 1 - before - after)
    return x, w, b, strides, dilation, tuple(pads), tuple(outs)


def _input_grad(x, w, outs, strides, dilation, pads):
    """The 2-D transposed convolution of (N, H, W, Cin) by (kh, kw, Cout, Cin) to ``outs``."""
    return W.conv2d_input_grad(x, w, x_shape=(x.shape[0],) + tuple(outs) + (w.shape[2],),
                               strides=tuple(strides), dilation=tuple(dilation), pads=pads)


def conv2d_transpose(x, w, b=None, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed 2-D convolution: x (N, H, W, Cin), w (kh, kw, Cout, Cin) (Keras layout).

    Output size per axis: 'valid' (n-1)*s + max(k, s), 'same' n*s; with ``output_padding``
    (n-1)*s + k - 2*pad + output_padding (pad = k//2 for 'same', 0 for 'valid')."""
    x, w, b, strides, dilation, pads, outs = _transpose_geometry(
        "conv2d_transpose", x, w, b, 2, stride, padding, output_padding, dilation)
    y = _input_grad(x, w, outs, strides, dilation, pads)
    return y if b is None else y + b


def conv1d_transpose(x, w, b=None, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed 1-D convolution: x (N, L, Cin), w (k, Cout, Cin); output sizes as
    ``conv2d_transpose``."""
    x, w, b, s, d, pads, outs = _transpose_geometry(
        "conv1d_transpose", x, w, b, 1, stride, padding, output_padding, dilation)
    n, length, c = x.shape
    y = _input_grad(reshape(x, (n, 1, length, c)), reshape(w, (1,) + w.shape), (1,) + outs,
                    (1,) + s, (1,) + d, ((0, 0),) + pads)
    y = reshape(y, (n,) + y.shape[2:])
    return y if b is None else y + b


def conv3d_transpose(x, w, b=None, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed 3-D convolution: x (N, D, H, W, Cin), w (kd, kh, kw, Cout, Cin); sizes per axis
    as ``conv2d_transpose``. Depth tap a sends input depth i to output depth i*s + a*d - pad."""
    x, w, b, strides, dilation, pads, outs = _transpose_geometry(
        "conv3d_transpose", x, w, b, 3, stride, padding, output_padding, dilation)
    n, depth = x.shape[0], x.shape[1]
    (before, _), sd = pads[0], strides[0]
    planes = reshape(x, (n * depth,) + x.shape[2:])
    y = None
    for a in range(w.shape[0]):
        z = _input_grad(planes, w[a], outs[1:], strides[1:], dilation[1:], pads[1:])
        z = reshape(z, (n, depth, 1) + z.shape[1:])
        if sd > 1:  # input depth i lands on i*s: s-1 zero planes after each
            z = pad(z, ((0, 0), (0, 0), (0, sd - 1)) + ((0, 0),) * 3)
        z = reshape(z, (n, depth * sd) + z.shape[3:])
        term = _depth_window(z, before - a * dilation[0], outs[0])
        y = term if y is None else y + term
    return y if b is None else y + b
