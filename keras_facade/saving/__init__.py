"""``keras.saving``: weights and whole models in Keras' own file formats (HDF5, the ``.keras`` zip).

No pickle anywhere, writes are atomic, and loading never runs code from a file unless asked to.
"""
from .api import load_model, save_model
from .mixin import SavingMixin
from .registration import (CustomObjectScope, custom_object_scope, get_custom_objects,
                           get_registered_name, get_registered_object, register_keras_serializable)
from .safe_mode import enable_unsafe_deserialization
from .serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["load_model", "save_model", "SavingMixin", "register_keras_serializable",
           "get_registered_name", "get_registered_object", "get_custom_objects",
           "custom_object_scope", "CustomObjectScope", "enable_unsafe_deserialization",
           "serialize_keras_object", "deserialize_keras_object"]
