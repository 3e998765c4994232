"""keras.applications: architectures (layer names, weight shapes, parameter counts as Keras 3 builds
them), argument checks, loading 'imagenet' weights from the cache, preprocess_input and
decode_predictions."""
import hashlib
import importlib
import json
import sys

import h5py
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from keras_facade import _runner
from keras_facade.applications import imagenet_utils, vgg16
from keras_facade.utils import data_utils

A = keras.applications

# (function, kwargs) -> (model name, count_params, len(layers), output shape, layers[1].name,
# layers[-1].name), as Keras 3.15 builds the same models with weights=None.
STRUCTURES = {
    ("VGG16", (("include_top", False), ("input_shape", (32, 32, 3)))):
        ("vgg16", 14714688, 19, (None, 1, 1, 512), "block1_conv1", "block5_pool"),
    ("ResNet50", (("include_top", False), ("input_shape", (32, 32, 3)), ("pooling", "avg"))):
        ("resnet50", 23587712, 176, (None, 2048), "conv1_pad", "avg_pool"),
    ("ResNet50V2", (("include_top", False), ("input_shape", (32, 32, 3)), ("pooling", "max"))):
        ("resnet50v2", 23564800, 191, (None, 2048), "conv1_pad", "max_pool"),
    ("MobileNet", (("alpha", 0.25), ("input_shape", (32, 32, 3)), ("classes", 10))):
        ("mobilenet_0.25_32", 221114, 91, (None, 10), "conv1", "predictions"),
    ("MobileNetV2", (("alpha", 0.35), ("input_shape", (32, 32, 3)), ("classes", 10))):
        ("mobilenetv2_0.35_32", 423018, 156, (None, 10), "Conv1", "predictions"),
    ("InceptionV3", (("include_top", False), ("input_shape", (75, 75, 3)))):
        ("inception_v3", 21802784, 311, (None, 1, 1, 2048), "conv2d", "mixed10"),
    ("Xception", (("include_top", False), ("input_shape", (71, 71, 3)))):
        ("xception", 20861480, 132, (None, 3, 3, 2048), "block1_conv1", "block14_sepconv2_act"),
    ("DenseNet121", (("include_top", False), ("input_shape", (32, 32, 3)), ("pooling", "avg"))):
        ("densenet121", 7037504, 428, (None, 1024), "zero_padding2d", "avg_pool"),
    ("EfficientNetB0", (("include_top", False), ("input_shape", (32, 32, 3)), ("pooling", "avg"))):
        ("efficientnetb0", 4049571, 238, (None, 1280), "rescaling", "avg_pool"),
}


@pytest.mark.parametrize("key", list(STRUCTURES), ids=[k[0] for k in STRUCTURES])
def test_architecture_matches_keras(key):
    fn, kwargs = key
    name, params, n_layers, out_shape, second, last = STRUCTURES[key]
    model = getattr(A, fn)(weights=None, **dict(kwargs))
    assert model.name == name
    assert model.count_params() == params
    assert len(model.layers) == n_layers
    assert tuple(model.output.shape) == out_shape
    assert model.layers[1].name == second and model.layers[-1].name == last


def test_weight_names_shapes_and_order_of_a_resnet_block():
    model = A.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    names = [layer.name for layer in model.layers[:12]]
    assert names == ["input_layer", "conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu",
                     "pool1_pad", "pool1_pool", "conv2_block1_1_conv", "conv2_block1_1_bn",
                     "conv2_block1_1_relu", "conv2_block1_2_conv", "conv2_block1_2_bn"]
    bn = model.get_layer("conv2_block1_0_bn")
    assert [w.name.split("/")[-1].split(":")[0] for w in bn.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance"]
    assert [tuple(w.shape) for w in model.get_layer("conv2_block1_0_conv").weights] == [
        (1, 1, 64, 256), (256,)]
    assert model.get_layer("conv2_block1_0_bn").epsilon == pytest.approx(1.001e-5)


def _conv_same_relu(x, kernel, bias):
    """Naive 'same' 3x3 convolution + relu (NHWC, kernel (3, 3, in, out))."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = x.shape[1:3]
    out = sum(np.tensordot(padded[:, i:i + h, j:j + w], kernel[i, j], axes=1)
              for i in range(3) for j in range(3))
    return np.maximum(out + bias, 0)


def _max_pool_2x2(x):
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def test_vgg16_first_blocks_match_a_numpy_reference():
    vgg = A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    model = keras.Model(vgg.input, vgg.get_layer("block3_pool").output)
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    x = A.vgg16.preprocess_input(x)
    ref = x.astype("float64")
    for layer in model.layers[1:]:
        if layer.name.endswith("pool"):
            ref = _max_pool_2x2(ref)
        else:
            kernel, bias = layer.get_weights()
            ref = _conv_same_relu(ref, kernel.astype("float64"), bias)
    np.testing.assert_allclose(model.predict(x, verbose=0), ref, rtol=1e-4, atol=1e-4)


def test_top_model_and_fine_tuning_flow():
    base = A.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D()(base.output)
    out = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(base.input, out)
    for layer in model.layers[:15]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4, momentum=0.9),
                  loss="binary_crossentropy")
    frozen = [w.numpy().copy() for w in model.layers[2].weights]
    trainable = model.layers[-1].get_weights()[0].copy()
    data = np.random.default_rng(1).normal(size=(4, 32, 32, 3)).astype("float32")
    model.fit(data, np.array([0, 1, 0, 1], "float32"), epochs=1, verbose=0)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, model.layers[2].weights))
    assert not np.array_equal(trainable, model.layers[-1].get_weights()[0])


def test_input_tensor_and_pooling():
    inp = keras.layers.Input(shape=(40, 40, 3))
    model = A.MobileNetV2(weights=None, alpha=0.35, include_top=False, input_tensor=inp,
                          pooling="max")
    assert model.inputs[0] is inp and tuple(model.output.shape) == (None, 1280)
    assert model.name == "mobilenetv2_0.35_None"  # as Keras: rows of the (None, None, 3) shape
    upstream = keras.layers.Input(shape=(32, 32, 3))
    scaled = keras.layers.Rescaling(1.0)(upstream)
    model = A.MobileNet(weights=None, alpha=0.25, include_top=False, input_tensor=scaled)
    assert model.inputs[0] is upstream and tuple(model.output.shape) == (None, 1, 1, 256)


@pytest.mark.parametrize("call, message", [
    (lambda: A.VGG16(weights="no-such-file.h5"), "weights argument should be"),
    (lambda: A.VGG16(weights="imagenet", classes=10), "classes should be 1000"),
    (lambda: A.ResNet50(weights="imagenet", input_shape=(200, 200, 3)),
     r"input_shape should be \(224, 224, 3\)"),
    (lambda: A.VGG16(weights=None, include_top=False, input_shape=(31, 64, 3)),
     "at least 32x32"),
    (lambda: A.InceptionV3(weights=None, include_top=False, input_shape=(74, 100, 3)),
     "at least 75x75"),
    (lambda: A.VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 1)),
     "3 channels"),
    (lambda: A.VGG16(weights=None, include_top=False, input_shape=(64, 64)),
     "three integers"),
    (lambda: A.MobileNet(weights="imagenet", depth_multiplier=2), "depth_multiplier must be 1"),
    (lambda: A.MobileNet(weights="imagenet", alpha=0.3), "alpha can be one of"),
    (lambda: A.MobileNetV2(weights="imagenet", alpha=0.3), "alpha must be one of"),
    (lambda: A.MobileNet(weights="imagenet", alpha=0.25, input_shape=(128, 128, 3),
                         classifier_activation="relu"), "Only None and 'softmax'"),
])
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_include_top_needs_a_static_shape_and_defaults():
    with pytest.raises(ValueError, match="static input_shape"):
        imagenet_utils.obtain_input_shape((None, None, 3), 224, 32, "channels_last", True)
    assert imagenet_utils.obtain_input_shape(None, 299, 75, "channels_last", False) == (
        None, None, 3)
    assert imagenet_utils.obtain_input_shape(None, 224, 32, "channels_first", True,
                                             "imagenet") == (3, 224, 224)
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        assert imagenet_utils.obtain_input_shape((64, 64, 5), 224, 32, "channels_last",
                                                 False) == (64, 64, 5)


def _write_keras2_weights(path, model, rng):
    """A Keras 2 layout weights file (as the published '.h5' files) of random values; returns
    the arrays per layer name."""
    arrays = {}
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([layer.name.encode() for layer in model.layers])
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.2.4"
        for layer in model.layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name.split('/')[-1].split(':')[0]}:0" for w in layer.weights]
            group.attrs["weight_names"] = np.array([n.encode() for n in names])
            arrays[layer.name] = [rng.normal(size=tuple(w.shape)).astype("float32")
                                  for w in layer.weights]
            for name, value in zip(names, arrays[layer.name]):
                group.create_dataset(name, data=value)
    return arrays


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_vgg16_imagenet_weights_come_from_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data_utils, "_download", _no_network)
    template = A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    arrays = _write_keras2_weights(path, template, np.random.default_rng(2))
    monkeypatch.setitem(vgg16.WEIGHTS, False, (path.name, _md5(path)))
    model = A.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    convs = [layer for layer in model.layers if layer.weights]
    assert len(convs) == 13
    for layer in convs:
        for got, want in zip(layer.get_weights(), arrays[layer.name], strict=True):
            np.testing.assert_array_equal(got, want)
    # a path works too; a cached file with another hash is used (with warnings) when offline
    by_path = A.VGG16(weights=str(path), include_top=False, input_shape=(32, 32, 3))
    np.testing.assert_array_equal(by_path.get_weights()[0], arrays["block1_conv1"][0])
    monkeypatch.setitem(vgg16.WEIGHTS, False, (path.name, "0" * 32))
    with pytest.warns(UserWarning) as caught:
        A.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    messages = [str(w.message) for w in caught]
    assert "does not match the expected md5" in messages[0]
    assert "using the cached file" in messages[1]


def _no_network(origin, *args, **kwargs):
    raise OSError(f"no network for {origin}")


def test_missing_imagenet_weights_name_the_url_and_cache_path(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data_utils, "_download", _no_network)
    with pytest.raises(OSError, match="mobilenet_2_5_128_tf_no_top.h5"):
        A.MobileNet(weights="imagenet", alpha=0.25, include_top=False,
                    input_shape=(128, 128, 3))


def _naive_preprocess(x, mode, channels_last=True):
    x = np.array(x, dtype="float64")
    if not channels_last:
        x = np.moveaxis(x, -3, -1)
    if mode == "tf":
        out = x / 127.5 - 1
    elif mode == "torch":
        out = (x / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    else:
        out = x[..., ::-1] - np.array([103.939, 116.779, 123.68])
    return out if channels_last else np.moveaxis(out, -1, -3)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_numpy_and_tensor(mode):
    x = np.random.default_rng(3).uniform(0, 255, (2, 4, 5, 3)).astype("float32")
    out = imagenet_utils.preprocess_input(x, mode=mode)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _naive_preprocess(x, mode), rtol=1e-6, atol=1e-5)
    first = np.moveaxis(x, -1, 1).copy()
    np.testing.assert_allclose(
        imagenet_utils.preprocess_input(first, data_format="channels_first", mode=mode),
        _naive_preprocess(first, mode, channels_last=False), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(imagenet_utils.preprocess_input(x[0], mode=mode),
                               _naive_preprocess(x[0], mode), rtol=1e-6, atol=1e-5)
    t = ag.tensor(x, requires_grad=True)
    y = imagenet_utils.preprocess_input(t, mode=mode)
    np.testing.assert_allclose(y.numpy(), out, rtol=1e-6, atol=1e-5)
    (y * ag.tensor(np.arange(3, dtype="float32"))).sum().backward()
    slope = {"caffe": np.ones(3), "tf": np.full(3, 1 / 127.5),
             "torch": 1 / (255 * np.array([0.229, 0.224, 0.225]))}[mode]
    weight = np.arange(3.0)[::-1] if mode == "caffe" else np.arange(3.0)
    np.testing.assert_allclose(t.grad.numpy(), np.broadcast_to(slope * weight, x.shape),
                               rtol=1e-6)


def test_preprocess_input_integers_symbolic_and_errors():
    pixels = np.arange(24, dtype="uint8").reshape(2, 2, 2, 3)
    out = A.resnet.preprocess_input(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _naive_preprocess(pixels, "caffe"), atol=1e-4)
    inp = keras.layers.Input((2, 2, 3))
    model = keras.Model(inp, A.densenet.preprocess_input(inp))
    np.testing.assert_allclose(model.predict(pixels.astype("float32"), verbose=0),
                               _naive_preprocess(pixels, "torch"), rtol=1e-5, atol=1e-5)
    assert A.mobilenet_v2.preprocess_input(np.array([0.0, 255.0])).tolist() == [-1.0, 1.0]
    assert A.efficientnet.preprocess_input(pixels) is pixels  # the models rescale themselves
    with pytest.raises(ValueError, match="mode must be one of"):
        imagenet_utils.preprocess_input(pixels, mode="caffe2")
    with pytest.raises(ValueError, match="data_format must be"):
        imagenet_utils.preprocess_input(pixels, data_format="nhwc")
    with pytest.raises(ValueError, match=r"3 color channels; received shape \(2, 3, 2, 2\)"):
        A.vgg16.preprocess_input(np.zeros((2, 3, 2, 2)))


def test_decode_predictions_reads_the_class_index_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    index = tmp_path / "models" / "imagenet_class_index.json"
    index.write_text(json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", _md5(index))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    preds[1, 42] = 1.0
    decoded = A.vgg16.decode_predictions(preds, top=3)
    assert decoded[0] == [("n00000007", "class_7", 0.5), ("n00000003", "class_3", 0.3),
                          ("n00000999", "class_999", 0.2)]
    assert decoded[1][0] == ("n00000042", "class_42", 1.0) and len(decoded[1]) == 3
    assert len(A.resnet50.decode_predictions(preds)[0]) == 5
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_keras_names_resolve_under_the_runner():
    _runner.install()
    try:
        module = importlib.import_module("keras.applications.vgg16")
        assert module.VGG16 is A.VGG16 and module.preprocess_input is vgg16.preprocess_input
        from keras.applications import ResNet50
        assert ResNet50 is A.ResNet50 and sys.modules["keras.applications"] is A
    finally:
        _runner.uninstall()
