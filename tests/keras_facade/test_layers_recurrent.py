"""Recurrent layers against step-by-step numpy references of the Keras equations; sequences, states,
direction, masks, statefulness, dropout, wrappers."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import layers as L
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip
from keras_facade.models import Sequential

RNG = np.random.default_rng(3)
B, T, F, U = 3, 5, 4, 6


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def ref_simple_rnn(x, w, u, b, h):
    hs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w + h @ u + b)
        hs.append(h)
    return np.stack(hs, 1), [h]


def ref_lstm(x, w, u, b, h, c):
    n = u.shape[0]
    hs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ w + h @ u + b
        i, f = sigmoid(z[:, :n]), sigmoid(z[:, n:2 * n])
        g, o = np.tanh(z[:, 2 * n:3 * n]), sigmoid(z[:, 3 * n:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs, 1), [h, c]


def ref_gru(x, w, u, b, h, reset_after):
    n = u.shape[0]
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros(3 * n))
    hs = []
    for t in range(x.shape[1]):
        xz = x[:, t] @ w + b_in
        if reset_after:
            hz = h @ u + b_rec
            z = sigmoid(xz[:, :n] + hz[:, :n])
            r = sigmoid(xz[:, n:2 * n] + hz[:, n:2 * n])
            hh = np.tanh(xz[:, 2 * n:] + r * hz[:, 2 * n:])
        else:
            z = sigmoid(xz[:, :n] + h @ u[:, :n])
            r = sigmoid(xz[:, n:2 * n] + h @ u[:, n:2 * n])
            hh = np.tanh(xz[:, 2 * n:] + (r * h) @ u[:, 2 * n:])
        h = z * h + (1 - z) * hh
        hs.append(h)
    return np.stack(hs, 1), [h]


def randomize(layer, x):
    """Build ``layer`` and give it random weights (so biases are not all zero)."""
    layer(x)
    layer.set_weights([RNG.normal(0, 0.5, size=w.shape) for w in layer.get_weights()])
    return [w.astype("float64") for w in layer.get_weights()]


CASES = {
    "simple_rnn": (lambda **kw: L.SimpleRNN(U, **kw),
                   lambda x, ws, s: ref_simple_rnn(x, *ws, *s), 1),
    "lstm": (lambda **kw: L.LSTM(U, **kw), lambda x, ws, s: ref_lstm(x, *ws, *s), 2),
    "gru_reset_after": (lambda **kw: L.GRU(U, reset_after=True, **kw),
                        lambda x, ws, s: ref_gru(x, *ws, *s, reset_after=True), 1),
    "gru_keras2": (lambda **kw: L.GRU(U, reset_after=False, **kw),
                   lambda x, ws, s: ref_gru(x, *ws, *s, reset_after=False), 1),
}


def zeros_states(n):
    return [np.zeros((B, U))] * n


@pytest.mark.parametrize("case", sorted(CASES))
def test_cell_matches_the_numpy_reference_step_by_step(case):
    make, ref, n_states = CASES[case]
    x = RNG.normal(size=(B, T, F)).astype("float32")
    layer = make(return_sequences=True, return_state=True)
    ws = randomize(layer, x)
    out = layer(x)
    seq, states = ref(x.astype("float64"), ws, zeros_states(n_states))
    np.testing.assert_allclose(out[0].numpy(), seq, rtol=1e-4, atol=1e-5)
    for got, want in zip(out[1:], states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
    last = make()
    last(x)
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(x).numpy(), seq[:, -1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_go_backwards_and_initial_state(case):
    make, ref, n_states = CASES[case]
    x = RNG.normal(size=(B, T, F)).astype("float32")
    init = [RNG.normal(size=(B, U)).astype("float32") for _ in range(n_states)]
    layer = make(return_sequences=True, go_backwards=True)
    ws = randomize(layer, x)
    seq, _ = ref(x[:, ::-1].astype("float64"), ws, [s.astype("float64") for s in init])
    got = layer(x, initial_state=[ag.tensor(s) for s in init]).numpy()
    np.testing.assert_allclose(got, seq, rtol=1e-4, atol=1e-5)  # returned in processing order


def test_parameter_counts_and_weight_layouts_match_keras():
    x = np.zeros((1, T, F), "float32")
    expected = {L.SimpleRNN(U): (F + U) * U + U, L.LSTM(U): 4 * ((F + U) * U + U),
                L.GRU(U): 3 * ((F + U) * U + 2 * U), L.GRU(U, reset_after=False): 3 * ((F + U) * U + U)}
    for layer, count in expected.items():
        layer(x)
        assert layer.count_params() == count
        assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
        assert [w.path.split("/")[0] for w in layer.weights] == [layer.name] * 3
    lstm = L.LSTM(3)
    lstm(x)
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    u = lstm.cell.recurrent_kernel.numpy()  # orthogonal columns blocks
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)


def test_mask_from_embedding_skips_padded_steps():
    ids = np.array([[3, 1, 2, 0, 0], [4, 0, 0, 0, 0], [1, 2, 3, 4, 2]])
    emb = L.Embedding(5, F, mask_zero=True)
    layer = L.LSTM(U, return_sequences=True)
    seq = layer(emb(ids)).numpy()
    for row, length in ((0, 3), (1, 1), (2, 5)):
        alone = layer(emb(ids[row:row + 1, :length])).numpy()
        np.testing.assert_allclose(seq[row, :length], alone[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(seq[row, length:], np.repeat(seq[row, length - 1:length],
                                                                T - length, 0), rtol=1e-6)
    last = L.GRU(U)
    np.testing.assert_allclose(last(emb(ids)).numpy()[1], last(emb(ids[1:2, :1])).numpy()[0],
                               rtol=1e-5, atol=1e-6)


def test_stateful_carries_states_across_calls_until_reset():
    x = RNG.normal(size=(2, 6, F)).astype("float32")
    stateful = L.LSTM(U, stateful=True, batch_input_shape=(2, 3, F))
    whole = L.LSTM(U)
    whole(x)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, :3]).numpy(), whole(x[:, :3]).numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="expects 2 state"):
        stateful(x[:1, :3])


def test_dropout_masks_apply_only_while_training_and_gradients_still_flow():
    x = RNG.normal(size=(B, T, F)).astype("float32")
    layer = L.GRU(U, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a, b = layer(x).numpy(), layer(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(layer(x, training=True).numpy(), a)
    assert_gradients_reach_every_weight(layer, x, training=True)


@pytest.mark.parametrize("make", [lambda: L.SimpleRNN(U), lambda: L.LSTM(U, return_sequences=True),
                                  lambda: L.GRU(U), lambda: L.GRU(U, reset_after=False)])
def test_gradient_flows_to_every_recurrent_weight(make):
    assert_gradients_reach_every_weight(make(), RNG.normal(size=(B, T, F)).astype("float32"))


def test_bidirectional_concatenates_forward_and_realigned_backward_runs():
    x = RNG.normal(size=(B, T, F)).astype("float32")
    bi = L.Bidirectional(L.LSTM(U, return_sequences=True), name="bi")
    y = bi(x).numpy()
    assert y.shape == (B, T, 2 * U) and bi.count_params() == 2 * 4 * ((F + U) * U + U)
    assert [bi.forward_layer.name, bi.backward_layer.name] == ["forward_lstm", "backward_lstm"]
    assert bi.weights[0].path == "bi/forward_lstm/lstm_cell/kernel"  # as Keras 3
    fw = [w.astype("float64") for w in bi.forward_layer.get_weights()]
    bw = [w.astype("float64") for w in bi.backward_layer.get_weights()]
    f_seq, _ = ref_lstm(x.astype("float64"), *fw, *zeros_states(2))
    b_seq, _ = ref_lstm(x[:, ::-1].astype("float64"), *bw, *zeros_states(2))
    np.testing.assert_allclose(y, np.concatenate([f_seq, b_seq[:, ::-1]], -1), rtol=1e-4,
                               atol=1e-5)
    summed = L.Bidirectional(L.GRU(U), merge_mode="sum")
    assert summed(x).shape == (B, U)
    listed = L.Bidirectional(L.SimpleRNN(U, return_state=True), merge_mode=None)
    assert [t.shape for t in listed(x)] == [(B, U)] * 4
    assert_gradients_reach_every_weight(bi, x)


def test_masked_steps_output_zeros_in_bidirectional_sequences():
    x = RNG.normal(size=(2, T, F)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    bi = L.Bidirectional(L.LSTM(U, return_sequences=True))
    y = bi(x, mask=mask).numpy()
    assert np.all(y[0, 3:] == 0) and np.all(y[0, :3] != 0)  # Keras: zeros, not the last output
    fw = [w.astype("float64") for w in bi.forward_layer.get_weights()]
    f_seq, _ = ref_lstm(x[:1, :3].astype("float64"), *fw, np.zeros((1, U)), np.zeros((1, U)))
    np.testing.assert_allclose(y[0, :3, :U], f_seq[0], rtol=1e-4, atol=1e-5)
    plain = L.LSTM(U, return_sequences=True)
    carried = plain(x, mask=mask).numpy()
    np.testing.assert_array_equal(carried[0, 3], carried[0, 2])  # a plain RNN carries it over
    zeroed = L.LSTM(U, return_sequences=True, zero_output_for_mask=True)
    zeroed.build(x.shape)
    zeroed.set_weights(plain.get_weights())
    z = zeroed(x, mask=mask).numpy()
    assert np.all(z[0, 3:] == 0)
    np.testing.assert_array_equal(z[:, :3], carried[:, :3])
    from keras_facade.layers.serialization import deserialize, serialize
    assert deserialize(serialize(zeroed)).zero_output_for_mask is True


def test_time_distributed_applies_the_layer_to_every_step():
    x = RNG.normal(size=(B, T, F)).astype("float32")
    td = L.TimeDistributed(L.Dense(2))
    y = td(x).numpy()
    w, b = td.get_weights()
    np.testing.assert_allclose(y, x @ w + b, rtol=1e-5, atol=1e-6)
    assert td.count_params() == F * 2 + 2
    assert td.compute_output_shape((None, T, F)) == (None, T, 2)
    conv = L.TimeDistributed(L.Conv2D(2, 3))
    assert conv(np.zeros((1, 2, 5, 5, 1), "float32")).shape == (1, 2, 3, 3, 2)


class MinimalCell(L.Layer):
    """A custom cell: h = tanh(x·W + h), as in the Keras guide."""
    state_size = 3

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1], 3))
        super().build(input_shape)

    def call(self, inputs, states):
        h = ag.tanh(ag.matmul(inputs, self.w) + states[0])
        return h, [h]


def test_rnn_with_a_custom_cell_and_stacked_cells():
    x = RNG.normal(size=(B, T, F)).astype("float32")
    rnn = L.RNN(MinimalCell(), return_sequences=True)
    y = rnn(x).numpy()
    w = rnn.cell.w.numpy()
    h = np.zeros((B, 3))
    for t in range(T):
        h = np.tanh(x[:, t] @ w + h)
    np.testing.assert_allclose(y[:, -1], h, rtol=1e-5, atol=1e-6)
    stacked = L.RNN([L.LSTMCell(4), L.GRUCell(2)], return_state=True)
    out = stacked(x)
    assert [t.shape for t in out] == [(B, 2), (B, 4), (B, 4), (B, 2)]
    np.testing.assert_allclose(out[0].numpy(), out[3].numpy())


def test_functional_rnn_with_initial_state_and_return_state():
    inp = L.Input((T, F))
    _, h, c = L.LSTM(U, return_state=True)(inp)
    out = L.LSTM(U)(inp, initial_state=[h, c])
    assert out.shape == (None, U)
    assert L.GRU(U)([inp, h]).shape == (None, U)  # Keras 2: states after the sequence
    from keras_facade.models import Model, model_from_json
    model = Model(inp, out)
    copy = model_from_json(model.to_json())
    copy.set_weights(model.get_weights())
    x = RNG.normal(size=(2, T, F)).astype("float32")
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_sequential_text_model_summary_shapes():
    model = Sequential([L.Embedding(100, 8, input_length=T, mask_zero=True),
                        L.Bidirectional(L.LSTM(U, return_sequences=True)), L.GRU(U),
                        L.Dense(1, activation="sigmoid")])
    assert [layer.output_shape for layer in model.layers] == [(None, T, 8), (None, T, 2 * U),
                                                             (None, U), (None, 1)]
    assert model(np.array([[1, 2, 0, 0, 0]])).shape == (1, 1)
    wrapped_shape = Sequential([L.Bidirectional(L.LSTM(U, input_shape=(T, F)))])
    assert wrapped_shape.input_shape == (None, T, F)


@pytest.mark.parametrize("make", [
    lambda: L.LSTM(3, return_sequences=True, dropout=0.1, unit_forget_bias=False),
    lambda: L.GRU(3, go_backwards=True, reset_after=False),
    lambda: L.SimpleRNN(3, return_state=True, activation="relu"),
    lambda: L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="ave"),
    lambda: L.TimeDistributed(L.Dense(2)),
    lambda: L.RNN(L.LSTMCell(3), return_sequences=True),
    lambda: L.RNN([L.SimpleRNNCell(2), L.GRUCell(3)]),
])
def test_recurrent_config_round_trip(make):
    for a, b in zip(*round_trip(make(), RNG.normal(size=(2, 4, 3)).astype("float32"))):
        np.testing.assert_allclose(a, b, rtol=1e-6)
