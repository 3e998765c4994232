"""Embedding: integer ids (batch, steps) -> vectors (batch, steps, output_dim)."""
import autograd_core as ag

from .. import constraints, initializers, legacy, regularizers
from .base import Layer


class Embedding(Layer):
    """Rows of an (input_dim, output_dim) table. ``mask_zero=True`` makes id 0 padding: the
    following layers (RNNs) receive a mask and skip those steps."""
    _cast_inputs = False

    @legacy.interface("Embedding")
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None,
                 mask_zero=False, input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs and \
                "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if isinstance(input_length, int) else \
                tuple(input_length)
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        if self.input_dim <= 0 or self.output_dim <= 0:
            raise ValueError(f"Embedding: `input_dim` and `output_dim` must be positive, got "
                             f"{input_dim} and {output_dim}")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.supports_masking = self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        super().build(input_shape)

    def call(self, inputs):
        return ag.nn.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ag.not_equal(inputs, 0)

    def _computes_own_mask(self):
        return self.mask_zero

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def get_config(self):
        return dict(super().get_config(), input_dim=self.input_dim, output_dim=self.output_dim,
                    embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                    embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                    activity_regularizer=regularizers.serialize(self.activity_regularizer),
                    embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                    mask_zero=self.mask_zero, input_length=self.input_length)
