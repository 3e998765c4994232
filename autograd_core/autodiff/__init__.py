"""Reverse- and forward-mode differentiation over the graph that primitives record."""
from .mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled  # noqa: F401
from .graph import Primitive, primitive, REGISTRY  # noqa: F401
from .backward import run_backward  # noqa: F401
from .transforms import (grad, value_and_grad, vjp, jvp, jacobian, jacrev, jacfwd, hessian,  # noqa: F401
                         hvp)
from .function import Function, FunctionCtx, custom_vjp  # noqa: F401
