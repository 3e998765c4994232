"""CIFAR-10: 50,000 + 10,000 colour 32x32 images (uint8) in 10 classes, labels ``(n, 1)`` uint8.

Read from ``<cache>/datasets/cifar-10-batches-py/`` (extracted from
``cifar-10-batches-py.tar.gz``); the batches are unpickled with a restricted reader.
"""

from ._cifar import load_cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Return ``(x_train, y_train), (x_test, y_test)``; x is ``(n, 32, 32, 3)`` channels-last."""
    return load_cifar("cifar-10-batches-py", ORIGIN, FILE_HASH,
                      [f"data_batch_{i}" for i in range(1, 6)], "test_batch", "labels", "uint8")
