"""Reuters newswires: 11,228 word-id lists labelled with 46 topics.

Same id conventions as ``imdb``; the whole set is shuffled, then split by ``test_split``.
"""

import numpy as np

from keras_facade.utils.data_utils import get_file

from ._loading import load_npz
from ._word_ids import (BASE_URL, as_arrays, drop_long, legacy_num_words, limit_vocabulary,
                        load_word_index, offset_ids, shuffled)

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """Return ``(x_train, y_train), (x_test, y_test)``; x are object arrays of id lists.

    Shuffled with ``RandomState(seed)``, filtered by ``maxlen``, then split at
    ``int(n * (1 - test_split))``.
    """
    num_words = legacy_num_words(num_words, kwargs)
    arrays = load_npz(get_file(path, origin=BASE_URL + "reuters.npz", file_hash=FILE_HASH))
    xs, labels = shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    xs, labels = drop_long(maxlen, offset_ids(xs, start_char, index_from), labels)
    xs = limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return as_arrays(xs[:cut], labels[:cut]), as_arrays(xs[cut:], labels[cut:])


def get_word_index(path="reuters_word_index.json"):
    """``{word: rank}`` (rank 1 = most frequent); add ``index_from`` to match the data."""
    return load_word_index(path, "reuters_word_index.json", WORD_INDEX_HASH)
