"""Word-id sequence handling shared by ``imdb`` and ``reuters``."""

import json
import warnings

import numpy as np

from keras_facade.utils.data_utils import get_file

from ._loading import object_array, remove_long_seq

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def legacy_num_words(num_words, kwargs):
    """Accept the Keras 1 spelling ``nb_words`` (with a DeprecationWarning); reject other kwargs."""
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.",
                      DeprecationWarning, stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    return num_words


def shuffled(rng, xs, labels):
    """``xs`` and ``labels`` in the same random order drawn from ``rng``."""
    order = np.arange(len(xs))
    rng.shuffle(order)
    return xs[order], labels[order]


def offset_ids(seqs, start_char, index_from):
    """Add ``index_from`` to every id and prepend ``start_char`` (when not None)."""
    head = [] if start_char is None else [start_char]
    return [head + [int(w) + index_from for w in seq] for seq in seqs]


def drop_long(maxlen, seqs, labels):
    """Sequences shorter than ``maxlen`` (all when maxlen is falsy); ValueError if none remain."""
    if not maxlen:
        return seqs, labels
    seqs, labels = remove_long_seq(maxlen, seqs, labels)
    if not seqs:
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                         "no sequence was kept. Increase maxlen.")
    return seqs, np.asarray(labels)


def limit_vocabulary(seqs, num_words, skip_top, oov_char):
    """Ids outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped if it is None).

    Without ``num_words`` the bound is the largest id present, which (as in Keras)
    is itself excluded.
    """
    if not num_words:
        num_words = max((max(seq) for seq in seqs if seq), default=0)
    if oov_char is None:
        return [[w for w in seq if skip_top <= w < num_words] for seq in seqs]
    return [[w if skip_top <= w < num_words else oov_char for w in seq] for seq in seqs]


def as_arrays(seqs, labels):
    """(object array of id lists, label array) as the loaders return them."""
    return object_array(seqs), np.asarray(labels)


def load_word_index(path, origin_name, file_hash):
    """The ``{word: index}`` JSON dictionary published with a dataset."""
    with open(get_file(path, origin=BASE_URL + origin_name, file_hash=file_hash),
              encoding="utf8") as handle:
        return json.load(handle)
