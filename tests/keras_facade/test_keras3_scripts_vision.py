"""Regressions found by running the keras.io vision examples on the facade, checked against Keras 3."""
import numpy as np

from keras_facade import layers as L
from keras_facade.models import Model, Sequential


def probe_model_name():
    x = L.Input((3,))
    return Model(x, x).name


def test_sequential_builds_take_a_functional_model_name_like_keras3():
    # Keras 3 makes a hidden functional model each time a Sequential builds or rebuilds.
    assert probe_model_name() == "functional"
    model = Sequential([L.Input((3,)), L.Dense(2), L.Dense(2)])
    assert probe_model_name() == "functional_2"
    model.add(L.Dense(2))
    assert probe_model_name() == "functional_4"
    model.pop()
    assert probe_model_name() == "functional_6"
    unbuilt = Sequential([L.Dense(2)], name="augment")
    assert probe_model_name() == "functional_7"
    unbuilt(L.Input((3,)))
    assert probe_model_name() == "functional_9"


def test_multi_head_attention_inner_layers_take_automatic_names():
    x = L.Input((3, 4))
    attention = L.MultiHeadAttention(2, 4, dropout=0.2)
    attention(x, x)
    assert attention._softmax.name == "softmax"
    assert attention._dropout_layer.name == "dropout"
    assert L.Dropout(0.1).name == "dropout_1" and L.Softmax().name == "softmax_1"
    out = attention(np.ones((1, 3, 4), "float32"), np.ones((1, 3, 4), "float32"))
    assert tuple(out.shape) == (1, 3, 4)


def test_sequential_made_up_input_layer_takes_the_next_input_layer_name():
    x = L.Input((3,))
    model = Sequential([L.Dense(2)])
    model.build((None, 3))
    assert x.name == "input_layer" and model.inputs[0]._keras_history[0].name == "input_layer_1"
    assert L.InputLayer(shape=(3,)).name == "input_layer_2"


def test_sequential_made_up_input_layer_keeps_the_keras2_name_under_keras2(monkeypatch):
    from keras_facade import config
    config.set_compat("keras2")
    model = Sequential([L.Dense(2, input_shape=(3,))])
    assert model.inputs[0]._keras_history[0].name.endswith("_input")


def test_summary_lists_keras_ops_of_a_functional_graph():
    from keras_facade import ops
    from keras_facade.models.summary import summary_lines
    x = L.Input((4,))
    a, b = L.Dense(4)(x), L.Dense(4)(x)
    model = Model(x, ops.relu(a + b))
    text = "\n".join(summary_lines(model))
    assert "add (Add)" in text and "relu (Relu)" in text and "add[0][0]" in text
    assert "Total params: 40" in text
    assert [layer.name for layer in model.layers] == ["input_layer", "dense", "dense_1"]


def test_window_configs_hold_tuples_like_keras():
    # convmixer.py picks layers with `layer.get_config()["kernel_size"] == (5, 5)`
    cfg = L.DepthwiseConv2D(kernel_size=5, padding="same").get_config()
    assert cfg["kernel_size"] == (5, 5) and cfg["strides"] == (1, 1) and cfg["dilation_rate"] == (1, 1)
    assert L.Conv2DTranspose(2, 3, output_padding=1, strides=2).get_config()["output_padding"] == (1, 1)
    pool = L.MaxPooling2D(3, strides=2, padding="same").get_config()
    assert pool["pool_size"] == (3, 3) and pool["strides"] == (2, 2)
    rebuilt = L.Conv2D.from_config(L.Conv2D(2, (3, 1), strides=2).get_config())
    assert rebuilt.kernel_size == (3, 1) and rebuilt.strides == (2, 2)


class _OwnLoss(Model):
    """knowledge_distillation.py's pattern: compile without a loss, override ``compute_loss``."""

    def __init__(self):
        super().__init__()
        self.dense = L.Dense(1, use_bias=False, kernel_initializer="ones")
        self.trainings = []

    def call(self, x):
        return self.dense(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        from keras_facade import ops
        self.trainings.append(training)
        return 2.0 * ops.mean(ops.square(y_pred - y))


def test_an_overridden_compute_loss_is_what_fit_and_evaluate_minimize_and_report():
    from keras_facade import optimizers
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], "float32")
    y = np.array([[1.0], [0.0], [3.0]], "float32")
    model = _OwnLoss()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), metrics=["mae"])
    residual = x.sum(axis=1, keepdims=True) - y
    loss, mae = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose([loss, mae], [2 * np.mean(residual ** 2), np.abs(residual).mean()],
                               rtol=1e-6)
    history = model.fit(x, y, batch_size=3, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    np.testing.assert_allclose(history.history["loss"][0], 2 * np.mean(residual ** 2), rtol=1e-6)
    grad = 4 * (residual * x).mean(axis=0)
    np.testing.assert_allclose(model.dense.get_weights()[0][:, 0], 1 - 0.1 * grad, rtol=1e-5)
    assert model.trainings == [False, True]  # evaluate, then the one training step


def test_conv2d_third_positional_is_strides_when_keras2_keywords_are_present():
    # cct.py: layers.Conv2D(filters, kernel_size, stride, padding="valid", ...)
    import pytest
    from keras_facade import config
    layer = L.Conv2D(4, 3, 2, padding="valid", use_bias=False)
    assert layer.kernel_size == (3, 3) and layer.strides == (2, 2)
    assert layer(np.ones((1, 9, 9, 1), "float32")).shape == (1, 4, 4, 4)
    config.set_compat("keras2")
    with pytest.raises(ValueError, match="positional"):
        L.Conv2D(4, 3, 2, padding="valid")


def test_to_categorical_is_float64_like_keras3_and_float32_under_keras2():
    from keras_facade import config
    from keras_facade.utils import to_categorical
    out = to_categorical(np.array([[1], [0]], "uint8"), 3)
    assert out.dtype == np.float64 and out.tolist() == [[0, 1, 0], [1, 0, 0]]
    config.set_compat("keras2")
    assert to_categorical([2]).dtype == np.float32


def test_activation_functions_called_on_symbolic_tensors_become_graph_nodes():
    # mobilevit.py: m = keras.activations.swish(m) while building a functional model
    from keras_facade import activations
    x = L.Input((4,))
    swished = activations.swish(x)
    exact = activations.gelu(swished)  # the activation's default (exact), not ops.gelu's
    capped = activations.relu(exact, max_value=1.0)  # no keras.ops equivalent: runs the activation
    model = Model(x, [swished, exact, capped])
    data = np.linspace(-3, 3, 8, dtype="float32").reshape(2, 4)
    got = model.predict(data, verbose=0)
    silu = data / (1 + np.exp(-data))
    from math import erf
    gelu = 0.5 * silu * (1 + np.vectorize(erf)(silu / np.sqrt(2)))
    np.testing.assert_allclose(got[0], silu, rtol=1e-5)
    np.testing.assert_allclose(got[1], gelu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], np.clip(gelu, 0, 1), rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model._graph_layers[1:]] == ["silu", "gelu", "relu"]
    assert activations.get("swish") is activations.silu and activations.serialize(activations.swish) == "silu"


def test_summary_labels_a_nested_functional_model_functional():
    from keras_facade import config
    from keras_facade.models.summary import summary_lines
    inner_in = L.Input((3,))
    inner = Model(inner_in, L.Dense(2)(inner_in))
    a, b = L.Input((3,)), L.Input((3,))
    model = Model([a, b], L.Add()([inner(a), inner(b)]))
    assert any(line.startswith("functional (Functional)") for line in summary_lines(model))
    config.set_compat("keras2")
    assert any("(Model)" in line for line in summary_lines(model))


def test_utils_normalize_of_a_tensor_keeps_the_gradient():
    # supervised-contrastive-learning.py normalizes the features inside its loss
    import autograd_core as ag
    from keras_facade.utils import normalize
    data = np.array([[3.0, 4.0], [1.0, 0.0]], "float32")
    x = ag.tensor(data, requires_grad=True)
    out = normalize(x, axis=1)
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [1.0, 0.0]], rtol=1e-6)
    ag.sum(out * ag.tensor(np.array([[1.0, 0.0], [0.0, 0.0]], "float32"))).backward()
    # d(x0 / |x|)/dx = (I - u u^T) / |x| for the first row, u = (0.6, 0.8), |x| = 5
    np.testing.assert_allclose(x.grad.numpy(), [[(1 - 0.36) / 5, -0.48 / 5], [0, 0]], atol=1e-6)
    assert isinstance(normalize(data, axis=1), np.ndarray)


class _BuildsInBuild(Model):
    """perceiver_image_classification.py's pattern: the sublayers and a weight made in build()."""

    def build(self, input_shape):
        self.builds = getattr(self, "builds", 0) + 1
        self.offset = self.add_weight(shape=(2,), initializer="ones", trainable=True)
        self.dense = L.Dense(2, kernel_initializer="ones", use_bias=False)
        super().build(input_shape)

    def call(self, x):
        return self.dense(x) + self.offset


def test_a_subclassed_model_making_its_layers_in_build_trains():
    from keras_facade import optimizers
    model = _BuildsInBuild()
    model.compile(optimizer=optimizers.SGD(0.5), loss="mse")
    x, y = np.array([[1.0, 2.0]], "float32"), np.array([[3.0, 5.0]], "float32")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.builds == 1 and model.built
    assert [w.path for w in model.weights] == ["private__builds_in_build/variable",
                                             "private__builds_in_build/dense/kernel"]
    # prediction 4 per unit; error (1, -1) -> offset grad (1, -1) (mse over 2 units: 2*err/2)
    np.testing.assert_allclose(model.offset.numpy(), [0.5, 1.5], rtol=1e-6)
    assert model.count_params() == 6


def test_activity_regularization_is_per_sample_like_keras():
    # pointnet.py's orthogonal activity regularizer; Keras divides it by the batch size
    from keras_facade import regularizers
    dense = L.Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.L1(0.01))
    for batch in (1, 5):
        dense(np.ones((batch, 3), "float32"))
        np.testing.assert_allclose([v.item() for v in dense.losses], [0.06], rtol=1e-6)
    layer = L.ActivityRegularization(l2=0.5)
    layer(np.ones((4, 3), "float32"))
    np.testing.assert_allclose([v.item() for v in layer.losses], [1.5], rtol=1e-6)


def test_preprocess_input_on_a_symbolic_tensor_adds_ops_not_a_layer_and_saves(tmp_path):
    # deeplabv3_plus.py: preprocessed = keras.applications.resnet50.preprocess_input(model_input)
    from keras_facade.applications import densenet, resnet50
    from keras_facade.saving import load_model
    data = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    for module in (resnet50, densenet):
        x = L.Input((4, 4, 3))
        model = Model(x, module.preprocess_input(x))
        assert [layer.name for layer in model.layers] == [x._keras_history[0].name]
        expected = module.preprocess_input(data.copy())
        np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-4)
        model.save(tmp_path / "pre.keras")
        again = load_model(tmp_path / "pre.keras")
        np.testing.assert_allclose(again.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-4)
    mean = np.array([0.485, 0.456, 0.406], "float32")
    std = np.array([0.229, 0.224, 0.225], "float32")
    np.testing.assert_allclose(expected, (data / 255.0 - mean) / std, rtol=1e-5, atol=1e-5)
