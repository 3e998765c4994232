"""ConvLSTM1D/2D/3D against a numpy reference of the equations (naive convolution loops); layouts,
states, masks, errors, Keras 1 spellings, training and saving."""
import warnings

import h5py
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from keras_facade import config
from keras_facade import layers as L
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip

RNG = np.random.default_rng(5)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def conv_nd(x, w, strides, padding, dilation):
    """Cross-correlation of x (N, spatial..., C) with w (k..., C, O), TensorFlow 'same' padding."""
    rank = w.ndim - 2
    pads, outs = [], []
    for n, k, s, d in zip(x.shape[1:-1], w.shape[:rank], strides, dilation):
        span = (k - 1) * d + 1
        out = -(-n // s) if padding == "same" else (n - span) // s + 1
        total = max((out - 1) * s + span - n, 0) if padding == "same" else 0
        pads.append((total // 2, total - total // 2))
        outs.append(out)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    y = np.zeros((x.shape[0],) + tuple(outs) + (w.shape[-1],))
    for tap in np.ndindex(*w.shape[:rank]):
        window = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                       for t, d, o, s in zip(tap, dilation, outs, strides))
        y += xp[(slice(None),) + window] @ w[tap]
    return y


def ref_conv_lstm(x, kernel, recurrent_kernel, bias, strides, padding, dilation, h=None, c=None,
                  mask=None):
    """(every step's h, h, c) of the Keras ConvLSTM equations, gates (i, f, c, o)."""
    rank, f = kernel.ndim - 2, recurrent_kernel.shape[-2]
    ones = (1,) * rank
    hs = []
    for t in range(x.shape[1]):
        zx = conv_nd(x[:, t], kernel, strides, padding, dilation) + bias
        if h is None:
            h = c = np.zeros(zx.shape[:-1] + (f,))
        z = zx + conv_nd(h, recurrent_kernel, ones, "same", ones)
        i, g, o = sigmoid(z[..., :f]), sigmoid(z[..., f:2 * f]), sigmoid(z[..., 3 * f:])
        c_new = g * c + i * np.tanh(z[..., 2 * f:3 * f])
        h_new = o * np.tanh(c_new)
        keep = np.ones(len(x), bool) if mask is None else mask[:, t]
        keep = keep.reshape((-1,) + (1,) * (rank + 1))
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        hs.append(h)
    return np.stack(hs, 1), h, c


def randomize(layer, x):
    """Build ``layer`` on ``x`` with random weights; returns them in float64."""
    layer(x)
    layer.set_weights([RNG.normal(0, 0.4, size=w.shape) for w in layer.get_weights()])
    return [w.astype("float64") for w in layer.get_weights()]


CASES = [  # (rank, constructor arguments, input shape)
    (2, dict(kernel_size=3), (2, 3, 6, 5, 2)),
    (2, dict(kernel_size=(3, 2), padding="same", strides=2), (2, 3, 7, 6, 3)),
    (2, dict(kernel_size=2, dilation_rate=2), (1, 3, 6, 6, 2)),
    (2, dict(kernel_size=2, padding="same"), (2, 2, 4, 5, 2)),
    (1, dict(kernel_size=3, padding="same"), (2, 4, 7, 2)),
    (1, dict(kernel_size=2, strides=2), (2, 3, 7, 3)),
    (3, dict(kernel_size=(2, 3, 2), padding="same"), (1, 2, 3, 4, 3, 2)),
    (3, dict(kernel_size=2), (2, 2, 3, 3, 4, 2)),
]


@pytest.mark.parametrize("rank,kwargs,shape", CASES)
def test_outputs_and_states_match_the_numpy_reference(rank, kwargs, shape):
    x = RNG.normal(size=shape).astype("float32")
    layer = getattr(L, f"ConvLSTM{rank}D")(3, return_sequences=True, return_state=True, **kwargs)
    ws = randomize(layer, x)
    seq, h, c = layer(x)
    window = [layer.strides, layer.padding, layer.dilation_rate]
    want = ref_conv_lstm(x.astype("float64"), *ws, *window)
    for got, ref in zip((seq, h, c), want):
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None,) + shape[1:]) == [
        (None,) + want[0].shape[1:], (None,) + want[1].shape[1:], (None,) + want[2].shape[1:]]
    last = getattr(L, f"ConvLSTM{rank}D")(3, **kwargs)
    last(x)
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(x).numpy(), want[1], rtol=1e-4, atol=1e-5)


def test_weights_names_shapes_order_and_forget_bias():
    layer = L.ConvLSTM2D(4, (3, 2))
    layer(np.zeros((1, 2, 5, 5, 3), "float32"))
    assert layer.name.startswith("conv_lstm2d")
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 3, 16), (3, 2, 4, 16), (16,)]
    assert layer.count_params() == 3 * 2 * 3 * 16 + 3 * 2 * 4 * 16 + 16
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 4 + [1] * 4 + [0] * 8)
    assert layer.filters == 4 and layer.kernel_size == (3, 2) and layer.strides == (1, 1)
    no_bias = L.ConvLSTM1D(2, 3, use_bias=False, unit_forget_bias=False)
    no_bias(np.zeros((1, 2, 5, 3), "float32"))
    assert [w.name for w in no_bias.weights] == ["kernel", "recurrent_kernel"]


def test_channels_first_equals_channels_last_transposed():
    x = RNG.normal(size=(2, 3, 5, 4, 2)).astype("float32")
    last = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
    first = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True,
                         data_format="channels_first")
    randomize(last, x)
    xf = np.moveaxis(x, -1, 2)
    first(xf)
    first.set_weights(last.get_weights())
    seq, h, c = first(xf)
    want = last(x)
    np.testing.assert_allclose(seq.numpy(), np.moveaxis(want[0].numpy(), -1, 2), rtol=1e-5,
                               atol=1e-6)
    for got, ref in zip((h, c), want[1:]):
        np.testing.assert_allclose(got.numpy(), np.moveaxis(ref.numpy(), -1, 1), rtol=1e-5,
                                   atol=1e-6)
    assert first.compute_output_shape((None, 3, 2, 5, 4))[1] == (None, 3, 5, 4)


def test_go_backwards_initial_state_and_mask():
    x = RNG.normal(size=(3, 4, 4, 4, 2)).astype("float32")
    layer = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True, go_backwards=True)
    ws = randomize(layer, x)
    h0, c0 = (RNG.normal(size=(3, 4, 4, 2)).astype("float32") for _ in range(2))
    seq = layer(x, initial_state=[ag.tensor(h0), ag.tensor(c0)]).numpy()
    want, _, _ = ref_conv_lstm(x[:, ::-1].astype("float64"), *ws, (1, 1), "same", (1, 1), h0, c0)
    np.testing.assert_allclose(seq, want, rtol=1e-4, atol=1e-5)
    mask = np.ones((3, 4), bool)
    mask[0, 2:] = mask[1, 1:3] = False
    forward = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    forward(x)
    forward.set_weights(layer.get_weights())
    got = forward(x, mask=ag.tensor(mask)).numpy()
    want, _, _ = ref_conv_lstm(x.astype("float64"), *ws, (1, 1), "same", (1, 1), mask=mask)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"2 states of shape \(3, 4, 4, 2\).*\(3, 4, 4\)"):
        forward(x, initial_state=[np.zeros((3, 4, 4)), np.zeros((3, 4, 4))])


def test_stateful_carries_states_across_calls_until_reset():
    x = RNG.normal(size=(2, 6, 1, 4, 4)).astype("float32")  # channels_first
    whole = L.ConvLSTM2D(2, 3, data_format="channels_first", return_sequences=True)
    stateful = L.ConvLSTM2D(2, 3, data_format="channels_first", return_sequences=True,
                            stateful=True)
    randomize(whole, x)
    stateful(x[:, :1])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    chunks = [stateful(x[:, t:t + 2]).numpy() for t in (0, 2, 4)]
    np.testing.assert_allclose(np.concatenate(chunks, 1), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    assert [tuple(s.shape) for s in stateful.states] == [(2, 2, 2, 2)] * 2
    stateful.reset_states([np.zeros((2, 2, 2, 2), "float32")] * 2)
    np.testing.assert_allclose(stateful(x[:, :2]).numpy(), chunks[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"expects 2 states of shape \(1, 2, 2, 2\)"):
        stateful(x[:1, :2])


def test_gradients_reach_every_weight_and_match_finite_differences():
    x = RNG.normal(size=(2, 3, 4, 4, 2)).astype("float32")
    layer = L.ConvLSTM2D(2, 2, padding="same", return_state=True)
    assert_gradients_reach_every_weight(layer, x)
    cot = RNG.normal(size=(2, 4, 4, 2))

    def loss(args):
        return ag.sum(layer(args[0])[2] * ag.tensor(cot.astype("float32")))
    xt = ag.tensor(x)
    _, (grad,) = ag.value_and_grad(loss)([xt])
    ws = [w.astype("float64") for w in layer.get_weights()]
    eps, index = 1e-4, (1, 2, 3, 0, 1)

    def ref_loss(xv):
        return np.sum(ref_conv_lstm(xv, *ws, (1, 1), "same", (1, 1))[2] * cot)
    bump = np.zeros(x.shape)
    bump[index] = eps
    x64 = x.astype("float64")
    numeric = (ref_loss(x64 + bump) - ref_loss(x64 - bump)) / (2 * eps)
    np.testing.assert_allclose(grad.numpy()[index], numeric, rtol=1e-3, atol=1e-5)


def test_dropout_only_while_training_and_seeded():
    x = RNG.normal(size=(2, 3, 4, 4, 2)).astype("float32")
    layer = L.ConvLSTM2D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=3)
    a = layer(x).numpy()
    np.testing.assert_array_equal(a, layer(x).numpy())
    assert not np.allclose(layer(x, training=True).numpy(), a)
    assert_gradients_reach_every_weight(layer, x, training=True)


def test_config_matches_keras_keys_and_round_trips():
    x = RNG.normal(size=(1, 2, 5, 5, 2)).astype("float32")
    layer = L.ConvLSTM2D(3, 3, strides=2, padding="same", return_sequences=True,
                         kernel_regularizer="l2", recurrent_dropout=0.1)
    before, after = round_trip(layer, x)
    np.testing.assert_allclose(before[0], after[0], rtol=1e-6)
    cfg = layer.get_config()
    assert set(cfg) == {
        "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards",
        "stateful", "unroll", "zero_output_for_mask", "filters", "kernel_size", "strides",
        "padding", "data_format", "dilation_rate", "activation", "recurrent_activation",
        "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
        "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
        "dropout", "recurrent_dropout", "seed"}
    assert cfg["kernel_size"] == (3, 3) and cfg["strides"] == (2, 2)
    assert cfg["data_format"] == "channels_last" and cfg["unit_forget_bias"] is True
    assert L.ConvLSTM3D.from_config(L.ConvLSTM3D(2, 1).get_config()).kernel_size == (1, 1, 1)


def test_bad_arguments_and_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="ConvLSTM2D: `filters` must be a positive integer"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="ConvLSTM1D: `padding` must be one of"):
        L.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="ConvLSTM3D: `strides > 1` not supported"):
        L.ConvLSTM3D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="ConvLSTM2D: `kernel_size` must be an int or a tuple"):
        L.ConvLSTM2D(2, (3, 3, 3))
    layer = L.ConvLSTM2D(2, 3, name="clstm")
    with pytest.raises(ValueError, match='"clstm".*expected ndim=5, found ndim=4'):
        layer(np.zeros((1, 2, 5, 5), "float32"))
    with pytest.raises(ValueError, match='"clstm".*does not fit the spatial input shape'):
        layer(np.zeros((1, 2, 2, 5, 1), "float32"))
    layer(np.zeros((1, 2, 5, 5, 1), "float32"))
    with pytest.raises(ValueError, match='"clstm".*axis 3 of input shape to have value 5'):
        layer(np.zeros((1, 2, 5, 6, 1), "float32"))


def test_keras1_spellings_are_converted_with_a_warning():
    with pytest.warns(DeprecationWarning, match=r"Update your `ConvLSTM2D` call.*kernel_size=\(3, "
                                                r"3\)"):
        layer = L.ConvLSTM2D(nb_filter=4, nb_row=3, nb_col=3, border_mode="same",
                             dim_ordering="th", inner_activation="hard_sigmoid",
                             inner_init="identity", dropout_W=0.1, dropout_U=0.2,
                             subsample=(1, 1), forget_bias_init="one", W_regularizer="l2")
    cfg = layer.get_config()
    assert (cfg["filters"], cfg["kernel_size"], cfg["padding"], cfg["data_format"]) == \
        (4, (3, 3), "same", "channels_first")
    assert (cfg["recurrent_activation"], cfg["dropout"], cfg["recurrent_dropout"]) == \
        ("hard_sigmoid", 0.1, 0.2)
    assert cfg["recurrent_initializer"]["class_name"] == "Identity" and cfg["unit_forget_bias"]
    assert cfg["kernel_regularizer"] is not None
    with pytest.warns(DeprecationWarning):
        assert L.ConvLSTM2D(8, 3, 3).kernel_size == (3, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert L.ConvLSTM2D(2, 3, forget_bias_init="zero").unit_forget_bias  # the default
    assert {w.category for w in caught} == {UserWarning, DeprecationWarning}
    assert "forget_bias_init" in str(caught[0].message)


def test_keras2_profile_names_layers_as_keras2():
    previous = config.set_compat("keras2")
    try:
        assert L.ConvLSTM2D(2, 3).name.startswith("conv_lst_m2d_")
    finally:
        config.set_compat(previous)


def _model():
    return keras.models.Sequential([
        keras.Input((3, 6, 6, 2)), L.ConvLSTM2D(3, 3, padding="same", return_sequences=True),
        L.ConvLSTM2D(2, 2), L.Flatten(), L.Dense(1)])


def test_fit_on_a_tiny_image_sequence_and_save_load_both_formats(tmp_path):
    x = RNG.normal(size=(8, 3, 6, 6, 2)).astype("float32")
    y = x[:, -1, :3, :3, 0].mean(axis=(1, 2))[:, None] * 2
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, y, epochs=8, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    model.save_weights(tmp_path / "m.weights.h5")
    fresh = _model()
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # the groups real Keras 3 writes for this model (checked against a file it saved)
    with h5py.File(tmp_path / "m.weights.h5", "r") as f:
        found = {n: f[n].shape for n in _visit(f) if isinstance(f[n], h5py.Dataset)}
    want = {"layers/conv_lstm2d/cell/vars/0": (3, 3, 2, 12),
            "layers/conv_lstm2d/cell/vars/1": (3, 3, 3, 12),
            "layers/conv_lstm2d/cell/vars/2": (12,),
            "layers/conv_lstm2d_1/cell/vars/0": (2, 2, 3, 8),
            "layers/conv_lstm2d_1/cell/vars/1": (2, 2, 2, 8),
            "layers/conv_lstm2d_1/cell/vars/2": (8,),
            "layers/dense/vars/0": (50, 1), "layers/dense/vars/1": (1,)}
    assert {k: v for k, v in found.items() if k.startswith("layers/")} == want


def _visit(f):
    names = []
    f.visit(names.append)
    return names


def test_functional_model_with_initial_state_and_return_state():
    frames = keras.Input((2, 4, 4, 1))
    h0, c0 = keras.Input((4, 4, 2)), keras.Input((4, 4, 2))
    seq, h, c = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True, return_state=True)(
        frames, initial_state=[h0, c0])
    model = keras.models.Model([frames, h0, c0], [seq, h, c])
    x = RNG.normal(size=(3, 2, 4, 4, 1)).astype("float32")
    s = [RNG.normal(size=(3, 4, 4, 2)).astype("float32") for _ in range(2)]
    out = model.predict([x] + s, verbose=0)
    assert [o.shape for o in out] == [(3, 2, 4, 4, 2), (3, 4, 4, 2), (3, 4, 4, 2)]
    np.testing.assert_allclose(out[0][:, -1], out[1], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.layers[-1].compute_output_shape((None, 2, 4, 4, 1))[0] == (None, 2, 4, 4, 2)


def test_keras2_list_inputs_carry_the_initial_states():
    x = RNG.normal(size=(2, 2, 4, 4, 1)).astype("float32")
    h0, c0 = (RNG.normal(size=(2, 2, 2, 2)).astype("float32") for _ in range(2))
    layer = L.ConvLSTM2D(2, 3)
    np.testing.assert_allclose(layer([x, h0, c0]).numpy(), layer(x, initial_state=[h0, c0]).numpy(),
                               rtol=1e-6)
    assert not np.allclose(layer(x).numpy(), layer([x, h0, c0]).numpy())
