"""Keras 1/2 spellings, translated in one table.

Each entry of :data:`TABLE` says how an old call of a constructor or method maps to the modern one:
keyword renames, value maps and, where the positional arguments changed meaning, a preprocessor.
:func:`convert` applies an entry; when anything changed it emits one ``DeprecationWarning`` that
shows the modern call. Passing an old name together with its new name is a ``TypeError``, as in
Keras 2.

Use it with the :func:`interface` decorator on ``__init__`` or a method, or call :func:`convert`.
"""
import functools
import inspect
import warnings

import numpy as np

from . import config

# W/b were the Keras 1 names of kernel/bias
_WEIGHTS = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
            "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
            "b_constraint": "bias_constraint", "bias": "use_bias"}
_DIM_ORDERING = {"dim_ordering": {"tf": "channels_last", "th": "channels_first", "default": None}}
_CONV = dict(_WEIGHTS, nb_filter="filters", subsample="strides", border_mode="padding",
             dim_ordering="data_format", atrous_rate="dilation_rate")
_POOL_1D = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"}
_SPATIAL = {"border_mode": "padding", "dim_ordering": "data_format"}
_RNN = dict(_WEIGHTS, output_dim="units", inner_init="recurrent_initializer",
            inner_activation="recurrent_activation", U_regularizer="recurrent_regularizer",
            U_constraint="recurrent_constraint", dropout_W="dropout", dropout_U="recurrent_dropout",
            consume_less="implementation")
_CONV_LSTM2D = dict(_WEIGHTS, nb_filter="filters", subsample="strides", border_mode="padding",
                    dim_ordering="data_format", inner_init="recurrent_initializer",
                    U_regularizer="recurrent_regularizer", inner_activation="recurrent_activation",
                    dropout_W="dropout", dropout_U="recurrent_dropout")


class Conversion:
    """One row of the table.

    ``renames``: old keyword -> new keyword. ``values``: keyword -> {old value: new value}, applied
    before renaming. ``preprocess(args, kwargs, notes) -> (args, kwargs)`` handles what renames
    cannot (positional meaning, folded or dropped arguments); it appends a short note per change.
    """

    def __init__(self, renames=None, values=None, preprocess=None):
        self.renames = dict(renames or {})
        self.values = dict(values or {})
        self.preprocess = preprocess


# -- preprocessors --------------------------------------------------------------------------------
def _input_dim_length(args, kwargs, notes):
    """Keras 1 ``input_dim`` (+ ``input_length``) on sequence layers -> ``input_shape``."""
    if "input_length" in kwargs or ("input_dim" in kwargs and "input_shape" not in kwargs):
        if "input_dim" in kwargs or "input_length" in kwargs:
            length = kwargs.pop("input_length", None)
            dim = kwargs.pop("input_dim", None)
            kwargs["input_shape"] = (length, dim)
            notes.append("input_dim/input_length")
    return args, kwargs


def _conv_kernel(rank):
    """``Conv2D(32, 3, 3)``: Keras 1 row/column counts -> ``kernel_size=(3, 3)`` (as Keras 2)."""
    dims = ("nb_row", "nb_col") if rank == 2 else ("kernel_dim1", "kernel_dim2", "kernel_dim3")

    def preprocess(args, kwargs, notes):
        args = list(args)
        if len(args) > rank + 1:
            raise TypeError(f"Convolution layer can receive at most {rank + 1} positional "
                            f"arguments (filters and {rank} kernel dimensions), got {len(args)}")
        clash = [k for k in ("padding", "strides", "data_format") if k in kwargs]
        if len(args) == rank + 1 and clash and \
                config.default("legacy.conv_positional_strides") == "strides":
            pass  # Keras 2+ code (it has their keywords): filters, kernel_size, strides
        elif len(args) == rank + 1 and all(isinstance(a, (int, np.integer)) for a in args[1:]):
            if clash:
                raise ValueError(
                    f"It seems that you are passing both `kernel_size` and `strides` as integer "
                    f"positional arguments together with the Keras 2 keyword {clash[0]!r}. For "
                    f"safety this is disallowed: pass `kernel_size=(...)` and `strides=` as "
                    f"keywords.")
            args = [args[0], tuple(int(a) for a in args[1:])]
            notes.append("kernel_size")
        else:
            named = [kwargs.pop(k) for k in dims if k in kwargs]
            if named:
                given = list(args[1:]) if len(args) > 1 else []
                size = tuple(int(v) for v in given + named)
                if len(size) != rank:
                    raise TypeError(f"Convolution layer: {'/'.join(dims)} give {len(size)} kernel "
                                    f"dimensions, expected {rank}")
                if args:
                    args = args[:1] + [size]
                else:  # filters given as a keyword too (nb_filter=)
                    kwargs["kernel_size"] = size
                notes.append("kernel_size")
        if rank == 2 and "output_shape" in kwargs:  # Deconvolution2D(..., output_shape)
            kwargs.pop("output_shape")
            notes.append("output_shape")
        return args, kwargs
    return preprocess


def _deconv2d(args, kwargs, notes):
    args = list(args)
    if len(args) == 4:  # Deconvolution2D(nb_filter, nb_row, nb_col, output_shape)
        args.pop()
        notes.append("output_shape")
    return _conv_kernel(2)(args, kwargs, notes)


def _separable2d(args, kwargs, notes):
    """Keras 1 ``init`` initialised both kernels of a separable convolution (as Keras 2 converts)."""
    if "init" in kwargs:
        kwargs["depthwise_initializer"] = kwargs["pointwise_initializer"] = kwargs.pop("init")
        notes.append("init")
    return _conv_kernel(2)(args, kwargs, notes)


def _conv1d(args, kwargs, notes):
    if "filter_length" in kwargs:
        kwargs["kernel_size"] = kwargs.pop("filter_length")
        notes.append("filter_length")
    if "subsample_length" in kwargs:
        kwargs["strides"] = kwargs.pop("subsample_length")
        notes.append("subsample_length")
    return _input_dim_length(args, kwargs, notes)


def _forget_bias_init(args, kwargs, notes):
    """Keras 1 ``forget_bias_init='one'`` -> ``unit_forget_bias=True``; other values are dropped."""
    if "forget_bias_init" in kwargs:
        value = kwargs.pop("forget_bias_init")
        if value in ("one", "ones"):
            kwargs["unit_forget_bias"] = True
        else:
            warnings.warn(f"The `forget_bias_init` argument ({value!r}) has been ignored: only "
                          f"'one' has an equivalent (`unit_forget_bias=True`).", UserWarning,
                          stacklevel=5)
        notes.append("forget_bias_init")
    return args, kwargs


def _recurrent(args, kwargs, notes):
    args, kwargs = _forget_bias_init(*_input_dim_length(args, kwargs, notes), notes)
    if kwargs.get("consume_less") is not None:
        kwargs["consume_less"] = {"cpu": 0, "mem": 1, "gpu": 2}.get(kwargs["consume_less"],
                                                                      kwargs["consume_less"])
    if kwargs.get("implementation") == 0 or kwargs.get("consume_less") == 0:
        kwargs["implementation" if "implementation" in kwargs else "consume_less"] = 1
        notes.append("implementation")
    return args, kwargs


def _conv_lstm2d(args, kwargs, notes):
    """Keras 1 ConvLSTM2D: ``forget_bias_init`` and the kernel given as rows/columns."""
    return _conv_kernel(2)(*_forget_bias_init(args, kwargs, notes), notes)


def _embedding(args, kwargs, notes):
    if "dropout" in kwargs:
        rate = kwargs.pop("dropout")
        warnings.warn(f"The `dropout` argument of `Embedding` ({rate}) was removed in Keras 2 and "
                      f"is ignored; add a `SpatialDropout1D({rate})` layer after the embedding.",
                      UserWarning, stacklevel=4)
        notes.append("dropout")
    return args, kwargs


def _batch_normalization(args, kwargs, notes):
    if "mode" in kwargs:
        mode = kwargs.pop("mode")
        if mode != 0:
            raise TypeError(f"BatchNormalization: `mode={mode}` is not supported (only the Keras 1 "
                            f"default mode=0 has a Keras 2 equivalent)")
        notes.append("mode")
    return args, kwargs


def _zero_padding2d(args, kwargs, notes):
    padding = kwargs.get("padding", args[0] if args else None)
    if isinstance(padding, dict):
        pads = ((padding.get("top_pad", 0), padding.get("bottom_pad", 0)),
                (padding.get("left_pad", 0), padding.get("right_pad", 0)))
        if args:
            args = [pads] + list(args[1:])
        else:
            kwargs["padding"] = pads
        notes.append("padding")
    return args, kwargs


def _upsampling1d(args, kwargs, notes):
    if "length" in kwargs:
        kwargs["size"] = kwargs.pop("length")
        notes.append("length")
    return args, kwargs


def _generator_steps(args, kwargs, notes):
    """``samples_per_epoch``/``val_samples`` counted samples; the new arguments count batches."""
    if "samples_per_epoch" in kwargs or "val_samples" in kwargs:
        generator = args[0] if args else kwargs.get("generator")
        batch = getattr(generator, "batch_size", None)
        for old, new in (("samples_per_epoch", "steps_per_epoch"), ("val_samples", "steps")):
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"received both `{old}` and `{new}`. Stick to the latter!")
                value = kwargs.pop(old)
                kwargs[new] = max(1, value // batch) if batch else value
                warnings.warn(f"The semantics of the Keras 2 argument `{new}` differ from `{old}`: "
                              f"`{new}` counts batches, not samples (here {kwargs[new]}).",
                              UserWarning, stacklevel=4)
                notes.append(old)
    if "nb_val_samples" in kwargs:
        warnings.warn("`nb_val_samples` is renamed `validation_steps` without division: it now "
                      "counts batches, so validation runs batch_size times more samples.",
                      UserWarning, stacklevel=4)
    return args, kwargs


_GENERATOR = {"nb_epoch": "epochs", "nb_val_samples": "validation_steps", "nb_worker": "workers",
              "pickle_safe": "use_multiprocessing", "max_q_size": "max_queue_size"}

#: The one table of Keras 1/2 spellings, keyed by constructor or method name.
TABLE = {
    "Dense": Conversion(dict(_WEIGHTS, output_dim="units")),
    "Dropout": Conversion({"p": "rate"}),
    "SpatialDropout1D": Conversion({"p": "rate"}),
    "SpatialDropout2D": Conversion({"p": "rate", **_SPATIAL}, _DIM_ORDERING),
    "GaussianDropout": Conversion({"p": "rate"}),
    "GaussianNoise": Conversion({"sigma": "stddev"}),
    "Embedding": Conversion({"init": "embeddings_initializer",
                             "W_regularizer": "embeddings_regularizer",
                             "W_constraint": "embeddings_constraint"}, preprocess=_embedding),
    "Conv1D": Conversion(_CONV, preprocess=_conv1d),
    "Conv2D": Conversion(_CONV, _DIM_ORDERING, _conv_kernel(2)),
    "Conv3D": Conversion(_CONV, _DIM_ORDERING, _conv_kernel(3)),
    "Conv2DTranspose": Conversion(_CONV, _DIM_ORDERING, _deconv2d),
    "SeparableConv2D": Conversion(_CONV, _DIM_ORDERING, _separable2d),
    "LocallyConnected1D": Conversion(_CONV, preprocess=_conv1d),
    "LocallyConnected2D": Conversion(_CONV, _DIM_ORDERING, _conv_kernel(2)),
    "MaxPooling1D": Conversion(_POOL_1D),
    "AveragePooling1D": Conversion(_POOL_1D),
    "MaxPooling2D": Conversion(_SPATIAL, _DIM_ORDERING),
    "AveragePooling2D": Conversion(_SPATIAL, _DIM_ORDERING),
    "GlobalPooling": Conversion(_SPATIAL, _DIM_ORDERING),
    "UpSampling1D": Conversion({}, preprocess=_upsampling1d),
    "UpSampling2D": Conversion(_SPATIAL, _DIM_ORDERING),
    "ZeroPadding2D": Conversion(_SPATIAL, _DIM_ORDERING, _zero_padding2d),
    "Cropping2D": Conversion(_SPATIAL, _DIM_ORDERING),
    "Flatten": Conversion(_SPATIAL, _DIM_ORDERING),
    "SimpleRNN": Conversion(_RNN, preprocess=_recurrent),
    "LSTM": Conversion(_RNN, preprocess=_recurrent),
    "GRU": Conversion(_RNN, preprocess=_recurrent),
    "ConvLSTM2D": Conversion(_CONV_LSTM2D, _DIM_ORDERING, _conv_lstm2d),
    "BatchNormalization": Conversion({"beta_init": "beta_initializer",
                                      "gamma_init": "gamma_initializer"},
                                     preprocess=_batch_normalization),
    "PReLU": Conversion({"init": "alpha_initializer"}),
    "LeakyReLU": Conversion({"alpha": "negative_slope"}),
    "Model": Conversion({"input": "inputs", "output": "outputs"}),
    "Input": Conversion({"input_dtype": "dtype"}),
    "InputLayer": Conversion({"input_dtype": "dtype"}),
    "fit": Conversion({"nb_epoch": "epochs"}),
    "fit_generator": Conversion(_GENERATOR, preprocess=_generator_steps),
    "evaluate_generator": Conversion(_GENERATOR, preprocess=_generator_steps),
    "predict_generator": Conversion(_GENERATOR, preprocess=_generator_steps),
    "optimizer": Conversion({"lr": "learning_rate"}),
    "ReduceLROnPlateau": Conversion({"epsilon": "min_delta"}),
}


def _show(value):
    """A value as Keras 2 shows it in the message: strings quoted, arrays as `array`, other values
    cut after 10 characters."""
    if isinstance(value, str):
        return f'"{value}"'
    text = "array" if isinstance(value, np.ndarray) or type(value).__name__ == "Tensor" \
        else repr(value)
    return text if len(text) <= 10 else text[:10] + "..."


def modern_call(name, args, kwargs):
    """The call spelled with its converted arguments, e.g. ``Dense(64, activation="relu")``."""
    parts = [_show(a) for a in args] + [f"{k}={_show(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def convert(key, args, kwargs, name=None, stacklevel=3, positional_names=()):
    """Apply ``TABLE[key]`` to a call's positional ``args`` and keyword ``kwargs``.

    Returns the converted ``(args, kwargs)``; warns once (``DeprecationWarning``) when anything
    changed. ``name`` is the spelling shown in messages (defaults to ``key``);
    ``positional_names`` name the parameters the positional arguments fill.
    """
    row = TABLE[key]
    name = name or key
    args, kwargs = list(args), dict(kwargs)
    notes = []
    if row.preprocess is not None:
        args, kwargs = row.preprocess(args, kwargs, notes)
    for arg, mapping in row.values.items():
        if arg in kwargs and isinstance(kwargs[arg], str) and kwargs[arg] in mapping:
            kwargs[arg] = mapping[kwargs[arg]]
    filled = set(positional_names[:len(args)])
    for old, new in row.renames.items():
        if old in kwargs:
            if new in kwargs or new in filled:
                raise TypeError(f"The `{name}` call received both the legacy keyword argument "
                                f"`{old}` and the Keras 2 keyword argument `{new}`. "
                                f"Stick to the latter!")
            kwargs = {(new if k == old else k): v for k, v in kwargs.items()}
            notes.append(old)
    if notes:
        warnings.warn(f"Update your `{name}` call to the Keras 2 API: "
                      f"`{modern_call(name, args, kwargs)}`", DeprecationWarning,
                      stacklevel=stacklevel)
    return args, kwargs


def interface(key):
    """Decorate ``__init__`` or a method so its calls go through ``convert(key, ...)``.

    Messages name the class for constructors (``Conv2D``, or the alias' real class) and the method
    otherwise.
    """
    def decorate(fn):
        is_init = fn.__name__ == "__init__"
        names = tuple(inspect.signature(fn).parameters)[1:]

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            if args or kwargs:
                shown = type(self).__name__ if is_init else fn.__name__
                args, kwargs = convert(key, args, kwargs, name=shown, stacklevel=3,
                                       positional_names=names)
            return fn(self, *args, **kwargs)
        return wrapper
    return decorate
