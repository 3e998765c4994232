"""Xception (Chollet, 2017): depthwise-separable convolutions with residual connections.

Expects inputs prepared by ``preprocess_input`` ('tf' mode: scaled to [-1, 1]).
"""
from .. import backend, layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications name)
from .mobilenet import preprocess_input  # noqa: F401  ('tf' mode, as Keras)

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHTS = {  # include_top -> (file name, md5)
    True: ("xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6"),
    False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "b0042744bf5b25fce3cb969f33bebb97"),
}


def _bn(x, name=None):
    axis = -1 if backend.image_data_format() == "channels_last" else 1
    return layers.BatchNormalization(axis=axis, name=name)(x)


def _sepconv_bn(x, filters, name, relu_first=True):
    """(relu,) 3x3 separable conv without bias, batch norm; layers named ``<name>...``."""
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return _bn(x, f"{name}_bn")


def _downsampling_block(x, filters, block, relu_first=True):
    """Two separable convs and a strided max pooling, added to a strided 1x1 conv shortcut."""
    residual = _bn(layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same",
                                 use_bias=False)(x))
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", relu_first)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    """Xception (default input 299x299x3, at least 71x71); arguments as ``VGG16``."""
    img_input, _ = imagenet_utils.image_input(
        "Xception", include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=299, min_size=71)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.Activation("relu", name="block1_conv1_act")(_bn(x, "block1_conv1_bn"))
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(_bn(x, "block1_conv2_bn"))
    x = _downsampling_block(x, (128, 128), 2, relu_first=False)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = _sepconv_bn(x, 728, f"block{block}_sepconv{i}")
        x = layers.add([x, residual])
    x = _downsampling_block(x, (728, 1024), 13)
    for i, filters in ((1, 1536), (2, 2048)):
        x = _sepconv_bn(x, filters, f"block14_sepconv{i}", relu_first=False)
        x = layers.Activation("relu", name=f"block14_sepconv{i}_act")(x)
    x = imagenet_utils.average_pooled_top(x, include_top, pooling, classes, classifier_activation,
                                          weights)
    model = imagenet_utils.create_model(input_tensor, img_input, x, name)
    file_name, file_hash = WEIGHTS[bool(include_top)]
    return imagenet_utils.load_weights(model, weights, file_name, BASE_URL + file_name, file_hash)
