"""``Dataset``: the re-iterable stream of numpy elements that the ``*_dataset_from_*`` utilities
return (where Keras returns a ``tf.data.Dataset``), with the tf.data methods tutorials use.

An element is an array (or a string), or a tuple/dict of them. Every method returns a new dataset;
iterating twice gives two passes, and a shuffled dataset draws a new order for each pass (seeded
datasets repeat the same sequence of orders). ``model.fit``/``evaluate``/``predict`` take a dataset
of batches directly.
"""
import math

import numpy as np

from ..layers.nest import flatten, map_structure, pack_like

__all__ = ["Dataset", "INFINITE", "UNKNOWN", "stack_elements"]

INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2   # tf.data.UNKNOWN_CARDINALITY


def stack_elements(elements):
    """One batch from a list of elements of the same structure."""
    leaves = [flatten(e) for e in elements]
    return pack_like(elements[0], [np.stack([np.asarray(row[i]) for row in leaves])
                                   for i in range(len(leaves[0]))])


class ElementArray(np.ndarray):
    """A numpy array that also answers ``.numpy()``, as the tensors of a tf.data element do."""

    def numpy(self):
        return self.view(np.ndarray)


def _answering_numpy(element):
    return map_structure(
        lambda leaf: leaf.view(ElementArray) if type(leaf) is np.ndarray else leaf, element)


def _rows(batch):
    """The elements of one batch, in order."""
    leaves = flatten(batch)
    sizes = {len(leaf) for leaf in leaves}
    if len(sizes) != 1:
        raise ValueError(f"Dataset.unbatch: the components of a batch have different first "
                         f"dimensions {sorted(sizes)}")
    return (pack_like(batch, [leaf[i] for leaf in leaves]) for i in range(sizes.pop()))


def _shuffled(items, buffer_size, rng):
    """tf.data's buffered shuffle: keep ``buffer_size`` elements, emit a random one, refill."""
    buffer = []
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        index = rng.integers(buffer_size)
        yield buffer[index]
        buffer[index] = item
    rng.shuffle(buffer)
    yield from buffer


def _arrays(structure):
    """``structure`` with every component as an array (lists included, as tf.data reads them)."""
    if isinstance(structure, tuple):
        return tuple(_arrays(item) for item in structure)
    if isinstance(structure, dict):
        return {key: _arrays(value) for key, value in structure.items()}
    return np.asarray(structure)


def _check_count(value, method, minimum=-1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"Dataset.{method}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


class Dataset:
    """A re-iterable stream of elements with a known ``cardinality()`` (a count, ``INFINITE``
    or ``UNKNOWN``); ``len()`` is the count when it is known."""

    def __init__(self, make_iterator, cardinality):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)

    @classmethod
    def from_tensor_slices(cls, tensors):
        """One element per row of ``tensors``: an array, or a tuple/dict of arrays (lists are
        arrays, as in tf.data) with the same number of rows."""
        packed = _arrays(tensors)
        leaves = flatten(packed)
        if not leaves or any(leaf.ndim == 0 for leaf in leaves):
            raise ValueError("Dataset.from_tensor_slices: every component needs a first "
                             "dimension to slice (got a scalar or nothing)")
        counts = {len(leaf) for leaf in leaves}
        if len(counts) != 1:
            raise ValueError(f"Dataset.from_tensor_slices: the components have different "
                             f"numbers of rows {sorted(counts)}")
        return cls(lambda: _rows(packed), counts.pop())

    # -- iteration and size -------------------------------------------------------------------
    def __iter__(self):
        return map(_answering_numpy, self._make_iterator())

    def as_numpy_iterator(self):
        """An iterator over the elements (already numpy arrays)."""
        return iter(self)

    def cardinality(self):
        """The number of elements, or ``INFINITE`` (-1) / ``UNKNOWN`` (-2)."""
        return self._cardinality

    def __len__(self):
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __repr__(self):
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(self._cardinality, self._cardinality)
        return f"<Dataset cardinality={size}>"

    def _finite(self, count):
        """``count(cardinality)`` for a known size; infinite/unknown stay as they are."""
        return count(self._cardinality) if self._cardinality >= 0 else self._cardinality

    # -- transformations ----------------------------------------------------------------------
    def _then(self, make_iterator, cardinality):
        """A dataset derived element by element from this one (batched if this one is)."""
        derived = Dataset(make_iterator, cardinality)
        if hasattr(self, "_batch_size"):
            derived._batch_size = self._batch_size
        return derived

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` on every element; a tuple element is passed as separate arguments."""
        def run():
            for element in self:
                yield map_func(*element) if isinstance(element, tuple) else map_func(element)
        return self._then(run, self._cardinality)

    def filter(self, predicate, name=None):
        """The elements for which ``predicate`` (called like ``map``'s function) is true."""
        def run():
            for element in self:
                keep = predicate(*element) if isinstance(element, tuple) else predicate(element)
                if bool(np.asarray(keep)):
                    yield element
        return self._then(run, UNKNOWN)

    def take(self, count, name=None):
        """The first ``count`` elements (-1: all)."""
        count = _check_count(count, "take")
        if count == -1:
            return self
        def run():
            for index, element in enumerate(self):
                if index >= count:
                    return
                yield element
        size = count if self._cardinality == INFINITE else self._finite(lambda n: min(n, count))
        return self._then(run, size)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (-1: skip everything)."""
        count = _check_count(count, "skip")
        if count == -1:
            return self._then(lambda: iter(()), 0)
        def run():
            for index, element in enumerate(self):
                if index >= count:
                    yield element
        return self._then(run, self._finite(lambda n: max(0, n - count)))

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Stack ``batch_size`` consecutive elements along a new first axis (the last batch may
        be smaller unless ``drop_remainder``)."""
        batch_size = _check_count(batch_size, "batch", minimum=1)
        def run():
            pending = []
            for element in self:
                pending.append(element)
                if len(pending) == batch_size:
                    yield stack_elements(pending)
                    pending = []
            if pending and not drop_remainder:
                yield stack_elements(pending)
        rounding = math.floor if drop_remainder else math.ceil
        batched = Dataset(run, self._finite(lambda n: rounding(n / batch_size)))
        batched._batch_size = batch_size
        return batched

    def unbatch(self, name=None):
        """Split every batch back into its elements."""
        def run():
            for batch in self:
                yield from _rows(batch)
        return Dataset(run, self._cardinality if self._cardinality in (0, INFINITE) else UNKNOWN)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffle through a buffer of ``buffer_size`` elements (a full shuffle when it holds
        the whole dataset); a new order on each pass unless ``reshuffle_each_iteration=False``.
        Without ``seed`` one is drawn from numpy's global generator."""
        buffer_size = _check_count(buffer_size, "shuffle", minimum=1)
        if seed is None:
            seed = int(np.random.randint(2**31 - 1))
        passes = np.random.default_rng(seed)
        def run():
            rng = passes if reshuffle_each_iteration else np.random.default_rng(seed)
            return _shuffled(self, buffer_size, np.random.default_rng(rng.integers(2**63)))
        return self._then(run, self._cardinality)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (None or -1: forever)."""
        if count is not None:
            count = _check_count(count, "repeat")
        forever = count is None or count == -1
        def run():
            passes = 0
            while forever or passes < count:
                empty = True
                for element in self:
                    empty = False
                    yield element
                passes += 1
                if empty:
                    return
        if forever:
            size = 0 if self._cardinality == 0 else (
                INFINITE if self._cardinality != UNKNOWN else UNKNOWN)
        else:
            size = self._finite(lambda n: n * count)
        return self._then(run, size)

    def prefetch(self, buffer_size=None, name=None):
        """No-op (elements are produced on demand); returns the dataset itself."""
        return self

    def cache(self, filename="", name=None):
        """No-op (elements are recomputed each pass); returns the dataset itself."""
        return self
