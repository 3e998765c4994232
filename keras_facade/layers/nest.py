"""Tiny helpers for nested inputs (a tensor, or lists/tuples/dicts of them) and shapes."""
import numpy as np


def flatten(x):
    """The leaves of nested lists/tuples/dicts, in order (dicts by insertion order)."""
    if isinstance(x, (list, tuple)):
        out = []
        for item in x:
            out += flatten(item)
        return out
    if isinstance(x, dict):
        return flatten(list(x.values()))
    return [x]


def map_structure(fn, x):
    if isinstance(x, list):
        return [map_structure(fn, item) for item in x]
    if isinstance(x, tuple):
        return tuple(map_structure(fn, item) for item in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


def pack_like(structure, leaves):
    """Rebuild ``structure`` with ``leaves`` (as many as ``flatten(structure)``)."""
    it = iter(leaves)
    return map_structure(lambda _: next(it), structure)


def is_shape(x):
    """A single shape: a tuple/list of ints and None (not a list of shapes)."""
    return isinstance(x, (tuple, list)) and all(
        v is None or isinstance(v, (int, np.integer)) for v in x)


def flatten_shapes(x):
    if x is None:
        return [None]
    if is_shape(x):
        return [tuple(x)]
    if isinstance(x, dict):
        x = list(x.values())
    out = []
    for item in x:
        out += flatten_shapes(item)
    return out


def map_shapes(fn, x):
    if is_shape(x):
        return fn(tuple(x))
    if isinstance(x, dict):
        return {k: map_shapes(fn, v) for k, v in x.items()}
    return [map_shapes(fn, item) for item in x]


def shapes_to_lists(x):
    if is_shape(x):
        return [None if v is None else int(v) for v in x]
    if isinstance(x, dict):
        return {k: shapes_to_lists(v) for k, v in x.items()}
    return [shapes_to_lists(item) for item in x]


def lists_to_shapes(x):
    if is_shape(x):
        return tuple(x)
    if isinstance(x, dict):
        return {k: lists_to_shapes(v) for k, v in x.items()}
    return [lists_to_shapes(item) for item in x]


def to_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]
