"""Regressions found by running the keras.io recipes and structured-data examples (antirectifier,
endpoint layer pattern, ...) on the facade, checked against Keras 3 (and Keras 2.3 for APIs that
Keras 3 removed)."""
import numpy as np
import pytest

import keras_facade as keras
from keras_facade import ops

RNG = np.random.default_rng(20)


class _Endpoint(keras.layers.Layer):
    """Takes its inputs by keyword and logs a loss and a metric, like an "endpoint" layer."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            self.add_loss(self.loss_fn(targets, logits, sample_weight))
            self.add_metric(self.accuracy_fn(targets, logits, sample_weight))
            self.add_metric(ops.mean(logits), name="mean_logit", aggregation="mean")
        return ops.sigmoid(logits)


class _LogReg(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1, kernel_initializer="zeros")
        self.endpoint = _Endpoint()

    def call(self, inputs):
        return self.endpoint(logits=self.dense(inputs["x"]), targets=inputs["t"])


def test_layer_called_with_its_first_call_argument_by_keyword():
    layer = _Endpoint()
    logits = np.array([[0.0], [2.0]], "float32")
    out = layer(logits=logits)
    np.testing.assert_allclose(out.numpy(), 1 / (1 + np.exp(-logits)), rtol=1e-6)
    with pytest.raises(TypeError, match="inputs as its first argument"):
        layer(targets=logits)


def test_add_metric_values_reach_the_history_and_evaluate():
    model = _LogReg()
    x = RNG.random((8, 3)).astype("float32")
    t = np.array([[0.0], [0.0], [1.0], [0.0]] * 2, "float32")
    model.compile(keras.optimizers.SGD(0.0))  # weights stay zero: logits 0, predictions 0.5
    history = model.fit({"x": x, "t": t}, epochs=2, batch_size=4, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "mean_logit"]
    # BinaryAccuracy thresholds the logits at 0.5: every logit 0 -> predicted 0, 3 of 4 right
    np.testing.assert_allclose(history.history["accuracy"], [0.75, 0.75])
    np.testing.assert_allclose(history.history["mean_logit"], [0.0, 0.0])
    np.testing.assert_allclose(history.history["loss"], [np.log(2)] * 2, rtol=1e-5)
    logs = model.evaluate({"x": x, "t": t}, batch_size=4, verbose=0, return_dict=True)
    assert sorted(logs) == ["accuracy", "loss", "mean_logit"]
    assert logs["accuracy"] == pytest.approx(0.75)


def test_add_metric_needs_a_name_for_a_plain_value():
    layer = keras.layers.Layer(name="plain")
    with pytest.raises(ValueError, match="plain.add_metric: a name is required"):
        layer.add_metric(ops.convert_to_tensor(1.0))
    with pytest.raises(ValueError, match="aggregation must be None or 'mean'"):
        layer.add_metric(ops.convert_to_tensor(1.0), name="m", aggregation="sum")


def _np_conv2d_valid(x, k, stride):
    """Valid cross-correlation from numpy's sliding windows (n, rows, cols, in, kh, kw)."""
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape[:2], axis=(1, 2))
    return np.einsum("nrcikl,klio->nrco", windows[:, ::stride, ::stride], k)


class _StdConvOverride(keras.layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10), padding="valid",
                        strides=list(self.strides))


class _StdConvCall(keras.layers.Conv2D):
    def call(self, inputs):
        mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        out = self.convolution_op(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
        return out + self.bias if self.use_bias else out


def test_conv_convolution_op_can_be_overridden_or_called():
    x = RNG.random((2, 7, 7, 3)).astype("float32")
    kernel = RNG.standard_normal((3, 3, 3, 4)).astype("float32")
    bias = RNG.standard_normal(4).astype("float32")
    std = (kernel - kernel.mean((0, 1, 2))) / np.sqrt(kernel.var((0, 1, 2)) + 1e-10)
    expected = _np_conv2d_valid(x, std, 2) + bias
    override = _StdConvOverride(4, 3, strides=2, activation="relu")
    override.build((None, 7, 7, 3))
    override.set_weights([kernel, bias])
    np.testing.assert_allclose(override(x).numpy(), np.maximum(expected, 0), atol=1e-5)
    called = _StdConvCall(4, 3, strides=2)
    called.build((None, 7, 7, 3))
    called.set_weights([kernel, bias])
    np.testing.assert_allclose(called(x).numpy(), expected, atol=1e-5)
    plain = keras.layers.Conv2D(4, 3, strides=2, use_bias=False)
    plain.build((None, 7, 7, 3))
    plain.set_weights([kernel])
    np.testing.assert_allclose(plain.convolution_op(x, plain.kernel).numpy(),
                               _np_conv2d_valid(x, kernel, 2), atol=1e-5)
    # gradients reach the kernel through the overridden op
    model = keras.Sequential([keras.Input((7, 7, 3)), _StdConvOverride(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()[0].copy()
    model.fit(x, np.ones((2, 1), "float32"), verbose=0)
    assert not np.allclose(model.layers[0].get_weights()[0], before)


def test_string_inputs_through_keras_ops_and_lookups_in_a_functional_model():
    vocab = ["area_1", "area_2", "area_3"]
    inputs = {"num": keras.Input(shape=(), name="num", dtype="float32"),
              "cat": keras.Input(shape=(), name="cat", dtype="string")}
    expanded = ops.expand_dims(inputs["cat"], -1)
    assert expanded.shape == (None, 1) and expanded.dtype == "string"
    one_hot = keras.layers.StringLookup(vocabulary=vocab, mask_token=None, num_oov_indices=0,
                                        output_mode="binary")(expanded)
    index = keras.layers.StringLookup(vocabulary=vocab, mask_token=None, num_oov_indices=0)(
        inputs["cat"])
    embedded = keras.layers.Embedding(3, 2)(index)
    features = keras.layers.concatenate([ops.expand_dims(inputs["num"], -1), one_hot, embedded])
    assert features.shape == (None, 6)
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(features))
    x = {"num": np.array([0.5, 1.0], "float32"), "cat": np.array(["area_3", "area_1"])}
    table = next(l for l in model.layers if isinstance(l, keras.layers.Embedding)).get_weights()[0]
    expected = np.array([0.5 + 1 + table[2].sum(), 1.0 + 1 + table[0].sum()])
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], expected, rtol=1e-5)
    np.testing.assert_array_equal(ops.expand_dims(np.array(["a", "b"]), 0), [["a", "b"]])
    model.compile("sgd", "mse")
    assert model.fit(x, np.zeros((2, 1)), epochs=1, verbose=0).history["loss"][0] > 0


class _NoArgBuild(keras.layers.Layer):
    """Builds nothing itself (Keras 3 allows ``build(self)``); its sublayer builds on call."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2, kernel_initializer="ones")

    def call(self, inputs):
        return self.dense(inputs["a"]) * 2.0

    def build(self):
        self.built = True


def test_layer_build_without_an_input_shape_argument():
    inputs = {"a": keras.Input((3,), name="a")}
    model = keras.Model(inputs, _NoArgBuild()(inputs))
    x = {"a": np.arange(6, dtype="float32").reshape(2, 3)}
    np.testing.assert_allclose(model.predict(x, verbose=0), [[6.0, 6.0], [24.0, 24.0]])
    assert [tuple(w.shape) for w in model.weights] == [(3, 2), (2,)]
    eager = _NoArgBuild()
    np.testing.assert_allclose(eager(x).numpy(), [[6.0, 6.0], [24.0, 24.0]])


class _QuotientRemainder(keras.layers.Layer):
    """Strings -> indices (no OOV) -> two small embeddings, as in a quotient-remainder embedding."""

    def __init__(self, vocabulary, buckets, **kwargs):
        super().__init__(**kwargs)
        self.buckets = buckets
        self.lookup = keras.layers.StringLookup(vocabulary=vocabulary, mask_token=None,
                                                num_oov_indices=0)
        self.q = keras.layers.Embedding(buckets, 3, embeddings_initializer="ones")
        self.r = keras.layers.Embedding(buckets, 3, embeddings_initializer="ones")

    def call(self, inputs):
        index = self.lookup(inputs)
        return self.q(ops.floor_divide(index, self.buckets)) * self.r(ops.mod(index, self.buckets))


def test_custom_layers_and_sequentials_over_string_inputs():
    vocab = [f"user_{i}" for i in range(4)]
    users = keras.Input(shape=(), name="user", dtype="string")
    qr = _QuotientRemainder(vocab, 2)(users)  # the symbolic call must not trip the lookup
    encoder = keras.Sequential([keras.layers.StringLookup(vocabulary=vocab, mask_token=None,
                                                          num_oov_indices=1),
                                keras.layers.Embedding(5, 3)])
    assert qr.shape == (None, 3) and encoder(users).shape == (None, 3)
    model = keras.Model(users, keras.layers.Dot(axes=1)([qr, encoder(users)]))
    x = np.array(["user_3", "user_0", "user_1"])
    table = encoder.layers[1].get_weights()[0]
    expected = table[[4, 1, 2]].sum(axis=1)  # index 0 is the OOV slot
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], expected, rtol=1e-5)
    eager = keras.Sequential([keras.layers.StringLookup(vocabulary=vocab, mask_token=None,
                                                        num_oov_indices=0),
                              keras.layers.Embedding(4, 2)])
    assert eager(x[:2]).shape == (2, 2)  # builds from a numpy array of strings
    with pytest.raises(ValueError, match="must be in the vocabulary"):
        _QuotientRemainder(vocab, 2)(np.array(["nobody"]))


@keras.saving.register_keras_serializable(package="recipes_test")
class _DictFeatures(keras.layers.Layer):
    """Engineered features from a dict of inputs, one of them strings."""

    def call(self, inputs):
        fixed = ops.cast(inputs["thal"] == "fixed", "float32")
        return keras.layers.concatenate([fixed, inputs["a"] / inputs["b"], inputs["a"]])


def test_save_and_load_a_model_whose_layer_takes_a_dict_with_string_inputs(tmp_path):
    import json
    import zipfile
    inputs = {"a": keras.Input((1,), name="a"), "b": keras.Input((1,), name="b"),
              "thal": keras.Input((1,), name="thal", dtype="string")}
    features = _DictFeatures(name="features")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(features))
    data = {"a": np.array([[1.0], [2.0]], "float32"), "b": np.array([[4.0], [1.0]], "float32"),
            "thal": np.array([["fixed"], ["normal"]])}
    path = str(tmp_path / "m.keras")
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    layer = next(l for l in config["config"]["layers"] if l["name"] == "features")
    args = layer["inbound_nodes"][0]["args"][0]
    assert sorted(args) == ["a", "b", "thal"]  # the dict stays a dict, as Keras 3 writes it
    assert args["thal"]["config"]["dtype"] == "string"
    loaded = keras.models.load_model(path)
    kernel, bias = model.get_layer("out").get_weights()
    expected = np.array([[1.0, 0.25, 1.0], [0.0, 2.0, 2.0]]) @ kernel + bias
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-5)
