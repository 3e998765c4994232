"""Every facade test starts from a cleared session (fresh layer names, default learning phase) under
the Keras 3 profile, and leaves the profile as it found it."""
import pytest

from keras_facade import backend as K, config


@pytest.fixture(autouse=True)
def fresh_session():
    previous = config.set_compat("keras3")
    K.clear_session()
    yield
    config.set_compat(previous)
    K.set_learning_phase(0)
    K.clear_session()
