"""Training: compile/fit/evaluate/predict for models (the ``Trainer`` mixin of ``Model``)."""
from .trainer import Trainer  # noqa: F401
