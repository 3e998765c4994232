"""EinsumDense, MultiHeadAttention, Attention, AdditiveAttention and Identity against float64 numpy
references: values, gradients (directional finite differences of the reference), weights, masks,
configs, models and the Keras 3 weights layout."""
import json

import h5py
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import layers as L
from keras_facade.layers.base import get_mask
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip
from keras_facade.models import Model, Sequential, load_model

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def engine_grads(layer, inputs, call, cotangents):
    """Outputs, input gradients and weight gradients of sum(outputs · cotangents)."""
    xs = [ag.tensor(x, requires_grad=True) for x in inputs]
    out = call(xs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    loss = sum(ag.sum(o * ag.tensor(c)) for o, c in zip(outs, cotangents))
    loss.backward()
    return ([o.numpy() for o in outs], [x.grad.numpy() for x in xs],
            [w.grad.numpy() for w in layer.trainable_weights])


def assert_matches_reference(reference, arrays, grads, cotangents, eps=1e-6):
    """Each gradient agrees with the central difference of the float64 reference's
    sum(outputs · cotangents) along a random direction."""
    def loss(values):
        outs = reference(*values)
        outs = outs if isinstance(outs, tuple) else (outs,)
        return sum(float(np.sum(o * c)) for o, c in zip(outs, cotangents))
    base = [np.asarray(a, "float64") for a in arrays]
    for i, g in enumerate(grads):
        u = RNG.standard_normal(base[i].shape)
        plus, minus = list(base), list(base)
        plus[i], minus[i] = base[i] + eps * u, base[i] - eps * u
        numeric = (loss(plus) - loss(minus)) / (2 * eps)
        np.testing.assert_allclose(np.sum(g * u), numeric, rtol=2e-3, atol=2e-4,
                                   err_msg=f"gradient of argument {i}")


# -- EinsumDense -----------------------------------------------------------------------------------
@pytest.mark.parametrize("equation, output_shape, bias_axes, x_shape, kernel, bias, out", [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,), (2, 4)),
    ("abc,cd->abd", (None, 9), "d", (2, 3, 4), (4, 9), (9,), (2, 3, 9)),
    ("abc,cde->abde", (None, 2, 5), "de", (2, 3, 4), (4, 2, 5), (2, 5), (2, 3, 2, 5)),
    ("ab,bcd->acd", (3, 5), "c", (2, 4), (4, 3, 5), (3, 1), (2, 3, 5)),
    ("...b,bc->...c", 5, "c", (2, 3, 4), (4, 5), (5,), (2, 3, 5)),
    ("ab...,bc->ac...", (5,), "c", (2, 3, 4), (3, 5), (5, 1), (2, 5, 4)),
    ("abcd,cde->abe", (None, 6), None, (2, 3, 4, 5), (4, 5, 6), None, (2, 3, 6)),
])
def test_einsum_dense_shapes_values_and_gradients(equation, output_shape, bias_axes, x_shape,
                                                  kernel, bias, out):
    layer = L.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")
    x = normal(*x_shape)
    layer(x)
    assert [w.name for w in layer.weights] == ["kernel"] + (["bias"] if bias else [])
    assert [tuple(w.shape) for w in layer.weights] == [kernel] + ([bias] if bias else [])
    weights = [w + 0.1 * normal(*w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    assert layer.compute_output_shape((None,) + x_shape[1:]) == (None,) + out[1:]

    def reference(x, k, b=0.0):
        return np.tanh(np.einsum(equation, x, k) + b)
    cot = [normal(*out)]
    outs, gx, gw = engine_grads(layer, [x], lambda xs: layer(xs[0]), cot)
    np.testing.assert_allclose(outs[0], reference(x, *weights), rtol=1e-5, atol=1e-5)
    assert_matches_reference(reference, [x] + weights, gx + gw, cot)


def test_einsum_dense_kernel_initializer_sees_the_projection_fans():
    layer = L.EinsumDense("abc,cde->abde", (None, 2, 4), kernel_initializer="glorot_uniform")
    layer(np.zeros((1, 3, 64), "float32"))
    limit = np.sqrt(6.0 / (64 + 8))  # fan_in 64, fan_out 2·4 (not the conv-style fans)
    k = np.abs(layer.kernel.numpy())
    assert k.max() <= limit and k.max() > 0.9 * limit


def test_einsum_dense_config_and_errors():
    layer = L.EinsumDense("abc,cd->abd", (None, 9), bias_axes="d", activation="relu")
    y, y2 = round_trip(layer, normal(2, 3, 4))
    np.testing.assert_allclose(y[0], y2[0])
    cfg = layer.get_config()
    assert list(cfg)[-12:] == ["output_shape", "equation", "activation", "bias_axes",
                               "kernel_initializer", "bias_initializer", "kernel_regularizer",
                               "bias_regularizer", "activity_regularizer", "kernel_constraint",
                               "bias_constraint", "quantization_config"]
    assert cfg["output_shape"] == [None, 9] and cfg["activation"] == "relu"
    with pytest.raises(ValueError, match="invalid equation 'ab->b'"):
        L.EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match="bias axis 'z' is not in the output"):
        L.EinsumDense("ab,bc->ac", 3, bias_axes="z")(normal(2, 4))
    with pytest.raises(ValueError, match=r"expects inputs of rank 3, got input shape \(None, 4\)"):
        L.EinsumDense("abc,cd->abd", (None, 3))(normal(2, 4))
    with pytest.raises(ValueError, match="shared dimension 'b': input 3, output 5"):
        L.EinsumDense("abc,cd->abd", (5, 3))(normal(2, 3, 4))


# -- MultiHeadAttention ----------------------------------------------------------------------------
def mha_reference(q, v, k, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    """Projections, per-head softmax(q·k/sqrt(d)) with masked scores at -1e9, output projection."""
    Q = np.einsum("btd,dnh->btnh", q, wq) + bq
    K = np.einsum("bsd,dnh->bsnh", k, wk) + bk
    V = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    scores = np.einsum("btnh,bsnh->bnts", Q / np.sqrt(wq.shape[-1]), K)
    if mask is not None:
        scores = np.where(mask[:, None], scores, -1e9)
    probs = softmax(scores)
    if mask is not None:
        probs = np.where(mask[:, None], probs, 0.0)
    out = np.einsum("bnts,bsnh->btnh", probs, V)
    return np.einsum("btnh,nhd->btd", out, wo) + bo, probs


def test_mha_matches_the_reference_with_masks_key_and_scores():
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")
    q, v, k = normal(2, 4, 5), normal(2, 6, 3), normal(2, 6, 2)
    mask = RNG.random((2, 4, 6)) < 0.7
    mask[..., 0] = True
    mha(q, v, k)
    assert [w.path for w in mha.weights] == [
        "mha/query/kernel", "mha/query/bias", "mha/key/kernel", "mha/key/bias",
        "mha/value/kernel", "mha/value/bias", "mha/attention_output/kernel",
        "mha/attention_output/bias"]
    assert [tuple(w.shape) for w in mha.weights] == [(5, 2, 3), (2, 3), (2, 2, 3), (2, 3),
                                                     (3, 2, 3), (2, 3), (2, 3, 5), (5,)]
    weights = [w + 0.1 * normal(*w.shape) for w in mha.get_weights()]
    mha.set_weights(weights)
    cot = [normal(2, 4, 5), normal(2, 2, 4, 6)]
    outs, gx, gw = engine_grads(mha, [q, v, k], lambda xs: mha(
        xs[0], xs[1], xs[2], attention_mask=mask, return_attention_scores=True), cot)
    want = mha_reference(q, v, k, *weights, mask=mask)
    np.testing.assert_allclose(outs[0], want[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outs[1], want[1], rtol=1e-4, atol=1e-6)
    assert_matches_reference(lambda *a: mha_reference(*a, mask=mask), [q, v, k] + weights,
                             gx + gw, cot)


def test_mha_causal_and_sliding_window_masks():
    mha = L.MultiHeadAttention(2, 4, sliding_window=2)
    x = normal(1, 5, 6)
    _, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    rows, cols = np.indices((5, 5))
    allowed = (rows >= cols) & (rows - cols < 2)
    s = scores.numpy()
    assert np.all(s[:, :, ~allowed] == 0) and np.all(s[:, :, allowed] > 0)
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-5)


def test_mha_masks_from_embedding_in_a_functional_model():
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]], "int32")
    inp = L.Input((5,), dtype="int32")
    emb = L.Embedding(10, 6, mask_zero=True)
    mha = L.MultiHeadAttention(2, 3)
    model = Model(inp, mha(emb(inp), emb(inp)))
    keep = ids != 0
    explicit = mha(emb(ids).numpy(), emb(ids).numpy(),
                   attention_mask=keep[:, :, None] & keep[:, None, :]).numpy()
    np.testing.assert_allclose(model.predict(ids, verbose=0), explicit, rtol=1e-5, atol=1e-6)
    e = emb(ids)
    out = mha(e, e)
    np.testing.assert_array_equal(get_mask(out).numpy(), keep)  # the query's mask
    assert get_mask(e) is None  # used up by the attention, as in Keras 3


def test_mha_attention_over_two_axes_equals_attention_over_the_flattened_axes():
    x = normal(2, 3, 4, 6)
    mha2d = L.MultiHeadAttention(2, 3, attention_axes=(1, 2))
    out, scores = mha2d(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 6) and scores.shape == (2, 2, 3, 4, 3, 4)
    assert mha2d.get_config()["attention_axes"] == [1, 2]
    mha1d = L.MultiHeadAttention(2, 3)
    flat = x.reshape(2, 12, 6)
    mha1d(flat, flat)
    mha1d.set_weights(mha2d.get_weights())
    np.testing.assert_allclose(out.numpy().reshape(2, 12, 6), mha1d(flat, flat).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_mha_options_gate_output_shape_dropout_and_errors():
    mha = L.MultiHeadAttention(2, 3, value_dim=4, use_bias=False, output_shape=7, use_gate=True)
    out = mha(normal(2, 4, 5), normal(2, 6, 5))
    assert out.shape == (2, 4, 7)
    assert [(w.path.split("/", 1)[1], tuple(w.shape)) for w in mha.weights] == [
        ("query/kernel", (5, 2, 3)), ("key/kernel", (5, 2, 3)), ("gate/kernel", (5, 2, 4)),
        ("value/kernel", (5, 2, 4)), ("attention_output/kernel", (2, 4, 7))]
    dropped = L.MultiHeadAttention(1, 2, dropout=0.5, seed=1)
    x = normal(2, 8, 4)
    assert np.array_equal(dropped(x, x).numpy(), dropped(x, x, training=False).numpy())
    assert not np.allclose(dropped(x, x, training=True).numpy(), dropped(x, x).numpy())
    with pytest.raises(ValueError, match="`num_heads` must be a positive integer, got 0"):
        L.MultiHeadAttention(0, 2)
    with pytest.raises(ValueError, match=r"value shape \(None, 6, 5\) and key shape "
                                         r"\(None, 5, 5\)"):
        L.MultiHeadAttention(2, 2).build((None, 4, 5), (None, 6, 5), (None, 5, 5))


def test_mha_config_keys_and_round_trip():
    mha = L.MultiHeadAttention(2, 3, output_shape=(4,))
    q, v = normal(2, 3, 5), normal(2, 6, 5)
    mha(q, v)
    cfg = mha.get_config()
    assert list(cfg)[-17:] == [
        "num_heads", "key_dim", "value_dim", "dropout", "use_bias", "use_gate", "output_shape",
        "attention_axes", "sliding_window", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint", "seed"]
    assert cfg["value_dim"] == 3 and cfg["output_shape"] == [4] and cfg["attention_axes"] == [1]
    copy = L.MultiHeadAttention.from_config(json.loads(json.dumps(cfg)))
    copy(q, v)
    copy.set_weights(mha.get_weights())
    np.testing.assert_allclose(copy(q, v).numpy(), mha(q, v).numpy())
    assert mha.get_build_config() == {"shapes_dict": {"query_shape": [2, 3, 5],
                                                      "value_shape": [2, 6, 5]}}


# the groups of a real Keras 3 ``.weights.h5`` for Model([q, v], MultiHeadAttention(2, 4)(q, v))
KERAS3_MHA_LAYOUT = [
    "layers/multi_head_attention/_dropout_layer/vars",
    "layers/multi_head_attention/_softmax/vars",
    "layers/multi_head_attention/key_dense/vars",
    "layers/multi_head_attention/key_dense/vars/0",
    "layers/multi_head_attention/key_dense/vars/1",
    "layers/multi_head_attention/output_dense/vars",
    "layers/multi_head_attention/output_dense/vars/0",
    "layers/multi_head_attention/output_dense/vars/1",
    "layers/multi_head_attention/query_dense/vars",
    "layers/multi_head_attention/query_dense/vars/0",
    "layers/multi_head_attention/query_dense/vars/1",
    "layers/multi_head_attention/value_dense/vars",
    "layers/multi_head_attention/value_dense/vars/0",
    "layers/multi_head_attention/value_dense/vars/1",
    "layers/multi_head_attention/vars"]


def test_mha_in_a_model_trains_and_saves_in_the_keras3_layouts(tmp_path):
    q_in, v_in = L.Input((5, 8)), L.Input((7, 6))
    att, scores = L.MultiHeadAttention(2, 4)(q_in, v_in, return_attention_scores=True)
    assert tuple(att.shape) == (None, 5, 8) and tuple(scores.shape) == (None, 2, 5, 7)
    model = Model([q_in, v_in], L.Dense(1)(L.GlobalAveragePooling1D()(att)))
    x = [normal(8, 5, 8), normal(8, 7, 6)]
    y = normal(8, 1)
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < history[0]
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        found = []
        f.visititems(lambda name, obj: found.append(name) if "multi_head" in name and (
            name.endswith("vars") or name[-1].isdigit()) else None)
        assert sorted(found) == KERAS3_MHA_LAYOUT
        assert f["layers/multi_head_attention/query_dense/vars/0"].shape == (8, 2, 4)
    model.save(tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


# -- Attention and AdditiveAttention ---------------------------------------------------------------
def attention_reference(q, v, k, scores_fn, q_mask=None, v_mask=None, causal=False):
    scores = scores_fn(q, k)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))
    weights = softmax(np.where(keep, scores, scores - 1e9))
    out = weights @ v
    if q_mask is not None:
        out = np.where(q_mask[..., None], out, 0.0)
    return out, weights


def test_attention_dot_with_scale_and_masks():
    layer = L.Attention(use_scale=True)
    q, v = normal(2, 3, 4), normal(2, 5, 4)
    q_mask, v_mask = np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0]] * 2, bool)
    layer([q, v])
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("scale", ())]
    layer.set_weights([np.array(0.7, "float32")])
    cot = [normal(2, 3, 4), normal(2, 3, 5)]
    outs, gx, gw = engine_grads(layer, [q, v], lambda xs: layer(
        xs, mask=[q_mask, v_mask], return_attention_scores=True), cot)

    def reference(q, v, scale):
        return attention_reference(q, v, v, lambda a, b: scale * a @ b.swapaxes(-1, -2),
                                   q_mask, v_mask)
    want = reference(q, v, 0.7)
    np.testing.assert_allclose(outs[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[1], want[1], rtol=1e-5, atol=1e-7)
    assert_matches_reference(reference, [q, v, np.float64(0.7)], gx + gw, cot)


def test_attention_concat_scores_with_key_and_causal_mask():
    layer = L.Attention(use_scale=True, score_mode="concat")
    q, v, k = normal(2, 4, 3), normal(2, 4, 2), normal(2, 4, 3)
    layer([q, v, k])
    assert [w.name for w in layer.weights] == ["scale", "concat_score_weight"]
    layer.set_weights([np.array(0.5, "float32"), np.array(1.5, "float32")])
    cot = [normal(2, 4, 2)]
    outs, gx, gw = engine_grads(layer, [q, v, k], lambda xs: layer(xs, use_causal_mask=True),
                                cot)

    def reference(q, v, k, scale, weight):
        def concat(a, b):
            return weight * np.tanh(scale * (a[:, :, None] + b[:, None])).sum(-1)
        return attention_reference(q, v, k, concat, causal=True)[0]
    np.testing.assert_allclose(outs[0], reference(q, v, k, 0.5, 1.5), rtol=1e-5, atol=1e-6)
    assert_matches_reference(reference, [q, v, k, np.float64(0.5), np.float64(1.5)], gx + gw, cot)


def test_additive_attention_values_gradients_and_masks():
    layer = L.AdditiveAttention()
    q, v = normal(2, 3, 4), normal(2, 5, 4)
    v_mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0]], bool)
    layer([q, v])
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("scale", (4,))]
    scale = layer.get_weights()[0]
    cot = [normal(2, 3, 4)]
    outs, gx, gw = engine_grads(layer, [q, v], lambda xs: layer(xs, mask=[None, v_mask]), cot)

    def reference(q, v, scale):
        def additive(a, b):
            return (scale * np.tanh(a[:, :, None] + b[:, None])).sum(-1)
        return attention_reference(q, v, v, additive, v_mask=v_mask)[0]
    np.testing.assert_allclose(outs[0], reference(q, v, scale), rtol=1e-5, atol=1e-6)
    assert_matches_reference(reference, [q, v, scale], gx + gw, cot)
    assert "score_mode" not in layer.get_config()
    assert L.AdditiveAttention(use_scale=False)([q, v]).shape == (2, 3, 4)


def test_attention_masks_models_config_and_errors():
    ids = np.array([[1, 2, 0], [3, 0, 0]], "int32")
    inp = L.Input((3,), dtype="int32")
    e = L.Embedding(5, 4, mask_zero=True)(inp)
    out, scores = L.Attention()([e, e], return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4) and tuple(scores.shape) == (None, 3, 3)
    model = Model(inp, [out, scores])
    got_out, got_scores = model.predict(ids, verbose=0)
    assert np.all(got_out[ids == 0] == 0)
    np.testing.assert_allclose(got_scores[0, :, 2], 0.0, atol=1e-6)
    emb = model.layers[1](ids)
    np.testing.assert_array_equal(get_mask(L.Attention()([emb, emb])).numpy(), ids != 0)
    layer = L.Attention(use_scale=True, score_mode="concat", dropout=0.2, seed=3)
    y, y2 = round_trip(layer, [normal(2, 3, 4), normal(2, 5, 4)])
    np.testing.assert_allclose(y[0], y2[0])
    assert layer.get_config()["score_mode"] == "concat" and layer.get_config()["seed"] == 3
    with pytest.raises(ValueError, match="must be called on a list"):
        L.Attention()(normal(2, 3, 4))
    with pytest.raises(ValueError, match="`score_mode` must be 'dot' or 'concat', got 'add'"):
        L.Attention(score_mode="add")


def test_attention_layers_pass_gradients_to_every_weight():
    x = [normal(2, 3, 4), normal(2, 5, 4)]
    assert_gradients_reach_every_weight(L.Attention(use_scale=True, score_mode="concat"), x)
    assert_gradients_reach_every_weight(L.AdditiveAttention(), x)
    assert_gradients_reach_every_weight(L.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d"),
                                        x[0])


# -- Identity --------------------------------------------------------------------------------------
def test_identity_passes_values_masks_and_gradients():
    ids = np.array([[1, 0]], "int32")
    e = L.Embedding(3, 2, mask_zero=True)(ids)
    out = L.Identity()(e)
    assert out is e or np.array_equal(out.numpy(), e.numpy())
    np.testing.assert_array_equal(get_mask(out).numpy(), [[True, False]])
    model = Sequential([L.Input((3,)), L.Identity(), L.Dense(2)])
    assert model.predict(normal(4, 3), verbose=0).shape == (4, 2)
    assert set(L.Identity(name="i").get_config()) == {"name", "trainable", "dtype"}
