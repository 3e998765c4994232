"""``Variable``: a layer weight. An engine leaf tensor with a name, a path and Keras' attributes."""
import numpy as np

import autograd_core as ag

from . import initializers


class Variable(ag.Tensor):
    """A weight: an ``ag.Tensor`` leaf that requires grad while it is trainable.

    ``name`` is the short name (``'kernel'``), ``path`` the full one (``'dense/kernel'``).
    ``assign`` replaces the values in place; the object itself never changes, so references held by
    optimizers, models and closures stay valid.
    """
    __slots__ = ("name", "path", "_trainable", "constraint", "regularizer")

    def __init__(self, value=None, name="variable", trainable=True, constraint=None,
                 regularizer=None, path=None, dtype=None, device=None, initializer=None, shape=None):
        value = _initial_value(value, initializer, shape, dtype, name)
        if isinstance(value, ag.Tensor):
            value = value.data
        if isinstance(value, np.ndarray) and not value.flags.c_contiguous:
            value = np.ascontiguousarray(value)  # BLAS is many times slower on other layouts
        super().__init__(value, dtype=dtype, device=device)
        if self.dtype.kind not in "fc" and trainable:
            raise TypeError(f"Variable {name!r}: a trainable variable must be floating point, got "
                            f"dtype {self.dtype}")
        self.name = name
        self.path = path if path is not None else name
        self.constraint = constraint
        self.regularizer = regularizer
        self._trainable = False
        self.trainable = trainable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = self._trainable

    def assign(self, value):
        """Replace the values (same shape; cast to this variable's dtype) without recording."""
        if isinstance(value, ag.Tensor):
            if value.shape != self.shape:
                self._shape_error(value.shape)
            arr = value.to(self.device).data if value.device is not self.device else value.data
            if arr.dtype != self.dtype or isinstance(value, Variable) or arr is self._data or \
                    not arr.flags.c_contiguous:
                # a private C-ordered copy: never share an array with another weight
                arr = self.device.xp.array(arr, dtype=self.dtype, order="C", copy=True)
        else:
            arr = np.array(value, dtype=self.dtype, copy=True, order="C")
            if arr.shape != self.shape:
                self._shape_error(arr.shape)
            arr = self.device.asarray(arr)
        self._data = arr
        return self

    def _shape_error(self, shape):
        raise ValueError(f"Variable {self.path!r}: cannot assign a value of shape {tuple(shape)} "
                         f"to a variable of shape {self.shape}")

    def assign_add(self, delta):
        with ag.no_grad():
            return self.assign(self + delta)

    def assign_sub(self, delta):
        with ag.no_grad():
            return self.assign(self - delta)

    @property
    def value(self):
        return self

    def numpy(self):
        """A copy of the values as a numpy array."""
        return np.array(super().numpy(), copy=True)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"trainable={self._trainable}>")


def _initial_value(value, initializer, shape, dtype, name):
    """The starting value from ``value`` or Keras 3's ``initializer=`` (an array, or an initializer
    name/callable with ``shape``)."""
    if (value is None) == (initializer is None):
        raise TypeError(f"Variable {name!r}: pass exactly one of `value` and `initializer`")
    value = initializer if value is None else value
    if isinstance(value, str) or (callable(value) and not isinstance(value, ag.Tensor)):
        if shape is None:
            raise ValueError(f"Variable {name!r}: an initializer ({value!r}) needs a `shape`")
        value = initializers.get(value)(tuple(shape), dtype=dtype or "float32")
    return value

