"""Symbolic inputs: ``KerasTensor``, ``InputLayer`` and ``Input``."""
import numpy as np

from .. import backend, config, legacy
from .base import Layer, _normalize_dtype, mask_attribute


class KerasTensor:
    """A symbolic tensor: a shape (None = unknown, the batch dimension first), a dtype, and where it
    came from (``_keras_history = (layer, node_index, tensor_index)``)."""
    __slots__ = ("shape", "dtype", "name", "_keras_history", "__weakref__")

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = _normalize_dtype(dtype)
        self.name = name
        self._keras_history = history

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def _keras_shape(self):  # Keras 2 attribute
        return self.shape

    _keras_mask = mask_attribute

    def __repr__(self):
        source = f", name={self._keras_history[0].name}" if self._keras_history else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{source}>"

    def __len__(self):
        raise TypeError("len() of a symbolic KerasTensor is undefined; use K.int_shape(x)")

    def __bool__(self):
        raise TypeError("a symbolic KerasTensor has no truth value")

    def __array__(self, *args, **kwargs):
        raise TypeError("a symbolic KerasTensor has no values; it stands for the data a model "
                        "receives. Build a Model from it and call the model on arrays.")


def _symbolic_operator(name, op_name, swap=False):
    """``KerasTensor.<name>``: ``keras.ops.<op_name>``, recorded as one node of the graph."""
    def method(self, *others):
        from .. import ops
        operands = (others[0], self) if swap else (self,) + others
        return getattr(ops, op_name)(*operands)
    method.__name__ = name
    return method


for _name, _op in {
        "__add__": "add", "__sub__": "subtract", "__mul__": "multiply",
        "__truediv__": "true_divide", "__floordiv__": "floor_divide", "__mod__": "mod",
        "__pow__": "power", "__matmul__": "matmul", "__lt__": "less", "__le__": "less_equal",
        "__gt__": "greater", "__ge__": "greater_equal", "__and__": "logical_and",
        "__or__": "logical_or", "__xor__": "logical_xor", "__neg__": "negative",
        "__abs__": "absolute", "__invert__": "logical_not", "__getitem__": "get_item"}.items():
    setattr(KerasTensor, _name, _symbolic_operator(_name, _op))
    if _name in ("__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__",
                 "__pow__", "__matmul__", "__and__", "__or__", "__xor__"):
        _rname = "__r" + _name[2:]
        setattr(KerasTensor, _rname, _symbolic_operator(_rname, _op, swap=True))


class InputLayer(Layer):
    """The layer behind ``Input``: it holds the symbolic tensor a functional model starts from."""

    @legacy.interface("InputLayer")
    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None, shape=None, batch_shape=None,
                 ragged=False, optional=False, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if input_tensor is not None:
            batch_shape = input_tensor.shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if batch_shape is None:
            shape = shape if shape is not None else input_shape
            if shape is None:
                raise ValueError(f"InputLayer {self.name!r}: pass `shape` (or `input_shape`) or "
                                 f"`batch_shape`")
            shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = bool(sparse)
        self.built = True
        self._trainable = False
        from .node import Node
        tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        node = Node(self, (tensor,), {}, tensor, inbound=False)
        self._inbound_nodes.append(node)
        tensor._keras_history = (self, 0, 0)

    @classmethod
    def _default_name_prefix(cls):
        return "input" if config.default("naming.style") == "keras2" else "input_layer"

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_size=None, **kwargs):
    """A symbolic input of shape ``(batch_size,) + shape`` (``batch_size`` None: any)."""
    if kwargs:
        _, kwargs = legacy.convert("Input", (), kwargs, stacklevel=3)
        dtype = kwargs.pop("dtype", dtype)
        kwargs.pop("ragged", None)
        kwargs.pop("optional", None)
        if kwargs:
            raise TypeError(f"Input: unexpected keyword argument {sorted(kwargs)[0]!r}")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument. "
                         "Note that `shape` does not include the batch dimension.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, batch_shape=batch_shape, name=name,
                       dtype=dtype or backend.floatx(), sparse=sparse, input_tensor=tensor)
    return layer._inbound_nodes[0].output_tensors
