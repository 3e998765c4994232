"""CuDNNLSTM/CuDNNGRU (Keras 2): values against numpy references of cuDNN's equations and
weight layout, equivalence with LSTM/GRU through Keras 2's weight conversion, initial bias,
config, masks, training and saving."""
import h5py
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as kf
from keras_facade import layers as L
from keras_facade.layers import recurrent
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip
from keras_facade.saving import load_model

B, T, IN, U = 3, 5, 4, 6


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def cudnn_matrices(kernel, recurrent_kernel, gates):
    """Per gate the (u, in) and (u, u) matrices cuDNN reads from Keras 2's flat weights."""
    u = recurrent_kernel.shape[0]
    w = [kernel[:, g * u:(g + 1) * u].reshape(u, -1) for g in range(gates)]
    r = [recurrent_kernel[:, g * u:(g + 1) * u].reshape(u, u) for g in range(gates)]
    return w, r


def lstm_reference(x, kernel, recurrent_kernel, bias):
    """cuDNN LSTM, gates (i, f, c, o), input and recurrent biases."""
    w, r = cudnn_matrices(kernel, recurrent_kernel, 4)
    bw, br = bias[:4 * U].reshape(4, U), bias[4 * U:].reshape(4, U)
    h, c, hs = np.zeros((len(x), U)), np.zeros((len(x), U)), []
    for t in range(x.shape[1]):
        z = [x[:, t] @ w[g].T + bw[g] + h @ r[g].T + br[g] for g in range(4)]
        c = sigmoid(z[1]) * c + sigmoid(z[0]) * np.tanh(z[2])
        h = sigmoid(z[3]) * np.tanh(c)
        hs.append(h)
    return np.stack(hs, 1), h, c


def gru_reference(x, kernel, recurrent_kernel, bias):
    """cuDNN GRU, gates (z, r, h): hh = tanh(W_h x + b_wh + r * (R_h h + b_rh))."""
    w, r = cudnn_matrices(kernel, recurrent_kernel, 3)
    bw, br = bias[:3 * U].reshape(3, U), bias[3 * U:].reshape(3, U)
    h, hs = np.zeros((len(x), U)), []
    for t in range(x.shape[1]):
        xz = [x[:, t] @ w[g].T + bw[g] for g in range(3)]
        hz = [h @ r[g].T + br[g] for g in range(3)]
        z, rr = sigmoid(xz[0] + hz[0]), sigmoid(xz[1] + hz[1])
        hh = np.tanh(xz[2] + rr * hz[2])
        h = z * h + (1 - z) * hh
        hs.append(h)
    return np.stack(hs, 1), h


def to_standard(weights, gates):
    """Keras 2's converter from CuDNN to LSTM/GRU(reset_after=True) weights."""
    kernel, recurrent_kernel, bias = weights
    k = np.hstack([a.T.reshape(a.shape, order="F") for a in np.hsplit(kernel, gates)])
    r = np.hstack([a.T for a in np.hsplit(recurrent_kernel, gates)])
    halves = bias.reshape(2, -1)
    return [k, r, halves.sum(0) if gates == 4 else halves]


def called(layer, x, seed=0):
    layer(ag.tensor(x))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                       for w in layer.get_weights()])
    return layer.get_weights()


@pytest.fixture
def x():
    return np.random.default_rng(1).normal(size=(B, T, IN)).astype("float32")


def test_cudnn_lstm_matches_the_numpy_reference_and_the_converted_lstm(x):
    layer = L.CuDNNLSTM(U, return_sequences=True, return_state=True)
    weights = called(layer, x)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("kernel", (IN, 4 * U)), ("recurrent_kernel", (U, 4 * U)), ("bias", (8 * U,))]
    seq, h, c = [t.numpy() for t in layer(ag.tensor(x))]
    for got, want in zip((seq, h, c), lstm_reference(x, *weights)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    lstm = L.LSTM(U, return_sequences=True)
    lstm(ag.tensor(x))
    lstm.set_weights(to_standard(weights, 4))
    np.testing.assert_allclose(lstm(ag.tensor(x)).numpy(), seq, rtol=1e-5, atol=1e-6)


def test_cudnn_lstm_runs_the_fused_sequence_primitive(x, monkeypatch):
    calls = []
    fused = recurrent.ag.nn.lstm_sequence
    monkeypatch.setattr(recurrent.ag.nn, "lstm_sequence",
                        lambda *a, **k: calls.append(1) or fused(*a, **k))
    L.CuDNNLSTM(U)(ag.tensor(x))
    assert calls == [1]


def test_cudnn_gru_matches_the_numpy_reference_and_the_converted_reset_after_gru(x):
    layer = L.CuDNNGRU(U, return_sequences=True)
    weights = called(layer, x, seed=2)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("kernel", (IN, 3 * U)), ("recurrent_kernel", (U, 3 * U)), ("bias", (6 * U,))]
    seq = layer(ag.tensor(x)).numpy()
    np.testing.assert_allclose(seq, gru_reference(x, *weights)[0], rtol=1e-5, atol=1e-5)
    gru = L.GRU(U, return_sequences=True, reset_after=True)
    gru(ag.tensor(x))
    gru.set_weights(to_standard(weights, 3))
    np.testing.assert_allclose(gru(ag.tensor(x)).numpy(), seq, rtol=1e-5, atol=1e-6)


def test_single_steps_of_the_cells_match_the_layers(x):
    for layer, n_states in ((L.CuDNNLSTM(U, return_sequences=True), 2),
                            (L.CuDNNGRU(U, return_sequences=True), 1)):
        called(layer, x, seed=3)
        states = [ag.zeros((B, U)) for _ in range(n_states)]
        out, _ = layer.cell.call(ag.tensor(x[:, 0]), states)
        np.testing.assert_allclose(out.numpy(), layer(ag.tensor(x)).numpy()[:, 0], atol=1e-6)


def test_unit_forget_bias_sets_the_forget_slice_of_the_recurrent_half():
    layer = L.CuDNNLSTM(U)
    layer.build((None, T, IN))
    expected = np.zeros(8 * U, "float32")
    expected[5 * U:6 * U] = 1
    np.testing.assert_array_equal(layer.get_weights()[2], expected)
    plain = L.CuDNNLSTM(U, unit_forget_bias=False, bias_initializer="ones")
    plain.build((None, T, IN))
    np.testing.assert_array_equal(plain.get_weights()[2], np.ones(8 * U))
    assert layer.count_params() == 4 * (IN * U + U * U + 2 * U)
    gru = L.CuDNNGRU(U)
    gru.build((None, T, IN))
    assert gru.count_params() == 3 * (IN * U + U * U + 2 * U)


def test_keras2_config_keys_and_round_trip(x):
    layer = L.CuDNNLSTM(U, return_state=True, go_backwards=True, kernel_regularizer="l2")
    a, b = round_trip(layer, ag.tensor(x))
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)
    assert list(layer.get_config())[3:] == [
        "return_sequences", "return_state", "go_backwards", "stateful", "units",
        "kernel_initializer", "recurrent_initializer", "bias_initializer", "unit_forget_bias",
        "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
        "kernel_constraint", "recurrent_constraint", "bias_constraint"]
    assert "unit_forget_bias" not in L.CuDNNGRU(U).get_config()
    assert layer.name.startswith("cu_dnnlstm")


def test_go_backwards_and_stateful_follow_the_rnn_layer(x):
    weights = called(L.CuDNNGRU(U), x)
    back = L.CuDNNGRU(U, go_backwards=True)
    back(ag.tensor(x))
    back.set_weights(weights)
    np.testing.assert_allclose(back(ag.tensor(x)).numpy(),
                               gru_reference(x[:, ::-1], *weights)[1], atol=1e-5)
    stateful = L.CuDNNLSTM(U, stateful=True)
    lstm_weights = called(stateful, x)
    stateful.reset_states()
    stateful(ag.tensor(x[:, :2]))
    second = stateful(ag.tensor(x[:, 2:])).numpy()
    np.testing.assert_allclose(second, lstm_reference(x, *lstm_weights)[1], atol=1e-5)


def test_masks_are_refused_as_in_keras2():
    model = kf.Sequential([L.Embedding(5, 3, mask_zero=True), L.CuDNNLSTM(2)])
    with pytest.raises(ValueError, match="masking is not supported for CuDNN RNNs"):
        model(ag.tensor(np.array([[1, 2, 0, 0]])))


def test_gradients_reach_every_weight_and_a_model_trains(x):
    assert_gradients_reach_every_weight(L.CuDNNGRU(U), ag.tensor(x))
    assert_gradients_reach_every_weight(L.CuDNNLSTM(U), ag.tensor(x))
    rng = np.random.default_rng(4)
    data = rng.normal(size=(64, 6, 2)).astype("float32")
    target = data.sum(axis=(1, 2))[:, None] / 4
    kf.utils.set_random_seed(0)
    model = kf.Sequential([L.CuDNNLSTM(8, input_shape=(6, 2)), L.Dense(1)])
    model.compile(kf.optimizers.Adam(learning_rate=0.03), "mse")
    history = model.fit(data, target, epochs=10, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.3 * history[0]


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_models_save_and_load_with_the_same_outputs(tmp_path, x, name):
    model = kf.Sequential([L.CuDNNGRU(U, return_sequences=True, input_shape=(T, IN)),
                           L.CuDNNLSTM(3)])
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                       for w in model.get_weights()])
    model.save(str(tmp_path / name))
    loaded = load_model(str(tmp_path / name))
    assert [type(layer).__name__ for layer in loaded.layers] == ["CuDNNGRU", "CuDNNLSTM"]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras2_weight_file_loads(tmp_path, x):
    """A Keras 2 ``save_weights`` file of a CuDNNLSTM, written by hand in its layout."""
    model = kf.Sequential([L.CuDNNLSTM(U, input_shape=(T, IN))])
    weights = [np.random.default_rng(6).normal(scale=0.5, size=w.shape).astype("float32")
               for w in model.get_weights()]
    path = tmp_path / "k2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"cu_dnnlstm_1"]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.3.1"
        g = f.create_group("cu_dnnlstm_1")
        names = [f"cu_dnnlstm_1/{n}:0" for n in ("kernel", "recurrent_kernel", "bias")]
        g.attrs["weight_names"] = [n.encode() for n in names]
        for n, w in zip(names, weights):
            g.create_dataset(n, data=w)
    model.load_weights(str(path))
    np.testing.assert_allclose(model.predict(x, verbose=0), lstm_reference(x, *weights)[1],
                               atol=1e-5)
