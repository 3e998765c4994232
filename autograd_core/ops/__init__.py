"""The public ops: numpy-style functions over tensors. Composites here define no derivative of their
own; they are built from the primitives. Importing this module also gives ``Tensor`` its operators
and methods of the same names."""
from .. import tensor as _tensor_module
from ..tensor import Tensor
from ..primitives import elementwise as _E
from .creation import (tensor, as_tensor, zeros, ones, empty, full, zeros_like, ones_like, full_like,
                       arange, linspace, eye, rand, randn, randint, manual_seed)
from .math import (add, subtract, sub, multiply, mul, divide, div, true_divide, power, pow, maximum,
                   minimum, equal, not_equal, less, less_equal, greater, greater_equal, logical_and,
                   logical_or, logical_not, negative, neg, exp, expm1, log, log1p, log2, log10, sqrt,
                   sin, cos, tan, tanh, sigmoid, relu, abs, absolute, sign, erf, isnan, isfinite,
                   floor, round, square, reciprocal, clip, where, cast, to_device, lerp, addcdiv,
                   sinh, cosh, arcsin, arccos, arctan, arcsinh, arccosh, arctanh, ceil, trunc,
                   isinf, signbit, bitwise_not, arctan2, mod, fmod, floor_divide, nextafter,
                   logical_xor, bitwise_and, bitwise_or, bitwise_xor, left_shift, right_shift, gcd,
                   lcm)
from .reductions import (sum, mean, max, min, amax, amin, prod, var, std, logsumexp, cumsum, argmax,
                         argmin, any, all)
from .shape import (reshape, transpose, permute_dims, swapaxes, moveaxis, expand_dims, squeeze,
                    flatten, ravel, broadcast_to, concatenate, concat, stack, split, pad, flip,
                    getitem, index_add, repeat, tile)
from .linalg import matmul, dot, outer, einsum, tensordot
from .special import softmax, log_softmax
from ._coerce import coerce as _coerce, promote_kinds as _promote_kinds


def _install_operators():
    def binary(prim, compare=False, true_div=False):
        def op(a, b):
            cls = b.__class__
            if cls is Tensor:
                if a._data.dtype is not b._data.dtype and not compare:
                    a, b = _promote_kinds(a, b)
            else:
                if cls is float:
                    if a._data.dtype.kind not in "fc" and not compare:  # comparisons stay exact
                        a = a.astype("float32")
                elif b is None:
                    return NotImplemented
                elif cls is not int:
                    a, b = _coerce(a, b, not compare)
            if true_div and a._data.dtype.kind in "iub":
                a, b = _as_float32(a, b)
            return prim(a, b)

        def rop(a, b):
            a, b = _coerce(a, b, not compare)
            if true_div and a._data.dtype.kind in "iub":
                a, b = _as_float32(a, b)
            return prim(b, a)
        return op, rop

    def _as_float32(a, b):
        """Two integer operands of a true division divide as float32, as in PyTorch."""
        return a.astype("float32"), b.astype("float32") if isinstance(b, Tensor) else b

    for name, prim in [("add", _E.add), ("sub", _E.sub), ("mul", _E.mul), ("pow", _E.pow)]:
        op, rop = binary(prim)
        setattr(Tensor, f"__{name}__", op)
        setattr(Tensor, f"__r{name}__", rop)
    Tensor.__truediv__, Tensor.__rtruediv__ = binary(_E.div, true_div=True)
    for name, prim in [("eq", _E.equal), ("ne", _E.not_equal), ("lt", _E.less), ("le", _E.less_equal),
                       ("gt", _E.greater), ("ge", _E.greater_equal), ("and", _E.logical_and),
                       ("or", _E.logical_or)]:
        setattr(Tensor, f"__{name}__", binary(prim, compare=True)[0])
    Tensor.__matmul__ = lambda a, b: matmul(a, b)
    Tensor.__rmatmul__ = lambda a, b: matmul(b, a)
    Tensor.__neg__ = lambda a: _E.neg(a)
    Tensor.__pos__ = lambda a: a
    Tensor.__abs__ = lambda a: _E.abs(a)
    Tensor.__invert__ = lambda a: _E.logical_not(a)
    Tensor.__getitem__ = getitem
    Tensor.__hash__ = object.__hash__

    def setitem(self, key, value):
        """In-place assignment into ``.data`` (not recorded: use ``where``/``index_add`` in graphs)."""
        if self.requires_grad:
            raise RuntimeError("__setitem__: in-place assignment to a tensor that requires grad "
                               "would corrupt its gradient; build a new tensor instead")
        from .shape import normalize_key
        self._data[normalize_key(key, self._device)] = value._data if isinstance(value, Tensor) \
            else value
    Tensor.__setitem__ = setitem

    methods = dict(
        sum=sum, mean=mean, max=max, min=min, prod=prod, var=var, std=std, logsumexp=logsumexp,
        cumsum=cumsum, argmax=argmax, argmin=argmin, any=any, all=all, reshape=reshape,
        transpose=transpose, swapaxes=swapaxes, expand_dims=expand_dims, squeeze=squeeze,
        flatten=flatten, ravel=ravel, broadcast_to=broadcast_to, exp=exp, log=log, log1p=log1p,
        sqrt=sqrt, sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu, abs=abs, clip=clip,
        softmax=softmax, log_softmax=log_softmax, matmul=matmul, flip=flip, pad=pad, square=square,
        sign=sign, repeat=repeat)
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    _tensor_module._ops = __import__(__name__, fromlist=["_"])


_install_operators()
