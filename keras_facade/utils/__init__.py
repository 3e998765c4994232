"""``keras.utils``: one-hot encoding, ``Sequence``, ``get_file`` and ``plot_model``.

Keras 2 submodule paths (``keras.utils.np_utils``, ``.data_utils``, ``.vis_utils``)
are kept; the Keras 3 locations of ``pad_sequences`` and the image helpers
(``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``) load on first use.
"""

import importlib

from . import data_utils, np_utils, vis_utils
from .data_utils import Sequence, get_file, validate_file
from .np_utils import normalize, to_categorical
from .vis_utils import model_to_dot, plot_model

PyDataset = Sequence

__all__ = ["data_utils", "np_utils", "vis_utils", "Sequence", "PyDataset", "get_file",
           "validate_file", "normalize", "to_categorical", "plot_model", "model_to_dot",
           "pad_sequences", "load_img", "img_to_array", "array_to_img", "save_img"]

_IMAGE_NAMES = ("load_img", "img_to_array", "array_to_img", "save_img")


def __getattr__(name):
    # Imported lazily: preprocessing.sequence and .image themselves import this package.
    if name == "pad_sequences":
        return importlib.import_module("keras_facade.preprocessing.sequence").pad_sequences
    if name in _IMAGE_NAMES:
        return getattr(importlib.import_module("keras_facade.preprocessing.image"), name)
    if name == "set_random_seed":  # the Keras 3 location
        return importlib.import_module("keras_facade.backend").set_random_seed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
