"""Merge layers and activation layers."""
import numpy as np
import pytest

from keras_facade import layers as L
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip
from keras_facade.models import Model

RNG = np.random.default_rng(4)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


@pytest.mark.parametrize("cls, fn, combine", [
    (L.Add, L.add, lambda a, b, c: a + b + c),
    (L.Multiply, L.multiply, lambda a, b, c: a * b * c),
    (L.Average, L.average, lambda a, b, c: (a + b + c) / 3),
    (L.Maximum, L.maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (L.Minimum, L.minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
])
def test_elementwise_merges_broadcast_like_keras(cls, fn, combine):
    a, b, c = rand(2, 3, 4), rand(2, 1, 4), rand(2, 3, 4)
    np.testing.assert_allclose(cls()([a, b, c]).numpy(), combine(a, b, c), rtol=1e-5)
    ins = [L.Input((3, 4)), L.Input((1, 4)), L.Input((3, 4))]
    out = fn(ins)
    assert out.shape == (None, 3, 4)
    np.testing.assert_allclose(Model(ins, out)([a, b, c]).numpy(), combine(a, b, c), rtol=1e-5)


def test_subtract_needs_exactly_two_inputs_and_shapes_must_broadcast():
    a, b = rand(2, 3), rand(2, 3)
    np.testing.assert_allclose(L.Subtract()([a, b]).numpy(), a - b)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Subtract()([a, b, a])
    with pytest.raises(ValueError, match=r"\(None, 3\), \(None, 4\)\] cannot be broadcast"):
        L.Add()([L.Input((3,)), L.Input((4,))])
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(L.Input((3,)))


def test_concatenate_axis_and_shape_errors():
    a, b = rand(2, 3, 4), rand(2, 3, 2)
    np.testing.assert_array_equal(L.Concatenate()([a, b]).numpy(), np.concatenate([a, b], -1))
    np.testing.assert_array_equal(L.Concatenate(axis=1)([a, a]).numpy(),
                                  np.concatenate([a, a], 1))
    assert L.concatenate([L.Input((3, 4)), L.Input((3, 2))]).shape == (None, 3, 6)
    assert L.Concatenate(axis=1)([L.Input((None, 4)), L.Input((3, 4))]).shape == (None, None, 4)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        L.Concatenate()([L.Input((3, 4)), L.Input((2, 4))])


def test_dot_products_along_axes_and_cosine():
    a, b = rand(3, 4), rand(3, 4)
    np.testing.assert_allclose(L.Dot(axes=1)([a, b]).numpy(), (a * b).sum(1, keepdims=True),
                               rtol=1e-5)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(L.Dot(axes=-1, normalize=True)([a, b]).numpy()[:, 0], cos,
                               rtol=1e-5)
    x, y = rand(2, 3, 4), rand(2, 5, 4)
    np.testing.assert_allclose(L.Dot(axes=(2, 2))([x, y]).numpy(),
                               np.einsum("bik,bjk->bij", x, y), rtol=1e-5)
    assert L.dot([L.Input((3, 4)), L.Input((5, 4))], axes=2).shape == (None, 3, 5)
    with pytest.raises(ValueError, match="dimension incompatibility"):
        L.Dot(axes=1)([L.Input((3,)), L.Input((4,))])


def test_merge_masks_combine_as_keras_3_or_keras_2():
    from keras_facade import config
    from keras_facade.layers.base import get_mask
    emb = L.Embedding(5, 2, mask_zero=True)
    a, b = emb(np.array([[1, 2, 0]])), emb(np.array([[1, 0, 3]]))
    plain = rand(1, 3, 2)  # no mask
    np.testing.assert_array_equal(get_mask(L.Add()([a, b])).numpy(), [[True, True, True]])
    assert get_mask(L.Add()([a, plain])) is None  # Keras 3: an unmasked input drops the mask
    joined = L.Concatenate()([a, b])  # a step is kept only if every input keeps it
    np.testing.assert_array_equal(get_mask(joined).numpy(), [[True, False, False]])
    previous = config.set_compat("keras2")
    try:
        np.testing.assert_array_equal(get_mask(L.Add()([a, b])).numpy(), [[True, False, False]])
        np.testing.assert_array_equal(get_mask(L.Maximum()([a, plain])).numpy(),
                                      [[True, True, False]])
    finally:
        config.set_compat(previous)


# -- activation layers --------------------------------------------------------------------------------
def test_activation_layers_match_their_formulas():
    x = np.linspace(-4, 8, 25, dtype="float32").reshape(1, 25)
    np.testing.assert_allclose(L.ReLU()(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(L.ReLU(max_value=6.0)(x).numpy(), np.clip(x, 0, 6))
    np.testing.assert_allclose(L.ReLU(negative_slope=0.1, threshold=1.0)(x).numpy(),
                               np.where(x > 1, x, 0.1 * (x - 1)), rtol=1e-6)
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(L.ELU(0.5)(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)),
                               rtol=1e-5)
    np.testing.assert_allclose(L.ThresholdedReLU(2.0)(x).numpy(), np.where(x > 2, x, 0))
    e = np.exp(x - x.max())
    np.testing.assert_allclose(L.Softmax()(x).numpy(), e / e.sum(), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=[1])(x).numpy(), e / e.sum(), rtol=1e-5)


def test_prelu_has_one_alpha_per_element_unless_shared():
    layer = L.PReLU(alpha_initializer="ones")
    layer(np.zeros((1, 62, 62, 32), "float32"))
    assert layer.count_params() == 62 * 62 * 32  # 123,008 as in Keras
    shared = L.PReLU(shared_axes=[1, 2])
    shared(np.zeros((1, 62, 62, 32), "float32"))
    assert shared.alpha.shape == (1, 1, 32)
    x = rand(2, 3)
    layer = L.PReLU(alpha_initializer="zeros")
    layer(x)
    layer.set_weights([np.full((3,), 0.25)])
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, 0.25 * x), rtol=1e-6)
    assert_gradients_reach_every_weight(layer, x)


@pytest.mark.parametrize("make, shapes", [
    (lambda: L.Add(), [(2, 3), (2, 3)]), (lambda: L.Concatenate(axis=1), [(2, 3), (2, 2)]),
    (lambda: L.Dot(axes=1, normalize=True), [(2, 3), (2, 3)]), (lambda: L.Subtract(), [(2, 3)] * 2),
])
def test_merge_config_round_trip(make, shapes):
    for a, b in zip(*round_trip(make(), [rand(*s) for s in shapes])):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: L.ReLU(6.0, 0.1), lambda: L.LeakyReLU(0.2),
                                  lambda: L.ELU(0.7), lambda: L.Softmax(axis=1),
                                  lambda: L.Softmax(axis=[1, 2]),
                                  lambda: L.ThresholdedReLU(0.5), lambda: L.PReLU(shared_axes=[1])])
def test_activation_layer_config_round_trip(make):
    for a, b in zip(*round_trip(make(), rand(2, 3, 4))):
        np.testing.assert_allclose(a, b, rtol=1e-6)
