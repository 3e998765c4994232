"""Keras 3 preprocessing layers: image resizing and augmentation, numerical features,
vocabularies."""
from .image import Rescaling, Resizing, CenterCrop
from .augmentation import (RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop,
                           RandomContrast, RandomBrightness)
from .numerical import Normalization, Discretization, CategoryEncoding
from .lookup import StringLookup, IntegerLookup, TextVectorization

__all__ = ["Rescaling", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomCrop", "RandomContrast", "RandomBrightness",
           "Normalization", "Discretization", "CategoryEncoding", "StringLookup", "IntegerLookup",
           "TextVectorization"]
