"""Weights written by Keras 1 or by the Theano backend, converted to the Keras 2/3 arrangement.

* Keras 1 recurrent layers stored one kernel/recurrent kernel/bias per gate: LSTM 12 arrays
  (gates i, c, f, o), GRU 9 arrays (z, r, h); they are concatenated in the current gate order
  (LSTM i, f, c, o; GRU z, r, h).
* Keras 1 'th' convolution kernels were (filters, in, rows, cols) [Conv1D: (filters, in, length, 1)];
  current kernels are (rows, cols, in, filters).
* Theano computed true convolutions: its kernels are flipped in the spatial axes.
"""
import numpy as np

from .structure import class_name

_CONV = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Convolution1D", "Convolution2D",
         "Convolution3D", "Deconvolution2D")
_LSTM_ORDER = (0, 6, 3, 9)  # Keras 1 i, c, f, o -> i, f, c, o (index of each gate's kernel)


def _expected_shapes(layer):
    return [tuple(w.shape) for w in getattr(layer, "weights", [])]


def _merge_gates(arrays, starts):
    return [np.concatenate([arrays[s + k] for s in starts], axis=-1) for k in range(3)]


def _keras1(layer, cls, arrays):
    if cls == "LSTM" and len(arrays) == 12:
        return _merge_gates(arrays, _LSTM_ORDER)
    if cls == "GRU" and len(arrays) == 9:
        return _merge_gates(arrays, (0, 3, 6))
    if cls in ("Conv1D", "Convolution1D") and arrays and arrays[0].ndim == 4:
        kernel = arrays[0]
        if kernel.shape[1] != 1:  # (filters, in, length, 1) -> (length, 1, in, filters)
            kernel = np.transpose(kernel, (2, 3, 1, 0))
        arrays[0] = kernel[:, 0, :, :]
    return arrays


def _fit_kernel(kernel, expected):
    """``kernel`` transposed from a channels-first ordering when that is what makes it fit."""
    if expected is None or kernel.shape == expected or kernel.ndim != len(expected):
        return kernel
    n = kernel.ndim
    # (out, in, *spatial) -> (*spatial, in, out), and the Keras 2 fallback (out, in, *sp) read reversed
    for axes in (tuple(range(2, n)) + (1, 0), (n - 1, n - 2) + tuple(range(n - 2))):
        if tuple(kernel.shape[a] for a in axes) == expected:
            return np.transpose(kernel, axes)
    return kernel


def convert(layer, arrays, keras_version="", backend=""):
    """The arrays of ``layer`` as stored by ``keras_version``/``backend``, in today's arrangement."""
    cls = class_name(layer)
    if cls == "Bidirectional" and hasattr(layer, "forward_layer") and len(arrays) % 2 == 0:
        half = len(arrays) // 2
        return (convert(layer.forward_layer, arrays[:half], keras_version, backend)
                + convert(layer.backward_layer, arrays[half:], keras_version, backend))
    if cls == "TimeDistributed" and hasattr(layer, "layer"):
        return convert(layer.layer, arrays, keras_version, backend)
    if str(keras_version).startswith("1"):
        arrays = _keras1(layer, cls, arrays)
    if cls in _CONV and arrays and arrays[0].ndim >= 3:
        expected = _expected_shapes(layer)
        kernel = _fit_kernel(arrays[0], expected[0] if expected else None)
        if backend == "theano":  # (*spatial, in, out): flip the spatial axes
            kernel = kernel[tuple([slice(None, None, -1)] * (kernel.ndim - 2))]
        arrays[0] = kernel
    return arrays
