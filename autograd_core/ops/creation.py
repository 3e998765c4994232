"""Creating tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``empty``, ``*_like``, ``arange``,
``eye``, ``linspace``, and random ``rand``/``randn``/``randint`` from a seedable generator."""
import numpy as np

from .. import backend
from ..tensor import Tensor

_float32 = backend.float32
_state = {"rng": np.random.default_rng()}


def manual_seed(seed):
    """Seed the global generator used by rand/randn/randint."""
    _state["rng"] = np.random.default_rng(seed)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor from data (Python floats become float32; an ndarray keeps its dtype)."""
    if isinstance(data, Tensor):
        data = data._data
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and dtype is None and (device is None or data.device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def _make(fill, shape, dtype, device, requires_grad):
    dev = backend.device(device)
    dtype = backend.normalize_dtype(dtype) or _float32
    arr = fill(dev.xp, shape, dtype)
    t = Tensor._make(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    return _make(lambda xp, s, d: xp.zeros(s, d), _shape(shape), dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    return _make(lambda xp, s, d: xp.ones(s, d), _shape(shape), dtype, device, requires_grad)


def empty(*shape, dtype=None, device=None, requires_grad=False):
    return _make(lambda xp, s, d: xp.empty(s, d), _shape(shape), dtype, device, requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _make(lambda xp, s, d: xp.full(s, fill_value, d), shape, dtype, device, requires_grad)


def _like(x, dtype, device):
    return (x.shape, dtype or x.dtype, device or x.device)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    s, d, dev = _like(x, dtype, device)
    return zeros(s, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    s, d, dev = _like(x, dtype, device)
    return ones(s, dtype=d, device=dev, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None):
    s, d, dev = _like(x, dtype, device)
    return full(s, fill_value, dtype=d, device=dev)


def arange(start, stop=None, step=1, dtype=None, device=None):
    """Like numpy's arange; integer arguments give int64, float arguments float32."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = np.int64 if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)) \
            else _float32
    dev = backend.device(device)
    return Tensor._make(dev.xp.arange(start, stop, step, dtype=dtype), dev)


def linspace(start, stop, num=50, dtype=None, device=None):
    dev = backend.device(device)
    return Tensor._make(dev.xp.linspace(start, stop, num, dtype=dtype or _float32), dev)


def eye(n, m=None, dtype=None, device=None):
    dev = backend.device(device)
    return Tensor._make(dev.xp.eye(n, m, dtype=dtype or _float32), dev)


def _random(draw, shape, dtype, device, requires_grad, generator):
    rng = generator if generator is not None else _state["rng"]
    dtype = backend.normalize_dtype(dtype) or _float32
    arr = draw(rng, _shape(shape)).astype(dtype, copy=False)
    t = Tensor(arr, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rand(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform [0, 1) samples (drawn on the CPU generator, then moved to ``device``)."""
    return _random(lambda r, s: r.random(s), shape, dtype, device, requires_grad, generator)


def randn(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples."""
    return _random(lambda r, s: r.standard_normal(s), shape, dtype, device, requires_grad, generator)


def randint(low, high, shape, device=None, generator=None):
    rng = generator if generator is not None else _state["rng"]
    return Tensor(rng.integers(low, high, size=shape), device=device)
