"""Keras 3's name for :mod:`.merge`."""
from .merge import (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,  # noqa: F401
                    add, subtract, multiply, average, maximum, minimum, concatenate, dot)
