"""The compatibility profile: one table of the defaults that changed between Keras 2 and Keras 3."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag
from keras_facade import activations, backend as K, config
from keras_facade.layers import GRU, BatchNormalization, Dense, Input
from keras_facade.models import Model, Sequential


def test_default_profile_is_keras3_and_switching_returns_the_previous_one():
    assert config.compat() == "keras3"
    assert config.set_compat("KERAS2") == "keras3"
    assert config.compat() == "keras2"
    with config.use_compat("keras3"):
        assert config.compat() == "keras3"
    assert config.compat() == "keras2"


def test_unknown_profile_and_unknown_key_are_errors():
    with pytest.raises(ValueError, match="unknown profile"):
        config.set_compat("keras1")
    with pytest.raises(KeyError, match="no compatibility default named"):
        config.default("no.such.key")


def test_every_row_has_both_profiles_and_the_rows_others_rely_on_exist():
    for key, row in config.DEFAULTS.items():
        assert set(row) == set(config.PROFILES), key
    assert config.DEFAULTS["optimizers.adadelta.learning_rate"] == {"keras3": 0.001, "keras2": 1.0}
    assert config.DEFAULTS["metrics.accuracy_rule"]["keras2"] == "loss_and_shapes"
    for key in ("gru.reset_after", "batch_normalization.moving_variance", "activations.hard_sigmoid",
                "naming.style"):
        assert config.DEFAULTS[key]["keras3"] != config.DEFAULTS[key]["keras2"]


def test_default_reads_the_active_profile():
    assert config.default("optimizers.adadelta.learning_rate") == 0.001
    config.set_compat("keras2")
    assert config.default("optimizers.adadelta.learning_rate") == 1.0


@pytest.mark.parametrize("value, expected", [("keras2", "keras2"), ("", "keras3")])
def test_environment_variable_selects_the_profile(value, expected):
    code = "from keras_facade import config; print(config.compat())"
    root = str(pathlib.Path(__file__).resolve().parents[2])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         env={"KERAS_FACADE_COMPAT": value, "PYTHONPATH": root})
    assert out.stdout.strip() == expected, out.stderr


def test_gru_reset_after_and_its_parameter_count_follow_the_profile():
    layer = GRU(4)
    layer(np.zeros((1, 3, 2), "float32"))
    assert layer.cell.reset_after and layer.cell.bias.shape == (2, 12)
    assert layer.count_params() == 3 * ((2 + 4) * 4 + 2 * 4)
    config.set_compat("keras2")
    old = GRU(4)
    old(np.zeros((1, 3, 2), "float32"))
    assert not old.cell.reset_after and old.cell.bias.shape == (12,)
    assert old.count_params() == 3 * ((2 + 4) * 4 + 4)


def test_hard_sigmoid_formula_follows_the_profile():
    x = ag.tensor([-4.0, -1.0, 0.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(activations.hard_sigmoid(x).numpy(),
                               np.clip(x.numpy() / 6 + 0.5, 0, 1), rtol=1e-6)
    config.set_compat("keras2")
    np.testing.assert_allclose(activations.hard_sigmoid(x).numpy(),
                               np.clip(0.2 * x.numpy() + 0.5, 0, 1), rtol=1e-6)


def test_auto_names_follow_the_profile_and_clear_session_resets_them():
    assert [Dense(1).name, Dense(1).name, Sequential().name] == ["dense", "dense_1", "sequential"]
    i = Input((2,))
    assert i._keras_history[0].name == "input_layer"
    assert Model(i, Dense(1)(i)).name == "functional"
    K.clear_session()
    config.set_compat("keras2")
    assert [Dense(1).name, Dense(1).name, Sequential().name] == ["dense_1", "dense_2",
                                                                 "sequential_1"]
    i = Input((2,))
    assert i._keras_history[0].name == "input_1"
    assert Model(i, Dense(1)(i)).name == "model_1"


def test_batch_norm_moving_variance_correction_follows_the_profile():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    for profile, factor in (("keras3", 1.0), ("keras2", 8 / (8 - 1.001))):
        config.set_compat(profile)
        bn = BatchNormalization(momentum=0.0)
        bn(x, training=True)
        np.testing.assert_allclose(bn.moving_variance.numpy(), x.var(0) * factor, rtol=1e-5)


def test_frozen_batch_norm_mode_follows_the_profile():
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(16, 2)).astype("float32")
    bn = BatchNormalization()
    bn(x)
    bn.trainable = False
    inference = bn(x, training=False).numpy()
    np.testing.assert_allclose(bn(x, training=True).numpy(), inference)  # Keras 3: inference mode
    config.set_compat("keras2")
    batch_stats = bn(x, training=True).numpy()  # Keras 2: batch statistics
    np.testing.assert_allclose(batch_stats.mean(0), 0.0, atol=1e-4)


def test_set_random_seed_makes_fit_reproducible():
    import numpy as np
    from keras_facade import backend as K
    from keras_facade.layers import Dense
    from keras_facade.models import Sequential

    def run():
        K.set_random_seed(7)
        model = Sequential([Dense(3, input_shape=(4,)), Dense(1)])
        model.compile("sgd", "mse")
        x = np.arange(40, dtype="float32").reshape(10, 4) / 40
        model.fit(x, x.sum(1), batch_size=3, epochs=2, shuffle=True, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)
