"""The :class:`Tensor`: an array on a device plus what autodiff needs. No math lives here: Python
operators and methods route to the ops (attached by :mod:`autograd_core.ops`)."""
import numpy as np

from . import backend

_ops = None  # set by autograd_core.ops once it is importable (avoids an import cycle)
_float32 = backend.float32


class Tensor:
    """A multi-dimensional array that can record how it was computed.

    ``data`` is the live backend array (a writable numpy array on CPU); ``grad`` holds the accumulated
    gradient of a leaf after ``backward()``.
    """
    __slots__ = ("_data", "_device", "requires_grad", "_node", "grad", "_hooks", "_retain", "__weakref__")
    __array_priority__ = 1000  # numpy defers binary operators to us

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        dev = backend.device(device) if device is not None else None
        if isinstance(data, Tensor):
            arr = data._data
            dev = dev or data._device
        else:
            arr = data
        if dev is None:
            dev = backend.device_of_array(arr) if backend.is_backend_array(arr) else backend.CPU
        arr = _as_array(arr, dtype, dev)
        self._data = arr
        self._device = dev
        self.requires_grad = False
        self._node = None
        self.grad = None
        self._hooks = None
        self._retain = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(arr, dev):
        """Wrap a backend array without any checks (the ops' hot path)."""
        t = _new_tensor(Tensor)
        t._data = arr
        t._device = dev
        t.requires_grad = False
        t._node = None
        t.grad = None
        t._hooks = None
        t._retain = False
        return t

    # -- array facts ---------------------------------------------------------------------------
    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        self._data = _as_array(value, None, self._device)

    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def device(self):
        return self._device

    @property
    def is_leaf(self):
        return self._node is None

    @property
    def T(self):
        return _ops.transpose(self)

    def __len__(self):
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -- conversion ----------------------------------------------------------------------------
    def numpy(self):
        """The values as a numpy array (a copy for GPU tensors, the live array on CPU)."""
        return backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self._data)
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item(): only a one-element tensor converts to a Python scalar, "
                             f"got shape {self._data.shape}")
        return self._data.item()

    def tolist(self):
        return self.numpy().tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu":
            raise TypeError("only integer tensors can be used as an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor with {self._data.size} elements is "
                             f"ambiguous; use .any() or .all()")
        return bool(self._data.item())

    def detach(self):
        """The same values, cut from the graph (shares memory)."""
        return Tensor._make(self._data, self._device)

    def to(self, device):
        """A copy on ``device`` ('cpu', 'cuda', 'cuda:1', ...); differentiable."""
        dev = backend.device(device)
        if dev is self._device:
            return self
        return _ops.to_device(self, device=dev)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, index=0):
        return self.to(f"cuda:{index}")

    def astype(self, dtype):
        """A cast copy (differentiable between float dtypes)."""
        return _ops.cast(self, dtype)

    float = lambda self: self.astype(np.float32)  # noqa: E731
    double = lambda self: self.astype(np.float64)  # noqa: E731

    # -- autodiff ------------------------------------------------------------------------------
    def requires_grad_(self, flag=True):
        if flag and self._data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require grad, got dtype "
                            f"{self._data.dtype}; cast first, e.g. t.astype('float32')")
        self.requires_grad = bool(flag)
        return self

    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from .autodiff.backward import backward
        backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this tensor's gradient is computed; a non-None result replaces it.
        Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: the tensor does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _HookHandle(self._hooks, fn)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        self._retain = True

    def zero_grad(self):
        self.grad = None

    # -- display -------------------------------------------------------------------------------
    def __repr__(self):
        body = np.array2string(backend.to_numpy(self._data), separator=", ", prefix="tensor(")
        extra = "" if self._data.dtype == _float32 else f", dtype={self._data.dtype}"
        if self._device is not backend.CPU:
            extra += f", device='{self._device}'"
        if self._node is not None:
            extra += f", grad_fn=<{self._node.prim.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__


_new_tensor = object.__new__


class _HookHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def _as_array(data, dtype, dev):
    """Convert ``data`` to a backend array on ``dev``; Python floats become float32."""
    dtype = backend.normalize_dtype(dtype)
    if dtype is None and not backend.is_backend_array(data):
        probe = np.asarray(data)
        if probe.dtype == backend.float64 and not isinstance(data, np.generic):
            dtype = _float32  # Python floats and lists of them default to float32
        elif probe.dtype.kind == "O":
            raise TypeError(f"cannot make a tensor from {type(data).__name__}")
    arr = dev.asarray(data, dtype=dtype)
    if dev.kind == "cpu" and isinstance(arr, np.ndarray) and not arr.flags.writeable:
        arr = arr.copy()
    return arr
