"""``keras.ops`` math functions: special functions, top-k, segment reductions, framing and
Fourier transforms. Everything differentiable is computed with ``autograd_core`` ops; the
transforms are matrix products with DFT matrices (exact gradients, O(n^2) per axis). Complex
values travel as (real, imag) pairs, as in Keras."""
import math as _math

import numpy as np

import autograd_core as ag
from autograd_core import linalg as L

from ._dispatch import keras_op
from .core import to_real

__all__ = ["erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k",
           "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min",
           "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex", "view_as_real"]


_float = to_real  # integers and bools become float32 (Keras' result for these functions)


# -- special functions -----------------------------------------------------------------------------
@keras_op
def erf(x):
    return ag.erf(_float(x))


_SQRT_PI_2 = _math.sqrt(_math.pi) / 2


class _Erfc(ag.Function):
    """erfc: 1 - erf(x) below 1.5, beyond it a continued fraction (so the small values keep
    their relative precision); the derivative -2/sqrt(pi) exp(-x^2) is differentiable again."""

    @staticmethod
    def forward(ctx, x):
        z = ag.maximum(x, 1.5)
        frac = z
        for k in range(40, 0, -1):  # erfc(z) = exp(-z^2) / (sqrt(pi) (z + 1/2 / (z + 1 / (z + ...
            frac = z + (k / 2) / frac
        tail = ag.exp(-z * z) / (2 * _SQRT_PI_2 * frac)
        ctx.save_for_backward(x)
        return ag.where(x >= 1.5, tail, 1.0 - ag.erf(x))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * (-1.0 / _SQRT_PI_2) * ag.exp(-x * x)


@keras_op
def erfc(x):
    """1 - erf(x), accurate in relative terms for large x too."""
    return _Erfc.apply(_float(x))


class _Erfinv(ag.Function):
    """erfinv: a starting guess refined by Newton steps on erf (in float64); the derivative
    sqrt(pi)/2 exp(y^2) uses the result, so it is differentiable again."""

    @staticmethod
    def forward(ctx, x):
        x64 = x.astype("float64")
        w = -ag.log((1.0 - x64) * (1.0 + x64))
        y = x64 * ag.where(w < 5.0, _poly(w - 2.5, _CENTRAL), _poly(ag.sqrt(w) - 3.0, _TAIL))
        for _ in range(3):
            step = (ag.erf(y) - x64) * _SQRT_PI_2 * ag.exp(y * y)
            y = y - ag.where(ag.isfinite(step), step, 0.0)
        y = ag.where(ag.abs(x64) == 1.0, x64 * float("inf"), y)
        out = y.astype(x.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * _SQRT_PI_2 * ag.exp(y * y)


# Giles' single-precision approximation of erfinv (a starting point for Newton's method)
_CENTRAL = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
_TAIL = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]


def _poly(w, coeffs):
    p = coeffs[0]
    for c in coeffs[1:]:
        p = p * w + c
    return p


@keras_op
def erfinv(x):
    """The inverse of erf on (-1, 1) (+-inf at +-1, nan outside)."""
    return _Erfinv.apply(_float(x))


@keras_op
def rsqrt(x):
    return 1.0 / ag.sqrt(_float(x))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    return ag.logsumexp(_float(x), axis=axis, keepdims=keepdims)


@keras_op
def logdet(x):
    """log(det x): nan where the determinant is negative, as in Keras."""
    x = _float(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"keras.ops.logdet: expected square matrices (..., n, n), got shape "
                         f"{x.shape}")
    sign, logabs = L.slogdet(x)
    return ag.where(sign > 0, logabs, ag.where(sign == 0, -float("inf"), float("nan")))


# -- top-k -----------------------------------------------------------------------------------------
def _top_indices(x, k, name):
    size = x.shape[-1] if x.ndim else 0
    if not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
        raise ValueError(f"keras.ops.{name}: k must be an int in [0, {size}] (the size of the last "
                         f"axis of shape {x.shape}), got k={k!r}")
    order = np.argsort(-x.numpy(), axis=-1, kind="stable")[..., :k]
    return ag.tensor(order, device=x.device)


def _take_last(x, idx):
    """x[..., idx] row by row (idx of shape x.shape[:-1] + (k,))."""
    lead = [ag.tensor(np.arange(n).reshape((-1,) + (1,) * (x.ndim - 1 - a)), device=x.device)
            for a, n in enumerate(x.shape[:-1])]
    return x[tuple(lead) + (idx,)]


@keras_op
def top_k(x, k, sorted=True):
    """The k largest entries along the last axis (largest first) and their int64 indices."""
    x = ag.as_tensor(x)
    idx = _top_indices(x, k, "top_k")
    return _take_last(x, idx), idx


@keras_op
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the k largest of its row (ties count)."""
    targets, predictions = ag.as_tensor(targets), ag.as_tensor(predictions)
    if targets.ndim != 1 or predictions.ndim != 2 or targets.shape[0] != predictions.shape[0]:
        raise ValueError(f"keras.ops.in_top_k: expected targets (batch,) and predictions "
                         f"(batch, classes), got shapes {targets.shape} and {predictions.shape}")
    if k <= 0:
        return ag.zeros(targets.shape[0], dtype="bool", device=predictions.device)
    kth = ag.min(_take_last(predictions, _top_indices(predictions, k, "in_top_k")), axis=-1)
    rows = ag.arange(targets.shape[0], device=predictions.device)
    return predictions[rows, targets.astype("int64")] >= kth


# -- segment reductions ----------------------------------------------------------------------------
def _segments(data, segment_ids, num_segments, name):
    """data, the int ids (ids outside [0, num_segments) are dropped) and num_segments."""
    data, ids = ag.as_tensor(data), ag.as_tensor(segment_ids)
    if ids.ndim != 1 or data.ndim < 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(f"keras.ops.{name}: segment_ids must be 1-D with one id per row of "
                         f"data, got segment_ids of shape {ids.shape} and data of shape "
                         f"{data.shape}")
    if ids.dtype.kind not in "iu":
        raise TypeError(f"keras.ops.{name}: segment_ids must be integers, got {ids.dtype}")
    if num_segments is None:
        num_segments = int(ag.max(ids).item()) + 1 if ids.shape[0] else 0
    return data, ids, int(num_segments)


def _segment_masked(data, ids, num_segments, fill, reduce):
    """``reduce`` over the rows of each segment: all rows for every segment, with the rows of
    other segments replaced by ``fill`` (a (segments, rows, ...) temporary)."""
    seg = ag.arange(num_segments, device=data.device)
    mask = ag.reshape(ag.expand_dims(ids, 0) == ag.expand_dims(seg, 1),
                      (num_segments, data.shape[0]) + (1,) * (data.ndim - 1))
    return reduce(ag.where(mask, ag.expand_dims(data, 0), fill), axis=1)


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of data with equal segment ids: shape (num_segments,) + data.shape[1:]."""
    data, ids, n = _segments(data, segment_ids, num_segments, "segment_sum")
    kept = ((ids >= 0) & (ids < n)).numpy()
    return ag.index_add(data[kept] if not kept.all() else data, shape=(n,) + data.shape[1:],
                        key=(ids.numpy()[kept],))


def _segment_reduction(name, fill, reduce):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data, ids, n = _segments(data, segment_ids, num_segments, name)
        return _segment_masked(data, ids, n, fill, reduce).astype(data.dtype)
    op.__name__ = op.__qualname__ = name
    return keras_op(op)


segment_max = _segment_reduction("segment_max", -float("inf"), ag.max)
segment_max.__doc__ = "Maxima per segment (-inf for an empty segment)."
segment_min = _segment_reduction("segment_min", float("inf"), ag.min)
segment_min.__doc__ = "Minima per segment (inf for an empty segment)."
segment_prod = _segment_reduction("segment_prod", 1.0, ag.prod)
segment_prod.__doc__ = "Products per segment (1 for an empty segment)."


# -- framing ---------------------------------------------------------------------------------------
def _frame_index(n, length, stride, name):
    if length <= 0 or stride <= 0 or length > n:
        raise ValueError(f"keras.ops.{name}: need 0 < sequence_length <= {n} (the last axis) and "
                         f"sequence_stride > 0, got sequence_length={length}, "
                         f"sequence_stride={stride}")
    starts = np.arange(0, n - length + 1, stride)
    return starts[:, None] + np.arange(length)[None, :]


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` along the last axis, every ``sequence_stride`` samples:
    shape (..., num_frames, sequence_length)."""
    x = ag.as_tensor(x)
    return x[..., _frame_index(x.shape[-1], sequence_length, sequence_stride,
                               "extract_sequences")]


# -- Fourier transforms ----------------------------------------------------------------------------
def _pair(x, name, min_rank=1):
    """(real, imag) float tensors of one shape, or an error naming the op."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"keras.ops.{name}: x must be a (real, imag) pair of tensors, "
                         f"got {type(x).__name__}")
    re, im = ag.as_tensor(x[0]), ag.as_tensor(x[1])
    if re.shape != im.shape or re.dtype.kind != "f" or im.dtype.kind != "f" or re.ndim < min_rank:
        raise ValueError(f"keras.ops.{name}: real and imaginary parts must be float tensors of "
                         f"one shape with at least {min_rank} axes, got {re.shape} {re.dtype} "
                         f"and {im.shape} {im.dtype}")
    return re, im.astype(re.dtype)


def _cos_sin(rows, cols, n, x, scale=1.0):
    angle = 2 * np.pi * np.outer(np.arange(rows), np.arange(cols)) / n
    mats = (np.cos(angle) * scale, np.sin(angle) * scale)
    return tuple(ag.tensor(m.astype(x.dtype), device=x.device) for m in mats)


def _dft_last(re, im, inverse=False):
    """The (inverse) DFT of re + i im along the last axis."""
    n = re.shape[-1]
    c, s = _cos_sin(n, n, n, re, 1.0 / n if inverse else 1.0)
    if inverse:  # exp(+i): (re + i im)(c + i s)
        return re @ c - im @ s, re @ s + im @ c
    return re @ c + im @ s, im @ c - re @ s


def _dft_last_two(re, im, inverse):
    re, im = _dft_last(re, im, inverse)
    re, im = _dft_last(ag.swapaxes(re, -1, -2), ag.swapaxes(im, -1, -2), inverse)
    return ag.swapaxes(re, -1, -2), ag.swapaxes(im, -1, -2)


@keras_op
def fft(x):
    """The DFT of (real, imag) along the last axis."""
    return _dft_last(*_pair(x, "fft"))


@keras_op
def fft2(x):
    """The 2-D DFT of (real, imag) over the last two axes."""
    return _dft_last_two(*_pair(x, "fft2", 2), inverse=False)


@keras_op
def ifft2(x):
    """The inverse 2-D DFT of (real, imag) over the last two axes."""
    return _dft_last_two(*_pair(x, "ifft2", 2), inverse=True)


def _fit_last(x, n):
    """x cut or zero-padded to n entries along the last axis."""
    if x.shape[-1] >= n:
        return x[..., :n]
    return ag.pad(x, ((0, 0),) * (x.ndim - 1) + ((0, n - x.shape[-1]),))


@keras_op
def rfft(x, fft_length=None):
    """The DFT of a real signal along the last axis: its fft_length // 2 + 1 non-negative
    frequencies (the signal cut or zero-padded to fft_length first)."""
    x = _float(x)
    if x.ndim < 1:
        raise ValueError(f"keras.ops.rfft: x must have at least one axis, got shape {x.shape}")
    n = x.shape[-1] if fft_length is None else int(fft_length)
    x = _fit_last(x, n)
    c, s = _cos_sin(n, n // 2 + 1, n, x)
    return x @ c, -(x @ s)


@keras_op
def irfft(x, fft_length=None):
    """The real signal of length fft_length (default 2 (bins - 1)) whose rfft is (real, imag)."""
    re, im = _pair(x, "irfft")
    n = 2 * (re.shape[-1] - 1) if fft_length is None else int(fft_length)
    bins = n // 2 + 1
    re, im = _fit_last(re, bins), _fit_last(im, bins)
    weight = np.full(bins, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0  # the Nyquist bin appears once
    c, s = _cos_sin(bins, n, n, re, 1.0 / n)
    w = ag.tensor(weight.astype(re.dtype)[:, None], device=re.device)
    return re @ (c * w) - im @ (s * w)


def _window(window, sequence_length, fft_length, name):
    """The window (ones when None) zero-padded in the middle of fft_length samples (numpy)."""
    if window is None:
        w = np.ones(sequence_length)
    elif isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"keras.ops.{name}: window must be 'hann', 'hamming', None or a "
                             f"tensor, got {window!r}")
        a = 0.5 if window == "hann" else 0.54
        w = a - (1 - a) * np.cos(2 * np.pi * np.arange(sequence_length) / sequence_length)
    else:
        w = ag.as_tensor(window).numpy()
        if w.shape != (sequence_length,):
            raise ValueError(f"keras.ops.{name}: window must have shape ({sequence_length},), "
                             f"got {w.shape}")
    left = (fft_length - sequence_length) // 2
    return np.pad(w, (left, fft_length - sequence_length - left))


def _check_stft_args(sequence_length, sequence_stride, fft_length, name):
    if not isinstance(sequence_stride, int) or sequence_stride <= 0:
        raise ValueError(f"keras.ops.{name}: sequence_stride must be a positive int, got "
                         f"{sequence_stride!r}")
    if fft_length < sequence_length:
        raise ValueError(f"keras.ops.{name}: fft_length must be >= sequence_length, got "
                         f"fft_length={fft_length}, sequence_length={sequence_length}")


@keras_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis: (real, imag) of shape
    (..., frames, fft_length // 2 + 1). ``center`` reflect-pads fft_length // 2 on both sides."""
    _check_stft_args(sequence_length, sequence_stride, fft_length, "stft")
    x = ag.as_tensor(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError(f"keras.ops.stft: x must be float32 or float64, got {x.dtype}")
    win = ag.tensor(_window(window, sequence_length, fft_length, "stft").astype(x.dtype),
                    device=x.device)
    if center:
        half = fft_length // 2
        n = x.shape[-1]
        if half >= n:
            raise ValueError(f"keras.ops.stft: center=True needs more than fft_length // 2 = "
                             f"{half} samples, got {n}")
        reflect = np.concatenate([np.arange(half, 0, -1), np.arange(n),
                                  np.arange(n - 2, n - 2 - half, -1)])
        x = x[..., reflect]
    frames = extract_sequences(x, fft_length, sequence_stride) * win
    return rfft(frames, fft_length)


def _overlap_add(frames, stride):
    """Sum frames (..., count, length) placed every ``stride`` samples."""
    count, length = frames.shape[-2:]
    total = stride * (count - 1) + length
    lead = frames.shape[:-2]
    flat = ag.reshape(frames, (-1, count * length))
    positions = _frame_index(total, length, stride, "istft")[:count].reshape(-1)
    out = ag.index_add(ag.swapaxes(flat, 0, 1), shape=(total, flat.shape[0]), key=(positions,))
    return ag.reshape(ag.swapaxes(out, 0, 1), lead + (total,))


@keras_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The signal whose stft is (real, imag): inverse transforms of the frames, windowed and
    overlap-added, divided by the overlapping squared window."""
    _check_stft_args(sequence_length, sequence_stride, fft_length, "istft")
    re, im = _pair(x, "istft", 2)
    frames = irfft((re, im), fft_length)
    if window is None:
        return _trim(_overlap_add(frames, sequence_stride), fft_length, length, center)
    win = _window(window, sequence_length, fft_length, "istft")
    sq = win * win
    if sequence_length == fft_length and center:  # divide by the overlapping squared windows
        envelope = _overlap_add(ag.tensor(np.broadcast_to(sq, frames.shape[-2:]).copy()),
                                sequence_stride).numpy()
        signal = _overlap_add(frames * _const(win, re), sequence_stride)
        return _trim(signal / _const(np.where(envelope > 1e-11, envelope, 1.0), re), fft_length,
                     length, center)
    phases = np.zeros(sequence_stride)  # the squared window summed per position mod stride
    np.add.at(phases, np.arange(fft_length) % sequence_stride, sq)
    frames = frames * _const(win / phases[np.arange(fft_length) % sequence_stride], re)
    return _trim(_overlap_add(frames, sequence_stride), fft_length, length, center)


def _const(a, like):
    return ag.tensor(np.asarray(a).astype(like.dtype), device=like.device)


def _trim(signal, fft_length, length, center):
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else \
        signal.shape[-1] - (fft_length // 2 if center else 0)
    return signal[..., start:end]


# -- complex views (no gradient: the engine differentiates real tensors) ---------------------------
@keras_op
def view_as_complex(x):
    """(..., 2) real and imaginary parts -> a complex64 tensor (...)."""
    x = ag.as_tensor(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(f"keras.ops.view_as_complex: the last axis must have size 2 (real, "
                         f"imag), got shape {x.shape}")
    data = x.numpy()
    return ag.tensor((data[..., 0] + 1j * data[..., 1]).astype(np.complex64), device=x.device)


@keras_op
def view_as_real(x):
    """A complex tensor (...) -> its real and imaginary parts (..., 2)."""
    data = ag.as_tensor(x).numpy()
    parts = np.stack([data.real, data.imag], axis=-1)
    return ag.tensor(parts.astype(np.float32 if data.dtype != np.complex128 else np.float64),
                     device=ag.as_tensor(x).device)
