"""Keras 3 preprocessing layers: image resizing and augmentation, numerical features,
vocabularies, hashing."""
from .image import Rescaling, Resizing, CenterCrop
from .augmentation import (RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop,
                           RandomContrast, RandomBrightness)
from .numerical import Normalization, Discretization, CategoryEncoding
from .lookup import StringLookup, IntegerLookup, TextVectorization
from .color import (RandomGrayscale, RandomHue, RandomSaturation, RandomColorJitter,
                    RandomColorDegeneration, RandomSharpness, RandomInvert, RandomPosterization,
                    Solarization, AutoContrast, Equalization)
from .filters import RandomGaussianBlur
from .geometry import RandomShear, RandomPerspective, RandomElasticTransform
from .mixing import RandomErasing, MixUp, CutMix
from .composite import RandAugment, AugMix, Pipeline
from .hashing import Hashing, HashedCrossing

__all__ = ["Rescaling", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomCrop", "RandomContrast", "RandomBrightness",
           "Normalization", "Discretization", "CategoryEncoding", "StringLookup", "IntegerLookup",
           "TextVectorization", "RandomGrayscale", "RandomHue", "RandomSaturation",
           "RandomColorJitter", "RandomColorDegeneration", "RandomSharpness", "RandomInvert",
           "RandomPosterization", "Solarization", "AutoContrast", "Equalization",
           "RandomGaussianBlur", "RandomShear", "RandomPerspective", "RandomElasticTransform",
           "RandomErasing", "MixUp", "CutMix", "RandAugment", "AugMix", "Pipeline",
           "Hashing", "HashedCrossing"]
