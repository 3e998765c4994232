"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, their
functional forms (``add([a, b])``...), and Keras 1's ``merge(inputs, mode=...)`` / ``Merge``."""
import functools
import warnings

import autograd_core as ag

from .. import backend, config
from . import nest
from .base import Layer


def _broadcast(layer, shapes):
    """The broadcast of shapes (None = unknown), right-aligned as numpy does."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(1, rank + 1):
        dims = [s[-i] for s in shapes if len(s) >= i]
        known = [d for d in dims if d is not None and d != 1]
        if len(set(known)) > 1:
            raise ValueError(f"Layer \"{layer.name}\" ({type(layer).__name__}): inputs with shapes "
                             f"{[tuple(s) for s in shapes]} cannot be broadcast together")
        if known:
            out.append(known[0])
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(reversed(out))


class _Merge(Layer):
    """Elementwise merge of a list of inputs (broadcasting like numpy)."""
    n_inputs = None  # exact number of inputs, when fixed

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or nest.is_shape(input_shape):
            raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}) should be called on a "
                             f"list of inputs, got a single input of shape {input_shape}")
        shapes = nest.flatten_shapes(input_shape)
        if self.n_inputs is not None and len(shapes) != self.n_inputs:
            raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}) should be called on "
                             f"exactly {self.n_inputs} inputs, got {len(shapes)}")
        if len(shapes) < 2 and self.n_inputs is None:
            raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}) should be called on a "
                             f"list of at least 2 inputs, got {len(shapes)}")
        return shapes

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return _broadcast(self, self._check_inputs(input_shape))

    def call(self, inputs):
        return self._merge(list(inputs))

    def _merge(self, xs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        """A step is kept if any input keeps it (Keras 3; None when an input has no mask); the
        ``keras2`` profile keeps it only if every input with a mask keeps it."""
        masks = nest.to_list(mask) if mask is not None else []
        if config.default("merge.mask") == "and":
            masks = [m for m in masks if m is not None]
            return functools.reduce(ag.logical_and, masks) if masks else None
        if not masks or any(m is None for m in masks):
            return None
        return functools.reduce(ag.logical_or, masks)


class Add(_Merge):
    def _merge(self, xs):
        return functools.reduce(lambda a, b: a + b, xs)


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""
    n_inputs = 2

    def _merge(self, xs):
        return xs[0] - xs[1]


class Multiply(_Merge):
    def _merge(self, xs):
        return functools.reduce(lambda a, b: a * b, xs)


class Average(_Merge):
    def _merge(self, xs):
        return functools.reduce(lambda a, b: a + b, xs) * (1.0 / len(xs))


class Maximum(_Merge):
    def _merge(self, xs):
        return functools.reduce(ag.maximum, xs)


class Minimum(_Merge):
    def _merge(self, xs):
        return functools.reduce(ag.minimum, xs)


class Concatenate(_Merge):
    """Concatenate along ``axis``; the other dimensions must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        shapes = self._check_inputs(input_shape)
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        for s in shapes[1:]:
            if len(s) != rank or any(a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
                raise ValueError(f"Layer \"{self.name}\": a `Concatenate` layer requires inputs "
                                 f"with matching shapes except for the concatenation axis "
                                 f"{self.axis}. Received: input_shape="
                                 f"{[tuple(s) for s in shapes]}")
        out = list(shapes[0])
        sizes = [s[axis] for s in shapes]
        out[axis] = None if any(d is None for d in sizes) else sum(sizes)
        for i in range(rank):
            if i != axis and out[i] is None:
                out[i] = next((s[i] for s in shapes if s[i] is not None), None)
        return tuple(out)

    def _merge(self, xs):
        return ag.concatenate(xs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in nest.to_list(mask)):
            return None
        masks = []
        for x, m in zip(inputs, nest.to_list(mask)):
            if m is None:
                m = ag.ones(x.shape[:-1] if self.axis in (-1, x.ndim - 1) else x.shape,
                            dtype="bool", device=x.device)
            if m.ndim < x.ndim:
                m = ag.expand_dims(m, -1)
            masks.append(m)
        return ag.all(ag.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


class Dot(_Merge):
    """Dot product of two inputs along ``axes`` (per sample); ``normalize=True``: the cosine."""
    n_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = tuple(axes) if isinstance(axes, (list, tuple)) else int(axes)
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _pair(self, shapes):
        axes = self.axes if isinstance(self.axes, tuple) else (self.axes, self.axes)
        return tuple(a % len(s) for a, s in zip(axes, shapes))

    def compute_output_shape(self, input_shape):
        s1, s2 = self._check_inputs(input_shape)
        a1, a2 = self._pair((s1, s2))
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"Layer \"{self.name}\" (Dot): dimension incompatibility "
                             f"{s1[a1]} != {s2[a2]}. Layer shapes: {tuple(s1)}, {tuple(s2)}")
        out = tuple(d for i, d in enumerate(s1) if i != a1) + \
            tuple(d for i, d in enumerate(s2) if i not in (0, a2))
        return out + (1,) if len(out) == 1 else out

    def _merge(self, xs):
        x1, x2 = xs
        a1, a2 = self._pair((x1.shape, x2.shape))
        if self.normalize:
            x1, x2 = backend.l2_normalize(x1, a1), backend.l2_normalize(x2, a2)
        return backend.batch_dot(x1, x2, (a1, a2))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return dict(super().get_config(), axes=list(self.axes) if isinstance(self.axes, tuple)
                    else self.axes, normalize=self.normalize)


def _functional(cls):
    def merge_fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge_fn.__name__ = cls.__name__.lower()
    merge_fn.__doc__ = f"``{cls.__name__}(**kwargs)(inputs)``."
    return merge_fn


add, subtract, multiply = _functional(Add), _functional(Subtract), _functional(Multiply)
average, maximum, minimum = _functional(Average), _functional(Maximum), _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


_MODES = {"sum": (Add, "Add()"), "mul": (Multiply, "Multiply()"), "ave": (Average, "Average()"),
          "max": (Maximum, "Maximum()"), "concat": (Concatenate, "Concatenate(axis={concat_axis})"),
          "dot": (Dot, "Dot(axes={dot_axes})"),
          "cos": (Dot, "Dot(axes={dot_axes}, normalize=True)")}


def _merge_layer(mode, concat_axis, dot_axes, output_shape, name, arguments):
    if callable(mode):
        from .core import Lambda
        warnings.warn("The `merge` function is deprecated; use a `Lambda` layer on the list of "
                      "inputs instead.", DeprecationWarning, stacklevel=3)
        return Lambda(mode, output_shape=output_shape, arguments=arguments, name=name)
    if mode not in _MODES:
        raise ValueError(f"merge: unknown mode {mode!r}; expected one of {sorted(_MODES)} or a "
                         f"function")
    cls, modern = _MODES[mode]
    warnings.warn(f"The `merge` function and the `Merge` layer are deprecated (Keras 1): use "
                  f"`{modern.format(concat_axis=concat_axis, dot_axes=dot_axes)}(inputs)` instead.",
                  DeprecationWarning, stacklevel=3)
    if cls is Concatenate:
        return Concatenate(axis=concat_axis, name=name)
    if cls is Dot:
        return Dot(axes=dot_axes, normalize=mode == "cos", name=name)
    return cls(name=name)


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None,
          arguments=None, node_indices=None, tensor_indices=None, name=None):
    """Keras 1: merge a list of tensors with ``mode`` ('sum', 'mul', 'concat', 'ave', 'max', 'dot',
    'cos' or a function)."""
    return _merge_layer(mode, concat_axis, dot_axes, output_shape, name, arguments)(list(inputs))


def Merge(layers=None, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None,
          output_mask=None, arguments=None, node_indices=None, tensor_indices=None, name=None):
    """Keras 1's ``Merge`` layer: called on tensors it merges them; without ``layers`` it returns
    the equivalent Keras 2 merge layer, to be called on a list of tensors."""
    layer = _merge_layer(mode, concat_axis, dot_axes, output_shape, name, arguments)
    if layers is None:
        return layer
    if any(isinstance(x, Layer) for x in layers):
        raise TypeError("Merge: merging models or layers (Keras 1 Sequential branches) is not "
                        "supported; use the functional API: `Concatenate()([model_a.output, "
                        "model_b.output])` with `Model(inputs, outputs)`")
    return layer(list(layers))
