"""Core layers: Dense, Identity, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, Masking, ActivityRegularization, SpatialDropout1D/2D/3D (Keras 2 ``keras.layers.core``)."""
import inspect
import math

import numpy as np

import autograd_core as ag

from .. import activations, backend, initializers, legacy, regularizers, constraints
from . import nest
from .base import InputSpec, Layer
from .input_layer import Input, InputLayer, KerasTensor  # noqa: F401  (Keras 2 import path)


def set_kernel_bias_args(layer, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint):
    """Resolve and store the arguments of a layer with a kernel and a bias (Dense, Conv*)."""
    layer.activation = activations.get(activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.activity_regularizer = regularizers.get(activity_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def kernel_bias_config(layer):
    """The config entries of a layer with a kernel and a bias (Dense, Conv*): activation, use_bias
    and the serialized initializers, regularizers and constraints."""
    return dict(activation=activations.serialize(layer.activation), use_bias=layer.use_bias,
                kernel_initializer=initializers.serialize(layer.kernel_initializer),
                bias_initializer=initializers.serialize(layer.bias_initializer),
                kernel_regularizer=regularizers.serialize(layer.kernel_regularizer),
                bias_regularizer=regularizers.serialize(layer.bias_regularizer),
                activity_regularizer=regularizers.serialize(layer.activity_regularizer),
                kernel_constraint=constraints.serialize(layer.kernel_constraint),
                bias_constraint=constraints.serialize(layer.bias_constraint))


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis; kernel (in, units)."""

    @legacy.interface("Dense")
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        if self.units <= 0:
            raise ValueError(f"Dense: `units` must be a positive integer, got {units}")
        set_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                             kernel_regularizer, bias_regularizer, activity_regularizer,
                             kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Layer \"{self.name}\": the last dimension of the inputs to `Dense` "
                             f"should be defined, found None (input shape {input_shape})")
        self.kernel = self.add_weight("kernel", (in_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        super().build(input_shape)

    def call(self, inputs):
        out = ag.matmul(inputs, self.kernel)
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return dict(super().get_config(), units=self.units, **kernel_bias_config(self))


class Identity(Layer):
    """Returns its inputs unchanged (masks pass through)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), activation=activations.serialize(self.activation))


class _Seeded(Layer):
    """A layer that draws random numbers: its own generator when seeded, else the global one."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None

    def generator(self):
        return self._generator if self._generator is not None else backend.rng()


class Dropout(_Seeded):
    """Inverted dropout while training: zero with probability ``rate``, scale the rest by
    1/(1-rate). ``noise_shape`` None entries take the input's size (a shared mask elsewhere)."""

    @legacy.interface("Dropout")
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = float(rate)
        if not 0 <= self.rate <= 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1], got {rate}")
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.supports_masking = True

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return ag.nn.dropout(inputs, self.rate, training=True,
                             noise_shape=self._noise_shape(inputs), generator=self.generator())

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        noise_shape = list(self.noise_shape) if self.noise_shape else None
        return dict(super().get_config(), rate=self.rate, noise_shape=noise_shape, seed=self.seed)


class SpatialDropout1D(Dropout):
    """Drops whole channels of (batch, steps, channels) inputs."""

    @legacy.interface("SpatialDropout1D")
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _noise_shape(self, inputs):
        return (inputs.shape[0], 1, inputs.shape[2])

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("noise_shape")
        return cfg


class SpatialDropout2D(Dropout):
    """Drops whole feature maps of 4-D inputs."""

    @legacy.interface("SpatialDropout2D")
    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def _noise_shape(self, inputs):
        n, a, b, c = inputs.shape
        return (n, 1, 1, c) if self.data_format == "channels_last" else (n, a, 1, 1)

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("noise_shape")
        return dict(cfg, data_format=self.data_format)


class SpatialDropout3D(SpatialDropout2D):
    """Drops whole feature volumes of 5-D inputs."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format, seed, **kwargs)
        self.input_spec = InputSpec(ndim=5)

    def _noise_shape(self, inputs):
        n = inputs.shape[0]
        if self.data_format == "channels_first":
            return (n, inputs.shape[1], 1, 1, 1)
        return (n, 1, 1, 1, inputs.shape[-1])


class Flatten(Layer):
    """(batch, ...) -> (batch, prod(...)), row-major; channels_first inputs are made channels-last
    first so the following Dense weights do not depend on the layout."""

    @legacy.interface("Flatten")
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ag.transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return ag.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


class Reshape(Layer):
    """Reshape the non-batch dimensions to ``target_shape`` (one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape: at most one -1 in target_shape, got {self.target_shape}")

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = int(math.prod(rest))
        known = int(math.prod(d for d in self.target_shape if d != -1))
        if -1 in self.target_shape:
            if known == 0 or total % known:
                self._fail(input_shape)
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            self._fail(input_shape)
        return self.target_shape

    def _fail(self, input_shape):
        raise ValueError(f"Layer \"{self.name}\" (Reshape): total size of the input shape "
                         f"{tuple(input_shape)} does not match the target shape "
                         f"{self.target_shape}")

    def call(self, inputs):
        return ag.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        return dict(super().get_config(), target_shape=list(self.target_shape))


class Permute(Layer):
    """Permute the non-batch axes; ``dims`` are 1-indexed: ``Permute((2, 1))``."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1..{len(self.dims)}, got "
                             f"{self.dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ag.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return dict(super().get_config(), dims=list(self.dims))


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        batch, features = inputs.shape
        return ag.broadcast_to(ag.expand_dims(inputs, 1), (batch, self.n, features))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return dict(super().get_config(), n=self.n)


class Lambda(Layer):
    """Wrap a function of tensors as a layer. ``output_shape`` (without the batch dimension, or a
    function of the input shape) is optional: otherwise the shape is found by running the function.
    ``arguments``: extra keyword arguments for the function."""

    _cast_inputs = False

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_mask = "mask" in params
        self._fn_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_mask:
            kwargs["mask"] = mask
        if self._fn_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def _computes_own_mask(self):
        return self.mask is not None

    def _compute_output_specs(self, inputs, args, kwargs):
        if self._output_shape is None:
            from .node import infer_output_specs
            return infer_output_specs(self, inputs, args, kwargs)
        return super()._compute_output_specs(inputs, args, kwargs)

    def _output_dtype(self, input_dtypes):
        return input_dtypes[0] if input_dtypes else self.dtype

    def compute_output_shape(self, input_shape):
        spec = self._output_shape
        if spec is None:
            return super().compute_output_shape(input_shape)
        if callable(spec):
            shape = spec(input_shape)
            return nest.lists_to_shapes(shape) if not isinstance(shape, tuple) else shape
        if nest.is_shape(spec):
            batch = nest.flatten_shapes(input_shape)[0][0]
            return (batch,) + tuple(spec)
        return [(nest.flatten_shapes(input_shape)[0][0],) + tuple(s) for s in spec]

    def get_config(self):
        from .serialization import serialize_function
        cfg = dict(super().get_config(), **serialize_function(self.function, "function"))
        spec = self._output_shape
        if callable(spec):
            cfg.update(serialize_function(spec, "output_shape"))
        else:
            cfg.update(output_shape=nest.shapes_to_lists(spec) if spec is not None else None,
                       output_shape_type="raw")
        cfg["arguments"] = self.arguments
        if self.mask is not None and not callable(self.mask):
            cfg["mask"] = self.mask
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from .serialization import deserialize_function, clean_layer_config
        config = dict(config)
        function = deserialize_function(config, "function", custom_objects, safe_mode)
        output_shape = config.get("output_shape")
        if config.get("output_shape_type") in ("function", "lambda") or isinstance(output_shape,
                                                                                   dict):
            output_shape = deserialize_function(config, "output_shape", custom_objects, safe_mode)
        elif output_shape is not None:
            output_shape = nest.lists_to_shapes(output_shape)
        for key in ("function", "function_type", "module", "output_shape", "output_shape_type",
                    "output_shape_module"):
            config.pop(key, None)
        config = clean_layer_config(cls, config, custom_objects)
        return cls(function, output_shape=output_shape, **config)


class Masking(Layer):
    """Mask the timesteps whose features all equal ``mask_value`` (and zero them)."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ag.any(ag.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ag.any(ag.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * ag.cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), mask_value=self.mask_value)


class ActivityRegularization(Layer):
    """Identity that adds ``l1·Σ|x| + l2·Σx²`` of its output to the losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = l1, l2
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), l1=self.l1, l2=self.l2)

