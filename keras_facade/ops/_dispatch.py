"""``keras.ops`` on symbolic tensors: a call that meets a KerasTensor (while a functional model
is being built) becomes one node of the graph, an :class:`OpLayer`; on real tensors and arrays the
function simply runs.

An OpLayer keeps the call's arguments as a template (the tensors replaced by their position), so
the model's config can hold it: ``{"function": "mean", "arguments": {"args": [...], "kwargs":
{...}}}`` in this project's layout, and Keras 3's operation records (``keras.src.ops.numpy``
``Mean``...) in ``.keras`` files, which are read back as well.
"""
import functools
import importlib
import inspect

import numpy as np

from ..layers.base import Layer, to_snake_case, unique_name
from ..layers.input_layer import KerasTensor
from ..layers.node import infer_output_specs

_NAMESPACES = ("numpy", "nn", "linalg", "math", "core", "image")
# Keras 3's operation classes whose names are not the function's in CamelCase
_CLASS_NAMES = {"fft": "FFT", "fft2": "FFT2", "ifft2": "IFFT2", "rfft": "RFFT", "irfft": "IRFFT",
                "stft": "STFT", "istft": "ISTFT", "svd": "SVD", "jvp": "JVP"}
_FUNCTION_NAMES = {v: k for k, v in _CLASS_NAMES.items()}


def _encode(value, tensors):
    """``value`` with its tensors replaced by ``{"__tensor__": i}`` (appending them to
    ``tensors``) and tuples, slices and Ellipsis spelled as JSON can hold them."""
    if isinstance(value, KerasTensor):
        tensors.append(value)
        return {"__tensor__": len(tensors) - 1}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, tensors) for v in value]}
    if isinstance(value, list):
        return [_encode(v, tensors) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, tensors) for k, v in value.items()}
    if isinstance(value, slice):
        return {"__slice__": [_encode(v, tensors) for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()  # numpy scalars
    if isinstance(value, np.ndarray):  # a constant array (Keras 3 stores it as a __tensor__)
        return {"__array__": {"value": value.tolist(), "dtype": str(value.dtype)}}
    return value


def _decode(value, tensors):
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if isinstance(value, dict):
        if "__tensor__" in value:
            return tensors[value["__tensor__"]]
        if "__tuple__" in value:
            return tuple(_decode(v, tensors) for v in value["__tuple__"])
        if "__slice__" in value:
            return slice(*_decode(value["__slice__"], tensors))
        if "__ellipsis__" in value:
            return Ellipsis
        if "__array__" in value:
            return np.asarray(value["__array__"]["value"], value["__array__"]["dtype"])
        return {k: _decode(v, tensors) for k, v in value.items()}
    return value


def find_op(name, namespace=None):
    """The ``keras_facade.ops`` function called ``name`` (searching ``namespace`` first)."""
    ops = importlib.import_module("keras_facade.ops")
    spaces = ([namespace] if namespace in _NAMESPACES else []) + list(_NAMESPACES)
    for space in spaces:
        fn = getattr(getattr(ops, space, None), name, None)
        if callable(fn):
            return fn
    raise ValueError(f"Unknown operation {name!r}: keras.ops has no such function here")


def namespace_of(fn):
    """The ``keras.ops`` namespace that defines ``fn`` ('numpy' for both numpy halves)."""
    module = getattr(fn, "__module__", "") or ""
    last = module.rsplit(".", 1)[-1].lstrip("_").split("_")[0]
    return last if last in _NAMESPACES else "numpy"


class OpLayer(Layer):
    """One ``keras.ops`` function in a functional graph. It has no weights; its inputs are the
    tensors among the call's arguments, in order, and ``arguments`` holds the rest."""

    _cast_inputs = False
    _is_operation = True

    def __init__(self, function, arguments=None, statics=None, function_name=None, **kwargs):
        self.fn = find_op(function) if isinstance(function, str) else function
        self.function_name = function if isinstance(function, str) else \
            function_name or getattr(function, "__name__", "op")
        name = kwargs.pop("name", None) or unique_name(to_snake_case(self.function_name))
        super().__init__(name=name, **kwargs)
        self.arguments, self._statics = arguments, dict(statics or {})

    def __call__(self, *args, **kwargs):
        if self.arguments is None:  # the first call records the structure of its arguments
            tensors = []
            self.arguments = {"args": _encode(list(args), tensors),
                              "kwargs": _encode({**self._statics, **kwargs}, tensors)}
            try:
                return super().__call__(tensors)
            except Exception:
                self.arguments = None
                raise
        return super().__call__(*args, **kwargs)

    def _convert_inputs(self, inputs):
        return inputs  # an op takes its arguments as given (no casting to the layer dtype)

    def _accepts(self, param):
        return False  # neither training nor mask is passed to the op

    def _compute_output_specs(self, inputs, args, kwargs):
        return infer_output_specs(self, inputs, args, kwargs, shapes=False)

    def call(self, tensors):
        tensors = tensors if isinstance(tensors, list) else [tensors]
        return self.fn(*_decode(self.arguments["args"], tensors),
                       **_decode(self.arguments["kwargs"], tensors))

    def get_config(self):
        name = self.function_name
        try:
            public = find_op(name, namespace_of(self.fn))
        except ValueError:
            public = None
        if public is None or _inner(public) is not _inner(self.fn):
            raise TypeError(f"Model serialization: the graph calls {name!r} on symbolic tensors, "
                            f"which is not a keras.ops function; wrap it in a Lambda layer")
        try:
            import json
            json.dumps(self.arguments)
        except TypeError as error:
            raise TypeError(f"Model serialization: keras.ops.{name} was called with arguments "
                            f"that cannot be stored in a config ({error})") from None
        return {"name": self.name, "function": name, "arguments": self.arguments}

    @property
    def class_name(self):
        """Keras 3's class of this operation: ``Add`` for ``add``, ``FFT2`` for ``fft2``."""
        name = self.function_name
        return _CLASS_NAMES.get(name) or "".join(part.capitalize() for part in name.split("_"))

    def keras3_record(self, tensor_ref):
        """Keras 3's record of this operation: ``module``, ``class_name``, ``config`` (the keyword
        arguments without tensors) and one inbound node (``tensor_ref`` maps a tensor position to
        its ``__keras_tensor__`` reference)."""
        self.get_config()  # raises if the call cannot be stored
        statics = {k: v for k, v in self.arguments["kwargs"].items() if not _has_tensor(v)}
        node_kwargs = {k: v for k, v in self.arguments["kwargs"].items() if k not in statics}
        class_name = self.class_name
        return {"module": f"keras.src.ops.{namespace_of(self.fn)}", "class_name": class_name,
                "config": {"name": self.name, **_keras3_value(statics, tensor_ref)},
                "registered_name": class_name,
                "inbound_nodes": [{"args": _keras3_value(self.arguments["args"], tensor_ref),
                                   "kwargs": _keras3_value(node_kwargs, tensor_ref)}]}

    @staticmethod
    def is_record(record, known_layers):
        """Whether a Keras 3 layer record is an operation. Keras' legacy .h5 writer leaves out
        the ``module``; a layer's config then still has ``trainable``/``dtype``, an operation's
        (``Reshape``, ``Add``... exist as both) only its name and arguments."""
        module = str(record.get("module") or "")
        if module.startswith("keras.src.ops."):
            return True
        config = record.get("config") or {}
        if module or (record.get("class_name") in known_layers and
                      ("trainable" in config or "dtype" in config)):
            return False
        try:
            find_op(_function_name(record["class_name"]))
        except ValueError:
            return False
        return True

    @classmethod
    def from_keras3(cls, record):
        """An OpLayer from Keras 3's record; its node arguments arrive with the call."""
        config = dict(record.get("config") or {})
        name = config.pop("name", None)
        module = str(record.get("module", ""))
        function = _function_name(record["class_name"])
        fn = find_op(function, module.rsplit(".", 1)[-1])
        return cls(fn, statics=_decode(_from_keras3(config), []), function_name=function,
                   name=name)


def _function_name(class_name):
    return _FUNCTION_NAMES.get(class_name) or to_snake_case(class_name)


def _inner(fn):
    """The function under the wrappers (aliases such as abs/absolute share it)."""
    return inspect.unwrap(fn)


def _has_tensor(value):
    if isinstance(value, dict):
        return "__tensor__" in value or any(_has_tensor(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_tensor(v) for v in value)
    return False


def _keras3_value(value, tensor_ref):
    """The template in Keras 3's spelling: tensors as references, tuples as lists, slices and
    Ellipsis as ``__slice__``/``__ellipsis__`` records."""
    if isinstance(value, list):
        return [_keras3_value(v, tensor_ref) for v in value]
    if isinstance(value, dict):
        if "__tensor__" in value:
            return tensor_ref(value["__tensor__"])
        if "__tuple__" in value:  # Keras 3 writes tuples as lists
            return _keras3_value(value["__tuple__"], tensor_ref)
        if "__slice__" in value:
            start, stop, step = _keras3_value(value["__slice__"], tensor_ref)
            return {"class_name": "__slice__", "config": {"start": start, "stop": stop,
                                                          "step": step}}
        if "__ellipsis__" in value:
            return {"class_name": "__ellipsis__", "config": {}}
        if "__array__" in value:
            return {"class_name": "__tensor__", "config": dict(value["__array__"])}
        return {k: _keras3_value(v, tensor_ref) for k, v in value.items()}
    return value


def _from_keras3(value):
    """Keras 3's ``__tuple__``/``__slice__``/``__ellipsis__`` records in this module's spelling."""
    if isinstance(value, list):
        return [_from_keras3(v) for v in value]
    if isinstance(value, dict):
        kind, config = value.get("class_name"), value.get("config")
        if kind == "__tuple__":
            return {"__tuple__": _from_keras3(config["value"])}
        if kind == "__slice__":
            return {"__slice__": [_from_keras3(config.get(k)) for k in ("start", "stop", "step")]}
        if kind == "__ellipsis__":
            return {"__ellipsis__": True}
        if kind == "__tensor__":
            return {"__array__": {"value": config["value"], "dtype": config.get("dtype")}}
        return {k: _from_keras3(v) for k, v in value.items()}
    return value


def from_keras3_arguments(value):
    """Node arguments of a Keras 3 file (tensors already resolved) as Python values."""
    return _decode(_from_keras3(value), [])


def _symbolic(value):
    """Whether a KerasTensor is anywhere in ``value`` (without building a flat list: this runs
    on every eager call of an op)."""
    if isinstance(value, (list, tuple)):
        return any(map(_symbolic, value))
    if isinstance(value, dict):
        return any(map(_symbolic, value.values()))
    return isinstance(value, KerasTensor)


def keras_op(fn, name=None):
    """Decorate a ``keras.ops`` function so that it also accepts KerasTensors; ``name`` is its
    public name where it differs from ``fn.__name__`` (an alias such as ``absolute``)."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _symbolic(args) or (kwargs and _symbolic(kwargs)):
            return OpLayer(fn, function_name=op.__name__)(*args, **kwargs)
        return fn(*args, **kwargs)
    if name:
        op.__name__ = op.__qualname__ = name
    return op
