"""BatchNormalization (training vs inference, moving statistics) and LayerNormalization."""
import numpy as np
import pytest

from keras_facade import layers as L
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip
from keras_facade.models import Sequential

RNG = np.random.default_rng(2)


def test_batch_norm_training_uses_batch_statistics_and_updates_the_moving_ones():
    x = RNG.normal(2.0, 3.0, size=(6, 4, 3)).astype("float32")
    bn = L.BatchNormalization(momentum=0.9, epsilon=1e-3, gamma_initializer="ones")
    y = bn(x, training=True).numpy()
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    assert not bn.moving_mean.requires_grad


def test_batch_norm_training_statistics_skip_masked_steps():
    x = RNG.normal(2.0, 3.0, size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], dtype=bool)
    bn = L.BatchNormalization(momentum=0.9)
    y = bn(x, training=True, mask=mask).numpy()
    kept = x[mask]  # the 7 unmasked steps
    mean, var = kept.mean(axis=0), kept.var(axis=0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-4)


def test_batch_norm_inference_uses_the_moving_statistics_and_changes_nothing():
    bn = L.BatchNormalization(center=True, scale=True)
    x = RNG.normal(size=(5, 3)).astype("float32")
    bn(x)
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -1.0])
    mm, mv = np.array([0.1, 0.2, 0.3]), np.array([1.0, 4.0, 9.0])
    bn.set_weights([gamma, beta, mm, mv])
    y = bn(x, training=False).numpy()
    np.testing.assert_allclose(y, gamma * (x - mm) / np.sqrt(mv + 1e-3) + beta, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm)


def test_batch_norm_weights_order_names_and_counts():
    bn = L.BatchNormalization()
    bn(np.zeros((2, 5, 5, 8), "float32"))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert bn.count_params() == 32
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    no_scale = L.BatchNormalization(scale=False)
    no_scale(np.zeros((2, 3), "float32"))
    assert [w.name for w in no_scale.weights] == ["beta", "moving_mean", "moving_variance"]


def test_batch_norm_channels_first_axis():
    x = RNG.normal(size=(4, 3, 2, 2)).astype("float32")
    bn = L.BatchNormalization(axis=1, momentum=0.0)
    y = bn(x, training=True).numpy()
    assert bn.gamma.shape == (3,)
    np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)


def test_batch_norm_follows_the_training_flag_of_the_model_call():
    model = Sequential([L.Dense(3, input_shape=(2,)), L.BatchNormalization()])
    x = RNG.normal(size=(8, 2)).astype("float32")
    before = model.layers[1].moving_mean.numpy()
    model(x)
    np.testing.assert_array_equal(model.layers[1].moving_mean.numpy(), before)
    model(x, training=True)
    assert not np.allclose(model.layers[1].moving_mean.numpy(), before)


def test_batch_norm_gradients_flow_through_the_batch_statistics():
    bn = L.BatchNormalization(beta_initializer="ones")
    x = RNG.normal(size=(6, 3)).astype("float32")
    assert_gradients_reach_every_weight(bn, x, training=True)


def test_layer_normalization_matches_numpy_and_takes_several_axes():
    x = RNG.normal(1.0, 2.0, size=(3, 4, 5)).astype("float32")
    ln = L.LayerNormalization(epsilon=1e-3)
    y = ln(x).numpy()
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    both = L.LayerNormalization(axis=[1, 2])
    z = both(x).numpy()
    assert both.gamma.shape == (4, 5)
    np.testing.assert_allclose(z.mean(axis=(1, 2)), 0.0, atol=1e-5)
    assert [w.name for w in ln.weights] == ["gamma", "beta"] and ln.count_params() == 10
    assert_gradients_reach_every_weight(L.LayerNormalization(beta_initializer="ones"), x)


@pytest.mark.parametrize("make", [lambda: L.BatchNormalization(axis=1, momentum=0.5, center=False),
                                  lambda: L.LayerNormalization(axis=-1, epsilon=1e-5)])
def test_normalization_config_round_trip(make):
    x = RNG.normal(size=(3, 4, 2)).astype("float32")
    for a, b in zip(*round_trip(make(), x)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
