"""Array helpers of Keras 2's ``keras.utils.np_utils``."""

import numpy as np

from .. import config

__all__ = ["to_categorical", "normalize"]


def to_categorical(y, num_classes=None, dtype=None):
    """One-hot encode integer class labels.

    The result has shape ``y.shape + (num_classes,)``; as in Keras 2 a trailing
    axis of size 1 (labels shaped ``(n, 1)``) is dropped first. The default
    dtype is float64 as in Keras 3 (float32 under the Keras 2 profile).
    ``num_classes`` defaults to ``max(y) + 1``.
    """
    dtype = dtype or config.default("utils.to_categorical.dtype")
    y = np.array(y, dtype="int64")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    y = y.ravel()
    if num_classes is None:
        if y.size == 0:
            raise ValueError("Cannot infer `num_classes` from empty labels; pass num_classes.")
        num_classes = int(y.max()) + 1
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"Labels must lie in [0, {num_classes - 1}] for num_classes={num_classes}; "
            f"found values in [{y.min()}, {y.max()}].")
    out = np.zeros((y.size, num_classes), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its L-``order`` norm along ``axis`` (zero norms are left as 1). A tensor
    (or a symbolic one) goes through ``keras.ops.normalize``, so gradients flow as in Keras 3."""
    if not isinstance(x, (np.ndarray, np.generic, list, tuple, int, float)):
        from ..ops import normalize as tensor_normalize
        return tensor_normalize(x, axis=axis, order=order)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
