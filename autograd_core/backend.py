"""Array backends and devices: the only module that imports numpy/cupy.

A :class:`Device` names where a tensor's array lives: ``'cpu'`` (numpy), ``'cuda:N'`` (cupy) and, for
testing the device logic on machines without a GPU, extra numpy-backed devices ``'cpu:N'`` (N > 0).
Devices are interned, so two tensors are on the same device exactly when their ``device`` objects
are identical.
"""
import numpy as np

_cupy = None


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "device 'cuda' needs cupy, which is not installed: pip install 'autograd-keras[gpu]' "
                "(or use device='cpu')") from exc
        _cupy = cupy
    return _cupy


def cuda_is_available():
    """True when cupy imports and sees at least one GPU."""
    try:
        cp = _import_cupy()
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


class Device:
    """Where arrays live. Use :func:`device` to get one; never construct directly."""
    __slots__ = ("kind", "index", "xp", "_name")

    def __init__(self, kind, index, xp):
        self.kind, self.index, self.xp = kind, index, xp
        self._name = kind if (kind == "cpu" and index == 0) else f"{kind}:{index}"

    def __repr__(self):
        return f"device('{self._name}')"

    def __str__(self):
        return self._name

    def __eq__(self, other):
        if isinstance(other, str):
            return self is device(other)
        return self is other

    def __hash__(self):
        return hash(self._name)

    def asarray(self, data, dtype=None):
        """Put ``data`` (any array-like, any device) on this device."""
        if self.kind == "cuda":
            cp = self.xp
            with cp.cuda.Device(self.index):
                return cp.asarray(data, dtype=dtype)
        if _cupy is not None and isinstance(data, _cupy.ndarray):
            data = data.get()
        return np.asarray(data, dtype=dtype)

    def context(self):
        """A context manager that makes this device current (a no-op on CPU)."""
        if self.kind == "cuda":
            return self.xp.cuda.Device(self.index)
        return _NULL_CONTEXT


class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL_CONTEXT = _NullContext()
_devices = {}
CPU = Device("cpu", 0, np)
_devices["cpu"] = _devices["cpu:0"] = CPU


def device(spec):
    """Return the interned :class:`Device` for ``'cpu'``, ``'cpu:N'``, ``'cuda'`` or ``'cuda:N'``."""
    if spec is None:
        return CPU
    if isinstance(spec, Device):
        return spec
    found = _devices.get(spec)
    if found is not None:
        return found
    if not isinstance(spec, str):
        raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {spec!r}")
    kind, _, idx = spec.partition(":")
    if kind not in ("cpu", "cuda") or (idx and not idx.isdigit()):
        raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cpu:N', 'cuda' or 'cuda:N'")
    index = int(idx) if idx else 0
    if kind == "cuda":
        cp = _import_cupy()
        count = cp.cuda.runtime.getDeviceCount()
        if index >= count:
            raise ValueError(f"unknown device {spec!r}: this machine has {count} CUDA device(s)")
        dev = Device("cuda", index, cp)
    else:
        dev = Device("cpu", index, np)
    _devices[spec] = _devices[str(dev)] = dev
    return dev


def device_of_array(arr):
    """The device holding a raw backend array (numpy arrays are on 'cpu')."""
    if isinstance(arr, np.ndarray) or _cupy is None or not isinstance(arr, _cupy.ndarray):
        return CPU
    return device(f"cuda:{arr.device.id}")


def is_backend_array(obj):
    return isinstance(obj, np.ndarray) or (_cupy is not None and isinstance(obj, _cupy.ndarray))


def to_numpy(arr):
    if isinstance(arr, np.ndarray):
        return arr
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return arr.get()
    return np.asarray(arr)


def scatter_add(xp, target, index, values):
    """``target[index] += values`` with repeated indices accumulating (numpy and cupy)."""
    add_at = getattr(xp.add, "at", None)  # cupy has it from version 12
    if add_at is not None:
        add_at(target, index, values)
    else:  # pragma: no cover - older cupy
        import cupyx
        cupyx.scatter_add(target, index, values)
    return target


def normalize_dtype(dtype):
    """A numpy dtype from a dtype, a string or a python type (None stays None)."""
    if dtype is None:
        return None
    if hasattr(dtype, "dtype") and not isinstance(dtype, type):
        dtype = dtype.dtype
    return np.dtype(dtype)


float32 = np.dtype("float32")
float64 = np.dtype("float64")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")
