"""LocallyConnected1D/2D (Keras 2.3): values against an unshared convolution written as loops,
Keras 2 weight layouts (patch order, channels_first bias), implementations 2 and 3, errors,
gradients, config, legacy spellings and saving."""
import warnings

import h5py
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as kf
from keras_facade import layers as L
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip
from keras_facade.saving import load_model


def reference(x, kernel, bias, k, s, channels_first, shift=0):
    """Keras 2's unshared convolution as loops: patch flattened (k..., C) or, channels_first,
    (C, k...); bias (out..., F) reshaped to (F, out...) for channels_first. ``kernel`` is
    (positions, patch, F); with ``shift`` the windows start that much earlier (zeros outside)."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    n, spatial, c = x.shape[0], x.shape[1:-1], x.shape[-1]
    out = tuple(-(-(m if shift else m - kk + 1) // ss) for m, kk, ss in zip(spatial, k, s))
    f = kernel.shape[-1]
    y = np.zeros((n, int(np.prod(out)), f))
    for p, pos in enumerate(np.ndindex(*out)):
        patch = np.zeros((n,) + tuple(k) + (c,))
        for tap in np.ndindex(*k):
            src = tuple(o * st - sh + t
                        for o, st, sh, t in zip(pos, s, shift or (0,) * len(k), tap))
            if all(0 <= a < m for a, m in zip(src, spatial)):
                patch[(slice(None),) + tap] = x[(slice(None),) + src]
        if channels_first:
            patch = np.moveaxis(patch, -1, 1)
        y[:, p] = patch.reshape(n, -1) @ kernel[p]
    if channels_first:
        return np.moveaxis(y, 1, 2).reshape((n, f) + out) + bias.reshape((f,) + out)
    return y.reshape((n,) + out + (f,)) + bias


def dense_kernel(kernel, spatial, c, k, s, out, channels_first, shift=0):
    """implementation=2's dense kernel holding the same connections as a (positions, patch, F)
    kernel (loops)."""
    f = kernel.shape[-1]
    dense = np.zeros(tuple(spatial) + (c,) + tuple(out) + (f,))
    for p, pos in enumerate(np.ndindex(*out)):
        for t, tap in enumerate(np.ndindex(*k)):
            src = tuple(o * st - sh + tt
                        for o, st, sh, tt in zip(pos, s, shift or (0,) * len(k), tap))
            if all(0 <= a < m for a, m in zip(src, spatial)):
                for ch in range(c):
                    row = ch * len(list(np.ndindex(*k))) + t if channels_first else t * c + ch
                    dense[src + (ch,) + pos] = kernel[p, row]
    if channels_first:  # (C, spatial..., F, out...)
        r = len(spatial)
        return np.transpose(dense, (r,) + tuple(range(r)) + (2 * r + 1,) +
                            tuple(range(r + 1, 2 * r + 1)))
    return dense


def random_weights(layer, seed=0):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    return layer.get_weights()


CASES = [  # (layer, input shape, kernel_size, strides, data_format)
    (L.LocallyConnected1D, (2, 9, 3), (3,), (2,), "channels_last"),
    (L.LocallyConnected1D, (2, 3, 8), (2,), (1,), "channels_first"),
    (L.LocallyConnected2D, (2, 6, 7, 3), (3, 2), (2, 1), "channels_last"),
    (L.LocallyConnected2D, (2, 2, 5, 6), (2, 3), (1, 2), "channels_first"),
]


@pytest.mark.parametrize("cls, shape, k, s, fmt", CASES)
def test_matches_the_loop_reference_with_keras2_layouts(cls, shape, k, s, fmt):
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    layer = cls(4, k, strides=s, data_format=fmt)
    y0 = layer(ag.tensor(x))
    kernel, bias = random_weights(layer)
    first = fmt == "channels_first"
    spatial, c = (shape[2:], shape[1]) if first else (shape[1:-1], shape[-1])
    out = tuple((m - kk) // ss + 1 for m, kk, ss in zip(spatial, k, s))
    assert kernel.shape == (int(np.prod(out)), int(np.prod(k)) * c, 4)
    assert bias.shape == out + (4,)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    expected_shape = (shape[0], 4) + out if first else (shape[0],) + out + (4,)
    assert y0.shape == expected_shape
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected_shape[1:]
    y = layer(ag.tensor(x)).numpy()
    np.testing.assert_allclose(y, reference(x, kernel, bias, k, s, first), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls, shape, k, s, fmt", CASES)
def test_implementation_2_is_the_same_unshared_convolution(cls, shape, k, s, fmt):
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    first = fmt == "channels_first"
    one = cls(3, k, strides=s, data_format=fmt, activation="tanh")
    one(ag.tensor(x))
    kernel, bias = random_weights(one)
    two = cls(3, k, strides=s, data_format=fmt, activation="tanh", implementation=2)
    two(ag.tensor(x))
    spatial, c = (shape[2:], shape[1]) if first else (shape[1:-1], shape[-1])
    out = bias.shape[:-1]
    dense = dense_kernel(kernel, spatial, c, k, s, out, first)
    assert two.kernel.shape == dense.shape
    two.set_weights([dense + 5.0, bias])  # the mask zeroes every unconnected entry
    np.testing.assert_allclose(two(ag.tensor(x)).numpy(), np.tanh(reference(
        x, kernel + 5.0, bias, k, s, first)), rtol=1e-5, atol=1e-5)
    two.set_weights([dense, bias])
    np.testing.assert_allclose(two(ag.tensor(x)).numpy(), one(ag.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-5)


def test_same_padding_only_with_implementation_2_and_windows_shifted_by_half_a_kernel():
    with pytest.raises(ValueError, match="LocallyConnected2D.*'same'.*implementation=1"):
        L.LocallyConnected2D(2, 3, padding="same")
    x = np.random.default_rng(3).normal(size=(2, 5, 4, 2)).astype("float32")
    layer = L.LocallyConnected2D(3, (2, 3), strides=(2, 1), padding="same", implementation=2)
    assert layer(ag.tensor(x)).shape == (2, 3, 4, 3)
    rng = np.random.default_rng(4)
    kernel = rng.normal(size=(12, 12, 3)).astype("float32")
    bias = rng.normal(size=(3, 4, 3)).astype("float32")
    dense = dense_kernel(kernel, (5, 4), 2, (2, 3), (2, 1), (3, 4), False, shift=(1, 1))
    layer.set_weights([dense, bias])
    np.testing.assert_allclose(layer(ag.tensor(x)).numpy(), reference(
        x, kernel, bias, (2, 3), (2, 1), False, shift=(1, 1)), rtol=1e-5, atol=1e-5)


def sparse_reference(x, values, spatial, c, f, k, s, out, channels_first, same):
    """implementation=3 as tf.keras: one value per sorted (flat output, flat input) pair of
    connected entries, the product of a dense matrix holding them with the flat inputs."""
    pairs = []
    for pos in np.ndindex(*out):
        ranges = []
        for d, (m, kk, st) in enumerate(zip(spatial, k, s)):
            start = pos[d] * st - (kk // 2 if same else 0)
            ranges.append(range(max(start, 0), min(start + kk, m)))
        for src in np.ndindex(*[len(r) for r in ranges]):
            src = tuple(r[i] for r, i in zip(ranges, src))
            for ci in range(c):
                for fo in range(f):
                    if channels_first:
                        pairs.append((np.ravel_multi_index((fo,) + pos, (f,) + tuple(out)),
                                      np.ravel_multi_index((ci,) + src, (c,) + tuple(spatial))))
                    else:
                        pairs.append((np.ravel_multi_index(pos + (fo,), tuple(out) + (f,)),
                                      np.ravel_multi_index(src + (ci,), tuple(spatial) + (c,))))
    pairs = sorted(pairs)
    matrix = np.zeros((int(np.prod(out)) * f, x[0].size))
    for (o, i), v in zip(pairs, values):
        matrix[o, i] = v
    return len(pairs), x.reshape(len(x), -1) @ matrix.T


@pytest.mark.parametrize("fmt, padding", [("channels_last", "valid"), ("channels_first", "same"),
                                          ("channels_last", "same")])
def test_implementation_3_holds_one_value_per_sorted_connection(fmt, padding):
    first = fmt == "channels_first"
    shape = (2, 2, 5, 4) if first else (2, 5, 4, 2)
    x = np.random.default_rng(10).normal(size=shape).astype("float32")
    layer = L.LocallyConnected2D(3, (3, 2), strides=(2, 1), padding=padding, data_format=fmt,
                                 implementation=3)
    y0 = layer(ag.tensor(x))
    values, bias = random_weights(layer, seed=11)
    out = bias.shape[:-1]
    count, flat = sparse_reference(x, values, (5, 4), 2, 3, (3, 2), (2, 1), out, first,
                                   padding == "same")
    assert values.shape == (count,) and y0.shape == ((2, 3) + out if first else (2,) + out + (3,))
    expected = flat.reshape(y0.shape) + (bias.reshape((3,) + out) if first else bias)
    np.testing.assert_allclose(layer(ag.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_bad_arguments_and_inputs_raise_naming_the_layer():
    with pytest.raises(ValueError, match="LocallyConnected1D.*implementation.*1, 2 or 3.*4"):
        L.LocallyConnected1D(2, 3, implementation=4)
    with pytest.raises(ValueError, match="LocallyConnected1D.*filters"):
        L.LocallyConnected1D(0, 3)
    with pytest.raises(ValueError, match="LocallyConnected2D.*kernel_size"):
        L.LocallyConnected2D(2, (3, 3, 3))
    layer = L.LocallyConnected1D(2, 3)
    with pytest.raises(ValueError, match="fully defined.*None"):
        layer.build((None, None, 4))
    with pytest.raises(ValueError, match="kernel_size.*does not fit"):
        L.LocallyConnected1D(2, 5).build((None, 3, 4))
    layer(ag.ones((1, 6, 4)))
    with pytest.raises(ValueError, match=f"{layer.name}.*axis.*4.*5"):
        layer(ag.ones((1, 6, 5)))
    with pytest.raises(ValueError, match=f"{layer.name}.*axis.*6.*7"):
        layer(ag.ones((1, 7, 4)))


@pytest.mark.parametrize("impl, fmt", [(1, "channels_last"), (1, "channels_first"),
                                       (2, "channels_first"), (3, "channels_last")])
def test_float64_gradients_reach_kernel_bias_and_input(impl, fmt):
    layer = L.LocallyConnected2D(2, (2, 2), strides=(1, 2), data_format=fmt, implementation=impl,
                                 activation="tanh", dtype="float64")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4, 5) if fmt == "channels_first" else (2, 4, 5, 3))
    layer(ag.tensor(x))
    kernel, bias = layer.kernel, layer.bias

    def f(x, k, b):
        layer.kernel, layer.bias = k, b
        return layer.call(x)
    try:
        assert ag.testing.gradcheck(f, x, rng.normal(size=kernel.shape),
                                    rng.normal(size=bias.shape))
    finally:
        layer.kernel, layer.bias = kernel, bias
    assert_gradients_reach_every_weight(layer, ag.tensor(x))


def test_config_round_trip_and_keras2_config_keys():
    layer = L.LocallyConnected2D(3, (2, 2), strides=(2, 1), data_format="channels_first",
                                 activation="relu", use_bias=False, implementation=2)
    x = ag.tensor(np.random.default_rng(6).normal(size=(2, 2, 5, 4)).astype("float32"))
    a, b = round_trip(layer, x)
    np.testing.assert_array_equal(a[0], b[0])
    cfg = layer.get_config()
    assert list(cfg)[3:] == ["filters", "kernel_size", "strides", "padding", "data_format",
                             "activation", "use_bias", "kernel_initializer", "bias_initializer",
                             "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                             "kernel_constraint", "bias_constraint", "implementation"]
    assert cfg["kernel_size"] == (2, 2) and cfg["strides"] == (2, 1)
    assert [w.name for w in layer.weights] == ["kernel"]


def test_keras1_spellings_are_converted_with_a_warning():
    with pytest.warns(DeprecationWarning, match="LocallyConnected2D"):
        layer = L.LocallyConnected2D(8, 3, 3, subsample=(2, 2), border_mode="valid",
                                     dim_ordering="th", init="zeros")
    assert (layer.kernel_size, layer.strides, layer.data_format) == \
        ((3, 3), (2, 2), "channels_first")
    with pytest.warns(DeprecationWarning, match="LocallyConnected1D"):
        layer = L.LocallyConnected1D(nb_filter=4, filter_length=3, subsample_length=2,
                                     input_dim=5, input_length=7)
    assert (layer.filters, layer.kernel_size, layer.strides) == (4, (3,), (2,))
    model = kf.Sequential([layer])
    assert model.output_shape == (None, 3, 4)


def model_with_local_layers():
    model = kf.Sequential([
        L.LocallyConnected2D(3, (2, 2), input_shape=(5, 4, 2), activation="relu", name="lc2"),
        L.Reshape((4 * 3, 3)),
        L.LocallyConnected1D(2, 3, strides=2, implementation=2, name="lc1"),
    ])
    random_weights(model, seed=7)
    return model


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_models_save_and_load_with_the_same_outputs(tmp_path, name):
    model = model_with_local_layers()
    x = np.random.default_rng(8).normal(size=(3, 5, 4, 2)).astype("float32")
    model.save(str(tmp_path / name))
    loaded = load_model(str(tmp_path / name))
    assert [type(layer).__name__ for layer in loaded.layers] == \
        ["LocallyConnected2D", "Reshape", "LocallyConnected1D"]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras2_weight_file_loads_by_layer_order(tmp_path):
    """A Keras 2 ``save_weights`` file, written by hand in its layout, loads unchanged."""
    model = model_with_local_layers()
    path = tmp_path / "k2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"locally_connected2d_1", b"reshape_1", b"locally_connected1d_1"]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.3.1"
        for layer, group in zip(model.layers, ["locally_connected2d_1", "reshape_1",
                                               "locally_connected1d_1"]):
            g = f.create_group(group)
            names = [f"{group}/{w.name}:0".encode() for w in layer.weights]
            g.attrs["weight_names"] = names
            for n, w in zip(names, layer.get_weights()):
                g.create_dataset(n.decode(), data=w)
    fresh = model_with_local_layers()
    random_weights(fresh, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh.load_weights(str(path))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
