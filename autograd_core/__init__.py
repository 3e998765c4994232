"""autograd_core: a reverse-mode autodiff tensor engine over numpy (CPU) and cupy (GPU).

    import autograd_core as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()      # x.grad == [2, 4]
    ag.grad(lambda x: (x ** 3).sum())(x)
"""
from . import memory  # noqa: F401  (sets the host memory policy first)
from .tensor import Tensor
from .backend import Device, device
from .ops import *  # noqa: F401,F403
from .ops import __dict__ as _ops_dict
from .autodiff import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, grad,  # noqa: F401
                       value_and_grad, vjp, jvp, jacobian, jacrev, jacfwd, hessian, hvp, Function,
                       FunctionCtx, custom_vjp, primitive, Primitive)
from . import cuda  # noqa: F401
from .backend import float32, float64, int64, bool_  # noqa: F401

float16 = __import__("numpy").dtype("float16")
int32 = __import__("numpy").dtype("int32")

__all__ = ["Tensor", "Device", "device", "no_grad", "enable_grad", "grad", "value_and_grad", "vjp",
           "jvp", "jacobian", "hessian", "hvp", "Function", "custom_vjp", "primitive", "cuda", "nn",
           "testing"] + [k for k in _ops_dict if not k.startswith("_")]


def __getattr__(name):
    # nn and testing load on first use (testing needs hypothesis, nn is the largest module)
    if name in ("nn", "testing"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd_core' has no attribute {name!r}")
