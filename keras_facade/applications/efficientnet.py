"""EfficientNetB0..B7 (Tan & Le, 2019): MobileNetV2-style blocks with squeeze-and-excitation,
scaled in width, depth and resolution.

The models take raw pixels in [0, 255]: rescaling and normalization are their first layers, so
``preprocess_input`` returns its input unchanged (as in Keras).
"""
import copy
import math

from .. import backend, layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications name)
from .mobilenet_v2 import make_divisible

__all__ = [f"EfficientNetB{i}" for i in range(8)] + ["preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {  # weights name -> (md5 with top, md5 without top)
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
DEFAULT_BLOCKS_ARGS = [
    dict(kernel_size=k, repeats=r, filters_in=f_in, filters_out=f_out, expand_ratio=e,
         id_skip=True, strides=s, se_ratio=0.25)
    for k, r, f_in, f_out, e, s in ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2),
                                    (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
                                    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
                                    (3, 1, 192, 320, 6, 1))]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out",
                                      "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out",
                                       "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def _bn_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def _conv(filters, kernel_size, name, **kwargs):
    return layers.Conv2D(filters, kernel_size, padding=kwargs.pop("padding", "same"),
                         kernel_initializer=CONV_KERNEL_INITIALIZER, name=name, **kwargs)


def _bn_act(x, activation, bn_name, act_name):
    x = layers.BatchNormalization(axis=_bn_axis(), name=bn_name)(x)
    return layers.Activation(activation, name=act_name)(x)


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """An EfficientNet scaled by ``width_coefficient`` (filters) and ``depth_coefficient``
    (block repeats); ``drop_connect_rate`` grows linearly over the blocks."""
    blocks_args = copy.deepcopy(DEFAULT_BLOCKS_ARGS if blocks_args == "default" else blocks_args)
    img_input, _ = imagenet_utils.image_input(
        name, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=default_size)

    def round_filters(filters):
        return make_divisible(filters * width_coefficient, depth_divisor)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=_bn_axis())(x)
    if weights == "imagenet":
        # the published weights hold the variance, not the std, in the normalization layer
        x = layers.Rescaling([1.0 / math.sqrt(std) for std in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = _conv(round_filters(32), 3, "stem_conv", strides=2, padding="valid", use_bias=False)(x)
    x = _bn_act(x, activation, "stem_bn", "stem_activation")
    total = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    b = 0
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError(f"{name}: the number of repeats of each block must be > 0; "
                             f"received repeats={args['repeats']}")
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"], args["filters_in"] = 1, args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1
    x = _conv(round_filters(1280), 1, "top_conv", use_bias=False)(x)
    x = _bn_act(x, activation, "top_bn", "top_activation")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling, "avg_pool", "max_pool")
    model = imagenet_utils.create_model(input_tensor, img_input, x, name)
    if weights != "imagenet":
        return imagenet_utils.load_weights(model, weights)
    file_name = name + (".h5" if include_top else "_notop.h5")
    file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                       file_hash)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16,
          kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """Inverted residual block: 1x1 expansion, depthwise conv, squeeze-and-excitation, linear
    1x1 projection; a residual sum (after a per-sample dropout) when the shape is kept."""
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, 1, f"{name}expand_conv", use_bias=False)(x)
        x = _bn_act(x, activation, f"{name}expand_bn", f"{name}expand_activation")
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = _bn_act(x, activation, f"{name}bn", f"{name}activation")
    if 0 < se_ratio <= 1:
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se_shape = (1, 1, filters) if _bn_axis() == 3 else (filters, 1, 1)
        se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
        se = _conv(max(1, int(filters_in * se_ratio)), 1, f"{name}se_reduce",
                   activation=activation)(se)
        se = _conv(filters, 1, f"{name}se_expand", activation="sigmoid")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")
    x = _conv(filters_out, 1, f"{name}project_conv", use_bias=False)(x)
    x = layers.BatchNormalization(axis=_bn_axis(), name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def _variant(index, width, depth, size, dropout):
    """The public ``EfficientNetB<index>`` function: Keras' signature over ``EfficientNet``."""
    def variant(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name=f"efficientnetb{index}"):
        return EfficientNet(width, depth, size, dropout, weights_name=f"b{index}", name=name,
                            include_top=include_top, weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation)
    variant.__name__ = variant.__qualname__ = f"EfficientNetB{index}"
    variant.__doc__ = (f"EfficientNetB{index} (default input {size}x{size}x3, at least 32x32); "
                       f"arguments as ``VGG16``. ImageNet weights are looked up by the model name.")
    return variant


# (width coefficient, depth coefficient, default size, top dropout rate) of B0..B7
EfficientNetB0 = _variant(0, 1.0, 1.0, 224, 0.2)
EfficientNetB1 = _variant(1, 1.0, 1.1, 240, 0.2)
EfficientNetB2 = _variant(2, 1.1, 1.2, 260, 0.3)
EfficientNetB3 = _variant(3, 1.2, 1.4, 300, 0.3)
EfficientNetB4 = _variant(4, 1.4, 1.8, 380, 0.4)
EfficientNetB5 = _variant(5, 1.6, 2.2, 456, 0.4)
EfficientNetB6 = _variant(6, 1.8, 2.6, 528, 0.5)
EfficientNetB7 = _variant(7, 2.0, 3.1, 600, 0.5)


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNet models rescale and normalize their input
    themselves (kept so scripts that call it keep working)."""
    return x
