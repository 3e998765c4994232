"""``keras.ops.numpy``: numpy-like functions (math and reductions in ``_numpy_math``, creation,
shapes and indexing in ``_numpy_array``)."""
from ._numpy_array import *  # noqa: F401,F403
from ._numpy_math import *  # noqa: F401,F403
from ._numpy_array import __all__ as _array_names
from ._numpy_math import __all__ as _math_names

__all__ = list(_array_names) + list(_math_names)
