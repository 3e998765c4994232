"""Bad input: a ValueError that says what is wrong and what to do, raised before any weight (or
optimizer state, or BatchNormalization statistic) changes."""
import numpy as np
import pytest

from keras_facade.layers import BatchNormalization, Dense
from keras_facade.models import Sequential

RNG = np.random.default_rng(5)
X = RNG.normal(size=(30, 4)).astype("float32")
LABELS = RNG.integers(0, 3, size=30)
ONEHOT = np.eye(3, dtype="float32")[LABELS]


def softmax_model(loss="categorical_crossentropy"):
    m = Sequential([Dense(8, input_shape=(4,)), BatchNormalization(), Dense(3, activation="softmax")])
    m.compile("adam", loss, metrics=["accuracy"])
    return m


def state(m):
    return [w.copy() for w in m.get_weights()] + [np.int64(m.optimizer.iterations.item())]


def assert_unchanged(m, before):
    after = state(m)
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("loss,x,y,kwargs,message", [
    ("categorical_crossentropy", X, LABELS, {}, r"one-hot targets of shape \(None, 3\), got integer "
                                                r"labels of shape \(30,\).*sparse_categorical_crossentropy"
                                                r".*to_categorical\(y, 3\)"),
    ("sparse_categorical_crossentropy", X, ONEHOT, {}, "integer class ids.*use categorical_crossentropy"),
    ("sparse_categorical_crossentropy", X, LABELS + 1, {}, r"must lie in \[0, 3\).*from 1 to 3"),
    ("sparse_categorical_crossentropy", X, LABELS + 0.5, {}, "fractional"),
    ("mse", X, ONEHOT[:, :2], {}, r"targets of shape \(30, 2\) do not match output"),
    ("categorical_crossentropy", X, ONEHOT[:20], {}, "different numbers of samples.*x has 30.*y has 20"),
    ("categorical_crossentropy", X, ONEHOT, {"sample_weight": np.ones(29)}, "sample_weight has 29"),
    ("categorical_crossentropy", np.where(np.arange(30)[:, None] == 7, np.nan, X), ONEHOT, {},
     "x contains NaN or infinite values in 1 sample.*index 7"),
    ("categorical_crossentropy", X, np.where(np.arange(30)[:, None] == 3, np.inf, ONEHOT), {},
     "y contains NaN or infinite"),
])
def test_fit_rejects_bad_data_before_any_change(loss, x, y, kwargs, message):
    m = softmax_model(loss)
    m.predict(X[:2])  # built
    before = state(m)
    with pytest.raises(ValueError, match=message):
        m.fit(x, y, epochs=1, verbose=0, **kwargs)
    assert_unchanged(m, before)
    with pytest.raises(ValueError):
        m.train_on_batch(x, y, **kwargs)
    assert_unchanged(m, before)


def test_unbuilt_model_is_built_by_fit_but_bad_labels_still_change_nothing():
    m = Sequential([Dense(8), BatchNormalization(), Dense(3, activation="softmax")])
    m.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match="one-hot"):
        m.fit(X, LABELS, verbose=0)
    before = state(m)  # built by the check, weights as initialized
    with pytest.raises(ValueError, match="one-hot"):
        m.fit(X, LABELS, verbose=0)
    assert_unchanged(m, before)
    m.fit(X, ONEHOT, epochs=1, verbose=0)  # fine afterwards
    assert int(m.optimizer.iterations.item()) == 1


def test_uncompiled_and_empty_models():
    m = Sequential([Dense(3, input_shape=(4,))])
    for call in (lambda: m.fit(X, ONEHOT), lambda: m.evaluate(X, ONEHOT),
                 lambda: m.train_on_batch(X, ONEHOT), lambda: m.test_on_batch(X, ONEHOT)):
        with pytest.raises(ValueError, match=r"not compiled.*model\.compile"):
            call()
    empty = Sequential()
    empty.compile("sgd", "mse")
    with pytest.raises(ValueError, match="no layers"):
        empty.fit(X, ONEHOT, verbose=0)


def test_missing_targets_and_bad_validation_data():
    m = softmax_model()
    with pytest.raises(ValueError, match="targets y are required"):
        m.fit(X, verbose=0)
    with pytest.raises(ValueError, match="validation_data must be"):
        m.fit(X, ONEHOT, validation_data=X, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(X, ONEHOT, validation_split=1.5, verbose=0)


def test_nan_in_a_generated_batch_is_caught_before_that_step():
    m = softmax_model()
    m.predict(X[:2])
    bad = X.copy()
    bad[12, 0] = np.nan

    def gen():
        for i in range(0, 30, 10):
            yield bad[i:i + 10], ONEHOT[i:i + 10]
    before = state(m)
    with pytest.raises(ValueError, match="NaN"):
        m.fit(gen(), steps_per_epoch=3, verbose=0)
    after = state(m)
    assert after[-1] == 1  # the first (clean) batch trained, the bad one did not
    assert not np.array_equal(after[0], before[0])


def test_targets_are_checked_again_for_data_of_an_already_seen_shape():
    m = softmax_model("sparse_categorical_crossentropy")
    m.fit(X, LABELS, epochs=1, verbose=0)
    before = state(m)
    bad = LABELS.copy()
    bad[-1] = 7
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        m.fit(X, bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        m.train_on_batch(X, bad)
    assert_unchanged(m, before)


def test_finite_check_tells_overflowing_squares_from_nan_and_inf():
    from keras_facade.training.data_adapter import check_finite
    huge = np.full((4, 3), 3e38, dtype="float32")  # finite, but the sum of squares overflows
    check_finite([("x", huge)], "fit")
    for bad in (np.nan, -np.inf):
        data = huge.copy()
        data[2, 1] = bad
        with pytest.raises(ValueError, match=r"fit: x contains NaN or infinite values in 1 sample"
                                             r".*index 2"):
            check_finite([("x", data)], "fit")
    check_finite([("x", np.zeros((0, 3), "float32")), ("ids", np.array([1, 2]))], "fit")
