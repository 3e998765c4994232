"""Weights and their helpers: Variable, initializers, regularizers, constraints, keras.backend,
and the Keras 2 import paths."""
import importlib
import math

import numpy as np
import pytest

import autograd_core as ag
from keras_facade import backend as K, constraints, initializers, layers as L, regularizers
from keras_facade.variables import Variable


# -- Variable -------------------------------------------------------------------------------------
def test_variable_is_a_leaf_the_transforms_differentiate_directly():
    v = Variable(np.array([1.0, 2.0], "float32"), name="w", path="layer/w")
    assert (v.name, v.path, v.trainable, v.requires_grad, v.is_leaf) == \
        ("w", "layer/w", True, True, True)
    value, g = ag.value_and_grad(lambda w: ag.sum(w * w))(v)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    v.assign_add(np.ones(2))
    v.assign_sub(ag.tensor([0.5, 0.5]))
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5])
    v.trainable = False
    assert not v.requires_grad
    with pytest.raises(TypeError, match="floating point"):
        Variable(np.arange(3), name="ids")
    assert not hasattr(v, "__dict__")  # slots keep it cheap


# -- initializers -----------------------------------------------------------------------------------
def test_glorot_uniform_uses_the_receptive_field_in_its_fans():
    w = initializers.GlorotUniform(seed=1)((3, 3, 16, 32)).numpy()
    limit = math.sqrt(6 / (3 * 3 * 16 + 3 * 3 * 32))
    assert w.dtype == np.float32 and np.abs(w).max() <= limit
    assert w.var() == pytest.approx(limit ** 2 / 3, rel=0.05)


@pytest.mark.parametrize("name, scale, fan", [("he_normal", 2.0, "in"), ("lecun_normal", 1.0, "in"),
                                              ("glorot_normal", 1.0, "avg")])
def test_scaled_truncated_normals_have_the_keras_variance(name, scale, fan):
    shape = (200, 300)
    n = {"in": 200, "avg": 250}[fan]
    w = initializers.get(name)(shape).numpy()
    assert w.std() == pytest.approx(math.sqrt(scale / n), rel=0.05)
    stddev = math.sqrt(scale / n) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * stddev + 1e-6


def test_keras2_initializer_names_and_defaults():
    assert isinstance(initializers.get("zero"), initializers.Zeros)
    assert isinstance(initializers.get("one"), initializers.Ones)
    uniform = initializers.get("uniform")((1000,)).numpy()
    assert np.abs(uniform).max() <= 0.05 and uniform.std() > 0.02
    assert initializers.get("normal")((4000,)).numpy().std() == pytest.approx(0.05, rel=0.1)
    np.testing.assert_array_equal(initializers.Constant(3)((2,)).numpy(), [3, 3])
    np.testing.assert_array_equal(initializers.get("identity")((2, 3)).numpy(), np.eye(2, 3))
    q = initializers.Orthogonal(gain=2.0, seed=0)((6, 4)).numpy()
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("glorot")


def test_seeded_initializers_repeat_and_serialize():
    a = initializers.RandomNormal(stddev=0.1, seed=5)((3, 3)).numpy()
    np.testing.assert_array_equal(a, initializers.RandomNormal(stddev=0.1, seed=5)((3, 3)).numpy())
    record = initializers.serialize(initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=1))
    assert record == {"class_name": "VarianceScaling",
                      "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                                 "seed": 1}}
    keras3 = dict(record, module="keras.initializers", registered_name=None)
    rebuilt = initializers.deserialize(keras3)
    np.testing.assert_array_equal(rebuilt((4, 2)).numpy(), initializers.get(record)((4, 2)).numpy())


# -- regularizers and constraints --------------------------------------------------------------------
def test_regularizer_penalties():
    w = ag.tensor([[1.0, -2.0], [3.0, 0.0]])
    assert regularizers.l1(0.1)(w).item() == pytest.approx(0.6)
    assert regularizers.l2(0.1)(w).item() == pytest.approx(1.4)
    assert regularizers.l1_l2(0.1, 0.1)(w).item() == pytest.approx(2.0)
    assert regularizers.get("l2").l2 == 0.01
    assert regularizers.deserialize(regularizers.serialize(regularizers.L1L2(0.5, 0.25))).l2 == 0.25


def test_constraints_project_weights():
    w = ag.tensor([[3.0, 0.1], [4.0, -0.2]])
    np.testing.assert_allclose(constraints.MaxNorm(2.0)(w).numpy()[:, 0], [1.2, 1.6], rtol=1e-5)
    np.testing.assert_allclose(constraints.MaxNorm(2.0)(w).numpy()[:, 1], [0.1, -0.2], rtol=1e-5)
    np.testing.assert_allclose(constraints.NonNeg()(w).numpy(), [[3.0, 0.1], [4.0, 0.0]],
                               rtol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w).numpy(), axis=0), 1.0,
                               rtol=1e-5)
    norms = np.linalg.norm(constraints.MinMaxNorm(0.5, 1.0)(w).numpy(), axis=0)
    np.testing.assert_allclose(norms, [1.0, 0.5], rtol=1e-5)
    layer = L.Dense(2, kernel_constraint="non_neg")
    layer(np.ones((1, 2)))
    assert isinstance(layer.kernel.constraint, constraints.NonNeg)


# -- backend ----------------------------------------------------------------------------------------
def test_backend_settings():
    assert K.epsilon() == 1e-7 and K.floatx() == "float32"
    assert K.image_data_format() == "channels_last" and K.image_dim_ordering() == "tf"
    K.set_epsilon(1e-5)
    assert K.epsilon() == 1e-5
    K.set_epsilon(1e-7)
    with pytest.raises(ValueError):
        K.set_image_data_format("nchw")
    assert K.learning_phase() == 0
    K.set_learning_phase(1)
    assert L.Dropout(0.5)(np.ones((10, 10))).numpy().min() == 0.0  # training by default now


def test_backend_tensor_helpers_used_in_lambda_layers():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    assert K.int_shape(L.Input((None, 3))) == (None, None, 3)
    np.testing.assert_allclose(K.sum(x, axis=1).numpy(), x.sum(1))
    np.testing.assert_allclose(K.mean(x, axis=0, keepdims=True).numpy(), x.mean(0, keepdims=True))
    np.testing.assert_allclose(K.l2_normalize(x, axis=-1).numpy(),
                               x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(K.batch_dot(x, x, axes=1).numpy(), (x * x).sum(1, keepdims=True))
    np.testing.assert_allclose(K.dot(x, x.T).numpy(), x @ x.T)
    np.testing.assert_array_equal(K.concatenate([x, x]).shape, (2, 6))
    np.testing.assert_array_equal(K.permute_dimensions(x, (1, 0)).numpy(), x.T)
    np.testing.assert_array_equal(K.gather(x, [1, 0]).numpy(), x[[1, 0]])
    np.testing.assert_array_equal(K.repeat(x, 2).shape, (2, 2, 3))
    np.testing.assert_array_equal(K.one_hot([0, 2], 3).numpy(), np.eye(3)[[0, 2]])
    np.testing.assert_allclose(K.clip(x, 1, 4).numpy(), np.clip(x, 1, 4))
    v = K.variable(np.zeros(2))
    K.set_value(v, [1.0, 2.0])
    np.testing.assert_array_equal(K.get_value(v), [1.0, 2.0])
    norm = L.Lambda(lambda t: K.sqrt(K.sum(K.square(t), axis=-1, keepdims=True)))
    dense = L.Dense(3, bias_initializer="ones")
    dense(x)
    _, grads = ag.value_and_grad(lambda ws: ag.sum(norm(dense(x))))(dense.trainable_weights)
    assert all(np.abs(g.numpy()).sum() > 0 for g in grads)


def test_set_device_places_weights_and_converted_inputs():
    """'cpu:1' is the engine's second numpy device, standing in for a GPU."""
    from keras_facade.models import Sequential
    K.set_device("cpu:1")
    try:
        model = Sequential([L.Embedding(10, 4, input_length=5, mask_zero=True),
                            L.GRU(3, dropout=0.2, return_sequences=True), L.BatchNormalization(),
                            L.GaussianNoise(0.1), L.Flatten(), L.Dense(1)])
        assert {str(w.device) for w in model.weights} == {"cpu:1"}
        y = model(np.array([[1, 2, 0, 0, 0]]), training=True)
        assert str(y.device) == "cpu:1"
        _, grads = ag.value_and_grad(lambda ws: ag.sum(model(np.ones((2, 5), "int64"),
                                                                training=True)))(
            model.trainable_weights)
        assert all(str(g.device) == "cpu:1" for g in grads)
    finally:
        K.set_device("cpu")


def test_backend_function_reads_intermediate_outputs():
    from keras_facade.models import Sequential
    model = Sequential([L.Dense(4, input_shape=(3,)), L.Dropout(0.5), L.Dense(2)])
    get = K.function([model.input, K.learning_phase()], [model.layers[0].output,
                                                         model.layers[1].output])
    x = np.ones((2, 3), "float32")
    hidden, dropped = get([x, 0])
    np.testing.assert_allclose(hidden, model.layers[0](x).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(hidden, dropped)
    hidden, dropped = get([x, 1])
    assert not np.array_equal(hidden, dropped)


@pytest.mark.parametrize("module, names", [
    ("core", ["Dense", "Dropout", "Activation", "Flatten", "Reshape", "Permute", "RepeatVector",
              "Lambda", "Masking"]),
    ("convolutional", ["Conv1D", "Conv2D", "Convolution2D", "Conv2DTranspose", "ZeroPadding2D",
                       "Cropping2D", "UpSampling2D", "MaxPooling2D"]),
    ("pooling", ["MaxPooling1D", "AveragePooling2D", "GlobalAveragePooling2D", "MaxPool2D"]),
    ("recurrent", ["SimpleRNN", "LSTM", "GRU", "RNN", "LSTMCell"]),
    ("normalization", ["BatchNormalization"]), ("embeddings", ["Embedding"]),
    ("merge", ["Add", "Concatenate", "concatenate", "merge", "Merge"]),
    ("merging", ["Add", "Dot"]),
    ("advanced_activations", ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]),
    ("wrappers", ["TimeDistributed", "Bidirectional"]),
    ("noise", ["GaussianNoise", "GaussianDropout", "AlphaDropout"]),
    ("reshaping", ["Flatten", "ZeroPadding1D", "Cropping1D", "UpSampling1D"]),
])
def test_keras2_layer_import_paths(module, names):
    mod = importlib.import_module(f"keras_facade.layers.{module}")
    for name in names:
        assert getattr(mod, name) is getattr(L, name)


def test_top_level_names():
    import keras_facade as kf
    assert kf.Sequential is kf.models.Sequential and kf.Model is kf.models.Model
    assert kf.Input is L.Input and kf.Layer is L.Layer
    v = kf.Variable(np.ones((2, 3), "float32"), name="w")
    assert isinstance(v, kf.variables.Variable) and v.name == "w" and v.shape == (2, 3)
    assert callable(kf.models.model_from_json) and callable(kf.models.clone_model)


def test_weight_paths_nest_under_the_building_layers_as_keras_3():
    import autograd_core as ag
    from keras_facade import Input, Model, Sequential, layers as L
    seq = Sequential([Input((5, 3)), L.Dense(2), L.TimeDistributed(L.Dense(1))])
    assert [w.path for w in seq.weights] == [
        "sequential/dense/kernel", "sequential/dense/bias",
        "sequential/time_distributed/dense_1/kernel", "sequential/time_distributed/dense_1/bias"]
    x = Input((5, 3))  # a functional model calls its layers outside any model scope
    y = L.Bidirectional(L.GRU(2))(x)
    assert [w.path for w in Model(x, y).weights][:3] == [
        "bidirectional/forward_gru/gru_cell/kernel",
        "bidirectional/forward_gru/gru_cell/recurrent_kernel",
        "bidirectional/forward_gru/gru_cell/bias"]

    class Sub(Model):
        def __init__(self):
            super().__init__(name="sub")
            self.inner = L.Dense(2, name="inner")

        def call(self, x):
            return self.inner(x)

    model = Sub()
    model(ag.ones((1, 3)))
    assert [w.path for w in model.weights] == ["sub/inner/kernel", "sub/inner/bias"]
    assert [w.name for w in model.weights] == ["kernel", "bias"]
