"""BatchNormalization (training vs inference, moving statistics), LayerNormalization,
GroupNormalization, UnitNormalization and RMSNormalization."""
import numpy as np
import pytest

import autograd_core as ag

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


# -- GroupNormalization, UnitNormalization, RMSNormalization ---------------------------------------
def _weight_grads(layer, x, cotangent):
    """Gradients of sum(layer(x) · cotangent) w.r.t. the layer's trainable weights."""
    layer(x)
    loss = ag.sum(layer(x) * ag.tensor(cotangent))
    loss.backward()
    return [w.grad.numpy() for w in layer.trainable_weights]


def _group_norm_reference(x, groups, axis, gamma, beta, eps):
    xs = np.moveaxis(x.astype("float64"), axis, -1)
    shape = xs.shape
    g = xs.reshape(shape[0], -1, groups, shape[-1] // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    xhat = np.moveaxis(((g - mean) / np.sqrt(var + eps)).reshape(shape), -1, axis)
    bshape = [1] * x.ndim
    bshape[axis] = -1
    return xhat * gamma.reshape(bshape) + beta.reshape(bshape), xhat


@pytest.mark.parametrize("shape, groups, axis", [((2, 3, 4), 2, -1), ((2, 6, 3, 2), 3, 1),
                                                 ((2, 5, 4), -1, -1)])
def test_group_norm_matches_numpy_values_and_gradients(shape, groups, axis):
    x = RNG.normal(1.0, 2.0, size=shape).astype("float32")
    gn = L.GroupNormalization(groups=groups, axis=axis, epsilon=1e-3)
    gn(x)
    assert [w.name for w in gn.weights] == ["gamma", "beta"]
    channels = shape[axis]
    gamma, beta = RNG.normal(size=channels), RNG.normal(size=channels)
    gn.set_weights([gamma, beta])
    g = channels if groups == -1 else groups
    want, xhat = _group_norm_reference(x, g, axis % len(shape), gamma, beta, 1e-3)
    np.testing.assert_allclose(gn(x).numpy(), want, rtol=1e-4, atol=1e-4)
    cot = RNG.normal(size=shape)
    reduce = tuple(a for a in range(len(shape)) if a != axis % len(shape))
    dgamma, dbeta = _weight_grads(gn, x, cot.astype("float32"))
    np.testing.assert_allclose(dgamma, (xhat * cot).sum(reduce), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dbeta, cot.sum(reduce), rtol=1e-4, atol=1e-4)
    gn64 = L.GroupNormalization(groups=groups, axis=axis, dtype="float64")
    ag.testing.gradcheck(lambda t: gn64(t), ag.tensor(x.astype("float64")))


def test_group_norm_errors_config_and_model_use():
    with pytest.raises(ValueError, match="the 6 channels of axis -1 cannot be split into 4 groups"):
        L.GroupNormalization(groups=4)(np.zeros((2, 6), "float32"))
    gn = L.GroupNormalization(groups=2, center=False, gamma_regularizer="l2")
    gn(np.ones((1, 4), "float32"))
    assert [w.name for w in gn.weights] == ["gamma"] and len(gn.losses) == 1
    cfg = L.GroupNormalization(groups=8, epsilon=1e-5).get_config()
    assert list(cfg)[-11:] == ["groups", "axis", "epsilon", "center", "scale", "beta_initializer",
                               "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                               "beta_constraint", "gamma_constraint"]
    assert L.GroupNormalization().groups == 32
    x = RNG.normal(size=(3, 5, 4)).astype("float32")
    for a, b in zip(*round_trip(L.GroupNormalization(groups=2, beta_initializer="ones"), x)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    model = Sequential([L.Input((5, 4)), L.GroupNormalization(2), L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    loss = model.fit(x, np.ones((3, 1)), epochs=3, verbose=0).history["loss"]
    assert loss[-1] < loss[0]


def test_unit_normalization_matches_numpy_and_keeps_zero_vectors_finite():
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    x[0, 0] = 0.0
    un = L.UnitNormalization(axis=[1, 2])
    want = x / np.sqrt((x.astype("float64") ** 2).sum(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(un(x).numpy(), want, rtol=1e-5, atol=1e-6)
    last = L.UnitNormalization()
    t = ag.tensor(x, requires_grad=True)
    y = last(t)
    np.testing.assert_allclose(np.linalg.norm(y.numpy()[1], axis=-1), 1.0, rtol=1e-5)
    assert np.all(y.numpy()[0, 0] == 0)
    ag.sum(y * y).backward()
    assert np.all(np.isfinite(t.grad.numpy()))
    ag.testing.gradcheck(lambda v: L.UnitNormalization(dtype="float64")(v),
                         ag.tensor(x[1:].astype("float64")))
    assert L.UnitNormalization(axis=(1, 2)).get_config()["axis"] == [1, 2]
    with pytest.raises(ValueError, match=r"axis 3 is out of bounds for input shape \(None, 4\)"):
        L.UnitNormalization(axis=3).compute_output_shape((None, 4))


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_rms_normalization_matches_numpy_values_and_gradients(axis):
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    rms = L.RMSNormalization(axis=axis, epsilon=1e-3)
    rms(x)
    axes = (2,) if axis == -1 else (1, 2)
    assert [(w.name, tuple(w.shape)) for w in rms.weights] == [
        ("scale", tuple(x.shape[a] for a in axes))]
    assert rms.get_config()["axis"] == ([-1] if axis == -1 else [1, 2])  # a list once built
    scale = RNG.normal(size=rms.weights[0].shape)
    rms.set_weights([scale])
    normed = x / np.sqrt((x.astype("float64") ** 2).mean(axis=axes, keepdims=True) + 1e-3)
    np.testing.assert_allclose(rms(x).numpy(), normed * scale, rtol=1e-5, atol=1e-6)
    cot = RNG.normal(size=x.shape)
    (dscale,) = _weight_grads(rms, x, cot.astype("float32"))
    np.testing.assert_allclose(dscale, (normed * cot).sum(axis=tuple(
        a for a in range(3) if a not in axes)), rtol=1e-4, atol=1e-5)
    ag.testing.gradcheck(lambda t: L.RMSNormalization(axis=axis, dtype="float64")(t),
                         ag.tensor(x.astype("float64")))
    for a, b in zip(*round_trip(L.RMSNormalization(axis=axis), x)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
