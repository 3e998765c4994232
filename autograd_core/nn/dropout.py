"""Inverted dropout: at training time zero each element with probability ``rate`` and scale the
survivors by 1 / (1 - rate); identity otherwise."""
import numpy as np

from ..ops import rand
from ..ops._coerce import as_tensor
from ..tensor import Tensor


def _mask_shape(x, noise_shape):
    if noise_shape is None:
        return tuple(x.shape)
    shape = tuple(x.shape[i] if n is None else int(n) for i, n in enumerate(noise_shape))
    if len(shape) != x.ndim or any(n not in (1, m) for n, m in zip(shape, x.shape)):
        raise ValueError(f"dropout: noise_shape {tuple(noise_shape)} must broadcast to the input "
                         f"shape {tuple(x.shape)} (each entry the input's size, 1 or None)")
    return shape


def dropout(x, rate, training=False, seed=None, noise_shape=None, generator=None):
    """Inverted dropout.

    The mask comes from ``generator`` (a ``numpy.random.Generator``: successive calls draw new
    masks, reproducibly), else from a fresh generator seeded with ``seed`` (the same mask on every
    call), else from the global generator (``autograd_core.manual_seed``). ``noise_shape`` entries
    of 1 share the mask along that axis; None takes the input's size.
    """
    x = as_tensor(x)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    if not training or rate == 0:
        return x
    shape = _mask_shape(x, noise_shape)
    rng = generator if generator is not None else (
        np.random.default_rng(seed) if seed is not None else None)
    keep = rand(*shape, generator=rng).numpy() >= rate
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - rate))
    return x * Tensor(mask, device=x.device)
