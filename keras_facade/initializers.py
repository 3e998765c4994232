"""Weight initializers (``keras.initializers``), with the Keras 2 and Keras 3 names.

An initializer is called as ``init(shape, dtype=None)`` and returns an ``ag.Tensor``. Random ones
draw from their own generator when given a ``seed``, else from the global one
(``backend.set_random_seed``).
"""
import math

import numpy as np

import autograd_core as ag

from . import backend
from ._registry import ConfigRegistry


def _dtype(dtype):
    return np.dtype(dtype or backend.floatx())


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape; conv kernels count the receptive field."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``__call__(shape, dtype=None) -> ag.Tensor`` and ``get_config()``."""

    def __call__(self, shape, dtype=None):
        return ag.tensor(np.asarray(self.sample(tuple(shape)), dtype=_dtype(dtype)))

    def sample(self, shape):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        # Keras 3.15 also records which axes are the fans; here they follow from the weight's shape
        config = {k: v for k, v in config.items() if k not in ("input_axes", "output_axes")}
        return cls(**config)


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        return backend.rng(self.seed)


class Zeros(Initializer):
    def sample(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def sample(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape):
        return np.broadcast_to(np.asarray(self.value, dtype=np.float64), shape)

    def get_config(self):
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def sample(self, shape):
        return self._rng().uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def sample(self, shape):
        return self._rng().normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """Normal samples redrawn until within two standard deviations of the mean."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + stddev * out


class TruncatedNormal(RandomNormal):
    def sample(self, shape):
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev)


class VarianceScaling(_Seeded):
    """Scaled by the fans: normal ('truncated_normal' / 'untruncated_normal') or uniform."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: unknown mode {mode!r}")
        distribution = {"normal": "truncated_normal"}.get(distribution, distribution)
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def sample(self, shape):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / 0.87962566103423978)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        limit = math.sqrt(3.0 * variance)
        return rng.uniform(-limit, limit, shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _scaling(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": f"VarianceScaling({scale}, {mode!r}, "
                                                      f"{distribution!r})."})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(_Seeded):
    """An orthogonal matrix (rows or columns orthonormal) times ``gain``."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def sample(self, shape):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: needs a shape of rank 2 or more, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def sample(self, shape):
        if len(shape) != 2:
            raise ValueError(f"Identity: needs a 2-D shape, got {shape}")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


_WINDOWS = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46)}


def _window(name, length, periodic):
    """A cosine window a - b*cos(2*pi*n/M): M = length when ``periodic``, else length - 1."""
    a, b = _WINDOWS[name]
    if length == 1:
        return np.ones(1)
    m = length if periodic else length - 1
    return a - b * np.cos(2 * np.pi * np.arange(length) / m)


class STFT(Initializer):
    """The real (cosine) or imaginary (sine) part of a windowed DFT, as a Conv1D kernel of shape
    (frame_length, 1, fft_length // 2 + 1): convolving a signal with it gives an STFT.
    ``window`` is 'hann', 'hamming', an array of frame_length values or None; ``scaling``
    'density' divides by the window's L2 norm, 'spectrum' by its sum."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: side must be 'real' or 'imag', got {side!r}")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ValueError(f"STFT: unknown window {window!r}; use one of {sorted(_WINDOWS)}, an "
                             f"array of frame_length values or None")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(f"STFT: scaling must be None, 'density' or 'spectrum', got {scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def sample(self, shape):
        if len(shape) != 3:
            raise ValueError(f"STFT: needs a shape (frame_length, channels, bins), got {shape}")
        frames, _, bins = shape
        time = np.arange(frames).reshape(frames, 1, 1)
        freq = np.arange(bins).reshape(1, 1, bins) / (2 * (bins - 1) if bins > 1 else 1)
        angle = -2 * np.pi * time * freq
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        if self.window is not None:
            win = (_window(self.window, frames, self.periodic) if isinstance(self.window, str)
                   else np.asarray(self.window, dtype=np.float64))
            if win.shape != (frames,):
                raise ValueError(f"STFT: the window must have shape ({frames},), got {win.shape}")
            scale = {"density": np.sqrt(np.sum(win ** 2)), "spectrum": np.sum(np.abs(win)),
                     None: 1.0}[self.scaling]
            kernel = kernel * win.reshape(frames, 1, 1) / scale
        return np.broadcast_to(kernel, shape)

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}


_REGISTRY = ConfigRegistry("initializer", {
    cls.__name__: cls for cls in (
        Zeros, Ones, Constant, RandomUniform, RandomNormal, TruncatedNormal, VarianceScaling,
        GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
        Identity, STFT)}, aliases={
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "uniform": RandomUniform, "random_uniform": RandomUniform, "normal": RandomNormal,
    "random_normal": RandomNormal, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal, "orthogonal": Orthogonal,
    "identity": Identity, "Identity": Identity, "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal, "stft": STFT, "STFTInitializer": STFT})

# Keras 2 lower-case spellings of the classes
zeros, ones, constant = Zeros, Ones, Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal, orthogonal, identity = TruncatedNormal, Orthogonal, Identity
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal  # Keras 3's other names
stft = STFTInitializer = STFT
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal
variance_scaling = VarianceScaling


def get(identifier):
    """An initializer from a name, a config dict, an instance/callable, or None."""
    return _REGISTRY.get(identifier)


def serialize(initializer):
    return _REGISTRY.serialize(initializer)


def deserialize(config, custom_objects=None):
    return _REGISTRY.deserialize(config, custom_objects)
