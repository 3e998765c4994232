"""``keras.datasets``: loaders for the standard Keras datasets (read from the Keras
cache, downloaded when missing) and the built-in, generated ``cats_vs_dogs``."""

import importlib

from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "cats_vs_dogs", "cifar10", "cifar100", "fashion_mnist", "imdb",
           "mnist", "reuters"]


def __getattr__(name):
    # cats_vs_dogs is imported on first use so that `python -m
    # keras_facade.datasets.cats_vs_dogs` does not find it already imported.
    if name == "cats_vs_dogs":
        return importlib.import_module(f"{__name__}.cats_vs_dogs")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
