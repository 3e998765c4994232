"""``keras.backend`` (``import keras_facade.backend as K``): global settings, name counters, the
learning phase, the random seed, the device, and thin tensor helpers over ``autograd_core`` for
Lambda layers."""
import numpy as np

import autograd_core as ag

_settings = {"epsilon": 1e-7, "floatx": "float32", "image_data_format": "channels_last",
             "learning_phase": None, "device": "cpu"}
_uids = {}
_random = {"rng": np.random.default_rng()}


# -- settings -------------------------------------------------------------------------------------
def epsilon():
    """The fuzz factor used in numeric expressions (1e-7)."""
    return _settings["epsilon"]


def set_epsilon(value):
    _settings["epsilon"] = float(value)


def floatx():
    """The default float type as a string: ``'float32'``."""
    return _settings["floatx"]


def set_floatx(value):
    value = str(np.dtype(value))
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"set_floatx: unknown float type {value!r}")
    _settings["floatx"] = value


def image_data_format():
    """``'channels_last'`` (default) or ``'channels_first'``."""
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"set_image_data_format: expected 'channels_last' or "
                         f"'channels_first', got {data_format!r}")
    _settings["image_data_format"] = data_format


def image_dim_ordering():
    """Keras 1 spelling: ``'tf'`` for channels_last, ``'th'`` for channels_first."""
    return "tf" if image_data_format() == "channels_last" else "th"


def set_image_dim_ordering(dim_ordering):
    set_image_data_format({"tf": "channels_last", "th": "channels_first"}[dim_ordering])


def normalize_data_format(value):
    if value is None:
        return image_data_format()
    value = str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {value!r}")
    return value


def backend():
    return "autograd_core"


def set_device(device):
    """Where new weights and converted input arrays live: 'cpu' (default), 'cuda', 'cuda:1'..."""
    _settings["device"] = str(ag.device(device))


def get_device():
    """The device for new weights and inputs (see ``set_device``)."""
    return _settings["device"]


# -- names ----------------------------------------------------------------------------------------
def get_uid(prefix=""):
    """How many times ``prefix`` was asked for, counting this call (1, 2, ...)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def reset_uids():
    _uids.clear()


def clear_session(free_memory=True):
    """Reset the automatic name counters (and the learning phase). ``free_memory`` (Keras 3) is
    accepted: nothing is cached between sessions here, memory is freed with the objects."""
    reset_uids()
    _settings["learning_phase"] = None


# -- learning phase -------------------------------------------------------------------------------
def learning_phase():
    """1 while training, 0 at inference (0 unless set with ``set_learning_phase``)."""
    value = _settings["learning_phase"]
    return 0 if value is None else value


def set_learning_phase(value):
    if value not in (0, 1, True, False):
        raise ValueError(f"set_learning_phase: expected 0 or 1, got {value!r}")
    _settings["learning_phase"] = int(value)


def global_training_flag():
    """The training flag implied by ``set_learning_phase`` (None when never set)."""
    value = _settings["learning_phase"]
    return None if value is None else bool(value)


# -- randomness -----------------------------------------------------------------------------------
def set_random_seed(seed):
    """One seed for weight initialization, dropout and noise, the engine's own generator and
    numpy's global one (which orders shuffled batches), as ``keras.utils.set_random_seed``."""
    _random["rng"] = np.random.default_rng(seed)
    ag.manual_seed(seed)
    np.random.seed(seed)


def rng(seed=None):
    """A numpy generator: a fresh seeded one when ``seed`` is given, else the global one."""
    return np.random.default_rng(seed) if seed is not None else _random["rng"]


# -- tensors --------------------------------------------------------------------------------------
def _t(x):
    if isinstance(x, ag.Tensor):
        return x
    arr = np.asarray(x)
    return ag.tensor(arr.astype(floatx()) if arr.dtype == np.float64 else arr, device=get_device())


def is_tensor(x):
    return isinstance(x, ag.Tensor)


def is_keras_tensor(x):
    from .layers.input_layer import KerasTensor
    return isinstance(x, KerasTensor)


def variable(value, dtype=None, name=None, constraint=None):
    from .variables import Variable
    return Variable(np.asarray(value, dtype=dtype or floatx()), name=name or "variable",
                    constraint=constraint, device=get_device())


def constant(value, dtype=None, shape=None, name=None):
    arr = np.asarray(value, dtype=dtype or floatx())
    if shape is not None:
        arr = np.broadcast_to(arr, shape).copy()
    return ag.tensor(arr, device=get_device())


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):
    return variable(np.eye(size), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return ag.zeros_like(_t(x), dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return ag.ones_like(_t(x), dtype=dtype)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _t(rng(seed).uniform(minval, maxval, shape).astype(dtype or floatx()))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _t(rng(seed).normal(mean, stddev, shape).astype(dtype or floatx()))


def get_value(x):
    return np.array(_t(x).numpy(), copy=True)


def batch_get_value(xs):
    return [get_value(x) for x in xs]


def set_value(x, value):
    x.assign(value)


def batch_set_value(pairs):
    for x, value in pairs:
        x.assign(value)


def int_shape(x):
    return tuple(x.shape)


def shape(x):
    return tuple(x.shape)


def ndim(x):
    return len(x.shape)


def dtype(x):
    return str(x.dtype)


def count_params(x):
    return int(np.prod(x.shape))


def cast(x, dtype):
    return ag.cast(_t(x), dtype)


def stop_gradient(x):
    return _t(x).detach()


def _reduce(op):
    def reduce(x, axis=None, keepdims=False):
        return op(_t(x), axis=axis, keepdims=keepdims)
    reduce.__name__ = op.__name__
    return reduce


sum = _reduce(ag.sum)  # noqa: A001
mean = _reduce(ag.mean)
max = _reduce(ag.max)  # noqa: A001
min = _reduce(ag.min)  # noqa: A001
prod = _reduce(ag.prod)
any = _reduce(ag.any)  # noqa: A001
all = _reduce(ag.all)  # noqa: A001


def var(x, axis=None, keepdims=False):
    return ag.var(_t(x), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ag.std(_t(x), axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    return ag.argmax(_t(x), axis=axis)


def argmin(x, axis=-1):
    return ag.argmin(_t(x), axis=axis)


def cumsum(x, axis=0):
    return ag.cumsum(_t(x), axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    return ag.logsumexp(_t(x), axis=axis, keepdims=keepdims)


def square(x):
    return ag.square(_t(x))


def sqrt(x):
    return ag.sqrt(ag.clip(_t(x), 0.0, None))


def exp(x):
    return ag.exp(_t(x))


def log(x):
    return ag.log(_t(x))


def abs(x):  # noqa: A001
    return ag.abs(_t(x))


def sign(x):
    return ag.sign(_t(x))


def round(x):  # noqa: A001
    return ag.round(_t(x))


def pow(x, a):  # noqa: A001
    return _t(x) ** a


def maximum(x, y):
    return ag.maximum(_t(x), y)


def minimum(x, y):
    return ag.minimum(_t(x), y)


def equal(x, y):
    return ag.equal(_t(x), y)


def not_equal(x, y):
    return ag.not_equal(_t(x), y)


def greater(x, y):
    return ag.greater(_t(x), y)


def greater_equal(x, y):
    return ag.greater_equal(_t(x), y)


def less(x, y):
    return ag.less(_t(x), y)


def less_equal(x, y):
    return ag.less_equal(_t(x), y)


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return ag.clip(_t(x), min_value, max_value)


def switch(condition, then_expression, else_expression):
    return ag.where(_t(condition), then_expression, else_expression)


def sigmoid(x):
    return ag.sigmoid(_t(x))


def tanh(x):
    return ag.tanh(_t(x))


def softmax(x, axis=-1):
    return ag.softmax(_t(x), axis=axis)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    from .activations import relu as _relu
    return _relu(_t(x), alpha=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha=1.0):
    from .activations import elu as _elu
    return _elu(_t(x), alpha)


def softplus(x):
    from .activations import softplus as _softplus
    return _softplus(_t(x))


def hard_sigmoid(x):
    from .activations import hard_sigmoid as _hard_sigmoid
    return _hard_sigmoid(_t(x))


def l2_normalize(x, axis=None):
    x = _t(x)
    sq = ag.sum(x * x, axis=axis, keepdims=True)
    return x * (1.0 / ag.sqrt(ag.maximum(sq, 1e-12)))


def dot(x, y):
    """Keras' ``dot``: a matmul over the last axis of x and the second-to-last of y."""
    x, y = _t(x), _t(y)
    if y.ndim > 2:
        return ag.tensordot(x, y, axes=([x.ndim - 1], [y.ndim - 2]))
    return ag.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Dot product of each sample of x with the same sample of y over ``axes``."""
    x, y = _t(x), _t(y)
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2 if y.ndim > 2 else y.ndim - 1)
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    if ax == 0 or ay == 0:
        raise ValueError("batch_dot: cannot contract over the batch axis")
    letters = "bcdefghijklmnopqrstuvwxyz"
    xs = ["a"] + [letters[i] for i in range(x.ndim - 1)]
    ys = ["a"] + [letters[x.ndim - 1 + i] for i in range(y.ndim - 1)]
    ys[ay] = xs[ax]
    out = [c for i, c in enumerate(xs) if i != ax] + \
        [c for i, c in enumerate(ys) if i not in (0, ay)]
    result = ag.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
    return ag.expand_dims(result, 1) if result.ndim == 1 else result


def transpose(x):
    return ag.transpose(_t(x))


def permute_dimensions(x, pattern):
    return ag.transpose(_t(x), tuple(pattern))


def reshape(x, shape):
    return ag.reshape(_t(x), tuple(shape))


def expand_dims(x, axis=-1):
    return ag.expand_dims(_t(x), axis)


def squeeze(x, axis):
    return ag.squeeze(_t(x), axis)


def flatten(x):
    return ag.reshape(_t(x), (-1,))


def batch_flatten(x):
    x = _t(x)
    return ag.reshape(x, (x.shape[0], -1))


def concatenate(tensors, axis=-1):
    return ag.concatenate([_t(t) for t in tensors], axis=axis)


def stack(x, axis=0):
    return ag.stack([_t(t) for t in x], axis=axis)


def gather(reference, indices):
    idx = indices.data if isinstance(indices, ag.Tensor) else np.asarray(indices)
    return _t(reference)[idx.astype(np.int64)]


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim)."""
    x = _t(x)
    return ag.broadcast_to(ag.expand_dims(x, 1), (x.shape[0], n) + x.shape[1:])


def repeat_elements(x, rep, axis):
    return ag.repeat(_t(x), rep, axis=axis)


def tile(x, n):
    return ag.tile(_t(x), n)


def one_hot(indices, num_classes):
    idx = indices.numpy() if isinstance(indices, ag.Tensor) else indices
    idx = np.asarray(idx).astype(np.int64)
    return _t(np.eye(num_classes, dtype=floatx())[idx])


def dropout(x, level, noise_shape=None, seed=None):
    return ag.nn.dropout(_t(x), level, training=True, noise_shape=noise_shape,
                         generator=rng(seed))


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """Keras 2's ``K.function([model.input], [layer.output])``: a callable from a list of arrays to
    the list of output arrays. ``K.learning_phase()`` among the inputs takes the training flag."""
    from .layers.input_layer import KerasTensor
    from .models import Model
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    symbolic = [t for t in inputs if isinstance(t, KerasTensor)]
    phase_at = next((i for i, t in enumerate(inputs) if not isinstance(t, KerasTensor)), None)
    many = isinstance(outputs, (list, tuple))
    model = Model(symbolic, list(outputs) if many else [outputs])

    def run(values):
        values = list(values)
        training = bool(values.pop(phase_at)) if phase_at is not None else None
        with ag.no_grad():
            outs = model(values if len(values) > 1 else values[0], training=training)
        return [o.numpy() for o in outs]
    return run


def in_train_phase(x, alt, training=None):
    training = bool(learning_phase()) if training is None else training
    picked = x if training else alt
    return picked() if callable(picked) else picked


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training)


def print_tensor(x, message=""):
    print(message, _t(x).numpy())
    return x


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("np", "ag")]
