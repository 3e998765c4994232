"""Keras 3's name for :mod:`.merge`."""
from .merge import (  # noqa: F401
    Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, add, subtract, multiply,
    average, maximum, minimum, concatenate, dot)
