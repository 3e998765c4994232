"""CIFAR-100: 50,000 + 10,000 colour 32x32 images (uint8), 100 fine or 20 coarse classes.

Read from ``<cache>/datasets/cifar-100-python/`` (extracted from
``cifar-100-python.tar.gz``); the batches are unpickled with a restricted reader.
"""

from ._cifar import load_cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Return ``(x_train, y_train), (x_test, y_test)``; labels ``(n, 1)`` int64, fine or coarse."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of "fine", "coarse"; got {label_mode!r}.')
    return load_cifar("cifar-100-python", ORIGIN, FILE_HASH, ["train"], "test",
                      f"{label_mode}_labels", "int64")
