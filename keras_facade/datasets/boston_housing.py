"""Boston housing prices: 506 samples of 13 features, targets in k$ (shuffled, then split)."""

import numpy as np

from keras_facade.utils.data_utils import get_file

from ._loading import load_npz

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Shuffle with ``RandomState(seed)`` and split at ``int(n * (1 - test_split))``."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1); got {test_split}.")
    arrays = load_npz(get_file(path, origin=ORIGIN, file_hash=FILE_HASH))
    x, y = arrays["x"], arrays["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
