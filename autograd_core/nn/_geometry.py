"""Argument checking and output geometry shared by convolution and pooling (TensorFlow rules)."""
import operator


def _as_int(value):
    """``value`` as an int when it is an integer scalar (int, numpy integer), else None."""
    try:
        return operator.index(value)
    except TypeError:
        return None


def as_pair(value, name, op):
    """An int or a length-2 sequence as a pair of ints."""
    if _as_int(value) is not None:
        return (_as_int(value), _as_int(value))
    try:
        pair = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}") from None
    if len(pair) == 1:
        return (pair[0], pair[0])
    if len(pair) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return pair


def as_single(value, name, op):
    """An int or a length-1 sequence as an int (1-D ops)."""
    if _as_int(value) is not None:
        return _as_int(value)
    try:
        items = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {value!r}") from None
    if len(items) != 1:
        raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return items[0]


def check_positive(values, name, op, x=None):
    if any(v <= 0 for v in values):
        where = "" if x is None else f" (input {tuple(x.shape)})"
        raise ValueError(f"{op}: {name} must be positive, got {values}{where}")


def check_strides_dilation(op, strides, dilation, x, w):
    """Both positive, and not both above 1 (as TensorFlow)."""
    check_positive(strides, "strides", op, x)
    check_positive(dilation, "dilation", op, x)
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(f"{op}: dilation {dilation} together with strides {strides} > 1 is not "
                         f"supported (input {x.shape}, kernel {w.shape})")


def check_padding(padding, allowed, op):
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(f"{op}: padding must be one of {allowed}, got {padding!r}")
    return padding.lower()


def axis_pads(n, k, s, d, padding):
    """(before, after, output length) along one axis for 'valid', 'same' or 'causal'."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return 0, 0, (n - span) // s + 1 if n >= span else 0
    if padding == "causal":
        return span - 1, 0, (n + span - 1 - span) // s + 1
    out = -(-n // s)
    total = max((out - 1) * s + span - n, 0)
    return total // 2, total - total // 2, out


def resolve(spatial, kernel, strides, dilation, padding, op, shapes):
    """Per-axis pads for a window op; raises when a window does not fit the padded input."""
    pads, outs = [], []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        before, after, out = axis_pads(n, k, s, d, padding)
        if n + before + after < (k - 1) * d + 1:
            dilated = f" with dilation {tuple(dilation)}" if max(dilation) > 1 else ""
            raise ValueError(f"{op}: the window {tuple(kernel)}{dilated} is larger than the padded "
                             f"input ({shapes}, padding={padding!r})")
        pads.append((before, after))
        outs.append(out)
    return tuple(pads), tuple(outs)


def check_operands(op, x, w, rank, in_axis):
    """Ranks of input and kernel; the input's channels against kernel axis ``in_axis``."""
    if x.ndim != rank + 2:
        raise ValueError(f"{op}: input must have rank {rank + 2} (batch, {rank} spatial, channels), "
                         f"got shape {x.shape}")
    if w.ndim != rank + 2:
        raise ValueError(f"{op}: kernel must have rank {rank + 2}, got shape {w.shape}")
    if w.shape[in_axis] != x.shape[-1]:
        raise ValueError(f"{op}: input has {x.shape[-1]} channels but the kernel {w.shape} expects "
                         f"{w.shape[in_axis]} (input shape {x.shape})")


def check_bias(op, b, channels):
    if b is not None and tuple(b.shape) != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {tuple(b.shape)}")


def conv_geometry(op, x, w, strides, dilation, padding):
    """Checked geometry of a channels-last 2-D convolution, padding 'valid' or 'same': (pads, output
    sizes) per spatial axis."""
    padding = check_padding(padding, ("valid", "same"), op)
    check_strides_dilation(op, strides, dilation, x, w)
    shapes = f"input {x.shape}, kernel {w.shape}, strides {strides}"
    return resolve(x.shape[1:3], w.shape[:2], strides, dilation, padding, op, shapes)
