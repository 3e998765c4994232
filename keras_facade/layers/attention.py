"""Attention layers: MultiHeadAttention, Attention (dot-product) and AdditiveAttention."""
import math
import string

import numpy as np

import autograd_core as ag

from .. import backend, initializers, regularizers
from . import nest
from .base import Layer, get_mask, name_scope, set_mask, unique_name
from .core import Dropout, _Seeded, kernel_bias_config, set_kernel_bias_args
from .einsum_dense import EinsumDense

_LARGE_NEGATIVE = -1e9


def _shape(x):
    """The shape of a tensor, array or KerasTensor (None for None)."""
    return None if x is None else tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _as_bool(mask):
    mask = mask if isinstance(mask, ag.Tensor) else ag.tensor(np.asarray(mask),
                                                              device=backend.get_device())
    return mask if mask.dtype == np.bool_ else ag.cast(mask, "bool")


def _and(a, b):
    return b if a is None else a if b is None else ag.logical_and(a, b)


def _band_mask(rows, cols, keep):
    """A (1, rows, cols) boolean tensor: ``keep(row_index, col_index)``."""
    r, c = np.arange(rows)[:, None], np.arange(cols)[None, :]
    return ag.tensor(keep(r, c)[None], device=backend.get_device())


def _projection_equation(free, bound, out):
    """``input,kernel->output`` for a projection keeping ``free`` input axes, contracting
    ``bound`` ones and creating ``out`` new ones; the bias spans the new axes."""
    letters = string.ascii_lowercase
    keep, contract, new = (letters[:free], letters[free:free + bound],
                           letters[free + bound:free + bound + out])
    return f"{keep}{contract},{contract}{new}->{keep}{new}", new


def _attention_equations(rank, attention_axes):
    """Einsum equations of the scores (``key, query -> scores``) and of the combination
    (``scores, value -> output``) for projected tensors of ``rank`` (..., heads, channels)."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank - 1) if i not in attention_axes]
    extra = iter(letters[rank:])
    source = "".join(target[i] if i in batch or i == rank - 1 else next(extra)
                     for i in range(rank))
    scores = "".join([target[i] for i in batch] + [target[i] for i in attention_axes] +
                     [source[i] for i in attention_axes])
    return f"{source},{target}->{scores}", f"{scores},{source}->{target}", len(scores)


class MultiHeadAttention(Layer):
    """Multi-head (scaled dot-product) attention of ``query`` over ``value`` (and ``key``, by
    default ``value``): each head projects, attends with ``softmax(q·k / sqrt(key_dim))`` over
    ``attention_axes`` (default: every axis between the batch and the features), and the heads
    are projected back to the query's feature size (or ``output_shape``).

    Masks: ``attention_mask`` (B, T, S) and the masks carried by ``query``/``value``/``key``
    (e.g. from ``Embedding(mask_zero=True)``) are combined; masked positions get a large
    negative score. The output carries the query's mask. ``flash_attention`` is accepted for
    compatibility and changes nothing.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value, optional in (("num_heads", num_heads, False), ("key_dim", key_dim, False),
                                     ("value_dim", value_dim, True),
                                     ("sliding_window", sliding_window, True)):
            if not (optional and value is None) and (not isinstance(value, int) or value <= 0):
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer"
                                 f"{' or None' if optional else ''}, got {value!r}")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_gate = float(dropout), bool(use_gate)
        self.output_shape_arg = (output_shape,) if isinstance(output_shape, int) else \
            tuple(output_shape) if output_shape else None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"MultiHeadAttention: `attention_axes` must be an int, list or tuple, "
                             f"got {attention_axes!r}")
        self.attention_axes = tuple(attention_axes) if attention_axes is not None else None
        self.sliding_window, self.seed = sliding_window, seed
        set_kernel_bias_args(self, None, use_bias, kernel_initializer, bias_initializer,
                             kernel_regularizer, bias_regularizer, activity_regularizer,
                             kernel_constraint, bias_constraint)
        # the projections regularize their own outputs; the layer itself adds nothing more
        self.projection_activity_regularizer, self.activity_regularizer = \
            self.activity_regularizer, None
        self.supports_masking = True

    # -- building ----------------------------------------------------------------------------------
    def _dense(self, name, input_shape, bound, out_dims, activation=None):
        """A projection sublayer (fresh initializers each, as every projection draws its own)."""
        out_dims = list(out_dims)
        free = len(input_shape) - bound
        equation, bias_axes = _projection_equation(free, bound, len(out_dims))
        layer = EinsumDense(
            equation, [None] * (free - 1) + out_dims, activation=activation,
            bias_axes=bias_axes if self.use_bias else None, name=name, dtype=self.dtype,
            kernel_initializer=initializers.deserialize(initializers.serialize(
                self.kernel_initializer)),
            bias_initializer=initializers.deserialize(initializers.serialize(
                self.bias_initializer)),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.projection_activity_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)
        layer._maybe_build(tuple(input_shape))
        return layer

    def build(self, query_shape, value_shape=None, key_shape=None):
        self._build_shapes = tuple(tuple(s) if s is not None else None
                                   for s in (query_shape, value_shape, key_shape))
        query_shape = tuple(query_shape)
        value_shape = tuple(value_shape if value_shape is not None else query_shape)
        key_shape = tuple(key_shape) if key_shape is not None else value_shape
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"Layer \"{self.name}\" (MultiHeadAttention): `value` and `key` must "
                             f"have the same shape except the last axis, got value shape "
                             f"{value_shape} and key shape {key_shape}")
        heads = self.num_heads
        self.query_dense = self._dense("query", query_shape, 1, [heads, self.key_dim])
        self.key_dense = self._dense("key", key_shape, 1, [heads, self.key_dim])
        if self.use_gate:
            self._gate_dense = self._dense("gate", query_shape, 1, [heads, self.value_dim],
                                          activation="sigmoid")
        self.value_dense = self._dense("value", value_shape, 1, [heads, self.value_dim])
        rank = len(query_shape) + 1  # projected: (..., heads, channels)
        axes = self.attention_axes
        axes = tuple(range(1, rank - 2)) if axes is None else \
            tuple(a if a >= 0 else rank - 1 + a for a in axes)
        self.attention_axes = axes
        self._scores_equation, self._combine_equation, scores_rank = \
            _attention_equations(rank, axes)
        self._softmax_axes = tuple(range(scores_rank - len(axes), scores_rank))
        # unnamed in Keras 3, so they take the next automatic names
        self._softmax = _MaskedSoftmax(self._softmax_axes, name=unique_name("softmax"),
                                       dtype=self.dtype)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed, dtype=self.dtype)
        out = list(self.output_shape_arg or [query_shape[-1]])
        self.output_dense = self._dense("attention_output",
                                        query_shape[:-1] + (heads, self.value_dim), 2, out)
        self.built = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise TypeError(f"Layer \"{self.name}\" (MultiHeadAttention) needs `query` and "
                            f"`value` inputs; got no `value`")
        if not self.built:
            with name_scope(self):
                self.build(_shape(query), _shape(value), _shape(key))
        if key is not None:
            kwargs["key"] = key
        return super().__call__(query, value=value, **kwargs)  # by name: saved configs keep it

    def get_build_config(self):
        if not self.built:
            return None
        shapes = zip(("query_shape", "value_shape", "key_shape"), self._build_shapes)
        return {"shapes_dict": {k: list(v) for k, v in shapes if v is not None}}

    def build_from_config(self, build_config):
        shapes = (build_config or {}).get("shapes_dict")
        if shapes and not self.built:
            with name_scope(self):
                self.build(*(shapes.get(k) for k in ("query_shape", "value_shape", "key_shape")))

    # -- calling -----------------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        query_mask = query_mask if query_mask is not None else get_mask(query)
        value_mask = value_mask if value_mask is not None else get_mask(value)
        if key is not None and key_mask is None:
            key_mask = get_mask(key)
        for x in (query, value, key):  # as Keras 3: the masks are used up, the inputs lose them
            if isinstance(x, ag.Tensor):
                set_mask(x, None)
        mask = self._attention_mask(_shape(query), _shape(value), query_mask, value_mask,
                                    key_mask, attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self.query_dense(query)
        k = self.key_dense(value if key is None else key)
        v = self.value_dense(value)
        q = q * (1.0 / math.sqrt(float(self.key_dim)))
        scores = ag.einsum(self._scores_equation, k, q)
        if mask is not None:  # (B, T, S) -> (B, 1, T, S): broadcast over the heads
            while mask.ndim < scores.ndim:
                mask = ag.expand_dims(mask, -2 * len(self.attention_axes) - 1)
        scores = self._softmax(scores, mask=mask)
        dropped = self._dropout_layer(scores, training=training) if self.dropout > 0 else scores
        out = ag.einsum(self._combine_equation, dropped, v)
        out = self.output_dense(out if gate is None else out * gate)
        return (out, scores) if return_attention_scores else out

    def _attention_mask(self, query_shape, value_shape, query_mask, value_mask, key_mask,
                        attention_mask, use_causal_mask):
        """The (B, T, S) boolean mask combining every mask given (None when there is none)."""
        mask = None
        if query_mask is not None:
            mask = ag.expand_dims(_as_bool(query_mask), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                mask = _and(mask, ag.expand_dims(_as_bool(m), -2))
        rows, cols = query_shape[1], value_shape[1]
        if use_causal_mask:
            mask = _and(mask, _band_mask(rows, cols, lambda r, c: r >= c))
        if self.sliding_window is not None:
            window = self.sliding_window
            mask = _and(mask, _band_mask(rows, cols, lambda r, c: (r - c < window) &
                                         (c - r < window)))
        if attention_mask is not None:
            mask = _and(_as_bool(attention_mask), mask)
        return mask

    def compute_mask(self, inputs, mask=None):
        return mask

    def _compute_output_specs(self, inputs, args, kwargs):
        query, value = _shape(inputs), _shape(kwargs["value"])
        out = query[:-1] + tuple(self.output_shape_arg or query[-1:])
        if not kwargs.get("return_attention_scores"):
            return out, self.dtype
        axes = self.attention_axes
        batch = [query[i] for i in range(len(query) - 1) if i not in axes]
        scores = tuple(batch + [self.num_heads] + [query[a] for a in axes] +
                       [value[a] for a in axes])
        return [out, scores], [self.dtype, self.dtype]

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape)[:-1] + tuple(self.output_shape_arg or tuple(query_shape)[-1:])

    def get_config(self):
        kernel_bias = kernel_bias_config(self)
        del kernel_bias["activation"], kernel_bias["use_bias"]
        kernel_bias["activity_regularizer"] = regularizers.serialize(
            self.projection_activity_regularizer)
        axes = list(self.attention_axes) if self.attention_axes is not None else None
        return dict(super().get_config(), num_heads=self.num_heads, key_dim=self.key_dim,
                    value_dim=self.value_dim, dropout=self.dropout, use_bias=self.use_bias,
                    use_gate=self.use_gate,
                    output_shape=list(self.output_shape_arg) if self.output_shape_arg else None,
                    attention_axes=axes, sliding_window=self.sliding_window, **kernel_bias,
                    seed=self.seed)


class _MaskedSoftmax(Layer):
    """Softmax over ``axes`` where masked-out scores become a large negative number first and
    probabilities 0 after (so a fully masked row gives zeros, not a uniform distribution)."""

    def __init__(self, axes, **kwargs):
        super().__init__(**kwargs)
        self.axes = tuple(axes)

    def call(self, scores, mask=None):
        if mask is None:
            return ag.softmax(scores, axis=self.axes)
        probs = ag.softmax(ag.where(mask, scores, _LARGE_NEGATIVE), axis=self.axes)
        return ag.where(mask, probs, 0.0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), axis=list(self.axes))


class Attention(_Seeded):
    """Dot-product attention of ``[query, value(, key)]`` (B, T, dim), (B, S, dim): scores
    ``query·keyᵀ`` (times a learned scalar ``scale`` when ``use_scale``), or with
    ``score_mode='concat'`` ``concat_score_weight · Σ tanh(scale·(query + key))``; softmax over
    the value steps (masked ones get -1e9), then a weighted sum of the values. ``mask`` is
    ``[query_mask, value_mask]``: masked query steps give zero outputs."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__}: `score_mode` must be 'dot' or 'concat', got "
                             f"{score_mode!r}")
        self.use_scale, self.score_mode, self.dropout = bool(use_scale), score_mode, float(dropout)
        self.supports_masking = True

    def _check(self, inputs, mask=None):
        name = f"Layer \"{self.name}\" ({type(self).__name__})"
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} must be called on a list [query, value] or [query, value, "
                             f"key], got {type(inputs).__name__} "
                             f"{_shape(inputs) if not isinstance(inputs, (list, tuple)) else ''}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{name}: `mask` must be a list [query_mask, value_mask], got "
                             f"{mask!r}")

    def build(self, input_shape):
        self._check(input_shape)
        self.scale = self.add_weight("scale", (), initializer="ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (), initializer="ones") \
            if self.score_mode == "concat" else None
        super().build(input_shape)

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ag.matmul(query, ag.swapaxes(key, -2, -1))
            return scores * self.scale if self.scale is not None else scores
        pairs = ag.expand_dims(query, -2) + ag.expand_dims(key, -3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * ag.sum(ag.tanh(pairs), axis=-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        self._check(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (mask[0], mask[1]) if mask is not None else (None, None)
        scores = self._scores(query, key)
        keep = ag.expand_dims(_as_bool(value_mask), -2) if value_mask is not None else None
        if use_causal_mask:
            keep = _and(keep, _band_mask(scores.shape[-2], scores.shape[-1],
                                         lambda r, c: r >= c))
        if keep is not None:
            scores = ag.where(keep, scores, scores - 1e9)
        weights = ag.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = ag.nn.dropout(weights, self.dropout, training=True,
                                    generator=self.generator())
        out = ag.matmul(weights, value)
        if query_mask is not None:
            out = ag.where(ag.expand_dims(_as_bool(query_mask), -1), out, 0.0)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        self._check(inputs, mask)
        return None if mask is None or mask[0] is None else _as_bool(mask[0])

    def _compute_output_specs(self, inputs, args, kwargs):
        shapes = nest.map_structure(_shape, list(inputs))
        self._check(shapes)
        query, value, key = shapes[0], shapes[1], shapes[-1]
        out = tuple(query[:-1]) + (value[-1],)
        if not kwargs.get("return_attention_scores"):
            return out, self.dtype
        return [out, tuple(query[:-1]) + (key[-2],)], [self.dtype, self.dtype]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def get_config(self):
        return dict(super().get_config(), use_scale=self.use_scale, score_mode=self.score_mode,
                    dropout=self.dropout, seed=self.seed)


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores ``Σ scale · tanh(query + key)`` over the
    features, with a learned per-feature ``scale`` when ``use_scale``; otherwise as Attention."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check(input_shape)
        self.scale = self.add_weight("scale", (input_shape[0][-1],),
                                     initializer="glorot_uniform") if self.use_scale else None
        Layer.build(self, input_shape)

    def _scores(self, query, key):
        tanh = ag.tanh(ag.expand_dims(query, -2) + ag.expand_dims(key, -3))
        return ag.sum(self.scale * tanh if self.scale is not None else tanh, axis=-1)

    def get_config(self):
        cfg = super().get_config()
        del cfg["score_mode"]
        return cfg
