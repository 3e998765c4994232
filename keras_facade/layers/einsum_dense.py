"""EinsumDense: a dense projection written as an einsum equation ``input,kernel->output``."""
import math
import re

import numpy as np

import autograd_core as ag

from .base import Layer
from .core import kernel_bias_config, set_kernel_bias_args

_EQUATION = re.compile(r"(\.\.\.)?([a-zA-Z]+)(\.\.\.)?,([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]+)(\.\.\.)?")


def _parse(layer_name, equation):
    """(input, kernel, output letters, where the ellipsis is: None, 'left' or 'right')."""
    m = _EQUATION.fullmatch(equation.replace(" ", ""))
    if m:
        left_in, x, right_in, w, left_out, z, right_out = m.groups()
        if not (left_in or right_in or left_out or right_out):
            return x, w, z, None
        if left_in and left_out and not (right_in or right_out):
            return x, w, z, "left"
        if right_in and right_out and not (left_in or left_out) and len(x) >= 2:
            return x, w, z, "right"
    raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): invalid equation {equation!r}; "
                     f"expected 'X,Y->Z', '...X,Y->...Z' or 'X...,Y->Z...'")


def analyze_equation(layer_name, equation, bias_axes, input_shape, partial_output_shape):
    """Kernel shape, bias shape (None without ``bias_axes``), full output shape, and the kernel
    axes that index the input and the output (for the initializer's fans)."""
    x, w, z, ellipsis = _parse(layer_name, equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(x)
    if elided < 0 or (ellipsis is None and elided):
        raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): equation {equation!r} expects "
                         f"inputs of rank {len(x)}, got input shape {input_shape}")
    partial = list(partial_output_shape)
    if ellipsis == "left":
        output, offset = list(input_shape[:elided]) + partial, elided
    else:
        output, offset = [input_shape[0]] + partial + list(input_shape[len(x):]), 0
    if len(output) != len(z) + elided:
        raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): output_shape "
                         f"{tuple(partial_output_shape)} does not fit the output '{z}' of "
                         f"equation {equation!r}")
    in_dim = {c: input_shape[i + offset] for i, c in enumerate(x)}
    out_pos = {c: i + offset for i, c in enumerate(z)}
    for c, n in in_dim.items():
        if c in out_pos:
            have = output[out_pos[c]]
            if have is not None and n is not None and have != n:
                raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): input and output shape "
                                 f"differ at shared dimension '{c}': input {n}, output {have}")
            output[out_pos[c]] = n if have is None else have
    for c in z:
        if c not in x and c not in w:
            raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): output dimension '{c}' of "
                             f"{equation!r} is neither in the input nor in the kernel")
    kernel, in_axes, out_axes = [], [], []
    for i, c in enumerate(w):
        if c in out_pos:
            kernel.append(output[out_pos[c]])
            out_axes.append(i)
        elif c in in_dim:
            kernel.append(in_dim[c])
            in_axes.append(i)
        else:
            raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): kernel dimension '{c}' of "
                             f"{equation!r} is neither in the input nor in the output")
    bias = None
    if bias_axes:
        missing = [c for c in bias_axes if c not in z]
        if missing:
            raise ValueError(f"Layer \"{layer_name}\" (EinsumDense): bias axis '{missing[0]}' is "
                             f"not in the output '{z}' of {equation!r}")
        first = min(z.index(c) for c in bias_axes)
        bias = [output[out_pos[c]] if c in bias_axes else 1 for c in z[first:]]
        if ellipsis == "right":
            bias += [1] * elided
    return kernel, bias, tuple(output), in_axes, out_axes


def _fan_initializer(initializer, shape, in_axes, out_axes):
    """The kernel initializer drawn as a (fan_in, fan_out) matrix, then laid out on the kernel's
    axes, so that fan-based initializers see the input and output sizes of the projection."""
    def init(_shape, dtype=None):
        fan_in = math.prod(shape[i] for i in in_axes)
        fan_out = math.prod(shape[i] for i in out_axes)
        try:
            value = initializer((fan_in, fan_out), dtype=dtype)
        except TypeError:  # an initializer function without a dtype argument
            value = initializer((fan_in, fan_out))
        value = np.asarray(value.numpy() if isinstance(value, ag.Tensor) else value)
        value = value.reshape([shape[i] for i in in_axes + out_axes])
        return np.transpose(value, np.argsort(in_axes + out_axes))
    return init


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``. The kernel's shape follows from the
    equation, the input shape and ``output_shape`` (the output without its batch dimension, None
    for a dimension taken from the input); ``bias_axes`` names the output letters the bias spans."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, activity_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        _parse(self.name, equation)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else \
            tuple(output_shape)
        self.bias_axes = bias_axes
        set_kernel_bias_args(self, activation, bool(bias_axes), kernel_initializer,
                             bias_initializer, kernel_regularizer, bias_regularizer,
                             activity_regularizer, kernel_constraint, bias_constraint)

    def _analyze(self, input_shape):
        return analyze_equation(self.name, self.equation, self.bias_axes, input_shape,
                                self.partial_output_shape)

    def build(self, input_shape):
        kernel, bias, _, in_axes, out_axes = self._analyze(input_shape)
        if any(n is None for n in kernel + (bias or [])):
            raise ValueError(f"Layer \"{self.name}\" (EinsumDense): the kernel dimensions must be "
                             f"known, got kernel shape {tuple(kernel)} for input shape "
                             f"{tuple(input_shape)}")
        self.kernel = self.add_weight(
            "kernel", kernel, initializer=_fan_initializer(self.kernel_initializer, kernel,
                                                           in_axes, out_axes),
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", bias, initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if bias else None
        super().build(input_shape)

    def call(self, inputs):
        out = ag.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return self._analyze(input_shape)[2]

    def get_config(self):
        cfg = kernel_bias_config(self)
        del cfg["use_bias"]
        return dict(super().get_config(), output_shape=list(self.partial_output_shape),
                    equation=self.equation, activation=cfg.pop("activation"),
                    bias_axes=self.bias_axes, **cfg, quantization_config=None)

