"""DenseNet121/169/201 (Huang et al., 2016): each layer's output is concatenated to its input.

Expects inputs prepared by ``preprocess_input`` ('torch' mode: [0, 1], then ImageNet mean/std).
"""
from .. import backend, layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications name)

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
WEIGHTS_HASHES = {  # blocks per dense block -> (weights name, md5 with top, md5 without top)
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                      "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                      "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                      "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_EPSILON = 1.001e-5


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=3, epsilon=_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def conv_block(x, growth_rate, name):
    """bn-relu-1x1 conv (4 x growth_rate), bn-relu-3x3 conv (growth_rate), concatenated to x."""
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(
        _bn_relu(x, f"{name}_0"))
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(
        _bn_relu(y, f"{name}_1"))
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, y])


def dense_block(x, blocks, name):
    """``blocks`` conv blocks of growth rate 32."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """bn-relu, 1x1 conv keeping ``reduction`` of the channels, 2x2 average pooling."""
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="densenet"):
    """A DenseNet with ``blocks[i]`` conv blocks in dense block i (channels_last only)."""
    if backend.image_data_format() != "channels_last":
        raise ValueError("DenseNet does not support the 'channels_first' image data format; "
                         "switch to 'channels_last' (keras.backend.set_image_data_format)")
    blocks = tuple(blocks)
    if weights == "imagenet" and blocks not in WEIGHTS_HASHES:
        raise ValueError(f"{name}: no imagenet weights for blocks={list(blocks)}; known: "
                         f"{[list(b) for b in WEIGHTS_HASHES]}")
    img_input, _ = imagenet_utils.image_input(
        name, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=224)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=3, epsilon=_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = imagenet_utils.average_pooled_top(x, include_top, pooling, classes, classifier_activation,
                                          weights, ("avg_pool", "max_pool"))
    model = imagenet_utils.create_model(input_tensor, img_input, x, name)
    if weights != "imagenet":
        return imagenet_utils.load_weights(model, weights)
    weights_name, top_hash, notop_hash = WEIGHTS_HASHES[blocks]
    file_name = (f"{weights_name}_weights_tf_dim_ordering_tf_kernels"
                 f"{'' if include_top else '_notop'}.h5")
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                       top_hash if include_top else notop_hash)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet121"):
    """DenseNet121 (default input 224x224x3, at least 32x32); arguments as ``VGG16``."""
    return DenseNet((6, 12, 24, 16), **locals())


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet169"):
    """DenseNet169; arguments as ``DenseNet121``."""
    return DenseNet((6, 12, 32, 32), **locals())


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet201"):
    """DenseNet201; arguments as ``DenseNet121``."""
    return DenseNet((6, 12, 48, 32), **locals())


def preprocess_input(x, data_format=None):
    """'torch' preprocessing: pixels scaled to [0, 1], then normalized by the ImageNet channel
    mean and standard deviation."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")
