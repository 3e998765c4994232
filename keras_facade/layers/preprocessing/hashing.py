"""Hashing layers (Keras 3): Hashing and HashedCrossing, with the hash functions they use.

Values hash exactly as in Keras 3 (which runs TensorFlow ops): strings by FarmHash
``Fingerprint64`` (farmhashna), with a ``salt`` by SipHash-2-4 keyed with the two salt words;
numbers are first written as decimal strings (floats truncated to integers). HashedCrossing
combines per-feature fingerprints (strings fingerprinted, integers as they are) with
TensorFlow's ``FingerprintCat64``, starting from the key 0xDECAFCAFFE. These are pure-Python
data-handling functions (no gradient).
"""
import struct

import numpy as np

import autograd_core as ag

from ... import backend
from ..base import Layer
from . import sampling
from .numerical import encode_categories, encoded_shape

MASK = (1 << 64) - 1
K0, K1, K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f
CROSS_KEY = 0xDECAFCAFFE


def _word(data, at):
    return struct.unpack_from("<Q", data, at)[0]


def _half(data, at):
    return struct.unpack_from("<I", data, at)[0]


def _rot(value, shift):
    return ((value >> shift) | (value << (64 - shift))) & MASK


def _shift_mix(value):
    return value ^ (value >> 47)


def _mix16(u, v, mul):
    a = _shift_mix(((u ^ v) * mul) & MASK)
    return (_shift_mix(((v ^ a) * mul) & MASK) * mul) & MASK


def _short(data):
    """Fingerprint of 0 to 16 bytes."""
    n = len(data)
    mul = (K2 + 2 * n) & MASK
    if n >= 8:
        a = (_word(data, 0) + K2) & MASK
        b = _word(data, n - 8)
        c = (_rot(b, 37) * mul + a) & MASK
        d = ((_rot(a, 25) + b) * mul) & MASK
        return _mix16(c, d, mul)
    if n >= 4:
        return _mix16((n + (_half(data, 0) << 3)) & MASK, _half(data, n - 4), mul)
    if n:
        y = data[0] + (data[n >> 1] << 8)
        z = n + (data[n - 1] << 2)
        return (_shift_mix(((y * K2) ^ (z * K0)) & MASK) * K2) & MASK
    return K2


def _medium(data):
    """Fingerprint of 17 to 64 bytes."""
    n = len(data)
    mul = (K2 + 2 * n) & MASK
    a = (_word(data, 0) * (K1 if n <= 32 else K2)) & MASK
    b = _word(data, 8)
    c = (_word(data, n - 8) * mul) & MASK
    d = (_word(data, n - 16) * K2) & MASK
    y = (_rot((a + b) & MASK, 43) + _rot(c, 30) + d) & MASK
    z = _mix16(y, (a + _rot((b + K2) & MASK, 18) + c) & MASK, mul)
    if n <= 32:
        return z
    e = (_word(data, 16) * mul) & MASK
    f = _word(data, 24)
    g = ((y + _word(data, n - 32)) * mul) & MASK
    h = ((z + _word(data, n - 24)) * mul) & MASK
    return _mix16((_rot((e + f) & MASK, 43) + _rot(g, 30) + h) & MASK,
                  (e + _rot((f + a) & MASK, 18) + g) & MASK, mul)


def _weak32(data, at, a, b):
    """Two 64-bit words from 32 bytes at ``at`` and the seeds a, b."""
    w, x, y, z = (_word(data, at + 8 * k) for k in range(4))
    a = (a + w) & MASK
    b = _rot((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rot(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def _long_round(data, at, state, mul, last):
    x, y, z, v, w = state
    x = (_rot((x + y + v[0] + _word(data, at + 8)) & MASK, 37) * mul) & MASK
    y = (_rot((y + v[1] + _word(data, at + 48)) & MASK, 42) * mul) & MASK
    x ^= (w[1] * (9 if last else 1)) & MASK
    y = (y + v[0] * (9 if last else 1) + _word(data, at + 40)) & MASK
    z = (_rot((z + w[0]) & MASK, 33) * mul) & MASK
    v = _weak32(data, at, (v[1] * mul) & MASK, (x + w[0]) & MASK)
    w = _weak32(data, at + 32, (z + w[1]) & MASK, (y + _word(data, at + 16)) & MASK)
    return z, y, x, v, w  # x and z swap


def fingerprint64(data):
    """FarmHash ``Fingerprint64`` (farmhashna ``Hash64``) of ``data`` (bytes or str)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    n = len(data)
    if n <= 16:
        return _short(data)
    if n <= 64:
        return _medium(data)
    seed = 81
    y = (seed * K1 + 113) & MASK
    state = ((seed * K2 + _word(data, 0)) & MASK, y, (_shift_mix((y * K2 + 113) & MASK) * K2)
             & MASK, (0, 0), (0, 0))
    end = ((n - 1) // 64) * 64
    for at in range(0, end, 64):
        state = _long_round(data, at, state, K1, False)
    x, y, z, v, w = state
    mul = (K1 + ((z & 0xff) << 1)) & MASK
    w0 = (w[0] + ((n - 1) & 63)) & MASK
    v0 = (v[0] + w0) & MASK
    w0 = (w0 + v0) & MASK
    x, y, z, v, w = _long_round(data, n - 64, (x, y, z, (v0, v[1]), (w0, w[1])), mul, True)
    return _mix16((_mix16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & MASK,
                  (_mix16(v[1], w[1], mul) + x) & MASK, mul)


def siphash24(key, data):
    """SipHash-2-4 of ``data`` (bytes or str) under the key (k0, k1) of two 64-bit words."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    k0, k1 = (int(k) & MASK for k in key)
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261,
         k1 ^ 0x7465646279746573]

    def rounds(count):
        for _ in range(count):
            v[0] = (v[0] + v[1]) & MASK
            v[1] = _rot_left(v[1], 13) ^ v[0]
            v[0] = _rot_left(v[0], 32)
            v[2] = (v[2] + v[3]) & MASK
            v[3] = _rot_left(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & MASK
            v[3] = _rot_left(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & MASK
            v[1] = _rot_left(v[1], 17) ^ v[2]
            v[2] = _rot_left(v[2], 32)

    n = len(data)
    tail = data[n - n % 8:] + bytes(7 - n % 8) + bytes([n & 0xff])
    for block in [_word(data, at) for at in range(0, n - n % 8, 8)] + [_word(tail, 0)]:
        v[3] ^= block
        rounds(2)
        v[0] ^= block
    v[2] ^= 0xff
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _rot_left(value, shift):
    return ((value << shift) | (value >> (64 - shift))) & MASK


def fingerprint_cat64(fp1, fp2):
    """TensorFlow's ``FingerprintCat64``: combine two 64-bit fingerprints."""
    mul = 0xc6a4a7935bd1e995
    result = fp1 ^ mul
    result ^= (_shift_mix((fp2 * mul) & MASK) * mul) & MASK
    result = (result * mul) & MASK
    result = (_shift_mix(result) * mul) & MASK
    return _shift_mix(result)


def _values(inputs):
    return inputs.numpy() if isinstance(inputs, ag.Tensor) else np.asarray(inputs)


def _as_text(value):
    """The string that TensorFlow hashes for ``value``."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (float, np.floating)):
        value = int(value)  # truncation, as a cast to int64
    return str(int(value)).encode("ascii")


def hash_to_bins(values, num_bins, salt=None):
    """Bin (int64 numpy, same shape) of every value: fingerprint (or keyed SipHash) mod bins."""
    values = np.asarray(values)
    keys, inverse = np.unique(values.ravel(), return_inverse=True) if values.size else \
        (values.ravel(), np.zeros(0, np.intp))
    if salt is None:
        bins = [fingerprint64(_as_text(k)) % num_bins for k in keys.tolist()]
    else:
        bins = [siphash24(salt, _as_text(k)) % num_bins for k in keys.tolist()]
    return np.asarray(bins, dtype=np.int64)[inverse].reshape(values.shape)


def _output_mode(layer, output_mode, allowed, sparse):
    if sparse:
        raise ValueError(f"{layer}: sparse=True is not supported (no sparse tensors)")
    return sampling.check_choice(layer, "output_mode", output_mode, allowed)


def _encode(layer, bins):
    if layer.output_mode == "int":
        return ag.tensor(bins.astype(layer.dtype), device=backend.get_device())
    return encode_categories(ag.tensor(bins, device=backend.get_device()), layer.output_mode,
                             layer.num_bins, layer.dtype)


class Hashing(Layer):
    """Hash strings or integers into ``num_bins`` bins. With ``mask_value``, that value goes to
    bin 0 and the others to 1..num_bins-1. ``salt`` (an int or a pair) switches to the keyed
    hash. ``output_mode``: 'int', 'one_hot', 'multi_hot' or 'count'."""

    _cast_inputs = False

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: `num_bins` must be a positive integer, "
                             f"got num_bins={num_bins!r}")
        self.output_mode = _output_mode("Hashing", output_mode,
                                        ("int", "one_hot", "multi_hot", "count"), sparse)
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"Hashing: output_mode='int' needs an integer dtype ('int32' or "
                             f"'int64'), got dtype={self.dtype!r}")
        if salt is not None and not isinstance(salt, int) and \
                not (isinstance(salt, (tuple, list)) and len(salt) == 2):
            raise ValueError(f"Hashing: `salt` must be an integer or a pair of integers, "
                             f"got salt={salt!r}")
        self.num_bins, self.mask_value, self.sparse = int(num_bins), mask_value, False
        self.salt = None if salt is None else [salt, salt] if isinstance(salt, int) else \
            list(salt)

    def call(self, inputs):
        values = _values(inputs)
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == self.mask_value
        out = hash_to_bins(values, bins, self.salt)
        if masked is not None:
            out = (out + 1) * ~masked
        return _encode(self, out)

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        return dict(super().get_config(), num_bins=self.num_bins, salt=self.salt,
                    mask_value=self.mask_value, output_mode=self.output_mode,
                    sparse=self.sparse)


def _feature_hash(value):
    """A crossed feature's own hash: strings fingerprinted, integers as they are."""
    if isinstance(value, (str, bytes)):
        return fingerprint64(value)
    return int(value) & MASK


class HashedCrossing(Layer):
    """Cross two or more categorical features (each of shape (), (batch,) or (batch, 1); strings
    or integers) into ``num_bins`` bins; ``output_mode`` 'int' or 'one_hot'."""

    _cast_inputs = False

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.output_mode = _output_mode("HashedCrossing", output_mode, ("int", "one_hot"),
                                        sparse)
        self.num_bins, self.sparse = int(num_bins), False

    def _convert_inputs(self, inputs):
        return inputs  # hashed as given: no cast to the output dtype

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"HashedCrossing: expected a list or tuple of at least two "
                             f"inputs, got {type(inputs).__name__}")
        values = [_values(x) for x in inputs]
        shape = values[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"HashedCrossing: inputs must have shape (), (batch,) or "
                             f"(batch, 1), got {shape}")
        if any(v.shape != shape for v in values):
            raise ValueError(f"HashedCrossing: all inputs must have the same shape, got "
                             f"{[v.shape for v in values]}")
        if any(v.dtype.kind not in "iuOSU" for v in values):
            raise ValueError(f"HashedCrossing: inputs must be integers or strings, got dtypes "
                             f"{[str(v.dtype) for v in values]}")
        return values, shape

    def call(self, inputs):
        values, shape = self._check(inputs)
        bins = []
        for row in zip(*(v.ravel().tolist() for v in values)):
            hashed = CROSS_KEY
            for value in row:
                hashed = fingerprint_cat64(hashed, _feature_hash(value))
            bins.append(hashed % self.num_bins)
        return _encode(self, np.asarray(bins, dtype=np.int64).reshape(shape))

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        return (shape[:-1] if shape and shape[-1] == 1 else shape) + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
