"""Adaptive{Average,Max}Pooling1D/2D/3D against a naive loop over PyTorch's bins."""
import itertools
import math

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import layers

RNG = np.random.default_rng(0)


def ref_adaptive(x, output_size, kind):
    """Channels-last x (n, *spatial, c): bin i of an axis of length L spans
    [floor(i L / out), ceil((i + 1) L / out))."""
    reduce = np.max if kind == "max" else np.mean
    spatial = x.shape[1:-1]
    out = np.empty((x.shape[0],) + tuple(output_size) + (x.shape[-1],))
    for index in itertools.product(*(range(s) for s in output_size)):
        window = tuple(slice(math.floor(i * n / s), math.ceil((i + 1) * n / s))
                       for i, n, s in zip(index, spatial, output_size))
        out[(slice(None),) + index] = reduce(x[(slice(None),) + window], axis=tuple(
            range(1, 1 + len(spatial))))
    return out


CASES = [(1, (11,), 4), (1, (5,), 7), (2, (7, 10), (3, 4)), (2, (6, 6), 3), (2, (4, 5), (9, 13)),
         (3, (5, 6, 7), (2, 4, 3))]


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("rank, spatial, output_size", CASES)
def test_matches_the_bin_rule(kind, rank, spatial, output_size):
    cls = getattr(layers, f"Adaptive{'Average' if kind == 'avg' else 'Max'}Pooling{rank}D")
    x = RNG.normal(size=(2,) + spatial + (3,)).astype("float32")
    layer = cls(output_size)
    out = layer(x)
    sizes = (output_size,) * rank if isinstance(output_size, int) else output_size
    np.testing.assert_allclose(out.numpy(), ref_adaptive(x, sizes, kind), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None,) + spatial + (3,)) == (None,) + sizes + (3,)


def test_channels_first_config_and_model():
    x = RNG.normal(size=(2, 3, 7, 10)).astype("float32")
    layer = layers.AdaptiveMaxPooling2D((5, 3), data_format="channels_first")
    want = ref_adaptive(x.transpose(0, 2, 3, 1), (5, 3), "max").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-6)
    assert layer.compute_output_shape((None, 3, 7, 10)) == (None, 3, 5, 3)
    config = layer.get_config()
    assert config["output_size"] == (5, 3) and config["data_format"] == "channels_first"
    copy = layers.deserialize(layers.serialize(layer))
    assert type(copy) is layers.AdaptiveMaxPooling2D and copy.get_config() == config
    assert layers.AdaptiveAveragePooling1D(4).get_config()["output_size"] == (4,)
    model = keras.Sequential([keras.Input((9, 9, 2)), layers.AdaptiveAveragePooling2D(2),
                              layers.Flatten(), layers.Dense(1)])
    assert model.output_shape == (None, 1)
    assert model.predict(RNG.normal(size=(3, 9, 9, 2)), verbose=0).shape == (3, 1)


def test_errors_name_the_layer():
    with pytest.raises(TypeError, match=r"AdaptiveAveragePooling2D: `output_size`.*2.*\(1, 2, 3\)"):
        layers.AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(TypeError, match="AdaptiveMaxPooling1D: `output_size`.*0"):
        layers.AdaptiveMaxPooling1D(0)
    with pytest.raises(ValueError, match="ndim"):
        layers.AdaptiveMaxPooling3D(2)(np.zeros((1, 4, 4, 1), "float32"))


@pytest.mark.parametrize("cls", [layers.AdaptiveAveragePooling2D, layers.AdaptiveMaxPooling2D])
def test_gradients_reach_the_input(cls):
    x = RNG.normal(size=(1, 5, 7, 2))
    assert gradcheck(lambda t: cls((3, 4), dtype="float64")(t), x)


def test_max_gradient_goes_to_each_bin_maximum():
    x = ag.tensor(RNG.permutation(20).reshape(1, 20, 1).astype("float32"), requires_grad=True)
    grad = ag.grad(lambda t: ag.sum(layers.AdaptiveMaxPooling1D(6)(t)))(x).numpy().ravel()
    values = x.numpy().ravel()
    want = np.zeros(20)
    for i in range(6):
        start, end = math.floor(i * 20 / 6), math.ceil((i + 1) * 20 / 6)
        want[start + np.argmax(values[start:end])] += 1  # overlapping bins add up
    np.testing.assert_array_equal(grad, want)
