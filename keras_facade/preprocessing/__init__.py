"""``keras.preprocessing``: the ``image``, ``sequence`` and ``text`` modules plus the
Keras 3 top-level names (``load_img``, ``img_to_array``, ``array_to_img``,
``save_img``, ``smart_resize``, ``pad_sequences``, ``TimeseriesGenerator``,
``image_dataset_from_directory``, ``text_dataset_from_directory``,
``timeseries_dataset_from_array``).

``image`` is imported on first use, so this package imports even while that module
is unavailable.
"""

import importlib

from . import sequence, text
from .sequence import TimeseriesGenerator, pad_sequences

_IMAGE_NAMES = ("load_img", "img_to_array", "array_to_img", "save_img", "smart_resize")
_DATASET_NAMES = ("image_dataset_from_directory", "text_dataset_from_directory",
                  "timeseries_dataset_from_array")

__all__ = ["image", "sequence", "text", "pad_sequences", "TimeseriesGenerator", *_IMAGE_NAMES,
           *_DATASET_NAMES]


def __getattr__(name):
    if name == "image":
        return importlib.import_module(f"{__name__}.image")
    if name in _IMAGE_NAMES:
        return getattr(importlib.import_module(f"{__name__}.image"), name)
    if name in _DATASET_NAMES:
        return getattr(importlib.import_module(f"{__name__}.dataset_utils"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
