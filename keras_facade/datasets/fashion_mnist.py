"""Fashion-MNIST: 60,000 + 10,000 grayscale 28x28 images of clothing (uint8), labels 0-9.

Read from the four gzipped IDX files in ``<cache>/datasets/fashion-mnist/``.
"""

import gzip
import os

import numpy as np

from keras_facade.utils.data_utils import get_file

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
FILE_HASHES = {  # sha256
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}


def _read_idx(fname, header_bytes):
    path = get_file(fname, origin=BASE_URL + fname, cache_subdir=CACHE_SUBDIR,
                    file_hash=FILE_HASHES[fname])
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read(), np.uint8, offset=header_bytes)


def _split(prefix):
    labels = _read_idx(f"{prefix}-labels-idx1-ubyte.gz", 8)
    images = _read_idx(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(len(labels), 28, 28)
    return images, labels


def load_data():
    """Return ``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28), uint8 labels."""
    return _split("train"), _split("t10k")
