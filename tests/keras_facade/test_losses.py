"""Losses against numpy references: per-sample values, reductions and sample weights, logits
stability, label smoothing, shape handling, aliases and serialization."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import losses

EPS = 1e-7
RNG = np.random.default_rng(0)
Y_BIN = RNG.integers(0, 2, size=(6, 4)).astype(np.float64)
Y_REAL = RNG.normal(size=(6, 4))
P_PROB = RNG.uniform(0.05, 0.95, size=(6, 4))
P_REAL = RNG.normal(size=(6, 4))
Y_ONEHOT = np.eye(4)[RNG.integers(0, 4, size=6)]
P_SOFT = np.exp(P_REAL) / np.exp(P_REAL).sum(-1, keepdims=True)


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def l2n(x):
    return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), 1e-12))


def huber_ref(y, p, d=1.0):
    e = np.abs(p - y)
    return np.mean(np.where(e <= d, 0.5 * e * e, d * e - 0.5 * d * d), -1)


REFERENCES = {
    "mean_squared_error": (Y_REAL, P_REAL, lambda y, p: np.mean((p - y) ** 2, -1)),
    "mean_absolute_error": (Y_REAL, P_REAL, lambda y, p: np.mean(np.abs(p - y), -1)),
    "mean_absolute_percentage_error": (
        Y_REAL, P_REAL, lambda y, p: 100 * np.mean(np.abs(y - p) / np.maximum(np.abs(y), EPS), -1)),
    "mean_squared_logarithmic_error": (
        np.abs(Y_REAL), P_PROB,
        lambda y, p: np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(y, EPS) + 1)) ** 2, -1)),
    "binary_crossentropy": (Y_BIN, P_PROB, lambda y, p: np.mean(
        -(y * np.log(np.clip(p, EPS, 1 - EPS)) + (1 - y) * np.log(1 - np.clip(p, EPS, 1 - EPS))), -1)),
    "categorical_crossentropy": (Y_ONEHOT, P_SOFT, lambda y, p: -np.sum(
        y * np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)), -1)),
    "hinge": (Y_BIN, P_REAL, lambda y, p: np.mean(np.maximum(1 - (2 * y - 1) * p, 0), -1)),
    "squared_hinge": (Y_BIN, P_REAL, lambda y, p: np.mean(np.maximum(1 - (2 * y - 1) * p, 0) ** 2, -1)),
    "categorical_hinge": (Y_ONEHOT, P_REAL, lambda y, p: np.maximum(
        np.max((1 - y) * p, -1) - np.sum(y * p, -1) + 1, 0)),
    "kl_divergence": (P_SOFT[::-1].copy(), P_SOFT, lambda y, p: np.sum(
        np.clip(y, EPS, 1) * np.log(np.clip(y, EPS, 1) / np.clip(p, EPS, 1)), -1)),
    "poisson": (np.abs(Y_REAL), P_PROB, lambda y, p: np.mean(p - y * np.log(p + EPS), -1)),
    "cosine_similarity": (Y_REAL, P_REAL, lambda y, p: -np.sum(l2n(y) * l2n(p), -1)),
    "huber": (Y_REAL, 3 * P_REAL, huber_ref),
    "log_cosh": (Y_REAL, P_REAL, lambda y, p: np.mean(np.log(np.cosh(p - y)), -1)),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_per_sample_values_match_numpy(name):
    y, p, ref = REFERENCES[name]
    out = getattr(losses, name)(ag.tensor(y), ag.tensor(p))
    assert out.shape == (6,) and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), ref(y, p), rtol=1e-9, atol=1e-12)


def test_sparse_categorical_crossentropy_equals_one_hot_version():
    labels = Y_ONEHOT.argmax(-1)
    for from_logits, p in ((False, P_SOFT), (True, P_REAL)):
        dense = losses.categorical_crossentropy(ag.tensor(Y_ONEHOT), ag.tensor(p), from_logits=from_logits)
        for y in (labels, labels[:, None]):
            sparse = losses.sparse_categorical_crossentropy(y, ag.tensor(p), from_logits=from_logits)
            np.testing.assert_allclose(sparse.numpy(), dense.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dense.numpy(), -np.sum(Y_ONEHOT * log_softmax(P_REAL), -1), rtol=1e-12)


def test_ignore_class_zeroes_those_samples():
    labels = np.array([0, 3, 1, 3])
    out = losses.sparse_categorical_crossentropy(labels, ag.tensor(P_SOFT[:4]), ignore_class=3)
    full = losses.sparse_categorical_crossentropy(np.array([0, 0, 1, 0]), ag.tensor(P_SOFT[:4]))
    np.testing.assert_allclose(out.numpy(), [full.numpy()[0], 0, full.numpy()[2], 0])


def test_logits_paths_are_stable_at_huge_logits():
    logits = ag.tensor(np.array([[1e4, -1e4], [-1e4, 1e4]]), requires_grad=True)
    y = ag.tensor(np.array([[1.0, 0.0], [1.0, 0.0]]))
    for fn in (losses.BinaryCrossentropy(from_logits=True), losses.CategoricalCrossentropy(from_logits=True)):
        value, grad = ag.value_and_grad(lambda z: fn(y, z))(logits)
        assert np.isfinite(value.item()) and np.all(np.isfinite(grad.numpy()))
    bce = losses.binary_crossentropy(y, logits, from_logits=True).numpy()
    np.testing.assert_allclose(bce, [0.0, 1e4], rtol=1e-12)


def test_bce_from_logits_matches_probability_form_at_moderate_logits():
    by_logits = losses.binary_crossentropy(ag.tensor(Y_BIN), ag.tensor(P_REAL), from_logits=True)
    probs = 1 / (1 + np.exp(-P_REAL))
    by_probs = losses.binary_crossentropy(ag.tensor(Y_BIN), ag.tensor(probs))
    np.testing.assert_allclose(by_logits.numpy(), by_probs.numpy(), rtol=1e-9)
    np.testing.assert_allclose(by_logits.numpy(), np.mean(softplus(P_REAL) - Y_BIN * P_REAL, -1))


def test_cce_gradient_from_logits_is_softmax_minus_targets():
    grad = ag.grad(lambda z: ag.sum(losses.categorical_crossentropy(
        ag.tensor(Y_ONEHOT), z, from_logits=True)))(ag.tensor(P_REAL))
    np.testing.assert_allclose(grad.numpy(), P_SOFT - Y_ONEHOT, atol=1e-12)


def test_label_smoothing():
    ls = 0.2
    bce = losses.BinaryCrossentropy(label_smoothing=ls, reduction="none")(ag.tensor(Y_BIN), ag.tensor(P_PROB))
    np.testing.assert_allclose(bce.numpy(), REFERENCES["binary_crossentropy"][2](
        Y_BIN * (1 - ls) + 0.5 * ls, P_PROB), rtol=1e-9)
    cce = losses.CategoricalCrossentropy(label_smoothing=ls, reduction="none")(
        ag.tensor(Y_ONEHOT), ag.tensor(P_SOFT))
    np.testing.assert_allclose(cce.numpy(), REFERENCES["categorical_crossentropy"][2](
        Y_ONEHOT * (1 - ls) + ls / 4, P_SOFT), rtol=1e-9)


def test_reductions_and_sample_weights():
    y, p = ag.tensor(Y_REAL), ag.tensor(P_REAL)
    per = np.mean((P_REAL - Y_REAL) ** 2, -1)
    w = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 1.0])
    mse = losses.MeanSquaredError()
    assert mse(y, p).item() == pytest.approx(per.mean())
    # Keras divides the weighted sum by the batch size, not by the sum of weights
    assert mse(y, p, sample_weight=w).item() == pytest.approx((per * w).sum() / 6)
    assert losses.MeanSquaredError(reduction="sum")(y, p, w).item() == pytest.approx((per * w).sum())
    assert losses.MeanSquaredError(reduction="mean_with_sample_weight")(y, p, w).item() == \
        pytest.approx((per * w).sum() / w.sum())
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(y, p, w).numpy(), per * w)
    # (B, 1) weights and temporal (B, T) weights broadcast against the per-sample losses
    assert mse(y, p, sample_weight=w[:, None]).item() == pytest.approx((per * w).sum() / 6)
    y3, p3 = ag.tensor(RNG.normal(size=(2, 3, 4))), ag.tensor(RNG.normal(size=(2, 3, 4)))
    wt = np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    per3 = np.mean((p3.numpy() - y3.numpy()) ** 2, -1)
    assert mse(y3, p3, sample_weight=wt).item() == pytest.approx((per3 * wt).sum() / 6)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


def test_rank_mismatch_targets_do_not_broadcast():
    y = np.array([1.0, 2.0, 3.0])
    p = ag.tensor(np.array([[1.0], [2.0], [5.0]]))
    assert losses.MeanSquaredError()(y, p).item() == pytest.approx(4.0 / 3)


def test_categorical_crossentropy_rejects_integer_labels():
    with pytest.raises(ValueError, match="one-hot"):
        losses.CategoricalCrossentropy()(np.array([0, 2, 1]), ag.tensor(P_SOFT[:3]))


def test_loss_objects_return_scalar_tensors_and_gradients():
    w = ag.tensor(np.ones((4, 4)), requires_grad=True)
    value, grad = ag.value_and_grad(lambda w: losses.Huber(delta=0.5)(Y_REAL, ag.tensor(P_REAL) @ w))(w)
    assert value.shape == () and grad.shape == (4, 4) and np.abs(grad.numpy()).sum() > 0


@pytest.mark.parametrize("alias,name", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("mae", "mean_absolute_error"),
    ("mape", "mean_absolute_percentage_error"), ("msle", "mean_squared_logarithmic_error"),
    ("kld", "kl_divergence"), ("KLD", "kl_divergence"),
    ("kullback_leibler_divergence", "kl_divergence"), ("cosine_proximity", "cosine_similarity"),
    ("cosine", "cosine_similarity"), ("huber_loss", "huber"), ("logcosh", "log_cosh"),
    ("bce", "binary_crossentropy")])
def test_aliases(alias, name):
    assert losses.get(alias) is getattr(losses, name) is getattr(losses, alias)


def test_objectives_is_keras1_alias_module():
    from keras_facade import objectives
    assert objectives.categorical_crossentropy is losses.categorical_crossentropy
    from keras_facade.objectives import mse
    assert mse is losses.mean_squared_error


def test_get_serialize_deserialize():
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="cce")
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is losses.CategoricalCrossentropy and again.get_config() == loss.get_config()
    assert losses.serialize(losses.mean_squared_error) == "mean_squared_error"
    assert losses.deserialize("mse") is losses.mean_squared_error
    keras3_function = {"module": "keras.losses", "class_name": "function",
                       "config": "mean_squared_error", "registered_name": "mean_squared_error"}
    assert losses.deserialize(keras3_function) is losses.mean_squared_error
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get("mean_squared_eror")


SAME_RANK_FUNCTIONS = ["mean_squared_error", "mean_absolute_error",
                       "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                       "cosine_similarity", "huber", "log_cosh"]


@pytest.mark.parametrize("name", SAME_RANK_FUNCTIONS)
def test_functions_squeeze_or_expand_targets_to_the_predictions_rank(name):
    """(B,) targets with (B, 1) predictions (and the reverse) compare sample by sample."""
    y, p, ref = REFERENCES[name]
    y, p = y[:, 0], p[:, :1]
    expected = ref(y[:, None], p)
    for a, b in ((y, p), (y[:, None], p[:, 0])):
        out = getattr(losses, name)(ag.tensor(a), ag.tensor(b))
        assert out.shape == (6,)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-9, atol=1e-12)


def test_default_names():
    assert losses.Huber().name == "huber_loss"
    assert losses.KLDivergence().name == "kl_divergence"
    assert losses.LogCosh().name == "log_cosh"
    assert losses.MeanSquaredError().name == "mean_squared_error"


def test_categorical_label_smoothing_counts_classes_on_the_targets_last_axis():
    """Keras divides the smoothing by y_true.shape[-1] whatever ``axis`` is."""
    ls = 0.2
    y = Y_ONEHOT.T.copy()   # (4 classes, 6 samples): classes along axis 0
    p = P_SOFT.T.copy()
    out = losses.categorical_crossentropy(ag.tensor(y), ag.tensor(p), label_smoothing=ls, axis=0)
    smoothed = y * (1 - ls) + ls / 6
    expected = -np.sum(smoothed * np.log(np.clip(p / p.sum(0), EPS, 1 - EPS)), 0)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-9)


def test_cosine_similarity_normalizes_tiny_vectors_like_keras():
    """x * min(rsqrt(sum x^2), 1/epsilon): a vector of norm 5e-7 is still normalized."""
    tiny = np.array([[3e-7, 4e-7], [1.0, 0.0]], dtype=np.float32)
    out = losses.cosine_similarity(ag.tensor(tiny), ag.tensor(tiny))
    np.testing.assert_allclose(out.numpy(), [-1.0, -1.0], rtol=1e-5)
    smaller = np.array([[3e-8, 4e-8]])  # below epsilon: divided by epsilon instead
    out = losses.cosine_similarity(ag.tensor(smaller), ag.tensor(smaller))
    np.testing.assert_allclose(out.numpy(), [-(2.5e-15) / 1e-14], rtol=1e-6)
    grad = ag.grad(lambda p: ag.sum(losses.cosine_similarity(ag.tensor(Y_REAL[:2]), p)))(
        ag.tensor(np.zeros((2, 4))))
    assert np.all(np.isfinite(grad.numpy()))
    np.testing.assert_allclose(grad.numpy(), -l2n(Y_REAL[:2]) / EPS, rtol=1e-6)


def test_ignore_class_is_left_out_of_the_average():
    labels = np.array([0, 3, 1, 3])
    p = ag.tensor(P_SOFT[:4])
    per = -np.log(P_SOFT[:4][np.arange(4), [0, 0, 1, 0]])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    scce = losses.SparseCategoricalCrossentropy(ignore_class=3)
    assert scce(labels, p).item() == pytest.approx((per[0] + per[2]) / 2)
    assert scce(labels, p, sample_weight=w).item() == pytest.approx((per[0] + 3 * per[2]) / 2)
    assert scce(labels[:, None], p).item() == pytest.approx((per[0] + per[2]) / 2)
    summed = losses.SparseCategoricalCrossentropy(ignore_class=3, reduction="sum")
    assert summed(labels, p, sample_weight=w).item() == pytest.approx(per[0] + 3 * per[2])
    by_weight = losses.SparseCategoricalCrossentropy(ignore_class=3,
                                                     reduction="mean_with_sample_weight")
    assert by_weight(labels, p, sample_weight=w).item() == pytest.approx((per[0] + 3 * per[2]) / 4)
    assert by_weight(labels, p).item() == pytest.approx((per[0] + per[2]) / 2)
    assert scce(np.array([3, 3]), ag.tensor(P_SOFT[:2])).item() == 0.0  # nothing left: 0, not NaN
    temporal = losses.SparseCategoricalCrossentropy(ignore_class=0)
    y_t = np.array([[1, 0, 2], [0, 0, 3]])
    p_t = P_SOFT[:6].reshape(2, 3, 4)
    per_t = -np.log(p_t[np.arange(2)[:, None], np.arange(3), y_t])
    assert temporal(y_t, ag.tensor(p_t)).item() == pytest.approx(per_t[y_t != 0].mean())


def test_mean_with_sample_weight_divides_by_the_weights_as_given():
    y, p = ag.tensor(Y_REAL), ag.tensor(P_REAL)
    per = np.mean((P_REAL - Y_REAL) ** 2, -1)
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    w = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 1.0])
    assert loss(y, p, w[:, None]).item() == pytest.approx((per * w).sum() / w.sum())
    # a scalar weight is summed once (Keras): the result is the plain sum of the losses
    assert loss(y, p, 2.0).item() == pytest.approx(per.sum())
    assert loss(y, p, np.zeros(6)).item() == 0.0  # no weight at all: 0, not NaN
    assert loss(y, p).item() == pytest.approx(per.mean())


def test_sparse_targets_follow_the_predictions_device():
    """numpy class ids meet predictions on another device (the numpy-backed 'cpu:1')."""
    p = ag.tensor(P_SOFT[:4], device="cpu:1")
    loss = losses.SparseCategoricalCrossentropy(ignore_class=3)(np.array([0, 3, 1, 3]), p)
    per = -np.log(P_SOFT[:4][np.arange(4), [0, 0, 1, 0]])
    assert loss.device == p.device
    assert loss.item() == pytest.approx((per[0] + per[2]) / 2)
