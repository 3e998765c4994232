"""Argument checking and output geometry shared by convolution and pooling (TensorFlow rules)."""


def as_pair(value, name, op):
    """An int or a length-2 sequence as a pair of ints."""
    if isinstance(value, int):
        return (value, value)
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
    if isinstance(value, int):
        return value
    try:
        items = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {value!r}") from None
    if len(items) != 1:
        raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return items[0]


def check_positive(values, name, op):
    if any(v <= 0 for v in values):
        raise ValueError(f"{op}: {name} must be positive, got {values}")


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
            raise ValueError(
                f"{op}: the window ({tuple(kernel)}, dilation {tuple(dilation)}) is larger than the "
                f"padded input ({shapes}, padding={padding!r})")
        pads.append((before, after))
        outs.append(out)
    return tuple(pads), tuple(outs)
