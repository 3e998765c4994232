"""The compatibility profile: Keras 3 defaults (the default) or the Keras 2 ones.

Numerics and defaults follow Keras 3. A script written for Keras 2 can ask for the few defaults that
changed between the two with ``set_compat('keras2')`` or the environment variable
``KERAS_FACADE_COMPAT=keras2``. Every such default is one row of :data:`DEFAULTS`; code reads it
with :func:`default`, never by testing the profile name itself.
"""
import os

PROFILES = ("keras3", "keras2")

#: key -> {profile: value}. The only place where the two profiles differ.
DEFAULTS = {
    # layers
    "gru.reset_after": {"keras3": True, "keras2": False},
    # 'biased': the batch variance feeds the moving variance as is (K3); 'unbiased': it is first
    # multiplied by n/(n-1) (K2)
    "batch_normalization.moving_variance": {"keras3": "biased", "keras2": "unbiased"},
    # how a BatchNormalization with trainable=False runs when training=True
    "batch_normalization.frozen_mode": {"keras3": "inference", "keras2": "batch_statistics"},
    # 'keras3': clip(x/6 + 0.5, 0, 1); 'keras2': clip(0.2x + 0.5, 0, 1)
    "activations.hard_sigmoid": {"keras3": "keras3", "keras2": "keras2"},
    # 'keras3': dense, dense_1, ..., sequential, functional, input_layer;
    # 'keras2': dense_1, dense_2, ..., sequential_1, model_1, input_1
    "naming.style": {"keras3": "keras3", "keras2": "keras2"},
    # config files written by to_json/get_config
    "serialization.keras_version": {"keras3": "3.6.0", "keras2": "2.3.1"},
    # training: 'accuracy'/'acc' resolution ('shapes': K3 rule on shapes only; 'loss_and_shapes': K2
    # rule, binary when the loss is binary_crossentropy or the output has one unit)
    "metrics.accuracy_rule": {"keras3": "shapes", "keras2": "loss_and_shapes"},
    # compile(metrics=[...]) on a model with several outputs: 'one_per_output' (K3: entry i is
    # output i's metric when the list has one entry per output) or 'every_output' (K2)
    "metrics.flat_list": {"keras3": "one_per_output", "keras2": "every_output"},
    # optimizer defaults that changed between Keras 2.3 and Keras 3
    "optimizers.adadelta.learning_rate": {"keras3": 0.001, "keras2": 1.0},
    "optimizers.adagrad.learning_rate": {"keras3": 0.001, "keras2": 0.01},
    "optimizers.adagrad.initial_accumulator_value": {"keras3": 0.1, "keras2": 0.0},
    "optimizers.adamax.learning_rate": {"keras3": 0.001, "keras2": 0.002},
    "optimizers.nadam.learning_rate": {"keras3": 0.001, "keras2": 0.002},
    # where epsilon goes in RMSprop/Adagrad/Adadelta: 'inside' sqrt(a + eps) (K3), 'outside'
    # sqrt(a) + eps (K2)
    "optimizers.epsilon_placement": {"keras3": "inside", "keras2": "outside"},
    # order of the keys in History / logs: 'sorted' (K3) or 'given' (loss, metrics, val_*: K2)
    "training.log_order": {"keras3": "sorted", "keras2": "given"},
    # where fit's progress bar runs among the callbacks: 'last' (K3: after the user's callbacks,
    # so their on_epoch_end output and logs come before the epoch line) or 'first' (K2)
    "training.progbar_position": {"keras3": "last", "keras2": "first"},
    # the epoch-log key where ReduceLROnPlateau / LearningRateScheduler report the learning rate
    "callbacks.learning_rate_log_key": {"keras3": "learning_rate", "keras2": "lr"},
    # the mask of Add/Subtract/Multiply/Average/Maximum/Minimum: 'or' of all the inputs' masks,
    # None if one is missing (K3); 'and' of the masks present (K2)
    "merge.mask": {"keras3": "or", "keras2": "and"},
    # what predict's verbose='auto' (its default) means: a progress bar (K3) or silence (K2)
    "training.predict_verbose": {"keras3": 1, "keras2": 0},
    # Conv2D(8, 3, 1, padding=...): with Keras 2 keywords present the third positional integer is
    # read as strides (K3) or refused as an ambiguous Keras 1 kernel row/column pair (K2)
    "legacy.conv_positional_strides": {"keras3": "strides", "keras2": "error"},
    # summary() of a model not built yet: rows with '?' shapes and 0 params (K3) or an error (K2)
    "summary.unbuilt": {"keras3": "rows", "keras2": "error"},
    # the dtype of keras.utils.to_categorical's one-hot array (K3 builds it in numpy's default)
    "utils.to_categorical.dtype": {"keras3": "float64", "keras2": "float32"},
}

_state = {"profile": None}


def _from_env():
    value = os.environ.get("KERAS_FACADE_COMPAT", "keras3").strip().lower() or "keras3"
    if value not in PROFILES:
        raise ValueError(f"KERAS_FACADE_COMPAT={value!r}: expected one of {PROFILES}")
    return value


def compat():
    """The active profile: ``'keras3'`` (default) or ``'keras2'``."""
    if _state["profile"] is None:
        _state["profile"] = _from_env()
    return _state["profile"]


def set_compat(profile):
    """Switch the profile (``'keras2'`` or ``'keras3'``); returns the previous one."""
    profile = str(profile).lower()
    if profile not in PROFILES:
        raise ValueError(f"set_compat: unknown profile {profile!r}; expected one of {PROFILES}")
    previous = compat()
    _state["profile"] = profile
    return previous


class use_compat:
    """Context manager that switches the profile for a block: ``with use_compat('keras2'): ...``."""

    def __init__(self, profile):
        self.profile = profile

    def __enter__(self):
        self._previous = set_compat(self.profile)
        return self

    def __exit__(self, *exc):
        set_compat(self._previous)
        return False


def default(key):
    """The value of ``DEFAULTS[key]`` under the active profile."""
    try:
        row = DEFAULTS[key]
    except KeyError:
        raise KeyError(f"config.default: no compatibility default named {key!r}; known keys: "
                       f"{sorted(DEFAULTS)}") from None
    return row[compat()]


_unsafe = {"enabled": False}


def enable_unsafe_deserialization():
    """Allow rebuilding Python lambdas/bytecode from configs everywhere (Keras 3 spelling)."""
    _unsafe["enabled"] = True


def unsafe_deserialization_enabled():
    return _unsafe["enabled"]


def image_data_format():
    from . import backend
    return backend.image_data_format()


def set_image_data_format(value):
    from . import backend
    backend.set_image_data_format(value)


def epsilon():
    from . import backend
    return backend.epsilon()


def floatx():
    from . import backend
    return backend.floatx()
