"""VGG19: VGG16 with four convolutions in each of the last three blocks."""
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications.vgg19 name)
from .vgg16 import build_vgg, preprocess_input  # noqa: F401

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]

WEIGHTS = {  # include_top -> (file name, md5)
    True: ("vgg19_weights_tf_dim_ordering_tf_kernels.h5", "cbe5617147190e668d6c5d5026f83318"),
    False: ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "253f8cb515780f3b799900260a226db6"),
}


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    """The VGG19 model (default input 224x224x3, at least 32x32); arguments as ``VGG16``."""
    return build_vgg("VGG19", (2, 2, 4, 4, 4), WEIGHTS, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation, name)
