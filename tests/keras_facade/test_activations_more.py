"""The newer ``keras.activations`` names (lookup by name, serialization, use in layers), Keras 3's
initializer names (IdentityInitializer, OrthogonalInitializer, STFT) and OrthogonalRegularizer."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck
from keras_facade import activations, initializers, layers, regularizers

NEW = ["celu", "glu", "hard_tanh", "log_sigmoid", "hard_shrink", "soft_shrink", "tanh_shrink",
       "sparse_plus", "squareplus", "sparsemax", "sparse_sigmoid"]


@pytest.mark.parametrize("name", NEW + ["threshold"])
def test_get_and_serialize_by_name(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn


def test_defaults_follow_keras():
    x = ag.tensor(np.array([[-0.4, 0.45, 0.7, -2.0]], dtype=np.float32))
    np.testing.assert_allclose(activations.hard_shrink(x).numpy(), [[0, 0, 0.7, -2.0]])
    np.testing.assert_allclose(activations.soft_shrink(x).numpy(), [[0, 0, 0.2, -1.5]], rtol=1e-6)
    np.testing.assert_allclose(activations.squareplus(x).numpy(),
                               (x.numpy() + np.sqrt(x.numpy() ** 2 + 4)) / 2, rtol=1e-6)
    np.testing.assert_allclose(activations.threshold(x, 0.5, -1.0).numpy(), [[-1, -1, 0.7, -1]])
    np.testing.assert_allclose(activations.glu(x).numpy(),
                               x.numpy()[:, :2] / (1 + np.exp(-x.numpy()[:, 2:])), rtol=1e-6)
    np.testing.assert_allclose(activations.sparsemax(x).numpy().sum(), 1.0, rtol=1e-6)


@pytest.mark.parametrize("name", ["celu", "sparse_plus", "hard_tanh", "sparsemax"])
def test_activation_layer_and_dense_by_name(name):
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    out = layers.Activation(name)(ag.tensor(x))
    np.testing.assert_allclose(out.numpy(), getattr(ag.nn, name)(ag.tensor(x)).numpy())
    dense = layers.Dense(3, activation=name)
    assert dense(ag.tensor(x)).shape == (3, 3)
    assert dense.get_config()["activation"] == name


# -- initializers ------------------------------------------------------------------------------------
def test_keras3_initializer_names_are_aliases():
    assert initializers.IdentityInitializer is initializers.Identity
    assert initializers.OrthogonalInitializer is initializers.Orthogonal
    assert type(initializers.get("OrthogonalInitializer")) is initializers.Orthogonal
    assert type(initializers.get("IdentityInitializer")) is initializers.Identity
    config = initializers.serialize(initializers.OrthogonalInitializer(gain=2.0, seed=3))
    assert config == {"class_name": "Orthogonal", "config": {"gain": 2.0, "seed": 3}}
    w = initializers.deserialize(config)((4, 3)).numpy()
    np.testing.assert_allclose(w.T @ w, 4 * np.eye(3), atol=1e-5)


def test_stft_kernel_values():
    n, k = np.arange(8).reshape(8, 1, 1), np.arange(5).reshape(1, 1, 5)
    angle = -2 * np.pi * n * k / 8
    hann = np.hanning(8).reshape(8, 1, 1)
    real = initializers.STFT()((8, 1, 5), dtype="float64").numpy()
    np.testing.assert_allclose(real, np.cos(angle) * hann / np.sqrt((hann ** 2).sum()), atol=1e-12)
    imag = initializers.get("stft").__class__(side="imag", window=None)((8, 1, 5)).numpy()
    np.testing.assert_allclose(imag, np.sin(angle), atol=1e-6)
    periodic = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(8) / 8)
    spectrum = initializers.STFT(window="hamming", periodic=True, scaling="spectrum")((8, 1, 5))
    np.testing.assert_allclose(spectrum.numpy(), np.cos(angle) * periodic.reshape(8, 1, 1)
                               / periodic.sum(), atol=1e-6)
    custom = initializers.STFT(window=np.arange(1.0, 9.0), scaling=None)
    np.testing.assert_allclose(custom((8, 1, 5)).numpy(), np.cos(angle) * (n + 1), atol=1e-5)
    assert initializers.STFT().get_config() == {"side": "real", "window": "hann", "periodic": False,
                                                "scaling": "density"}
    assert initializers.deserialize(initializers.serialize(custom)).get_config()["window"] == \
        list(np.arange(1.0, 9.0))
    with pytest.raises(ValueError, match=r"STFT: the window must have shape \(7,\), got \(8,\)"):
        custom((7, 1, 4))
    with pytest.raises(ValueError, match="STFT: unknown window 'kaiser'"):
        initializers.STFT(window="kaiser")
    with pytest.raises(ValueError, match="STFT: side must be 'real' or 'imag', got 'both'"):
        initializers.STFT(side="both")


# -- OrthogonalRegularizer ---------------------------------------------------------------------------
def ref_orthogonal_penalty(w, factor, mode):
    vectors = w if mode == "rows" else w.T
    unit = [v / np.linalg.norm(v) for v in vectors]
    pairs = [(i, j) for i in range(len(unit)) for j in range(len(unit)) if i < j]
    return factor * np.mean([abs(unit[i] @ unit[j]) for i, j in pairs])


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_values_and_gradient(mode):
    w = np.random.default_rng(0).normal(size=(5, 3))
    reg = regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    assert reg(ag.tensor(w)).item() == pytest.approx(ref_orthogonal_penalty(w, 0.3, mode), rel=1e-10)
    assert gradcheck(reg, ag.tensor(w))
    # the value real Keras 3 gives for the float32 version of this weight (rows, factor 0.01)
    if mode == "rows":
        penalty = regularizers.orthogonal_regularizer()(ag.tensor(w.astype(np.float32)))
        assert penalty.item() == pytest.approx(0.005073194857686758, rel=1e-5)


def test_orthogonal_regularizer_config_names_and_errors():
    reg = regularizers.get("orthogonal_regularizer")
    assert type(reg) is regularizers.OrthogonalRegularizer
    assert reg.get_config() == {"factor": 0.01, "mode": "rows"}
    again = regularizers.deserialize(regularizers.serialize(
        regularizers.OrthogonalRegularizer(0.5, "columns")))
    assert again.get_config() == {"factor": 0.5, "mode": "columns"}
    orthogonal = np.eye(3)[:, :2]
    assert regularizers.OrthogonalRegularizer(mode="columns")(ag.tensor(orthogonal)).item() == 0
    with pytest.raises(ValueError, match=r"must have rank 2, got shape \(3,\)"):
        reg(ag.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="mode must be 'rows' or 'columns', got 'diag'"):
        regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match="factor must be a non-negative float, got -1"):
        regularizers.OrthogonalRegularizer(factor=-1)
    dense = layers.Dense(4, kernel_regularizer="orthogonal_regularizer")
    dense(ag.tensor(np.ones((2, 3), dtype=np.float32)))
    assert dense.get_config()["kernel_regularizer"]["class_name"] == "OrthogonalRegularizer"
