"""MobileNet (Howard et al., 2017): depthwise-separable convolutions scaled by a width multiplier
``alpha``. Expects inputs prepared by ``preprocess_input`` ('tf' mode: scaled to [-1, 1])."""
import warnings

from .. import backend, layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications.mobilenet name)

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
# (pointwise filters, stride) of the 13 depthwise-separable blocks
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _channel_axis():
    return -1 if backend.image_data_format() == "channels_last" else 1


def _rows_cols(shape):
    return tuple(shape[:2]) if backend.image_data_format() == "channels_last" else tuple(shape[1:])


def default_size(shape, sizes):
    """The side of a square ``shape`` (height, width[, channels]) if it is one of ``sizes``, else
    224: the resolution whose weights fit."""
    if shape is None:
        return 224
    rows, cols = _rows_cols(shape)[:2]
    return rows if rows == cols and rows in sizes else 224


def weights_rows(model_name, input_shape, weights, sizes):
    """The resolution of the pretrained weights to load for ``input_shape`` (warns when none fits
    and the 224 weights are used)."""
    rows, cols = _rows_cols(input_shape)[:2]
    if weights == "imagenet" and (rows != cols or rows not in sizes):
        warnings.warn(f"{model_name}: input_shape is undefined or non-square, or its rows are not "
                      f"in {list(sizes)}; the weights for input shape (224, 224) are loaded as the "
                      f"default.", stacklevel=3)
        return 224
    return rows


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """MobileNet (default input 224x224x3, at least 32x32). ``alpha`` scales the filters of every
    layer; ImageNet weights exist for alpha 0.25, 0.5, 0.75, 1.0, depth_multiplier 1 and inputs of
    128, 160, 192 or 224 pixels. The top is a 1x1 convolution ``conv_preds`` after ``dropout``."""
    sizes = (128, 160, 192, 224)
    img_input, input_shape = imagenet_utils.image_input(
        "MobileNet", include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=default_size(input_shape, sizes))
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(f"MobileNet: if imagenet weights are being loaded, depth_multiplier "
                             f"must be 1; received depth_multiplier={depth_multiplier}")
        if alpha not in (0.25, 0.50, 0.75, 1.0):
            raise ValueError(f"MobileNet: if imagenet weights are being loaded, alpha can be one "
                             f"of 0.25, 0.50, 0.75 or 1.0 only; received alpha={alpha}")
    rows = weights_rows("MobileNet", input_shape, weights, sizes)
    axis = _channel_axis()
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2),
                      name="conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, 1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling)
    name = name or f"mobilenet_{alpha:0.2f}_{rows}"
    model = imagenet_utils.create_model(input_tensor, img_input, x, name)
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
    file_name = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHT_PATH + file_name)


def _depthwise_conv_block(inputs, pointwise_filters, alpha, depth_multiplier, stride, block_id):
    """3x3 depthwise conv, batch norm, relu6, then 1x1 pointwise conv, batch norm, relu6."""
    axis = _channel_axis()
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x, data_format=None):
    """'tf' preprocessing: pixels scaled from [0, 255] to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
