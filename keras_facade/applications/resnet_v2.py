"""ResNet50V2/101V2/152V2 (He et al., 2016): pre-activation residual networks.

Expects inputs prepared by ``preprocess_input`` ('tf' mode: scaled to [-1, 1]).
"""
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications.resnet_v2 name)
from .resnet import ResNet, stack_residual_blocks_v2, stages

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]


def _resnet_v2(blocks, weights_name, args):
    return ResNet(stages(stack_residual_blocks_v2, blocks, (2, 2, 2, 1)), preact=True,
                  use_bias=True, weights_name=weights_name, **args)


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """ResNet50V2 (default input 224x224x3, at least 32x32); arguments as ``ResNet50``."""
    return _resnet_v2((3, 4, 6, 3), "resnet50v2", dict(locals()))


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """ResNet101V2; arguments as ``ResNet50``."""
    return _resnet_v2((3, 4, 23, 3), "resnet101v2", dict(locals()))


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """ResNet152V2; arguments as ``ResNet50``."""
    return _resnet_v2((3, 8, 36, 3), "resnet152v2", dict(locals()))


def preprocess_input(x, data_format=None):
    """'tf' preprocessing: pixels scaled from [0, 255] to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
