"""Geometry helpers of the convolution and pooling layers (Keras 2's ``conv_utils``)."""
import autograd_core as ag


def normalize_tuple(value, n, name, layer="layer"):
    if isinstance(value, int):
        return (value,) * n
    try:
        values = tuple(int(v) for v in value)
    except TypeError:
        raise ValueError(f"{layer}: `{name}` must be an int or a tuple of {n} ints, got "
                         f"{value!r}") from None
    if len(values) != n:
        raise ValueError(f"{layer}: `{name}` must be an int or a tuple of {n} ints, got {value!r}")
    return values


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Keras' output length of a convolution or pooling window along one axis (None stays None)."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    out = length if padding in ("same", "causal") else length - span + 1
    return max((out + stride - 1) // stride, 0)


def deconv_output_length(length, kernel, padding, output_padding, stride, dilation=1):
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if output_padding is None:
        return length * stride + max(span - stride, 0) if padding == "valid" else length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def to_channels_last(x, data_format):
    if data_format == "channels_first":
        return ag.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))
    return x


def to_channels_first(x, data_format):
    if data_format == "channels_first":
        return ag.transpose(x, (0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))
    return x
