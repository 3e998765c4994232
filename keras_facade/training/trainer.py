"""The ``Trainer`` mixin: compile, fit, evaluate, predict and friends (placeholder)."""


class Trainer:
    """Mixed into ``keras_facade.models.Model``; provides the Keras training API."""
