"""``keras.applications``: ImageNet model architectures with optional pretrained weights.

Each family is a module named as in Keras (``vgg16``, ``resnet``...) holding its model functions,
``preprocess_input`` and ``decode_predictions``; the model functions are also importable from here.
"""
from . import (densenet, efficientnet, imagenet_utils, inception_v3, mobilenet, mobilenet_v2,
               resnet, resnet50, resnet_v2, vgg16, vgg19, xception)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

__all__ = [name for name in dir() if not name.startswith("_")]
