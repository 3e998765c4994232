"""VGG16 (Simonyan & Zisserman, 2014): five blocks of 3x3 convolutions and max pooling, then three
dense layers. Expects inputs prepared by ``preprocess_input`` ('caffe' mode: BGR, mean-centred)."""
from .. import layers
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (keras.applications.vgg16 name)

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
WEIGHTS = {  # include_top -> (file name, md5)
    True: ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b"),
    False: ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "6d6bbae143d832006294945121d1f1fc"),
}


def build_vgg(model_name, convs_per_block, weight_files, include_top, weights, input_tensor,
              input_shape, pooling, classes, classifier_activation, name):
    """A VGG network with ``convs_per_block[i]`` convolutions in block i+1 (shared by VGG16/19)."""
    img_input, _ = imagenet_utils.image_input(
        model_name, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, classes=classes, default_size=224)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = imagenet_utils.predictions(x, classes, classifier_activation, weights)
    else:
        x = imagenet_utils.pool(x, pooling)
    model = imagenet_utils.create_model(input_tensor, img_input, x, name)
    file_name, file_hash = weight_files[bool(include_top)]
    folder = file_name.split("_", 1)[0]
    return imagenet_utils.load_weights(model, weights, file_name, f"{BASE_URL}{folder}/{file_name}",
                                       file_hash)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """The VGG16 model (default input 224x224x3, at least 32x32), optionally with ImageNet weights.

    ``include_top`` adds the flatten/fc1/fc2/predictions head; without it ``pooling`` None, 'avg'
    or 'max' chooses the output. ``weights``: None, 'imagenet' or the path of a weights file.
    """
    return build_vgg("VGG16", (2, 2, 3, 3, 3), WEIGHTS, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """'caffe' preprocessing: RGB to BGR, then minus the ImageNet channel means."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
