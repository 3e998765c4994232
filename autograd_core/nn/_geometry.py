"""Argument checking and output geometry shared by convolution and pooling (TensorFlow rules)."""
import math
import operator

from ..ops._coerce import as_tensor


def _as_int(value):
    """``value`` as an int when it is an integer scalar (int, numpy integer), else None."""
    try:
        return operator.index(value)
    except TypeError:
        return None


_COUNT = {2: "a pair", 3: "a triple"}


def as_tuple(value, n, name, op):
    """An int or a sequence of 1 or ``n`` ints as ``n`` ints (n = 1, 2 or 3)."""
    if n == 1:
        return (as_single(value, name, op),)
    what = f"an int or {_COUNT[n]} of ints"
    if _as_int(value) is not None:
        return (_as_int(value),) * n
    try:
        items = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be {what}, got {value!r}") from None
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise ValueError(f"{op}: {name} must be {what}, got {value!r}")
    return items


def as_pair(value, name, op):
    """An int or a length-2 sequence as a pair of ints."""
    return as_tuple(value, 2, name, op)


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


def check_operands(op, x, w, rank, in_axis, groups=1):
    """Ranks of input and kernel; the input's channels against kernel axis ``in_axis`` (times
    ``groups``: a grouped kernel holds the channels of one group)."""
    if x.ndim != rank + 2:
        raise ValueError(f"{op}: input must have rank {rank + 2} (batch, {rank} spatial, "
                         f"channels), got shape {x.shape}")
    if w.ndim != rank + 2:
        raise ValueError(f"{op}: kernel must have rank {rank + 2}, got shape {w.shape}")
    if groups != 1:
        check_groups(op, x, w, groups)
    if w.shape[in_axis] * groups != x.shape[-1]:
        grouped = "" if groups == 1 else f" with groups={groups}"
        raise ValueError(f"{op}: input has {x.shape[-1]} channels but the kernel "
                         f"{w.shape}{grouped} expects {w.shape[in_axis] * groups} (input shape "
                         f"{x.shape})")


def check_groups(op, x, w, groups):
    """``groups`` a positive int dividing the input channels and the kernel's filters."""
    if _as_int(groups) is None or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    for what, count in (("input channels", x.shape[-1]), ("filters", w.shape[-1])):
        if count % groups:
            raise ValueError(f"{op}: the number of {what} ({count}) must be divisible by "
                             f"groups={groups} (input {x.shape}, kernel {w.shape})")


def check_bias(op, b, channels):
    if b is not None and tuple(b.shape) != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {tuple(b.shape)}")


def conv_geometry(op, x, w, strides, dilation, padding, allowed=("valid", "same")):
    """Checked geometry of a channels-last convolution of rank ``len(strides)``: (pads, output
    sizes) per spatial axis. 'causal' (when allowed) takes strides and dilation together."""
    padding = check_padding(padding, allowed, op)
    if padding == "causal":
        check_positive(strides, "strides", op)
        check_positive(dilation, "dilation", op)
    else:
        check_strides_dilation(op, strides, dilation, x, w)
    rank = len(strides)
    shapes = f"input {x.shape}, kernel {w.shape}, strides {strides}"
    return resolve(x.shape[1:1 + rank], w.shape[:rank], strides, dilation, padding, op, shapes)


def operands(op, x, w, b, rank, in_axis, groups=1, bias_axes=(-1,)):
    """Tensors of a convolution's operands, checked (see ``check_operands``); the bias, when
    given, has as many entries as the kernel's ``bias_axes`` together."""
    x, w = as_tensor(x), as_tensor(w)
    b = None if b is None else as_tensor(b)
    check_operands(op, x, w, rank, in_axis, groups)
    check_bias(op, b, math.prod(w.shape[a] for a in bias_axes))
    return x, w, b
