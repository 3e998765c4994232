"""IMDB movie reviews: 25,000 + 25,000 reviews as word-id lists, sentiment labels 0/1.

Ids are word frequency ranks shifted by ``index_from``; 0 pads, ``start_char``
marks the start and ``oov_char`` replaces words cut by ``num_words``/``skip_top``.
"""

import numpy as np

from keras_facade.utils.data_utils import get_file

from ._loading import load_npz
from ._word_ids import (BASE_URL, as_arrays, drop_long, legacy_num_words, limit_vocabulary,
                        load_word_index, offset_ids, shuffled)

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """Return ``(x_train, y_train), (x_test, y_test)``; x are object arrays of id lists.

    Each split is shuffled with ``RandomState(seed)``; ``maxlen`` keeps the
    reviews shorter than it (counting ``start_char``).
    """
    num_words = legacy_num_words(num_words, kwargs)
    arrays = load_npz(get_file(path, origin=BASE_URL + "imdb.npz", file_hash=FILE_HASH))
    rng = np.random.RandomState(seed)
    splits = []
    for split in ("train", "test"):
        xs, labels = shuffled(rng, arrays[f"x_{split}"], arrays[f"y_{split}"])
        splits.append(drop_long(maxlen, offset_ids(xs, start_char, index_from), labels))
    (x_train, y_train), (x_test, y_test) = splits
    xs = limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    cut = len(x_train)
    return as_arrays(xs[:cut], y_train), as_arrays(xs[cut:], y_test)


def get_word_index(path="imdb_word_index.json"):
    """``{word: rank}`` (rank 1 = most frequent); add ``index_from`` to match the data."""
    return load_word_index(path, "imdb_word_index.json", WORD_INDEX_HASH)
