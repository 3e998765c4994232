"""MobileNetV2 (Sandler et al., 2018): inverted residual blocks with linear bottlenecks.

Expects inputs prepared by ``preprocess_input`` ('tf' mode: scaled to [-1, 1]).
"""
from .. import backend, layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications name)
from .mobilenet import default_size, preprocess_input, weights_rows  # noqa: F401

__all__ = ["MobileNetV2", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
# (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
           (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
           (160, 1, 6), (160, 1, 6), (320, 1, 6))
_SIZES = (96, 128, 160, 192, 224)


def _bn(x, name):
    axis = -1 if backend.image_data_format() == "channels_last" else 1
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)(x)


def make_divisible(value, divisor, min_value=None):
    """``value`` rounded to a multiple of ``divisor`` (at least ``min_value``), never more than
    10% below ``value``."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _check_input_tensor(input_tensor, input_shape):
    """The spatial size implied by the arguments: ``input_shape``, else a Keras tensor's shape."""
    if input_tensor is None or not backend.is_keras_tensor(input_tensor):
        return input_shape
    spatial = tuple(input_tensor.shape[1:])
    if input_shape is not None and spatial[1] != input_shape[1]:
        raise ValueError(f"MobileNetV2: input_tensor.shape {tuple(input_tensor.shape)} does not "
                         f"match input_shape={input_shape}")
    return input_shape if input_shape is not None else spatial


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                name=None):
    """MobileNetV2 (default input 224x224x3, at least 32x32). ``alpha`` scales the filters;
    ImageNet weights exist for alpha 0.35, 0.5, 0.75, 1.0, 1.3, 1.4 and inputs of 96, 128, 160,
    192 or 224 pixels."""
    size = default_size(_check_input_tensor(input_tensor, input_shape), _SIZES)
    img_input, input_shape = imagenet_utils.image_input(
        "MobileNetV2", include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=size)
    if weights == "imagenet" and alpha not in (0.35, 0.50, 0.75, 1.0, 1.3, 1.4):
        raise ValueError(f"MobileNetV2: if imagenet weights are being loaded, alpha must be one of "
                         f"0.35, 0.50, 0.75, 1.0, 1.3 or 1.4 only; received alpha={alpha}")
    rows = weights_rows("MobileNetV2", input_shape, weights, _SIZES)
    x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.ReLU(6.0, name="Conv1_relu")(_bn(x, "bn_Conv1"))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_bn(x, "Conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = imagenet_utils.predictions(x, classes, classifier_activation, weights)
    else:
        x = imagenet_utils.pool(x, pooling)
    model = imagenet_utils.create_model(input_tensor, img_input, x,
                                        name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    file_name = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                 f"{'' if include_top else '_no_top'}.h5")
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHT_PATH + file_name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """1x1 expansion (not in block 0), 3x3 depthwise conv, linear 1x1 projection; a residual sum
    when the shape is kept."""
    channel_axis = -1 if backend.image_data_format() == "channels_last" else 1
    in_channels = inputs.shape[channel_axis]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                          activation=None, name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(_bn(x, f"{prefix}expand_BN"))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(_bn(x, f"{prefix}depthwise_BN"))
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x
