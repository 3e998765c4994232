"""Reading the keras2/keras3 compatibility profile (``keras_facade.config``), with Keras 3 fallbacks
for keys the profile table does not define."""

_KERAS3 = {"adadelta_learning_rate": 0.001, "accuracy_rule": "keras3"}


def profile_default(key):
    """The active profile's value for ``key`` (Keras 3's when the profile table lacks it)."""
    try:
        from ..config import default
    except ImportError:
        return _KERAS3[key]
    try:
        return default(key)
    except (KeyError, ValueError):
        return _KERAS3[key]
