"""What every ImageNet application shares: ``preprocess_input``, ``decode_predictions``, input-shape
validation, the classifier/pooling head and loading the pretrained weights.

Pretrained weights are the Keras 2 layout ``.h5`` files Keras publishes; they are fetched with
``utils.get_file`` into ``<cache root>/models`` (``~/.keras/models``, or under ``$KERAS_HOME``) with
the file hashes Keras uses, so a file already placed there is used offline, then loaded by
topological order with ``Model.load_weights``.
"""
import json
import os
import warnings

import numpy as np

import autograd_core as ag

from .. import activations, backend, layers
from ..models import Model
from ..utils import get_file
from ..utils.layer_utils import get_source_inputs

__all__ = ["preprocess_input", "decode_predictions"]

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_MODES = {  # mode -> (per-channel mean, per-channel std); 'torch' first divides by 255
    "caffe": ((103.939, 116.779, 123.68), None),
    "torch": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}


# -- preprocessing -------------------------------------------------------------------------------

def _channel_shape(ndim, data_format):
    if data_format == "channels_last":
        return (1,) * (ndim - 1) + (3,)
    return (3,) + (1,) * (ndim - 3) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)


def _channel_axis(ndim, data_format):
    return -1 if data_format == "channels_last" else (0 if ndim == 3 else 1)


def _flip_channels(x, data_format):
    index = [slice(None)] * x.ndim
    index[_channel_axis(x.ndim, data_format)] = slice(None, None, -1)
    return x[tuple(index)]


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    if mode == "tf":
        return x / 127.5 - 1.0
    mean, std = _MODES[mode]
    x = x / 255.0 if mode == "torch" else _flip_channels(x, data_format)
    x = x - np.asarray(mean, x.dtype).reshape(_channel_shape(x.ndim, data_format))
    if std is not None:
        x = x / np.asarray(std, x.dtype).reshape(_channel_shape(x.ndim, data_format))
    return x


def _preprocess_tensor(x, data_format, mode):
    """The same arithmetic with engine ops, so gradients flow through it."""
    if mode == "tf":
        return x / 127.5 - 1.0
    mean, std = _MODES[mode]
    x = x / 255.0 if mode == "torch" else ag.flip(x, _channel_axis(x.ndim, data_format))
    shape = _channel_shape(x.ndim, data_format)
    x = x - ag.as_tensor(np.asarray(mean, x.dtype).reshape(shape), device=x.device)
    if std is not None:
        x = x / ag.as_tensor(np.asarray(std, x.dtype).reshape(shape), device=x.device)
    return x


def _preprocess_symbolic(x, data_format, mode):
    """The same arithmetic on a symbolic tensor, as keras.ops calls."""
    from .. import ops
    if mode == "tf":
        return x / 127.5 - 1.0
    mean, std = _MODES[mode]
    ndim = len(x.shape)
    x = x / 255.0 if mode == "torch" else ops.flip(x, axis=_channel_axis(ndim, data_format))
    shape = _channel_shape(ndim, data_format)
    x = x - np.asarray(mean, "float32").reshape(shape)
    if std is not None:
        x = x / np.asarray(std, "float32").reshape(shape)
    return x


def preprocess_input(x, data_format=None, mode="caffe"):
    """Prepare a batch of RGB images with values in [0, 255] for an ImageNet model.

    ``mode``: 'caffe' (RGB to BGR, minus the ImageNet channel means), 'tf' (scaled to [-1, 1]) or
    'torch' (scaled to [0, 1], then normalized by the ImageNet channel mean and std). Accepts a
    numpy array (returns a new float array), an engine tensor or a symbolic Keras tensor (the
    result is computed with engine ops, so it is differentiable). 3D or 4D, 3 color channels.
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"preprocess_input: mode must be one of 'caffe', 'tf' or 'torch'; "
                         f"received mode={mode!r}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"preprocess_input: data_format must be 'channels_first' or "
                         f"'channels_last'; received data_format={data_format!r}")
    shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    if mode != "tf" and (len(shape) < 3 or shape[_channel_axis(len(shape), data_format)] != 3):
        raise ValueError(f"preprocess_input (mode={mode!r}, {data_format}) expects 3D or 4D images "
                         f"with 3 color channels; received shape {shape}")
    if backend.is_keras_tensor(x):  # keras.ops nodes of the graph, not a layer (as Keras 3)
        return _preprocess_symbolic(x, data_format, mode)
    if isinstance(x, ag.Tensor):
        return _preprocess_tensor(x, data_format, mode)
    return _preprocess_numpy(np.asarray(x), data_format, mode)


def decode_predictions(preds, top=5):
    """The ``top`` best ImageNet classes of each prediction: a list (one per sample) of
    ``(class_id, class_name, score)`` tuples, best first. ``preds`` has shape (samples, 1000)."""
    global CLASS_INDEX
    preds = np.asarray(preds.numpy() if isinstance(preds, ag.Tensor) else preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"decode_predictions expects a batch of predictions of shape "
                         f"(samples, 1000); received an array of shape {preds.shape}")
    if CLASS_INDEX is None:
        fpath = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                         file_hash=CLASS_INDEX_HASH)
        with open(fpath) as handle:
            CLASS_INDEX = json.load(handle)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        results.append(sorted((tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in best),
                              key=lambda item: item[2], reverse=True))
    return results


# -- building a model ----------------------------------------------------------------------------

def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The model's input shape (height, width, channels): ``input_shape`` checked, or the default.

    ``require_flatten`` (include_top) with ImageNet weights allows only the default size; ImageNet
    weights need 3 channels; height and width must be at least ``min_size``.
    """
    last = data_format == "channels_last"
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[-1] if last else input_shape[0]
        if channels not in (1, 3):
            warnings.warn(f"This model usually expects 1 or 3 input channels; input_shape "
                          f"{input_shape} has {channels}.", stacklevel=3)
    else:
        channels = 3
    default_shape = ((default_size, default_size, channels) if last
                     else (channels, default_size, default_size))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"When setting include_top=True and loading 'imagenet' weights, "
                             f"input_shape should be {default_shape}; received "
                             f"input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(f"input_shape must be a tuple of three integers; received "
                             f"input_shape={input_shape}")
        channels, size = (input_shape[-1], input_shape[:2]) if last else (input_shape[0],
                                                                          input_shape[1:])
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels with 'imagenet' weights; received "
                             f"input_shape={input_shape}")
        if any(s is not None and s < min_size for s in size):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; received "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (None, None, 3) if last else (3, None, None)
    if require_flatten and None in input_shape:
        raise ValueError(f"If include_top is True, you should specify a static input_shape; "
                         f"received input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """The ((top, bottom), (left, right)) zero padding before a strided 'valid' convolution so it
    matches TensorFlow's 'same' padding."""
    last = backend.image_data_format() == "channels_last"
    size = inputs.shape[1:3] if last else inputs.shape[2:4]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only ``None`` or 'softmax' as the classifier activation."""
    if weights is None:
        return
    if activations.get(classifier_activation) not in (activations.get("softmax"),
                                                      activations.get(None)):
        raise ValueError(f"Only None and 'softmax' activations are allowed for the "
                         f"classifier_activation argument when using pretrained weights, with "
                         f"include_top=True; received classifier_activation="
                         f"{classifier_activation!r}")


def image_input(model_name, *, include_top, weights, input_tensor, input_shape, classes,
                default_size, min_size=32):
    """Check the shared arguments; return the image input tensor of the model to build and its
    (checked or default) shape without the batch axis."""
    if not (weights in ("imagenet", None) or os.path.exists(weights)):
        raise ValueError(f"{model_name}: the weights argument should be either None (random "
                         f"initialization), 'imagenet' (pre-training on ImageNet), or the path to "
                         f"the weights file to be loaded; received weights={weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model_name}: if using weights='imagenet' with include_top=True, "
                         f"classes should be 1000; received classes={classes}")
    input_shape = obtain_input_shape(input_shape, default_size, min_size,
                                     backend.image_data_format(), include_top, weights)
    if input_tensor is None:
        return layers.Input(shape=input_shape), input_shape
    if backend.is_keras_tensor(input_tensor):
        return input_tensor, input_shape
    return layers.Input(tensor=input_tensor, shape=input_shape), input_shape


def pool(x, pooling, avg_name=None, max_name=None):
    """The optional global pooling of a headless model (``pooling`` None, 'avg' or 'max')."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def average_pooled_top(x, include_top, pooling, classes, classifier_activation, weights,
                       pool_names=(None, None)):
    """The usual head: global average pooling 'avg_pool' and the classifier with the top, else the
    optional ``pooling`` (its layers named ``pool_names``: avg, max)."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return predictions(x, classes, classifier_activation, weights)
    return pool(x, pooling, *pool_names)


def predictions(x, classes, classifier_activation, weights):
    """The final ``Dense`` classifier named 'predictions'."""
    validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def create_model(input_tensor, img_input, outputs, name):
    """The functional model from the image input (or the sources of ``input_tensor``)."""
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    return Model(inputs, outputs, name=name)


def load_weights(model, weights, file_name=None, origin=None, file_hash=None):
    """Load 'imagenet' weights (``file_name`` fetched from ``origin`` into the models cache) or the
    weights file at the path ``weights``; ``None`` keeps the random initialization."""
    if weights == "imagenet":
        weights = get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model
