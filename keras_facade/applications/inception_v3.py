"""InceptionV3 (Szegedy et al., 2015): parallel convolution branches concatenated in 'mixed' blocks.

Expects inputs prepared by ``preprocess_input`` ('tf' mode: scaled to [-1, 1]).
"""
from .. import backend, layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications name)
from .mobilenet import preprocess_input  # noqa: F401  ('tf' mode, as Keras)

__all__ = ["InceptionV3", "preprocess_input", "decode_predictions"]

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
WEIGHTS = {  # include_top -> (file name, md5)
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
           "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "bcbd6486424b2319ff4ef7d526e38f63"),
}


def _channel_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution without bias, batch norm without scale, relu (``name``: its relu's name)."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=f"{name}_conv" if name else None)(x)
    x = layers.BatchNormalization(axis=_channel_axis(), scale=False,
                                  name=f"{name}_bn" if name else None)(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x, *convs):
    """``conv2d_bn`` layers applied one after the other; each is (filters, rows, cols)."""
    for filters, rows, cols in convs:
        x = conv2d_bn(x, filters, rows, cols)
    return x


def _avg_branch(x, filters):
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _mixed(branches, name):
    return layers.concatenate(branches, axis=_channel_axis(), name=name)


def _block_35(x, pool_filters, name):
    """The 35x35 module: 1x1, 5x5, double 3x3 and average-pool branches."""
    return _mixed([conv2d_bn(x, 64, 1, 1),
                   _chain(x, (48, 1, 1), (64, 5, 5)),
                   _chain(x, (64, 1, 1), (96, 3, 3), (96, 3, 3)),
                   _avg_branch(x, pool_filters)], name)


def _block_17(x, filters, name):
    """The 17x17 module with factorized 7x7 convolutions of ``filters`` inner channels."""
    f = filters
    return _mixed([conv2d_bn(x, 192, 1, 1),
                   _chain(x, (f, 1, 1), (f, 1, 7), (192, 7, 1)),
                   _chain(x, (f, 1, 1), (f, 7, 1), (f, 1, 7), (f, 7, 1), (192, 1, 7)),
                   _avg_branch(x, 192)], name)


def _block_8(x, index):
    """The 8x8 module with split 1x3/3x1 branches."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = _mixed([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                       f"mixed9_{index}")
    double = _chain(x, (448, 1, 1), (384, 3, 3))
    double = _mixed([conv2d_bn(double, 384, 1, 3), conv2d_bn(double, 384, 3, 1)], None)
    return _mixed([branch1x1, branch3x3, double, _avg_branch(x, 192)], f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    """InceptionV3 (default input 299x299x3, at least 75x75); arguments as ``VGG16``."""
    img_input, _ = imagenet_utils.image_input(
        "InceptionV3", include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=299, min_size=75)
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, f"mixed{i}")
    x = _mixed([conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid"),
                conv2d_bn(_chain(x, (64, 1, 1), (96, 3, 3)), 96, 3, 3, strides=(2, 2),
                          padding="valid"),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed3")
    for i, filters in enumerate((128, 160, 160, 192)):
        x = _block_17(x, filters, f"mixed{4 + i}")
    x = _mixed([conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid"),
                conv2d_bn(_chain(x, (192, 1, 1), (192, 1, 7), (192, 7, 1)), 192, 3, 3,
                          strides=(2, 2), padding="valid"),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed8")
    for i in range(2):
        x = _block_8(x, i)
    x = imagenet_utils.average_pooled_top(x, include_top, pooling, classes, classifier_activation,
                                          weights)
    model = imagenet_utils.create_model(input_tensor, img_input, x, name)
    file_name, file_hash = WEIGHTS[bool(include_top)]
    return imagenet_utils.load_weights(model, weights, file_name, BASE_URL + file_name, file_hash)
