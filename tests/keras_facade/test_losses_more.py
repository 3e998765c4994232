"""Focal cross-entropies, Dice, Tversky, Circle, generalized cross-entropy and CTC against
independent numpy references: values, reductions with sample weights, configs, gradients."""
import itertools

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.testing import gradcheck
from keras_facade import losses

EPS = 1e-7
RNG = np.random.default_rng(5)
Y_BIN = RNG.integers(0, 2, size=(6, 4)).astype(np.float64)
P_PROB = RNG.uniform(0.02, 0.98, size=(6, 4))
LOGITS = RNG.normal(size=(6, 4)) * 2
Y_ONEHOT = np.eye(4)[RNG.integers(0, 4, size=6)]
WEIGHTS = RNG.uniform(0, 2, size=6)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def binary_focal_ref(y, p, balance=False, alpha=0.25, gamma=2.0, smoothing=0.0):
    y = y * (1 - smoothing) + 0.5 * smoothing
    q = np.clip(p, EPS, 1 - EPS)
    bce = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    p_t = y * p + (1 - y) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = out * (y * alpha + (1 - y) * (1 - alpha))
    return out.mean(-1)


def categorical_focal_ref(y, p, alpha=0.25, gamma=2.0, smoothing=0.0):
    y = y * (1 - smoothing) + smoothing / y.shape[-1]
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return np.sum(-alpha * (1 - q) ** gamma * y * np.log(q), -1)


@pytest.mark.parametrize("kwargs", [{}, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5},
                                    {"label_smoothing": 0.1, "gamma": 0.0}])
def test_binary_focal_crossentropy_against_numpy(kwargs):
    ref = binary_focal_ref(Y_BIN, P_PROB, kwargs.get("apply_class_balancing", False),
                           kwargs.get("alpha", 0.25), kwargs.get("gamma", 2.0),
                           kwargs.get("label_smoothing", 0.0))
    out = losses.binary_focal_crossentropy(Y_BIN, ag.tensor(P_PROB), **kwargs)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-9)
    logits = losses.binary_focal_crossentropy(Y_BIN, ag.tensor(LOGITS), from_logits=True, **kwargs)
    np.testing.assert_allclose(logits.numpy(), binary_focal_ref(
        Y_BIN, sigmoid(LOGITS), kwargs.get("apply_class_balancing", False),
        kwargs.get("alpha", 0.25), kwargs.get("gamma", 2.0), kwargs.get("label_smoothing", 0.0)),
        rtol=1e-9)
    loss = losses.BinaryFocalCrossentropy(**kwargs)
    np.testing.assert_allclose(loss(Y_BIN, ag.tensor(P_PROB), sample_weight=WEIGHTS).item(),
                               np.sum(ref * WEIGHTS) / 6, rtol=1e-9)


def test_binary_focal_with_gamma_zero_is_binary_crossentropy():
    a = losses.binary_focal_crossentropy(Y_BIN, ag.tensor(P_PROB), gamma=0.0)
    b = losses.binary_crossentropy(Y_BIN, ag.tensor(P_PROB))
    np.testing.assert_allclose(a.numpy(), b.numpy())


@pytest.mark.parametrize("kwargs", [{}, {"alpha": [0.1, 0.2, 0.3, 0.4], "gamma": 3.0},
                                    {"label_smoothing": 0.2}])
def test_categorical_focal_crossentropy_against_numpy(kwargs):
    alpha = np.asarray(kwargs.get("alpha", 0.25))
    probs = softmax(LOGITS)
    ref = categorical_focal_ref(Y_ONEHOT, probs, alpha, kwargs.get("gamma", 2.0),
                                kwargs.get("label_smoothing", 0.0))
    out = losses.categorical_focal_crossentropy(Y_ONEHOT, ag.tensor(probs), **kwargs)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-9)
    by_logits = losses.CategoricalFocalCrossentropy(from_logits=True, reduction="none", **kwargs)
    np.testing.assert_allclose(by_logits(Y_ONEHOT, ag.tensor(LOGITS)).numpy(), ref, rtol=1e-9)
    with pytest.raises(ValueError, match="categorical_focal_crossentropy: axis"):
        losses.categorical_focal_crossentropy(Y_ONEHOT, probs, axis=True)


def test_dice_and_tversky_against_numpy():
    y = RNG.integers(0, 2, size=(3, 4, 4, 1)).astype(np.float64)
    p = RNG.uniform(size=(3, 4, 4, 1))
    axes = (1, 2, 3)
    inter = (y * p).sum(axes)
    dice = 1 - 2 * inter / (y.sum(axes) + p.sum(axes) + EPS)
    per_sample = losses.Dice(axis=axes, reduction="none")(y, ag.tensor(p))
    np.testing.assert_allclose(per_sample.numpy(), dice)
    whole = 1 - 2 * (y * p).sum() / (y.sum() + p.sum() + EPS)
    assert losses.Dice()(y, ag.tensor(p)).item() == pytest.approx(whole, rel=1e-12)
    fp, fn = ((1 - p) * y).sum(axes), (p * (1 - y)).sum(axes)
    tversky = 1 - inter / (inter + 0.3 * fp + 0.7 * fn + EPS)
    loss = losses.Tversky(alpha=0.3, beta=0.7, axis=axes)
    w = np.array([0.5, 1.0, 2.0])
    assert loss(y, ag.tensor(p), sample_weight=w).item() == pytest.approx((tversky * w).sum() / 3)
    half = losses.tversky(y, ag.tensor(p), axis=axes)  # alpha = beta = 0.5 is Dice (but epsilon)
    np.testing.assert_allclose(half.numpy(), dice, rtol=1e-6)


def circle_ref(labels, emb, gamma=80.0, margin=0.4, remove_diagonal=True):
    n = len(labels)
    out = np.zeros(n)
    for i in range(n):
        pos, neg = [], []
        for j in range(n):
            d = max(1 - emb[i] @ emb[j], 0.0)
            if labels[i] == labels[j] and not (remove_diagonal and i == j):
                pos.append(-gamma * max(margin + d, 0) * (margin - d))
            elif labels[i] != labels[j]:
                neg.append(gamma * max(1 + margin - d, 0) * (1 - margin - d))
        lse = [np.log(np.sum(np.exp(v))) if v else -np.inf for v in (pos, neg)]
        out[i] = np.logaddexp(0, lse[0] + lse[1])
    return out


def test_circle_against_loops_and_masked_average():
    emb = RNG.normal(size=(8, 5))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.array([0, 1, 0, 2, 1, 1, 3, 0])  # class 2 and 3 have no positive partner
    ref = circle_ref(labels, emb, gamma=10.0, margin=0.25)
    out = losses.circle(labels, ag.tensor(emb), gamma=10.0, margin=0.25)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-9)
    assert (ref == 0).sum() == 2
    grad = ag.grad(lambda e: ag.sum(losses.circle(labels, e, gamma=10.0)))(ag.tensor(emb))
    assert np.all(np.isfinite(grad.numpy()))
    # the class average leaves the zero losses out: sum / (number of non-zero losses)
    loss = losses.Circle(gamma=10.0, margin=0.25)
    assert loss(labels, ag.tensor(emb)).item() == pytest.approx(ref.sum() / 6, rel=1e-9)
    np.testing.assert_allclose(losses.circle(labels, ag.tensor(emb), remove_diagonal=False).numpy(),
                               circle_ref(labels, emb, remove_diagonal=False), rtol=1e-9)


def test_categorical_generalized_cross_entropy():
    probs = softmax(LOGITS)
    labels = RNG.integers(0, 4, size=6)
    ref = (1 - probs[np.arange(6), labels] ** 0.3) / 0.3
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.3, reduction="none")
    np.testing.assert_allclose(loss(labels, ag.tensor(probs)).numpy(), ref, rtol=1e-9)
    with pytest.raises(ValueError, match=r"q must lie in \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)


def ctc_brute_force(labels, logits):
    """-log of the summed probability of every frame path that collapses to ``labels``."""
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    steps, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_ctc_matches_brute_force_enumeration():
    logits = RNG.normal(size=(4, 6, 3))
    y = np.array([[1, 2, 0], [1, 1, 0], [2, 0, 0], [1, 2, 1]])  # 0: blank and padding
    out = losses.ctc(y, ag.tensor(logits))
    expected = [ctc_brute_force([c for c in row if c], lg) for row, lg in zip(y, logits)]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-9)
    loss = losses.CTC()
    assert loss.get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    assert loss(y, ag.tensor(logits)).item() == pytest.approx(np.mean(expected), rel=1e-9)


def test_ctc_lengths_gradient_and_impossible_alignment():
    logits = RNG.normal(size=(2, 5, 4))
    labels = np.array([[3, 3, 1], [2, 1, 0]])
    out = nn.ctc_loss(labels, ag.tensor(logits), [3, 2], [5, 3])
    np.testing.assert_allclose(out.numpy(), [ctc_brute_force([3, 3, 1], logits[0]),
                                             ctc_brute_force([2, 1], logits[1, :3])], rtol=1e-9)
    gradcheck(lambda z: nn.ctc_loss(labels, z, [3, 2], [5, 3]), ag.tensor(logits), mode="full")
    # written with engine ops, so its gradient is differentiable again
    gradcheck(ag.grad(lambda z: ag.sum(nn.ctc_loss(labels, z, [3, 2], [5, 3]))),
              ag.tensor(logits))
    assert nn.ctc_loss([[1, 1, 1]], ag.tensor(logits[:1, :4]), [3], [4]).item() == np.inf
    with pytest.raises(ValueError, match=r"ctc_loss: labels must lie in \[0, 4\)"):
        nn.ctc_loss([[5]], ag.tensor(logits[:1]), [1], [5])
    with pytest.raises(ValueError, match="ctc: expects integer labels of shape"):
        losses.ctc(np.ones(3), ag.tensor(logits))


@pytest.mark.parametrize("name, kwargs", [
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.0,
                                 "from_logits": True, "label_smoothing": 0.1, "axis": -1}),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 2.0, "from_logits": False,
                                      "label_smoothing": 0.0, "axis": -1}),
    ("Dice", {"axis": [1, 2]}), ("Tversky", {"alpha": 0.2, "beta": 0.8, "axis": None}),
    ("Circle", {"gamma": 80.0, "margin": 0.4, "remove_diagonal": True}),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.5}), ("CTC", {}),
])
def test_configs_names_and_round_trip(name, kwargs):
    loss = getattr(losses, name)(**kwargs)
    config = loss.get_config()
    assert config == dict(name=loss.name, reduction="sum_over_batch_size", **kwargs)
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == config
    function_name = loss.name
    assert losses.get(function_name) is getattr(losses, function_name)


def test_positional_arguments_follow_keras_signatures():
    assert losses.Dice("sum", "d", (1, 2)).get_config() == {"name": "d", "reduction": "sum",
                                                            "axis": (1, 2)}
    assert losses.Tversky(0.2, 0.8, "none").get_config()["reduction"] == "none"
    assert losses.BinaryFocalCrossentropy(True, 0.4).get_config()["alpha"] == 0.4
    assert losses.CTC(reduction=None).reduction is None
    with pytest.raises(TypeError, match=r"Dice: unexpected or repeated argument\(s\) \['beta'\]"):
        losses.Dice(beta=0.3)


def test_new_losses_train_through_compile():
    from keras_facade import Input, Sequential
    from keras_facade.layers import Dense
    x = RNG.normal(size=(16, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = Sequential([Input((3,)), Dense(1, activation="sigmoid")])
    model.compile("sgd", loss="binary_focal_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    sequences = Sequential([Input((6, 3)), Dense(4)])
    sequences.compile("adam", "ctc")
    labels = np.array([[1, 2, 0], [3, 0, 0]] * 4)
    losses_seen = sequences.fit(RNG.normal(size=(8, 6, 3)).astype(np.float32), labels, epochs=3,
                                batch_size=4, verbose=0).history["loss"]
    assert losses_seen[-1] < losses_seen[0]
