"""Feeding data to the training loops: arrays (single, lists or dicts for several inputs/outputs),
Python generators, ``keras_facade.utils.Sequence`` objects (ImageDataGenerator iterators are
Sequences), re-iterable datasets (``image_dataset_from_directory`` & co.), validation_split,
shuffling ('batch' too), class and sample weights, and the input checks that must fail before any
weight changes (sample counts, NaN/inf, class ids).

Batches are numpy structures; the trainer turns them into tensors on the model's device.
"""
import math
import warnings

import numpy as np

import autograd_core as ag

from ..layers.nest import flatten, map_structure, pack_like
from ..utils.data_utils import Sequence


# -- what kind of data is this? -------------------------------------------------------------------
def is_sequence(data):
    """A ``Sequence`` or anything indexable by batch with a length (not arrays or containers)."""
    if isinstance(data, Sequence):
        return True
    if isinstance(data, (np.ndarray, ag.Tensor, list, tuple, dict, str, bytes)):
        return False
    return hasattr(data, "__getitem__") and hasattr(data, "__len__") and not hasattr(data, "shape")


def is_generator(data):
    """A Python generator or iterator yielding batches."""
    return not is_sequence(data) and hasattr(data, "__next__")


def is_dataset(data):
    """A re-iterable dataset of batches: one with a ``cardinality()`` (``Dataset``, tf.data-like)
    or a sized iterable such as a torch ``DataLoader``."""
    if is_sequence(data) or is_generator(data) or _is_array(data) or \
            isinstance(data, (list, tuple, dict, str, bytes)):
        return False
    return hasattr(data, "__iter__") and (hasattr(data, "cardinality") or hasattr(data, "__len__"))


def is_batch_source(data):
    return is_sequence(data) or is_generator(data) or is_dataset(data)


# -- arrays ---------------------------------------------------------------------------------------
def _is_array(value):
    return isinstance(value, (np.ndarray, ag.Tensor)) or (
        hasattr(value, "__array__") and hasattr(value, "shape"))


def _as_array(value, name):
    if isinstance(value, ag.Tensor):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        raise ValueError(f"{name} holds Python objects (dtype object, shape {arr.shape}); pass "
                         f"numeric arrays (e.g. pad ragged sequences with pad_sequences first)")
    if arr.dtype.kind in "fb" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)  # the model computes in float32
    if arr.ndim == 0:
        raise ValueError(f"{name} is a scalar; pass an array with one row per sample")
    return arr


def standardize(data, name):
    """Arrays as numpy (float data as float32), keeping list/dict structure for several
    inputs or outputs. A list of numbers is one array; a list of arrays is several."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: _as_array(v, f"{name}[{k!r}]") for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and all(_is_array(v) for v in data):
        return [_as_array(v, f"{name}[{i}]") for i, v in enumerate(data)]
    return _as_array(data, name)


def named_leaves(data, name):
    """``(label, array)`` for each array of a standardized structure."""
    if data is None:
        return []
    if isinstance(data, dict):
        return [(f"{name}[{k!r}]", v) for k, v in data.items()]
    if isinstance(data, list):
        return [(f"{name}[{i}]", v) for i, v in enumerate(data)]
    return [(name, data)]


def check_sample_counts(named, where):
    """Every array must have one row per sample."""
    counts = [(label, arr.shape[0]) for label, arr in named]
    if len({n for _, n in counts}) > 1:
        listed = ", ".join(f"{label} has {n}" for label, n in counts)
        raise ValueError(f"{where}: the arrays have different numbers of samples ({listed}); every "
                         f"input, target and sample-weight array needs one row per sample")
    return counts[0][1] if counts else 0


def check_finite(named, where):
    """Raise if a float array holds NaN or inf. A cheap check first: the sum of squares (one BLAS
    dot) is finite unless some value is NaN or inf, or large enough to overflow; only then the
    exact scan runs."""
    suspects = []
    with np.errstate(over="ignore", invalid="ignore"):
        for label, arr in named:
            if arr.dtype.kind == "f" and arr.size:
                flat = arr.reshape(-1)  # a copy when arr is not contiguous: made once
                if not math.isfinite(np.dot(flat, flat)):
                    suspects.append((label, arr))
    for label, arr in suspects:
        bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
        if bad.any():
            rows = np.flatnonzero(bad)
            raise ValueError(f"{where}: {label} contains NaN or infinite values in {len(rows)} "
                             f"sample(s) (first at index {rows[0]}); remove or impute them before "
                             f"training")


def slice_structure(data, index):
    return None if data is None else map_structure(lambda a: a[index], data)


def split_validation(arrays, validation_split, num_samples):
    """Keras's validation_split: the last fraction of the samples (taken before any shuffling)."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
    split_at = int(num_samples * (1.0 - validation_split))
    if split_at == 0 or split_at == num_samples:
        raise ValueError(f"validation_split={validation_split} leaves no sample for "
                         f"{'training' if split_at == 0 else 'validation'} out of {num_samples}")
    train = [slice_structure(a, slice(0, split_at)) for a in arrays]
    val = [slice_structure(a, slice(split_at, None)) for a in arrays]
    return train, val


def class_ids(y, name):
    """Integer class per sample: argmax of one-hot rows, else the label itself."""
    if y.ndim > 2:
        raise ValueError(f"class_weight is not supported for {y.ndim}-dimensional targets ({name} "
                         f"has shape {y.shape}); pass a sample_weight array instead")
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return np.rint(y.reshape(len(y))).astype(np.int64)


def class_sample_weights(y, class_weight, name):
    """Per-sample weights from ``{class: weight}`` (classes missing from the dict weigh 1)."""
    ids = class_ids(y, name)
    weights = np.ones(len(ids), dtype=np.float32)
    for cls, w in class_weight.items():
        weights[ids == int(cls)] = w
    return weights


# -- batch sources ---------------------------------------------------------------------------------
def unpack(item, where):
    """``(x, y, sample_weight)`` from a generator item: a tuple ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``, or bare inputs."""
    if isinstance(item, tuple):
        if len(item) == 1:
            return item[0], None, None
        if len(item) == 2:
            return item[0], item[1], None
        if len(item) == 3:
            return item
        raise ValueError(f"{where}: a batch must be (x,), (x, y) or (x, y, sample_weight); got a "
                         f"tuple of {len(item)} items")
    return item, None, None


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple Keras expects: ``x`` alone (``(x,)`` when ``x`` is a list or tuple, so
    it is not read as ``(x, y)``), ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (a list counts as a tuple); the missing parts are None."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if not 1 <= len(data) <= 3:
        raise ValueError(f"unpack_x_y_sample_weight: data must be x, (x,), (x, y) or (x, y, "
                         f"sample_weight); got a tuple of {len(data)} items: {data!r}")
    return tuple(data) + (None,) * (3 - len(data))


class ArrayBatches:
    """Epochs of batches from in-memory arrays. Without ``steps_per_epoch`` each epoch is one pass
    (shuffled every epoch when ``shuffle``; 'batch' shuffles the order of whole batches); with it,
    batches are drawn from an endless stream that continues across epochs."""
    count_mode = "samples"

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 steps_per_epoch=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = check_sample_counts(
            named_leaves(x, "x") + named_leaves(y, "y") + named_leaves(sample_weight, "sample_weight"),
            "data")
        if batch_size is None:  # as Keras 3: steps_per_epoch batches cover the data once
            batch_size = math.ceil(self.num_samples / steps_per_epoch) if steps_per_epoch else 32
        self.batch_size, self.shuffle = max(1, int(batch_size)), shuffle
        self.full_steps = max(1, math.ceil(self.num_samples / self.batch_size))
        self.steps = self.full_steps if steps_per_epoch is None else int(steps_per_epoch)
        if steps_per_epoch is not None:
            self.count_mode = "steps"
        self._stream = self._endless() if steps_per_epoch is not None else None
        self.exhausted = False

    def _order(self):
        n = self.num_samples
        if self.shuffle == "batch":
            full = (n // self.batch_size) * self.batch_size
            blocks = np.random.permutation(n // self.batch_size)
            order = (blocks[:, None] * self.batch_size + np.arange(self.batch_size)).reshape(-1)
            return np.concatenate([order, np.arange(full, n)])
        if self.shuffle:
            return np.random.permutation(n)
        return None

    def _one_pass(self):
        order = self._order()
        bs = self.batch_size
        for start in range(0, self.num_samples, bs):
            stop = min(start + bs, self.num_samples)
            index = slice(start, stop) if order is None else order[start:stop]
            if self.shuffle == "batch" and stop - start == bs:
                first = order[start]
                index = slice(first, first + bs)  # a whole block: a view, no copy
            yield self.take(index)

    def _endless(self):
        while True:
            yield from self._one_pass()

    def take(self, index):
        return (slice_structure(self.x, index), slice_structure(self.y, index),
                slice_structure(self.sample_weight, index))

    def epoch(self):
        if self._stream is None:
            return self._one_pass()
        return (next(self._stream) for _ in range(self.steps))


class SequenceBatches:
    """Epochs over a ``Sequence``: ``steps`` batches (default ``len(seq)``) in order, or in a fresh
    random order each epoch with ``shuffle``; ``on_epoch_end()`` after every epoch."""
    count_mode = "steps"

    def __init__(self, sequence, steps=None, shuffle=False, where="fit"):
        self.sequence = sequence
        length = len(sequence)
        if length == 0 and steps is None:
            raise ValueError(f"{where}: the Sequence is empty (len() == 0)")
        self.steps = length if steps is None else int(steps)
        self.shuffle = bool(shuffle)
        self.num_samples = None
        self.exhausted = False
        self.where = where

    def epoch(self):
        length = len(self.sequence)
        order = np.random.permutation(length) if self.shuffle else np.arange(length)
        try:
            for step in range(self.steps):
                yield standardize_batch(self.sequence[int(order[step % length])], self.where)
        finally:
            if hasattr(self.sequence, "on_epoch_end"):
                self.sequence.on_epoch_end()


class GeneratorBatches:
    """``steps`` batches per epoch from a Python generator; without ``steps`` an epoch runs until
    the generator stops (so a generator gives one epoch). A generator that runs dry sets
    ``exhausted``, which ends training; running dry before ``steps`` batches also warns."""
    count_mode = "steps"

    def __init__(self, generator, steps=None, where="fit", steps_arg="steps_per_epoch"):
        self.generator, self.where = generator, where
        self.steps = None if steps is None else int(steps)
        self.num_samples = None
        self.exhausted = False

    def epoch(self):
        count = 0
        while self.steps is None or count < self.steps:
            try:
                item = next(self.generator)
            except StopIteration:
                self.exhausted = True
                if self.steps is not None:
                    warnings.warn(f"{self.where}: your input ran out of data; interrupting. Make "
                                  f"sure that the generator can yield at least steps_per_epoch * "
                                  f"epochs batches", UserWarning, stacklevel=3)
                return
            count += 1
            yield standardize_batch(item, self.where)


class DatasetBatches(GeneratorBatches):
    """Epochs over a re-iterable dataset, as Keras runs a tf.data.Dataset: without ``steps``
    every epoch is one full pass; with ``steps`` a single stream continues across epochs (use
    ``repeat()``), and running dry ends training. ``shuffle`` is the dataset's own business."""

    def __init__(self, dataset, steps=None, where="fit", steps_arg="steps_per_epoch"):
        size = int(dataset.cardinality()) if hasattr(dataset, "cardinality") else len(dataset)
        if steps is None and size == -1:
            raise ValueError(f"{where}: the dataset is infinite (repeat() without a count); "
                             f"pass {steps_arg}")
        super().__init__(self._batches(dataset), steps, where, steps_arg)
        self.dataset, self.one_stream = dataset, steps is not None
        if steps is None and size >= 0:
            self.steps = size

    @staticmethod
    def _batches(dataset):
        """The dataset's batches; a list batch (a torch DataLoader's ``[x, y]``) reads as a tuple."""
        return (tuple(b) if isinstance(b, list) else b for b in dataset)

    def epoch(self):
        if self.one_stream:
            return super().epoch()
        self.generator = self._batches(self.dataset)
        return self._one_pass()

    def _one_pass(self):
        yield from super().epoch()
        self.exhausted = False  # the end of a pass is the end of the epoch, not of the data


def standardize_batch(item, where):
    x, y, sw = unpack(item, where)
    x, y, sw = standardize(x, "x"), standardize(y, "y"), standardize(sw, "sample_weight")
    named = named_leaves(x, "x") + named_leaves(y, "y") + named_leaves(sw, "sample_weight")
    check_sample_counts(named, f"{where} (a generated batch)")
    check_finite(named, f"{where} (a generated batch)")
    return x, y, sw


def batch_source(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 where="fit", steps_arg="steps_per_epoch"):
    """The right batch source for ``x``: arrays, a Sequence or a generator."""
    if is_sequence(x):
        _no_separate_targets(y, sample_weight, where)
        return SequenceBatches(x, steps, shuffle=shuffle, where=where)
    if is_generator(x):
        _no_separate_targets(y, sample_weight, where)
        return GeneratorBatches(x, steps, where=where, steps_arg=steps_arg)
    if is_dataset(x):
        _no_separate_targets(y, sample_weight, where)
        return DatasetBatches(x, steps, where=where, steps_arg=steps_arg)
    if x is None:
        raise ValueError(f"{where}: no input data (x is None)")
    return ArrayBatches(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                        steps_per_epoch=steps)


def _no_separate_targets(y, sample_weight, where):
    if y is not None or sample_weight is not None:
        raise ValueError(f"{where}: when x is a generator, Sequence or dataset it yields the "
                         f"targets (and sample weights) itself; do not pass y or sample_weight")


def to_tensors(structure, device=None):
    """numpy structure -> tensors on ``device`` (no copy on CPU)."""
    if structure is None:
        return None
    return pack_like(structure, [a if isinstance(a, ag.Tensor) else ag.tensor(a, device=device)
                                 for a in flatten(structure)])
