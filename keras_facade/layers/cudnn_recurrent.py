"""CuDNNLSTM and CuDNNGRU (Keras 2, removed in Keras 3), run here as ordinary layers on the
LSTM/GRU machinery (the LSTM through the fused sequence primitive), on any device.

Weights as Keras 2 stored them for cuDNN: kernel (in, g*u), recurrent_kernel (u, g*u) and a bias
of two halves, input then recurrent (LSTM (8u,), GRU (6u,)); gates (i, f, c, o) and (z, r, h).
Each gate's block is in cuDNN's layout, so the layers read them through the standard layout
Keras 2's weight converter used: an input block (in, u) holds the (u, in) matrix row by row, a
recurrent block is the transpose of the standard one. The LSTM adds the two bias halves; the GRU
is the reset-after GRU, its recurrent half inside the reset gate. ``unit_forget_bias`` starts
the forget slice of the recurrent half at 1 (bias[5u:6u], as Keras 2). No masking, no dropout.
"""
import contextlib
import types

import numpy as np

import autograd_core as ag

from .. import backend
from .base import Layer
from .recurrent import GRUCell, LSTMCell, _CellLayer


def standard_layout(kernel, recurrent_kernel, gates):
    """The (kernel, recurrent kernel) of the standard LSTM/GRU from cuDNN-layout ones."""
    n_in, u = kernel.shape[0], recurrent_kernel.shape[0]
    blocks = ag.reshape(ag.transpose(ag.reshape(kernel, (n_in, gates, u)), (1, 0, 2)),
                        (gates, u, n_in))
    std_kernel = ag.reshape(ag.transpose(blocks, (2, 0, 1)), (n_in, gates * u))
    std_recurrent = ag.reshape(ag.transpose(ag.reshape(recurrent_kernel, (u, gates, u)),
                                            (2, 1, 0)), (u, gates * u))
    return std_kernel, std_recurrent


class _CuDNNCell:
    """Mixin before LSTMCell/GRUCell: a two-half bias and the weights read in cuDNN's layout."""
    _standard = None

    def _bias_shape(self):
        return (2 * self.gates * self.units,)

    @contextlib.contextmanager
    def standard_weights(self):
        """Within: the standard-layout weights computed once (for the steps of one call)."""
        self._standard = standard_layout(self.kernel, self.recurrent_kernel, self.gates)
        try:
            yield self._standard
        finally:
            self._standard = None

    def _weights(self):
        return self._standard or standard_layout(self.kernel, self.recurrent_kernel, self.gates)

    def _half(self, index):
        n = self.gates * self.units
        return self.bias[index * n:(index + 1) * n]

    def project(self, x):
        return ag.matmul(x, self._weights()[0]) + self._input_bias()


class CuDNNLSTMCell(_CuDNNCell, LSTMCell):
    """An LSTM cell whose bias is the sum of the cuDNN input and recurrent halves."""

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        recurrent_half = super()._bias_initializer()  # the LSTM's: forget slice at 1

        def forget_bias_one(shape, dtype=None):
            n = 4 * self.units
            parts = [np.asarray(self.bias_initializer((n,), dtype=dtype)),
                     recurrent_half((n,), dtype=dtype)]
            return np.concatenate(parts).astype(dtype or backend.floatx())
        return forget_bias_one

    def _input_bias(self):
        return self._half(0) + self._half(1)

    def step(self, zx, states, recurrent_mask=None):
        h, c = ag.nn.lstm_step(zx, states[0], states[1], self._weights()[1])
        return h, [h, c]


class CuDNNGRUCell(_CuDNNCell, GRUCell):
    """A reset-after GRU cell with cuDNN's input and recurrent bias halves."""

    def __init__(self, units, **kwargs):
        super().__init__(units, reset_after=True, **kwargs)

    def _input_bias(self):
        return self._half(0)

    def step(self, zx, states, recurrent_mask=None):
        h = ag.nn.gru_step(zx, states[0], self._weights()[1], recurrent_bias=self._half(1))
        return h, [h]


# Keras 2's config keys after the base layer's (GRU: no unit_forget_bias)
_CONFIG = ("return_sequences", "return_state", "go_backwards", "stateful", "units",
           "kernel_initializer", "recurrent_initializer", "bias_initializer", "unit_forget_bias",
           "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
           "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint")


class _CuDNNRNN(_CellLayer):
    """Shared body: built from the constructor's ``locals()``; no masks (a mask raises, as in
    Keras 2); Keras 2's config keys."""

    def __init__(self, local, **kwargs):
        rnn_args = {k: local[k] for k in _CONFIG[:4]}
        cell_args = {k: local[k] for k in _CONFIG[4:] if k in local and k != "activity_regularizer"}
        super().__init__(cell_args, rnn_args, local["activity_regularizer"], **kwargs)
        self.supports_masking = False

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if any(m is not None for m in (mask if isinstance(mask, (list, tuple)) else [mask])):
            raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}): masking is not "
                             f"supported for CuDNN RNNs (use LSTM/GRU for masked inputs)")
        with self.cell.standard_weights():
            return super().call(inputs, training=training, initial_state=initial_state)

    def get_config(self):
        full = super().get_config()
        return dict(Layer.get_config(self), **{k: full[k] for k in _CONFIG if k in full})


class CuDNNLSTM(_CuDNNRNN):
    """LSTM with Keras 2's cuDNN weights: kernel (in, 4u), recurrent_kernel (u, 4u), bias (8u,)."""
    cell_class = CuDNNLSTMCell

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, stateful=False, go_backwards=False, **kwargs):
        super().__init__(locals(), **kwargs)

    def _lstm_sequence(self, cell, x, states):
        # the fused LSTM primitive reads the recurrent kernel in the standard layout
        view = types.SimpleNamespace(project=cell.project, activation=cell.activation,
                                     recurrent_activation=cell.recurrent_activation,
                                     recurrent_kernel=cell._weights()[1])
        return super()._lstm_sequence(view, x, states)


class CuDNNGRU(_CuDNNRNN):
    """Reset-after GRU with Keras 2's cuDNN weights: kernel (in, 3u), recurrent_kernel (u, 3u),
    bias (6u,)."""
    cell_class = CuDNNGRUCell

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False, stateful=False,
                 go_backwards=False, **kwargs):
        super().__init__(locals(), **kwargs)

