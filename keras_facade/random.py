"""``keras.random``: random tensors (Keras 3).

``seed`` is an int (the same numbers on every call), a ``SeedGenerator`` (new numbers on every call,
the same sequence for the same starting seed) or None (the global generator that
``keras.utils.set_random_seed`` seeds). The numbers are drawn with numpy and handed to the engine as
constants: sampling has no gradient (``dropout`` and ``shuffle`` pass gradients to their input).
"""
import numpy as np

import autograd_core as ag

from . import backend
from .layers.base import unique_name
from .ops import take

__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "dropout",
           "shuffle", "categorical", "gamma", "beta", "binomial"]


class SeedGenerator:
    """A reproducible stream of random numbers: ``SeedGenerator(seed=None, name=None)``."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise TypeError(f"SeedGenerator: seed must be an int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self.name = name or unique_name("seed_generator")
        start = self.seed if self.seed is not None else int(backend.rng().integers(2 ** 31))
        self.generator = np.random.default_rng(start)

    def get_config(self):
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _generator(seed, fn):
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if seed is None:
        return backend.rng()
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(int(seed))
    raise TypeError(f"keras.random.{fn}: seed must be an int, a SeedGenerator or None, "
                    f"got {type(seed).__name__}")


def _tensor(arr, dtype):
    return ag.tensor(np.asarray(arr).astype(dtype), device=backend.get_device())


def _shape(shape):
    return tuple(int(n) for n in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2)."""
    return _tensor(_generator(seed, "normal").normal(mean, stddev, _shape(shape)),
                   dtype or backend.floatx())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of U[minval, maxval)."""
    return _tensor(_generator(seed, "uniform").uniform(minval, maxval, _shape(shape)),
                   dtype or backend.floatx())


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until they lie within two standard deviations of the mean."""
    rng = _generator(seed, "truncated_normal")
    values = rng.standard_normal(_shape(shape))
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return _tensor(mean + stddev * values, dtype or backend.floatx())


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    return _tensor(_generator(seed, "randint").integers(minval, maxval, _shape(shape)), dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout (always active): zero entries with probability ``rate``, scale the rest by
    1 / (1 - rate)."""
    return ag.nn.dropout(backend._t(inputs), rate, training=True, noise_shape=noise_shape,
                         generator=_generator(seed, "dropout"))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order."""
    x = backend._t(x)
    order = _generator(seed, "shuffle").permutation(x.shape[axis])
    return take(x, order, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of the (batch, classes) unnormalised ``logits``."""
    values = np.asarray(backend._t(logits).numpy(), dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"keras.random.categorical: logits must be 2-D (batch, classes), got "
                         f"shape {values.shape}")
    probs = np.exp(values - values.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    rng = _generator(seed, "categorical")
    draws = [rng.choice(values.shape[1], size=int(num_samples), p=row) for row in probs]
    return _tensor(np.stack(draws) if draws else np.zeros((0, int(num_samples))), dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of Gamma(alpha, scale 1)."""
    return _tensor(_generator(seed, "gamma").gamma(alpha, 1.0, _shape(shape)),
                   dtype or backend.floatx())


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of Beta(alpha, beta)."""
    return _tensor(_generator(seed, "beta").beta(alpha, beta, _shape(shape)),
                   dtype or backend.floatx())


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of Binomial(counts, probabilities), as floats by default."""
    return _tensor(_generator(seed, "binomial").binomial(counts, probabilities, _shape(shape)),
                   dtype or backend.floatx())
