"""``keras.utils``: one-hot encoding, ``Sequence``, ``get_file`` and ``plot_model``.

Keras 2 submodule paths (``keras.utils.np_utils``, ``.data_utils``, ``.vis_utils``)
are kept; the Keras 3 locations of ``pad_sequences``, the image helpers
(``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``) and the other names
of ``_LAZY`` (dataset utilities, serialization registry, ``Progbar``...) load on first use.
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

# Keras 3 names defined elsewhere in the package: name -> module (imported on first use).
_LAZY = {
    **dict.fromkeys(("image_dataset_from_directory", "text_dataset_from_directory",
                     "timeseries_dataset_from_array", "split_dataset"),
                    "keras_facade.preprocessing.dataset_utils"),
    **dict.fromkeys(("register_keras_serializable", "get_custom_objects", "custom_object_scope",
                     "CustomObjectScope", "get_registered_name", "get_registered_object"),
                    "keras_facade.saving.registration"),
    **dict.fromkeys(("serialize_keras_object", "deserialize_keras_object"),
                    "keras_facade.saving.serialization_lib"),
    **dict.fromkeys(("clear_session", "is_keras_tensor", "set_random_seed"),
                    "keras_facade.backend"),
    **dict.fromkeys(("pack_x_y_sample_weight", "unpack_x_y_sample_weight"),
                    "keras_facade.training.data_adapter"),
    "Progbar": "keras_facade.training.progbar",
    "get_source_inputs": "keras_facade.utils.layer_utils",
}
__all__ += list(_LAZY)


def __getattr__(name):
    # Imported lazily: preprocessing.sequence and .image themselves import this package.
    if name == "pad_sequences":
        return importlib.import_module("keras_facade.preprocessing.sequence").pad_sequences
    if name in _IMAGE_NAMES:
        return getattr(importlib.import_module("keras_facade.preprocessing.image"), name)
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
