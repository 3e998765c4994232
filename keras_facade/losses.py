"""``keras.losses``: loss functions (per-sample values, averaged over the last axis) and ``Loss``
classes (callables returning a reduced scalar tensor), with Keras 3's definitions and epsilons,
the Keras 1/2 aliases, ``get``/``serialize``/``deserialize``.

The cross-entropies are ``autograd_core.nn``'s (keras.ops semantics; stable from logits).
"""
import math
import re

import numpy as np

import autograd_core as ag
from autograd_core import nn
from . import _registry

EPSILON = 1e-7
_REDUCTIONS = ("sum_over_batch_size", "auto", "sum", "none", "mean", "mean_with_sample_weight", None)


# -- tensors in, tensors out ---------------------------------------------------------------------
_LOG2 = math.log(2.0)
_LOG_ZERO = -1e30

def as_tensor(x, dtype=None, like=None):
    """``x`` as a tensor (no copy for tensors); numpy float64 data becomes float32 unless ``dtype``
    or the dtype of ``like`` says otherwise."""
    if isinstance(x, ag.Tensor):
        t = x
    else:
        arr = np.asarray(x)
        if dtype is None and like is None and arr.dtype == np.float64:
            dtype = np.float32
        t = ag.tensor(arr, device=like.device if isinstance(like, ag.Tensor) else None)
    if dtype is None and isinstance(like, ag.Tensor):
        dtype = like.dtype
    if dtype is not None and t.dtype != np.dtype(dtype):
        t = ag.cast(t, dtype)
    return t


def _pair(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = ag.cast(y_pred, np.float32)
    return as_tensor(y_true, like=y_pred), y_pred


def _same_rank_pair(y_true, y_pred):
    """``_pair`` then ``match_ranks``: (B,) targets meet (B, 1) outputs elementwise."""
    return match_ranks(*_pair(y_true, y_pred))


def divide_no_nan(a, b):
    """a / b, and 0 where b == 0 (``b`` a tensor or a Python number)."""
    if not isinstance(b, ag.Tensor):
        return a * (1.0 / b) if b else ag.zeros_like(a)
    safe = ag.where(b != 0, b, 1.0)
    return ag.where(b != 0, a / safe, 0.0)


def match_ranks(x1, x2, expand_rank_1=True):
    """Keras 3's squeeze-or-expand: make two tensors the same rank when they differ by one trailing
    size-1 axis (so (B,) targets meet (B, 1) outputs without broadcasting to (B, B))."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            return x1, ag.expand_dims(x2, -1)
        return ag.squeeze(x1, -1), x2
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            return ag.expand_dims(x1, -1), x2
        return x1, ag.squeeze(x2, -1)
    return x1, x2


def one_hot(indices, depth, dtype):
    """One-hot rows (engine ops): ``indices`` integer tensor, result shape indices.shape + (depth,)."""
    classes = ag.arange(depth, device=indices.device)
    return ag.cast(ag.equal(ag.expand_dims(indices, -1), classes), dtype)


# -- loss functions: (y_true, y_pred) -> per-sample losses ---------------------------------------
def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    return ag.mean(ag.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    return ag.mean(ag.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    diff = ag.abs((y_true - y_pred) / ag.maximum(ag.abs(y_true), EPSILON))
    return 100.0 * ag.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    first = ag.log(ag.maximum(y_pred, EPSILON) + 1.0)
    second = ag.log(ag.maximum(y_true, EPSILON) + 1.0)
    return ag.mean(ag.square(first - second), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ag.mean(nn.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_crossentropy: targets of shape {y_true.shape} do not match "
                         f"predictions of shape {y_pred.shape}; it expects one-hot targets (use "
                         f"keras.utils.to_categorical, or sparse_categorical_crossentropy for "
                         f"integer labels)")
    if label_smoothing:
        classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return nn.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def _sparse_labels(y_true, y_pred, op="sparse_categorical_crossentropy"):
    """Integer targets of shape ``y_pred.shape[:-1]`` (a trailing 1 is dropped), on the
    predictions' device."""
    if not isinstance(y_true, ag.Tensor):
        y_true = ag.tensor(np.asarray(y_true), device=y_pred.device)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ag.squeeze(y_true, -1)
    if y_true.dtype.kind == "f":
        y_true = ag.cast(y_true, np.int64)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"{op}: integer targets of shape {y_true.shape} "
                         f"do not fit predictions of shape {y_pred.shape}; expected targets of shape "
                         f"{y_pred.shape[:-1]} (or with a trailing 1)")
    return y_true


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy with integer targets; entries of ``ignore_class`` get a loss of 0 (the
    ``Loss`` class also leaves them out of its average)."""
    y_pred = as_tensor(y_pred)
    y_true = _sparse_labels(y_true, y_pred)
    if ignore_class is None:
        return nn.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    valid = ag.not_equal(y_true, ignore_class)
    losses = nn.sparse_categorical_crossentropy(ag.where(valid, y_true, 0), y_pred,
                                                from_logits=from_logits, axis=axis)
    return ag.where(valid, losses, 0.0)


def _signed_labels(y_true):
    """Hinge targets: {0, 1} labels become {-1, 1}; others are used as given."""
    binary = ag.all(ag.logical_or(ag.equal(y_true, 0.0), ag.equal(y_true, 1.0)))
    return ag.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return ag.mean(ag.relu(1.0 - _signed_labels(y_true) * y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return ag.mean(ag.square(ag.relu(1.0 - _signed_labels(y_true) * y_pred)), axis=-1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ag.sum(y_true * y_pred, axis=-1)
    neg = ag.max((1.0 - y_true) * y_pred, axis=-1)
    return ag.relu(neg - pos + 1.0)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = ag.clip(y_true, EPSILON, 1.0)
    y_pred = ag.clip(y_pred, EPSILON, 1.0)
    return ag.sum(y_true * ag.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return ag.mean(y_pred - y_true * ag.log(y_pred + EPSILON), axis=-1)


def l2_normalize(x, axis=-1):
    """x / max(||x||, epsilon), i.e. x * min(rsqrt(sum(x^2)), 1 / epsilon) (zero vectors stay 0)."""
    return x / ag.sqrt(ag.maximum(ag.sum(ag.square(x), axis=axis, keepdims=True), EPSILON ** 2))


def cosine_similarity(y_true, y_pred, axis=-1):
    """The loss form: minus the cosine similarity (so minimizing aligns the vectors)."""
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    return -ag.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    error = ag.abs(y_pred - y_true)
    quadratic = ag.minimum(error, delta)
    return ag.mean(0.5 * ag.square(quadratic) + delta * (error - quadratic), axis=-1)


def softplus(x):
    return ag.relu(x) + ag.log1p(ag.exp(-ag.abs(x)))


def log_cosh(y_true, y_pred):
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    error = y_pred - y_true
    return ag.mean(error + softplus(-2.0 * error) - _LOG2, axis=-1)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by the focal factor (1 - p_t)**gamma (p_t: the probability given
    to the true class), and by alpha / 1 - alpha for classes 1 / 0 with ``apply_class_balancing``.
    Logits go through a sigmoid first (then the clipped probability formula, as Keras)."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ag.sigmoid(y_pred)
    bce = nn.binary_crossentropy(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = ag.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ag.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(-alpha * (1 - p)**gamma * y * log(p)) over ``axis`` with p the renormalized, clipped
    probabilities (softmax of logits); ``alpha`` a number or one weight per class."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, got {axis!r}")
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = ag.softmax(y_pred, axis=axis)
    output = ag.clip(y_pred / ag.sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    if not isinstance(alpha, (int, float)):
        alpha = as_tensor(alpha, like=output)
    focal = ag.power(1.0 - output, gamma) * alpha * (-y_true * ag.log(output))
    return ag.sum(focal, axis=axis)


def dice(y_true, y_pred, axis=None):
    """1 - 2 * sum(y * p) / (sum(y) + sum(p) + epsilon), the sums over ``axis`` (all axes when
    None, giving one value for the batch)."""
    y_true, y_pred = _pair(y_true, y_pred)
    overlap = ag.sum(y_true * y_pred, axis=axis)
    total = ag.sum(y_true, axis=axis) + ag.sum(y_pred, axis=axis) + EPSILON
    return 1.0 - 2.0 * overlap / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - tp / (tp + alpha * fp + beta * fn + epsilon) with soft counts summed over ``axis``
    (Keras 3's naming: fp = sum((1 - p) * y), fn = sum(p * (1 - y)))."""
    y_true, y_pred = _pair(y_true, y_pred)
    tp = ag.sum(y_true * y_pred, axis=axis)
    fp = ag.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ag.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - tp / (tp + alpha * fp + beta * fn + EPSILON)


def _pair_masks(labels, ref_labels, remove_diagonal):
    """(same-label, other-label) boolean matrices of shape (queries, references); the diagonal
    leaves the positives with ``remove_diagonal``."""
    same = ag.equal(ag.reshape(labels, (-1, 1)), ag.reshape(ref_labels, (1, -1)))
    other = ag.logical_not(same)
    if remove_diagonal:
        off_diagonal = ag.equal(ag.eye(same.shape[0], same.shape[1], device=same.device), 0.0)
        same = ag.logical_and(same, off_diagonal)
    return same, other


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80.0,
           margin=0.4):
    """Circle loss of L2-normalized embeddings ``y_pred`` (B, D) with integer labels ``y_true``
    (B,) against references (the batch itself by default): softplus of the log-sum-exp of the
    re-weighted positive cosine distances plus that of the negative ones, one value per query."""
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = ag.cast(y_pred, np.float32)
    labels = ag.cast(as_tensor(y_true, like=y_pred), np.int64)
    refs = y_pred if ref_embeddings is None else as_tensor(ref_embeddings, like=y_pred)
    ref_labels = labels if ref_labels is None else ag.cast(as_tensor(ref_labels, like=y_pred),
                                                             np.int64)
    distance = ag.relu(1.0 - ag.matmul(y_pred, ag.transpose(refs)))
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)
    pos_weight = ag.relu((margin + distance) * ag.cast(positive, distance.dtype))
    neg_weight = ag.relu((1.0 + margin - distance) * ag.cast(negative, distance.dtype))
    # a query without positives (or negatives) gets log(0): here a huge negative, so no NaN
    pos = ag.where(positive, -gamma * pos_weight * (margin - distance), _LOG_ZERO)
    neg = ag.where(negative, gamma * neg_weight * (1.0 - margin - distance), _LOG_ZERO)
    return softplus(ag.logsumexp(pos, axis=1) + ag.logsumexp(neg, axis=1))


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p**q) / q with p the probability ``y_pred`` gives the integer label ``y_true``."""
    y_pred = as_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred, "categorical_generalized_cross_entropy")
    p = ag.sum(y_pred * one_hot(labels, y_pred.shape[-1], y_pred.dtype), axis=-1)
    return (1.0 - ag.power(p, q)) / q


def ctc(y_true, y_pred):
    """CTC loss of logits ``y_pred`` (B, T, classes) against dense labels ``y_true`` (B, L): class
    0 is the blank and also the padding, so a row's label length is its count of non-zero entries
    (its first entries are the labels); every sample uses all T steps."""
    y_pred = as_tensor(y_pred)
    labels = ag.cast(as_tensor(y_true), np.int64)
    if labels.ndim != 2 or y_pred.ndim != 3:
        raise ValueError(f"ctc: expects integer labels of shape (batch, max_length) and logits of "
                         f"shape (batch, steps, classes), got labels {labels.shape} and logits "
                         f"{y_pred.shape}")
    label_length = ag.sum(ag.cast(ag.not_equal(labels, 0), np.int64), axis=-1)
    steps = ag.full((y_pred.shape[0],), y_pred.shape[1], dtype=np.int64)
    return nn.ctc_loss(labels, y_pred, label_length, steps, blank=0)


# Keras 1/2/3 aliases
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kullback_leibler_divergence = kld = KLD = kl_divergence
cosine_proximity = cosine = cosine_similarity
huber_loss = huber
logcosh = log_cosh
bce = binary_crossentropy

_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, hinge, squared_hinge, categorical_hinge, kl_divergence, poisson,
    cosine_similarity, huber, log_cosh, binary_focal_crossentropy, categorical_focal_crossentropy,
    dice, tversky, circle, categorical_generalized_cross_entropy, ctc)}
_ALIASES = {"mse": "mean_squared_error", "MSE": "mean_squared_error", "mae": "mean_absolute_error",
            "MAE": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
            "MAPE": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
            "MSLE": "mean_squared_logarithmic_error", "kullback_leibler_divergence": "kl_divergence",
            "kld": "kl_divergence", "KLD": "kl_divergence", "cosine_proximity": "cosine_similarity",
            "cosine": "cosine_similarity", "huber_loss": "huber", "logcosh": "log_cosh",
            "bce": "binary_crossentropy"}


# -- reduction -----------------------------------------------------------------------------------
def _align(values, weight):
    """``weight`` shaped to multiply ``values``: ranks matched as Keras does, then trailing axes
    added (so (B,) weights meet (B, T) values)."""
    values, weight = match_ranks(values, weight)
    if weight.ndim < values.ndim:
        weight = ag.reshape(weight, weight.shape + (1,) * (values.ndim - weight.ndim))
    return values, weight


class Reduction:
    """Keras 2's names of the reduction strings (``keras.losses.Reduction.NONE``...)."""
    AUTO, NONE, SUM, SUM_OVER_BATCH_SIZE = "auto", "none", "sum", "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction key {key!r}; expected one of {cls.all()}")


def prediction_mask(y_pred, values):
    """The mask a masking layer left on ``y_pred`` (e.g. padding after ``Embedding(mask_zero=
    True)``) when it has the shape of the per-sample ``values``, else None. Keras leaves the
    masked-out entries out of losses and metrics."""
    from .layers.base import get_mask
    mask = get_mask(y_pred)
    return mask if mask is not None and tuple(mask.shape) == tuple(values.shape) else None


def reduce_weighted(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weight per-sample ``values`` by ``sample_weight`` and reduce: 'sum_over_batch_size' (Keras's
    default, also 'auto'/'mean') divides the weighted sum by the number of values (not by the sum
    of weights), 'mean_with_sample_weight' by the sum of the weights as given (not broadcast),
    'sum' sums, 'none' keeps them. A boolean ``mask`` (the values' shape) joins the weights; for
    the averaging reductions the masked-out entries also leave the count."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Unknown loss reduction {reduction!r}; use one of {_REDUCTIONS}")
    weight = None if sample_weight is None else as_tensor(sample_weight, like=values)
    if mask is not None:
        mask = ag.cast(mask, values.dtype)
        if reduction in ("sum_over_batch_size", "auto", "mean"):
            mask = mask * divide_no_nan(float(mask.size), ag.sum(mask))
        if weight is None:
            weight = mask
        else:
            mask, weight = _align(mask, weight)
            weight = weight * mask
    if weight is not None:
        values, weight = _align(values, weight)
        values = values * weight
    if reduction in ("none", None):
        return values
    total = ag.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weight is not None:
        return divide_no_nan(total, ag.sum(weight))
    return total * (1.0 / max(values.size, 1))


# -- classes -------------------------------------------------------------------------------------
class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` -> scalar tensor (per ``reduction``).
    Subclasses implement ``call(y_true, y_pred)`` returning per-sample losses."""

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: unknown reduction {reduction!r}; use one of "
                             f"{_REDUCTIONS}")
        self.reduction, self.dtype = reduction, dtype
        self.name = name or _snake(type(self).__name__)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        mask, kept = self._loss_mask(y_true, y_pred), prediction_mask(y_pred, values)
        if kept is not None:
            mask = kept if mask is None else ag.logical_and(mask, kept)
        return reduce_weighted(values, sample_weight, self.reduction, mask=mask)

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def _loss_mask(self, y_true, y_pred):
        """Entries to leave out of the reduction (booleans shaped like the losses) or None."""
        return None

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _snake(name):
    """CamelCase -> snake_case as Keras spells class names ('KLDivergence' -> 'kl_divergence')."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a loss function (extra keyword arguments are passed to it)."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(reduction=reduction, name=name or fn.__name__, dtype=dtype)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        if self.fn is not sparse_categorical_crossentropy:  # integer targets keep their own rank
            y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _loss_mask(self, y_true, y_pred):
        ignore_class = self._fn_kwargs.get("ignore_class")
        if self.fn is not sparse_categorical_crossentropy or ignore_class is None:
            return None
        return ag.not_equal(_sparse_labels(y_true, as_tensor(y_pred)), ignore_class)

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)


_COMMON_ARGS = ("reduction", "name", "dtype")


def _wrapper_class(class_name, fn, params=(), default_name=None, positional=None):
    """A ``LossFunctionWrapper`` subclass with ``fn``'s keyword parameters as constructor args.
    Positional arguments follow ``positional`` (default: the parameters, then reduction, name,
    dtype), as in Keras's signature."""
    defaults = dict(params)
    default_name = default_name or _snake(class_name)
    order = positional or tuple(defaults) + _COMMON_ARGS

    def __init__(self, *args, **kwargs):
        given = dict(zip(order, args))
        unknown = (set(kwargs) - set(defaults) - set(_COMMON_ARGS)) | (given.keys() & kwargs.keys())
        if unknown or len(args) > len(order):
            raise TypeError(f"{class_name}: unexpected or repeated argument(s) "
                            f"{sorted(unknown) or args}")
        given.update(kwargs)
        reduction = given.pop("reduction", "sum_over_batch_size")
        name, dtype = given.pop("name", None) or default_name, given.pop("dtype", None)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **dict(defaults, **given))

    def from_config(cls, config):
        config = dict(config)
        config.pop("fn", None)
        return cls(**config)

    return type(class_name, (LossFunctionWrapper,), {
        "__init__": __init__, "from_config": classmethod(from_config),
        "__doc__": f"Loss class for ``{fn.__name__}``.", "__module__": __name__})


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error)
MeanAbsolutePercentageError = _wrapper_class("MeanAbsolutePercentageError",
                                             mean_absolute_percentage_error)
MeanSquaredLogarithmicError = _wrapper_class("MeanSquaredLogarithmicError",
                                             mean_squared_logarithmic_error)
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy,
    [("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)])
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy,
    [("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)])
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    [("from_logits", False), ("ignore_class", None), ("axis", -1)])
Hinge = _wrapper_class("Hinge", hinge)
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge)
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge)
KLDivergence = _wrapper_class("KLDivergence", kl_divergence)
Poisson = _wrapper_class("Poisson", poisson)
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, [("axis", -1)])
Huber = _wrapper_class("Huber", huber, [("delta", 1.0)], default_name="huber_loss")
LogCosh = _wrapper_class("LogCosh", log_cosh)
BinaryFocalCrossentropy = _wrapper_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy,
    [("apply_class_balancing", False), ("alpha", 0.25), ("gamma", 2.0), ("from_logits", False),
     ("label_smoothing", 0.0), ("axis", -1)])
CategoricalFocalCrossentropy = _wrapper_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy,
    [("alpha", 0.25), ("gamma", 2.0), ("from_logits", False), ("label_smoothing", 0.0),
     ("axis", -1)])
Dice = _wrapper_class("Dice", dice, [("axis", None)],
                      positional=("reduction", "name", "axis", "dtype"))
Tversky = _wrapper_class("Tversky", tversky, [("alpha", 0.5), ("beta", 0.5), ("axis", None)],
                         positional=("alpha", "beta", "reduction", "name", "axis", "dtype"))
_GeneralizedBase = _wrapper_class("CategoricalGeneralizedCrossEntropy",
                                  categorical_generalized_cross_entropy, [("q", 0.5)])


class CategoricalGeneralizedCrossEntropy(_GeneralizedBase):
    """Loss class for ``categorical_generalized_cross_entropy`` (q in (0, 1))."""

    def __init__(self, q=0.5, **kwargs):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must lie in (0, 1), got {q}")
        super().__init__(q=q, **kwargs)


CTC = _wrapper_class("CTC", ctc, default_name="ctc")
_CircleBase = _wrapper_class("Circle", circle, [("gamma", 80.0), ("margin", 0.4),
                                                ("remove_diagonal", True)])


class Circle(_CircleBase):
    """Loss class for ``circle``: queries with a loss of 0 leave the average (Keras masks them)."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        return reduce_weighted(values, sample_weight, self.reduction, mask=values > 0)

_CLASSES = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, CosineSimilarity, Huber, LogCosh,
    BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky, Circle,
    CategoricalGeneralizedCrossEntropy, CTC)}


# -- lookup and serialization --------------------------------------------------------------------
def resolve_name(name):
    """The canonical function name behind a loss name or alias (or None)."""
    if name in _FUNCTIONS:
        return name
    return _ALIASES.get(name)


def get(identifier):
    """A loss from a name or alias ('mse' -> the function), a class name ('MeanSquaredError' -> an
    instance), a config dict, or a callable (returned as is)."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        name = resolve_name(identifier)
        if name is not None:
            return _FUNCTIONS[name]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
    raise ValueError(f"Unknown loss {identifier!r}: use a name such as 'mse' or "
                     f"'categorical_crossentropy', a keras.losses class, or a function "
                     f"(y_true, y_pred) -> per-sample losses")


def serialize(loss):
    """Functions by name; ``Loss`` objects as ``{'module', 'class_name', 'config', ...}``."""
    if isinstance(loss, str) or loss is None:
        return loss
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    name = getattr(loss, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize loss {loss!r}: give it a __name__ or use a Loss class")
    return name


def deserialize(config, custom_objects=None):
    return _registry.deserialize_named(config, custom_objects, get, _CLASSES, "loss")
