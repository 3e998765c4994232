"""MNIST handwritten digits: 60,000 + 10,000 grayscale 28x28 images (uint8), labels 0-9."""

from keras_facade.utils.data_utils import get_file

from ._loading import load_npz

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Return ``(x_train, y_train), (x_test, y_test)`` from ``<cache>/datasets/<path>``."""
    arrays = load_npz(get_file(path, origin=ORIGIN, file_hash=FILE_HASH))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
