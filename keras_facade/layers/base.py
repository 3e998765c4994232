"""``Layer`` and ``InputSpec``: weights, building, calling (eager or symbolic), masks, losses,
config.

A layer creates its weights in ``build(input_shape)`` on the first call and computes in ``call()``
with ``autograd_core`` ops only. Called on arrays or ``ag.Tensor`` it returns ``ag.Tensor`` (in the
autograd graph); called on a symbolic ``KerasTensor`` (from ``Input``) it records a node and returns
``KerasTensor`` outputs with inferred shapes.
"""
import inspect
import re
import weakref

import numpy as np

import autograd_core as ag

from .. import backend, config, initializers, regularizers, constraints
from ..variables import Variable
from . import nest

# Keyword arguments every layer accepts (Keras 2 base kwargs plus the Keras 3 spelling batch_shape).
BASE_KWARGS = frozenset({"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                         "input_dtype", "batch_shape", "autocast"})

# The training flags of the calls in progress (innermost last): a nested call inherits its parent's.
_CALL_STACK = []


# -- name scopes ----------------------------------------------------------------------------------
# The layers whose build or call is running, outermost first. A weight's path nests under their
# names, as Keras 3's name scopes do: 'sequential/dense/kernel', 'lstm/lstm_cell/kernel'.
_SCOPE = []


class name_scope:
    """``with name_scope(layer):`` weights created inside nest under ``layer.name`` (once)."""
    __slots__ = ("layer", "pushed")

    def __init__(self, layer):
        self.layer = layer

    def __enter__(self):
        self.pushed = not _SCOPE or _SCOPE[-1] is not self.layer
        if self.pushed:
            _SCOPE.append(self.layer)

    def __exit__(self, *exc):
        if self.pushed:
            _SCOPE.pop()


def _weight_path(layer, name):
    names = [scope.name for scope in _SCOPE]
    if not _SCOPE or _SCOPE[-1] is not layer:
        names.append(layer.name)
    return "/".join(names + [name])


# -- names ----------------------------------------------------------------------------------------
def to_snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return "private" + name if name.startswith("_") else name


def unique_name(prefix):
    """``dense``, ``dense_1``, ... (Keras 3) or ``dense_1``, ``dense_2``, ... (keras2 profile)."""
    n = backend.get_uid(prefix)
    if config.default("naming.style") == "keras2":
        return f"{prefix}_{n}"
    return prefix if n == 1 else f"{prefix}_{n - 1}"


# -- masks travel beside the tensors they belong to ------------------------------------------------
_MASKS = {}


def set_mask(tensor, mask):
    key = id(tensor)
    if mask is None:
        _MASKS.pop(key, None)
        return

    def forget(ref, key=key):
        entry = _MASKS.get(key)
        if entry is not None and entry[0] is ref:
            del _MASKS[key]
    _MASKS[key] = (weakref.ref(tensor, forget), mask)


def get_mask(tensor):
    entry = _MASKS.get(id(tensor))
    if entry is not None and entry[0]() is tensor:
        return entry[1]
    return None


# Keras code reads (and sometimes sets) a layer output's mask as ``x._keras_mask``
mask_attribute = property(get_mask, set_mask, doc="The mask attached to this tensor (or None).")
ag.Tensor._keras_mask = mask_attribute


# -- input specs ----------------------------------------------------------------------------------
class InputSpec:
    """What a layer accepts: rank (``ndim``/``min_ndim``/``max_ndim``), fixed ``axes`` values, a
    full ``shape`` (None = any), ``dtype``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                         ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                         ("min_ndim", self.min_ndim), ("axes", self.axes or None))
                 if v is not None]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    def check(self, layer_name, index, shape):
        """Raise a ValueError naming the layer, the expectation and the received shape."""
        def fail(expected):
            raise ValueError(f"Input {index} of layer \"{layer_name}\" is incompatible with the "
                             f"layer: expected {expected}, but received input with shape "
                             f"{tuple(shape)}")
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            fail(f"ndim={self.ndim}, found ndim={rank}")
        if self.max_ndim is not None and rank > self.max_ndim:
            fail(f"max_ndim={self.max_ndim}, found ndim={rank}")
        if self.min_ndim is not None and rank < self.min_ndim:
            fail(f"min_ndim={self.min_ndim}, found ndim={rank}")
        for axis, value in self.axes.items():
            if value is None:
                continue
            if -rank <= axis < rank and shape[axis] not in (None, value):
                fail(f"axis {axis} of input shape to have value {value}")
        if self.shape is not None:
            for want, got in zip(self.shape, shape):
                if want is not None and got is not None and want != got:
                    fail(f"shape={self.shape}")


def _normalize_dtype(dtype):
    if dtype is None:
        return backend.floatx()
    if isinstance(dtype, dict):  # a Keras 3 dtype policy {"class_name": "DTypePolicy", ...}
        name = (dtype.get("config") or {}).get("name", backend.floatx())
        return {"mixed_float16": "float32", "mixed_bfloat16": "float32"}.get(name, name)
    if hasattr(dtype, "name") and not isinstance(dtype, np.dtype):
        return _normalize_dtype(dtype.name)
    if dtype in ("string", str, bytes):  # Keras' string inputs (TextVectorization, StringLookup)
        return "string"
    return str(np.dtype(dtype))


def _batch_input_shape(kwargs):
    """The ``batch_input_shape`` implied by the base kwargs, or None."""
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("batch_shape") is not None:
        return tuple(kwargs["batch_shape"])
    shape = kwargs.get("input_shape")
    if shape is None and kwargs.get("input_dim") is not None:
        shape = (kwargs["input_dim"],)
    if shape is not None:
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return (kwargs.get("batch_size"),) + shape
    return None


def _holds_layer(value):
    if isinstance(value, Layer):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return False
    return any(_holds_layer(v) for v in value)


def _tracked(owner, value):
    """``value`` with the layers in it tracked by ``owner``: lists and dicts become containers that
    also track layers added later (``self.blocks = []; self.blocks.append(Dense(4))``)."""
    if isinstance(value, Layer):
        if value is not owner:
            owner._track_layer(value)
        return value
    if isinstance(value, list):
        return _TrackedList(value, owner)
    if isinstance(value, dict):
        return _TrackedDict(value, owner)
    if isinstance(value, tuple):
        for item in value:
            _tracked(owner, item)
    return value


class _TrackedList(list):
    """A list attribute of a layer: the layers it holds, or is given later, are tracked."""

    def __init__(self, items, owner):
        self._owner = owner
        super().__init__(self._track(v) for v in items)

    def _track(self, value):
        return _tracked(self._owner, value)

    def append(self, value):
        super().append(self._track(value))

    def extend(self, values):
        super().extend(self._track(v) for v in values)

    def insert(self, index, value):
        super().insert(index, self._track(value))

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            value = [self._track(v) for v in value]
        else:
            value = self._track(value)
        super().__setitem__(index, value)

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __reduce_ex__(self, protocol):  # copies and pickles are plain lists
        return list, (list(self),)


class _TrackedDict(dict):
    """A dict attribute of a layer: the layers it holds, or is given later, are tracked."""

    def __init__(self, items, owner):
        self._owner = owner
        super().__init__((k, self._track(v)) for k, v in dict(items).items())

    def _track(self, value):
        return _tracked(self._owner, value)

    def __setitem__(self, key, value):
        super().__setitem__(key, self._track(value))

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __reduce_ex__(self, protocol):
        return dict, (dict(self),)


class Layer:
    """Base class of all layers (subclass it: ``build``, ``call``, ``get_config``)."""

    #: integer inputs are cast to the layer's float dtype before ``call`` (Embedding keeps them)
    _cast_inputs = True
    _call_params = {}
    #: a ``keras.ops`` call in a functional graph: a node, but not one of ``model.layers``
    _is_operation = False
    #: set once any layer calls ``add_metric`` (until then training steps skip looking for them)
    _add_metric_used = False

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = sorted(set(kwargs) - BASE_KWARGS)
        if unknown:
            raise TypeError(f"{type(self).__name__}: keyword argument not understood: "
                            f"{unknown[0]!r}")
        # sublayers assigned before this call (Keras allows it) are already tracked
        object.__setattr__(self, "_tracked_layers", self.__dict__.get("_tracked_layers", []))
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._trainable = bool(trainable)
        self.name = name if name else unique_name(self._default_name_prefix())
        self.dtype = _normalize_dtype(kwargs.get("input_dtype") or dtype)
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self.activity_regularizer = None
        self.stateful = False
        self._inbound_nodes = []
        self._call_losses = []
        self._persistent_losses = []
        self._call_metrics = []
        self._batch_input_shape = _batch_input_shape(kwargs)
        self._initial_weights = kwargs.get("weights")
        self._build_input_shape = None

    @classmethod
    def _default_name_prefix(cls):
        return to_snake_case(cls.__name__)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._call_params = {}  # per-class cache of what call() accepts

    # -- attribute tracking ------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, (Layer, list, tuple, dict)) and not name.startswith("_inbound") and (
                not name.startswith("_") or _holds_layer(value)):
            value = _tracked(self, value)  # layers in (nested) lists, tuples and dicts count too
        elif isinstance(value, Variable) and "_trainable_variables" in self.__dict__:
            if all(v is not value for v in self._own_weights()):
                (self._trainable_variables if value.trainable else
                 self._non_trainable_variables).append(value)
        object.__setattr__(self, name, value)

    def _track_layer(self, layer):
        tracked = self.__dict__.setdefault("_tracked_layers", [])
        if all(t is not layer for t in tracked):
            tracked.append(layer)

    def _sublayers(self):
        return self._tracked_layers

    def _flatten_layers(self, include_self=True):
        """This layer and every layer below it, each once (depth-first)."""
        seen, out = set(), []
        stack = [self] if include_self else list(reversed(self._sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return out

    # -- weights -----------------------------------------------------------------------------------
    _ADD_WEIGHT_K2 = ("name", "shape", "dtype", "initializer", "regularizer", "trainable",
                      "constraint")
    _ADD_WEIGHT_K3 = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                      "constraint", "aggregation", "name")

    def add_weight(self, *args, **kwargs):
        """Create a weight (``Variable``). Keras 2 order ``add_weight(name, shape, dtype,
        initializer, regularizer, trainable, constraint)`` or Keras 3 order ``add_weight(shape,
        initializer, dtype, trainable, autocast, regularizer, constraint, aggregation, name)``."""
        order = self._ADD_WEIGHT_K2 if not args or isinstance(args[0], str) else self._ADD_WEIGHT_K3
        if len(args) > len(order):
            raise TypeError(f"add_weight takes at most {len(order)} positional arguments")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight got multiple values for argument {key!r}")
            kwargs[key] = value
        for ignored in ("aggregation", "synchronization", "autocast", "use_resource",
                        "experimental_autocast", "caching_device", "partitioner"):
            kwargs.pop(ignored, None)
        unknown = set(kwargs) - set(self._ADD_WEIGHT_K2)
        if unknown:
            raise TypeError(f"add_weight: unexpected keyword arguments {sorted(unknown)}")
        return self._create_weight(**kwargs)

    def _create_weight(self, name=None, shape=None, dtype=None, initializer=None,
                       regularizer=None, trainable=True, constraint=None):
        shape = tuple(int(n) for n in (shape or ()))
        dtype = _normalize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        init = initializers.get(initializer)
        try:
            value = init(shape, dtype=dtype)
        except TypeError:
            value = init(shape)
        value = np.asarray(value.numpy() if isinstance(value, ag.Tensor) else value, dtype=dtype)
        if value.shape != shape:
            value = np.broadcast_to(value, shape).copy()
        name = name or unique_name("variable")
        var = Variable(value, name=name, trainable=trainable and self._trainable,
                       constraint=constraints.get(constraint),
                       regularizer=regularizers.get(regularizer), path=_weight_path(self, name),
                       device=backend.get_device())
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        return var

    def _own_weights(self):
        return self._trainable_variables + self._non_trainable_variables

    @property
    def weights(self):
        """Trainable and non-trainable weights, this layer's first, then each sublayer's."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for v in layer._own_weights():
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._sublayers():
            layer.trainable = value

    def get_weights(self):
        """The weights as numpy arrays (copies), in ``weights`` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Assign numpy arrays in ``weights`` order; every count and shape is checked first."""
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): set_weights expects a list of "
                f"{len(params)} arrays (shapes {[tuple(p.shape) for p in params]}), but received "
                f"{len(weights)}")
        arrays = []
        for p, w in zip(params, weights):
            w = np.asarray(w.numpy() if isinstance(w, ag.Tensor) else w)
            if w.shape != tuple(p.shape):
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): weight {p.path!r} "
                                 f"has shape {tuple(p.shape)}, but the provided array has shape "
                                 f"{w.shape}")
            arrays.append(w)
        for p, w in zip(params, arrays):
            p.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name!r}, but the "
                             f"layer isn't built. Build it first (call it on data or call "
                             f"`build(input_shape)`).")
        return int(sum(v.size for v in self.weights))

    # -- losses ------------------------------------------------------------------------------------
    def add_loss(self, losses, inputs=None):
        """Add a loss: a scalar tensor (kept until the next call) or a zero-argument callable
        (kept and re-evaluated every time ``losses`` is read)."""
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, ag.Tensor):
                self._persistent_losses.append(loss)
            else:
                self._call_losses.append(loss if isinstance(loss, ag.Tensor) else ag.tensor(loss))

    @property
    def losses(self):
        """Weight regularization penalties (computed now from the current weights), activity
        regularization and ``add_loss`` terms of the last call, for this layer and its sublayers."""
        out = []
        for layer in self._flatten_layers():
            out += layer._call_losses
            out += [fn() for fn in layer._persistent_losses]
            for v in layer._own_weights():
                if v.regularizer is not None:
                    out.append(v.regularizer(v))
        return out

    def _clear_call_losses(self):
        for layer in self._flatten_layers():
            if layer._call_losses:
                layer.__dict__["_call_losses"] = []
            if layer.__dict__.get("_call_metrics"):
                layer.__dict__["_call_metrics"] = []

    def add_metric(self, value, name=None, aggregation=None):
        """Log ``value`` under ``name`` in fit/evaluate (Keras 2 API): averaged over the batches,
        or, for a stateful metric's result with ``aggregation=None``, that metric's own result
        (the model then resets the metric with its other metrics)."""
        if aggregation not in (None, "mean"):
            raise ValueError(f"{self.name}.add_metric: aggregation must be None or 'mean', got "
                             f"{aggregation!r}")
        metric = next((m for m in vars(self).values()
                       if getattr(m, "_last_result", None) is value), None)
        if name is None and metric is None:
            raise ValueError(f"{self.name}.add_metric: a name is required for a value that is not "
                             f"the result of a metric object")
        Layer._add_metric_used = True
        self.__dict__.setdefault("_call_metrics", []).append(
            (name or metric.name, value if isinstance(value, ag.Tensor) else ag.tensor(value),
             metric if aggregation is None else None))

    # -- building ----------------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (override; call ``super().build``)."""
        self._build_input_shape = input_shape
        self.built = True

    def _maybe_build(self, input_shape):
        if self.built:
            return
        if self.input_spec is not None:
            self._check_input_spec(input_shape)
        with name_scope(self):
            if inspect.signature(self.build).parameters:
                self.build(input_shape)
            else:  # Keras 3 allows ``def build(self)`` for layers that build nothing themselves
                self.build()
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = input_shape
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def _check_input_spec(self, input_shape):
        specs = self.input_spec
        if specs is None:
            return
        shapes = nest.flatten_shapes(input_shape)
        if not isinstance(specs, (list, tuple)):
            specs = [specs] * len(shapes)
        elif len(specs) != len(shapes):
            raise ValueError(f"Layer \"{self.name}\" expects {len(specs)} input(s), but it "
                             f"received {len(shapes)} input tensors")
        for i, (spec, shape) in enumerate(zip(specs, shapes)):
            if spec is not None:
                spec.check(self.name, i, shape)

    # -- calling -----------------------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        elif self._first_call_param() in kwargs:  # e.g. layer(logits=x, targets=y)
            inputs = kwargs.pop(self._first_call_param())
        else:
            raise TypeError(f"{self.name}: __call__ needs the inputs as its first argument")
        if inputs.__class__ is ag.Tensor and not args and all(
                v is None or v.__class__ is bool for v in kwargs.values()):
            return self._eager_call(inputs, args, kwargs)  # the common eager call, nothing symbolic
        from .input_layer import KerasTensor
        if any(isinstance(x, KerasTensor) for x in nest.flatten((inputs, args, kwargs))):
            from .node import symbolic_call
            return symbolic_call(self, inputs, args, kwargs)
        return self._eager_call(inputs, args, kwargs)

    def _first_call_param(self):
        """Name of ``call``'s first parameter, which may also pass the inputs by keyword."""
        params = [p for p in inspect.signature(self.call).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return params[0].name if params else None

    def _accepts(self, param):
        params = type(self)._call_params
        if not params:
            sig = inspect.signature(self.call)
            var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
            params.update({n: True for n in sig.parameters}, __varkw__=var_kw)
        return params.get(param, False) or params["__varkw__"]

    def _convert_inputs(self, inputs):
        """Arrays become tensors; floats take the layer's dtype, integers too unless the layer
        keeps them (``_cast_inputs = False``)."""
        dtype = self.dtype
        target = _np_dtype(dtype)
        if inputs.__class__ is ag.Tensor and inputs.dtype == target:
            return inputs  # the common case, without the general walk below
        cast_ints = self._cast_inputs

        def convert(x):
            if isinstance(x, ag.Tensor):
                kind = x.dtype.kind
                if (kind == "f" and x.dtype != target) or (cast_ints and kind in "iub"):
                    return x.astype(dtype)
                return x
            if x is None or isinstance(x, (str, bytes)):
                return x
            arr = np.asarray(x)
            if arr.dtype.kind == "f" or (cast_ints and arr.dtype.kind in "iub"):
                arr = arr.astype(dtype, copy=False)
            if arr.dtype.kind in "OUS":
                return x
            return ag.tensor(arr, device=backend.get_device())
        return nest.map_structure(convert, inputs)

    def _resolve_training(self, training):
        """The flag given, else the enclosing call's, else the learning phase; None when nothing
        says, and then ``call`` keeps its own default (as Keras 3: Dropout's is inference, a
        random augmentation layer's is training)."""
        if training is None:
            training = _CALL_STACK[-1] if _CALL_STACK else backend.global_training_flag()
        return None if training is None else bool(training)

    def _eager_call(self, inputs, args, kwargs):
        inputs = self._convert_inputs(inputs)
        single = isinstance(inputs, ag.Tensor)
        training = self._resolve_training(kwargs.pop("training", None))
        mask = kwargs.pop("mask", None)
        if mask is None and _MASKS:
            if single:
                mask = get_mask(inputs)
            else:
                masks = [get_mask(x) for x in nest.flatten(inputs)]
                if any(m is not None for m in masks):
                    mask = masks[0] if len(masks) == 1 else nest.pack_like(inputs, masks)
        if not self.built:
            self._maybe_build(nest.map_structure(_symbolic_shape, inputs))
        elif self.input_spec is not None:
            if single and isinstance(self.input_spec, InputSpec):
                self.input_spec.check(self.name, 0, inputs.shape)
            else:
                self._check_input_spec(nest.map_structure(_tensor_shape, inputs))
        if training is not None and self._accepts("training"):
            kwargs["training"] = training
        if mask is not None and self._accepts("mask"):
            kwargs["mask"] = mask
        if not _CALL_STACK:
            self._clear_call_losses()
        else:
            self.__dict__["_call_losses"] = []
            self.__dict__["_call_metrics"] = []
        _CALL_STACK.append(training)
        _SCOPE.append(self)
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _CALL_STACK.pop()
            _SCOPE.pop()
        if self.activity_regularizer is not None:
            for out in nest.flatten(outputs):
                if isinstance(out, ag.Tensor):
                    self._call_losses.append(self._activity_loss(out))
        self._set_output_masks(inputs, outputs, mask)
        return outputs

    def _activity_loss(self, output):
        """The activity regularizer's value on ``output``, per sample (divided by the batch
        size, as Keras 2 and 3 do)."""
        loss = self.activity_regularizer(output)
        if output.ndim > 0 and output.shape[0]:
            loss = loss / output.shape[0]
        return loss

    def _set_output_masks(self, inputs, outputs, mask):
        if mask is None and not self._computes_own_mask():
            return
        out_mask = self.compute_mask(inputs, mask)
        flat = nest.flatten(outputs)
        masks = nest.flatten(out_mask) if isinstance(out_mask, (list, tuple)) else \
            [out_mask] * len(flat)
        for out, m in zip(flat, masks):
            if isinstance(out, ag.Tensor):
                set_mask(out, m)

    def _computes_own_mask(self):
        return type(self).compute_mask is not Layer.compute_mask

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: passed through when the layer supports masking, else None."""
        return mask if self.supports_masking else None

    # -- shapes ------------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape`` (batch dimension None). The default runs ``call``
        on a small dummy batch without recording."""
        from .node import infer_output_specs
        shapes, _ = infer_output_specs(self, input_shape)
        return shapes

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def _compute_output_specs(self, inputs, args, kwargs):
        """Output shapes and dtypes for symbolic ``inputs`` (KerasTensors): from
        ``compute_output_shape`` when the class defines it, else by a dummy run."""
        from .node import infer_output_specs, _shape_of
        from .input_layer import KerasTensor
        if type(self).compute_output_shape is Layer.compute_output_shape:
            return infer_output_specs(self, inputs, args, kwargs)
        shapes = self.compute_output_shape(_shape_of(inputs))
        dtype = self._output_dtype([t.dtype for t in nest.flatten(inputs)
                                    if isinstance(t, KerasTensor)])
        return shapes, nest.map_shapes(lambda s: dtype, shapes)

    def _nodes_attr(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer \"{self.name}\" has never been called and thus has no "
                                 f"defined {attr}.")
        values = [getattr(node, attr) for node in self._inbound_nodes]
        if any(v != values[0] for v in values[1:]):
            raise AttributeError(f"The layer \"{self.name}\" has multiple inbound nodes with "
                                 f"different {attr}s; use get_{attr}_at(node_index).")
        return values[0]

    @property
    def input_shape(self):
        return self._nodes_attr("input_shape")

    @property
    def output_shape(self):
        return self._nodes_attr("output_shape")

    @property
    def input(self):
        return self._node_tensors("input_tensors")

    @property
    def output(self):
        return self._node_tensors("output_tensors")

    def _node_tensors(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {attr.split('_')[0]}")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes; use "
                                 f"get_{attr.split('_')[0]}_at(node_index)")
        return getattr(self._inbound_nodes[0], attr)

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].input_tensors

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].output_tensors

    def get_input_shape_at(self, node_index):
        return self._inbound_nodes[node_index].input_shape

    def get_output_shape_at(self, node_index):
        return self._inbound_nodes[node_index].output_shape

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    def _node_offset(self, style="keras2"):
        """Keras 2 counts a pre-existing node on graph models; 0 for plain layers."""
        return 0

    # -- config ------------------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments (Keras 2 layout: name, trainable, dtype, batch_input_shape)."""
        cfg = {"name": self.name, "trainable": self.trainable}
        if self._batch_input_shape is not None:
            cfg["batch_input_shape"] = list(self._batch_input_shape)
        cfg["dtype"] = self.dtype
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import clean_layer_config
        return cls(**clean_layer_config(cls, config, custom_objects))

    def get_build_config(self):
        if self._build_input_shape is None:
            return None
        return {"input_shape": nest.shapes_to_lists(self._build_input_shape)}

    def build_from_config(self, build_config):
        if build_config and build_config.get("input_shape") is not None and not self.built:
            self._maybe_build(nest.lists_to_shapes(build_config["input_shape"]))

    def reset_states(self):
        for layer in self._sublayers():
            layer.reset_states()

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_DTYPES = {}


def _np_dtype(name):
    found = _DTYPES.get(name)
    if found is None:
        found = _DTYPES[name] = np.dtype(name)
    return found


def _symbolic_shape(x):
    """The shape of ``x`` (a tensor, or a numpy array of strings) with an unknown batch size."""
    is_array = isinstance(x, (ag.Tensor, np.ndarray))
    return (None,) + tuple(x.shape[1:]) if is_array and x.ndim else \
        (tuple(x.shape) if is_array else None)


def _tensor_shape(x):
    return tuple(x.shape) if isinstance(x, ag.Tensor) else None
