"""Layer base behaviour and the core layers (Dense, Activation, Dropout, reshaping, Lambda, Masking,
Embedding)."""
import json
import math

import numpy as np
import pytest

import autograd_core as ag
from keras_facade import activations, backend as K, layers as L, regularizers
from keras_facade.variables import Variable

from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


# -- Dense and the Layer base ------------------------------------------------------------------------
def test_dense_matches_numpy_on_rank_2_and_3_inputs():
    layer = L.Dense(4, activation="tanh")
    x = rand(2, 3, 5)
    y = layer(x)
    assert isinstance(y, ag.Tensor) and y.shape == (2, 3, 4)
    w, b = layer.get_weights()
    np.testing.assert_allclose(y.numpy(), np.tanh(x @ w + b), rtol=1e-5, atol=1e-6)
    assert layer.count_params() == 5 * 4 + 4
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    assert [v.path for v in layer.weights] == ["dense/kernel", "dense/bias"]
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 4)


def test_weights_are_engine_leaves_that_stay_the_same_objects():
    layer = L.Dense(2)
    layer(rand(1, 3))
    kernel = layer.kernel
    assert isinstance(kernel, Variable) and isinstance(kernel, ag.Tensor)
    assert kernel.requires_grad and kernel.is_leaf and kernel.trainable
    kernel.assign(np.ones((3, 2)))
    assert layer.kernel is kernel and np.all(layer.get_weights()[0] == 1)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(3, 2\)"):
        kernel.assign(np.ones((2, 3)))
    copy = kernel.numpy()
    copy[:] = 5
    assert np.all(kernel.numpy() == 1)


def test_dense_gradient_flows_to_kernel_and_bias_and_to_the_input():
    layer = L.Dense(3, activation="relu", bias_initializer="ones")
    x = ag.tensor(rand(4, 2), requires_grad=True)
    assert_gradients_reach_every_weight(layer, x)
    (layer(x) ** 2).sum().backward()
    assert x.grad is not None and layer.kernel.grad.shape == (2, 3)


def test_dense_built_for_64_features_rejects_32_naming_layer_and_shapes():
    layer = L.Dense(10, name="classifier")
    layer(rand(2, 64))
    with pytest.raises(ValueError) as err:
        layer(rand(2, 32))
    message = str(err.value)
    assert "classifier" in message and "64" in message and "(2, 32)" in message


def test_set_weights_checks_count_and_shapes_and_changes_nothing_on_error():
    layer = L.Dense(2)
    layer(rand(1, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="expects a list of 2 arrays"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"dense/bias.*\(2,\).*\(3,\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unknown_constructor_argument_is_a_type_error():
    with pytest.raises(TypeError, match="Dense.*'kernel_size'"):
        L.Dense(3, kernel_size=3)


def test_initial_weights_argument_and_count_params_before_build():
    w = [np.full((2, 3), 0.5, "float32"), np.arange(3, dtype="float32")]
    layer = L.Dense(3, weights=w)
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")).numpy(), [[1.0, 2.0, 3.0]])


def test_freezing_moves_weights_to_non_trainable():
    layer = L.Dense(2)
    layer(rand(1, 3))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not layer.kernel.requires_grad
    layer.trainable = True
    assert layer.kernel.requires_grad and len(layer.trainable_weights) == 2


def test_custom_layer_with_add_weight_in_both_argument_orders():
    class Scale(L.Layer):
        def build(self, input_shape):
            self.k2 = self.add_weight("k2", (input_shape[-1],), initializer="ones")
            self.k3 = self.add_weight((1,), "zeros", name="k3", trainable=False)  # Keras 3 order
            super().build(input_shape)

        def call(self, inputs):
            return inputs * self.k2 + self.k3

    layer = Scale()
    y = layer(np.full((2, 3), 2.0))
    np.testing.assert_allclose(y.numpy(), 2.0)
    assert [v.name for v in layer.weights] == ["k2", "k3"]
    assert [v.name for v in layer.trainable_weights] == ["k2"]
    assert_gradients_reach_every_weight(layer, rand(2, 3))


def test_regularization_losses_are_recomputed_from_current_weights():
    layer = L.Dense(2, kernel_regularizer=regularizers.l2(0.1), bias_regularizer="l1",
                    activity_regularizer=regularizers.l1(0.01), bias_initializer="ones")
    x = rand(3, 4)
    y = layer(x)
    losses = [v.item() for v in layer.losses]
    k, b = layer.get_weights()
    assert losses[0] == pytest.approx(0.01 * np.abs(y.numpy()).sum() / 3, rel=1e-5)  # per sample
    assert sorted(losses[1:]) == pytest.approx(sorted([0.1 * (k ** 2).sum(), 0.01 * 2]), rel=1e-5)
    layer.kernel.assign(np.zeros_like(k))
    assert sorted(v.item() for v in layer.losses)[0] == 0.0
    layer(x[:1])
    assert len(layer.losses) == 3  # the activity term of the last call only


def test_add_loss_tensor_kept_until_next_call_and_callables_always():
    class WithLoss(L.Layer):
        def call(self, inputs):
            self.add_loss(ag.sum(inputs))
            return inputs

    layer = WithLoss()
    layer(np.ones((2, 2)))
    layer.add_loss(lambda: ag.tensor(3.0))
    assert [v.item() for v in layer.losses] == [4.0, 3.0]
    layer(np.zeros((2, 2)))
    assert [v.item() for v in layer.losses] == [0.0, 3.0]


# -- activations -------------------------------------------------------------------------------------
def _np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


KERAS2_ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh, "softmax": _np_softmax, "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    "softplus": lambda x: np.log1p(np.exp(x)), "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1), "exponential": np.exp,
    "linear": lambda x: x,
    "relu6": lambda x: np.clip(x, 0, 6), "swish": lambda x: x / (1 + np.exp(-x)),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "gelu": lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / np.sqrt(2))),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
}


@pytest.mark.parametrize("name", sorted(KERAS2_ACTIVATIONS))
def test_every_activation_string_matches_its_formula(name):
    x = np.linspace(-3, 3, 13, dtype="float32").reshape(1, 13)
    layer = L.Activation(name)
    np.testing.assert_allclose(layer(x).numpy(), KERAS2_ACTIVATIONS[name](x.astype("float64")),
                               rtol=1e-4, atol=1e-5)
    assert activations.serialize(activations.get(name)) in (name, "silu")


def test_unknown_activation_and_none_is_linear():
    assert activations.get(None) is activations.linear
    with pytest.raises(ValueError, match="Unknown activation"):
        L.Dense(2, activation="reluu")


# -- Dropout and noise -------------------------------------------------------------------------------
def test_dropout_scales_survivors_in_training_and_is_identity_otherwise():
    layer = L.Dropout(0.25, seed=3)
    x = np.ones((200, 50), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02


def test_dropout_noise_shape_none_entries_take_the_input_size():
    layer = L.Dropout(0.5, noise_shape=(None, 1, 4), seed=1)
    y = layer(np.ones((3, 5, 4), "float32"), training=True).numpy()
    assert np.all(y == y[:, :1, :])  # one mask shared over axis 1


def test_global_seed_makes_dropout_and_initialization_reproducible():
    def run():
        K.set_random_seed(7)
        layer = L.Dense(3)
        layer(np.ones((1, 2)))
        return layer.get_weights()[0], L.Dropout(0.5)(np.ones((4, 4)), training=True).numpy()
    (w1, d1), (w2, d2) = run(), run()
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(d1, d2)


def test_gaussian_noise_only_while_training():
    layer = L.GaussianNoise(0.5, seed=0)
    x = np.zeros((100, 100), "float32")
    assert np.all(layer(x).numpy() == 0)
    assert abs(layer(x, training=True).numpy().std() - 0.5) < 0.02


# -- reshaping layers --------------------------------------------------------------------------------
def test_flatten_reshape_permute_repeat_vector():
    x = rand(2, 3, 4)
    assert L.Flatten()(x).shape == (2, 12)
    np.testing.assert_array_equal(L.Flatten(data_format="channels_first")(x).numpy(),
                                  x.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(L.Reshape((4, -1))(x).numpy(), x.reshape(2, 4, 3))
    assert L.Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    with pytest.raises(ValueError, match=r"Reshape.*\(2, 3, 4\).*\(5, -1\)"):
        L.Reshape((5, -1))(x)
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    y = L.RepeatVector(3)(rand(2, 5))
    assert y.shape == (2, 3, 5) and np.all(y.numpy()[:, 0] == y.numpy()[:, 2])


def test_lambda_arguments_and_inferred_or_given_output_shape():
    double = L.Lambda(lambda x, factor: x * factor, arguments={"factor": 2.0})
    np.testing.assert_allclose(double(np.ones((2, 3))).numpy(), 2.0)
    inp = L.Input((None, 4))
    assert L.Lambda(lambda x: K.sum(x, axis=1))(inp).shape == (None, 4)
    assert L.Lambda(lambda x: x[:, :, :2], output_shape=(7, 2))(inp).shape == (None, 7, 2)
    assert L.Lambda(K.argmax)(L.Input((3,))).dtype == "int64"


def test_lambda_serializes_named_functions_and_refuses_bytecode_unless_unsafe():
    named = L.Lambda(ag.square)
    config_json = json.dumps(L.serialize(named))
    rebuilt = L.deserialize(json.loads(config_json))
    assert rebuilt.function is ag.square
    anonymous = L.Lambda(lambda x: x + 1.0)
    record = json.loads(json.dumps(L.serialize(anonymous)))
    assert record["config"]["function_type"] == "lambda"
    with pytest.raises(ValueError, match="arbitrary code"):
        L.deserialize(record)
    unsafe = L.deserialize(record, safe_mode=False)
    np.testing.assert_allclose(unsafe(np.zeros((1, 2))).numpy(), 1.0)


def test_masking_masks_steps_equal_to_the_value_and_rnns_skip_them():
    x = rand(2, 4, 3)
    x[0, 2:] = 0.0
    masking = L.Masking(0.0)
    y = masking(x)
    rnn = L.SimpleRNN(2)
    rnn.cell.build((None, 3))
    last_two_steps_masked = rnn(y).numpy()[0]
    np.testing.assert_allclose(last_two_steps_masked, rnn(x[:1, :2]).numpy()[0], rtol=1e-5)


# -- Embedding ---------------------------------------------------------------------------------------
def test_embedding_looks_up_rows_and_gradients_accumulate_per_id():
    layer = L.Embedding(6, 3)
    ids = np.array([[1, 2, 2], [5, 0, 1]])
    y = layer(ids)
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(y.numpy(), table[ids])
    assert layer.count_params() == 18 and layer.weights[0].name == "embeddings"
    _, g = ag.value_and_grad(lambda w: ag.sum(layer(ids)))(layer.embeddings)
    np.testing.assert_array_equal(g.numpy()[:, 0], [1, 2, 2, 0, 0, 1])


def test_embedding_input_length_sets_the_input_shape():
    layer = L.Embedding(100, 8, input_length=10)
    assert layer._batch_input_shape == (None, 10)
    assert L.Embedding(100, 8).compute_output_shape((None, 10)) == (None, 10, 8)


# -- config round trip -------------------------------------------------------------------------------
CORE_LAYERS = [
    (lambda: L.Dense(3, activation="relu", kernel_regularizer="l2", use_bias=False), (2, 4)),
    (lambda: L.Activation("softplus"), (2, 3)),
    (lambda: L.Dropout(0.3, noise_shape=(None, 1), seed=2), (2, 3)),
    (lambda: L.Flatten(), (2, 3, 2)),
    (lambda: L.Reshape((2, -1)), (2, 6)),
    (lambda: L.Permute((2, 1)), (2, 3, 4)),
    (lambda: L.RepeatVector(2), (2, 3)),
    (lambda: L.Masking(0.5), (2, 3, 4)),
    (lambda: L.ActivityRegularization(0.1, 0.2), (2, 3)),
    (lambda: L.Lambda(ag.tanh, output_shape=(3,)), (2, 3)),
    (lambda: L.GaussianNoise(0.1), (2, 3)),
    (lambda: L.GaussianDropout(0.2), (2, 3)),
    (lambda: L.AlphaDropout(0.2), (2, 3)),
    (lambda: L.SpatialDropout1D(0.2), (2, 3, 4)),
]


@pytest.mark.parametrize("make, shape", CORE_LAYERS)
def test_core_layer_config_round_trip(make, shape):
    for a, b in zip(*round_trip(make(), rand(*shape))):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_embedding_config_round_trip():
    a, b = round_trip(L.Embedding(7, 2, mask_zero=True), np.array([[1, 0, 3]]))
    np.testing.assert_array_equal(a[0], b[0])
