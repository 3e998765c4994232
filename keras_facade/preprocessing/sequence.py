"""Sequence preprocessing with Keras 2 semantics: padding, time-series windows, skip-grams."""

import json
import random

import numpy as np

from keras_facade.utils.data_utils import Sequence

__all__ = ["pad_sequences", "TimeseriesGenerator", "skipgrams", "make_sampling_table"]


# ---------------------------------------------------------------------------
# pad_sequences

def _sample_shape(sequences):
    """Lengths of all sequences and the item shape of the first non-empty one."""
    lengths, sample_shape = [], None
    for position, seq in enumerate(sequences):
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError("`sequences` must be a list of iterables. "
                             f"Found non-iterable at position {position}: {seq!r}") from None
        if sample_shape is None and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
    return lengths, sample_shape or ()


def _is_text_dtype(dtype):
    return np.dtype(dtype).kind in "OUS"


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) every sequence to ``maxlen`` items and stack them into one array.

    ``maxlen`` defaults to the longest sequence. ``truncating='pre'`` keeps the
    last ``maxlen`` items, ``'post'`` the first; ``padding='pre'`` right-aligns the
    data, ``'post'`` left-aligns it. Items may be arrays (their common shape is
    appended to the output shape). String values need ``dtype=object`` or a str dtype.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    for name, option in (("padding", padding), ("truncating", truncating)):
        if option not in ("pre", "post"):
            raise ValueError(f'{name.capitalize()} type "{option}" not understood; '
                             'use "pre" or "post".')
    lengths, sample_shape = _sample_shape(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    maxlen = int(maxlen)
    if maxlen < 0:
        raise ValueError(f"maxlen must be >= 0; got {maxlen}.")
    if isinstance(value, str) and not _is_text_dtype(dtype):
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for idx, seq in enumerate(sequences):
        n = min(len(seq), maxlen)
        if n == 0:
            continue
        kept = np.asarray(seq[len(seq) - n:] if truncating == "pre" else seq[:n], dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {idx} "
                             f"is different from expected shape {tuple(sample_shape)}")
        if padding == "post":
            out[idx, :n] = kept
        else:
            out[idx, maxlen - n:] = kept
    return out


# ---------------------------------------------------------------------------
# TimeseriesGenerator

def _jsonable(values, what):
    if isinstance(values, np.ndarray):
        values = values.tolist()
    try:
        return json.dumps(values)
    except TypeError:
        raise TypeError(f"{what} is not JSON serializable.") from None


class TimeseriesGenerator(Sequence):
    """Batches of sliding windows over a time series (Keras 2 semantics).

    Row ``r`` (a time step in ``[start_index + length, end_index]``, end inclusive,
    ``end_index`` defaulting to ``len(data) - 1``) yields the sample
    ``data[r - length:r:sampling_rate]`` and the target ``targets[r]``. Batch ``i``
    takes rows ``start + i*batch_size*stride`` onward, every ``stride`` steps.
    With ``shuffle`` each batch is ``batch_size`` rows drawn with replacement from
    the global numpy RNG; ``reverse`` flips each sample's time axis.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128, **kwargs):
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is "
                             f"{len(data)} while target length is {len(targets)}")
        for name, number in (("length", length), ("sampling_rate", sampling_rate),
                             ("stride", stride), ("batch_size", batch_size)):
            if int(number) < 1:
                raise ValueError(f"`{name}` must be a positive integer; got {number}.")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        self._first_index = start_index
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > "
                             f"end_index={self.end_index}` is disallowed, as no part of the "
                             "sequence would be left to be used as current step.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def _rows(self, index):
        if self.shuffle:
            return np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"Batch index {index} out of range for {count} batches.")
        first = self.start_index + self.batch_size * self.stride * (index % count)
        return np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1),
                         self.stride)

    def __getitem__(self, index):
        rows = self._rows(index)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """Constructor arguments (data and targets as JSON strings).

        ``start_index`` is the value given to the constructor, so
        ``TimeseriesGenerator(data, targets, **rest_of_config)`` rebuilds the same generator.
        """
        return {"data": _jsonable(self.data, "Data"),
                "targets": _jsonable(self.targets, "Targets"),
                "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self._first_index, "end_index": self.end_index,
                "shuffle": self.shuffle, "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        """JSON string ``{"class_name": "TimeseriesGenerator", "config": get_config()}``."""
        config = {"class_name": type(self).__name__, "config": self.get_config()}
        return json.dumps(config, **kwargs)


# ---------------------------------------------------------------------------
# Skip-grams

def make_sampling_table(size, sampling_factor=1e-5):
    """Keep-probability of the word of each frequency rank (word2vec subsampling, Zipf law).

    Entry ``i`` approximates ``min(1, sqrt(sampling_factor / f_i))`` where ``f_i`` is the
    frequency of the i-th most common word, estimated as ``1 / (i (ln i + gamma))``.
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1.0, f / np.sqrt(f))


def _positive_pairs(sequence, window_size, sampling_table):
    couples = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
    return couples


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Word pairs ``(couples, labels)`` for skip-gram training.

    Positives pair each non-zero word with every non-zero word at most
    ``window_size`` steps away (label 1, or ``[0, 1]`` if ``categorical``); a word
    is skipped when ``sampling_table[word] < random.random()``. Then
    ``int(n_positives * negative_samples)`` negatives pair a (shuffled, cycled)
    positive first word with ``random.randint(1, vocabulary_size - 1)`` (label 0 or
    ``[1, 0]``). Like Keras this uses Python's global ``random`` and, when shuffling,
    reseeds it with ``seed`` (a random one if None) before shuffling both lists.
    """
    couples = _positive_pairs(sequence, window_size, sampling_table)
    labels = [[0, 1] if categorical else 1 for _ in couples]
    if negative_samples > 0:
        n_negative = int(len(labels) * negative_samples)
        words = [pair[0] for pair in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(n_negative)]
        labels += [[1, 0] if categorical else 0 for _ in range(n_negative)]
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10 ** 7)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
