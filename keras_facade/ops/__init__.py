"""``keras.ops``: the backend-agnostic functions of Keras 3, computed with ``autograd_core``
(so everything here is differentiable where Keras' is) and usable on symbolic tensors while a
functional model is built. ``keras.ops.numpy``, ``.nn``, ``.linalg``, ``.image`` and ``.math`` are
the namespaces; the top level holds all but ``image``, as in Keras."""
from . import core, image, linalg, math, nn, numpy
from .core import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403
