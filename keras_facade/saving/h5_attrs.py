"""HDF5 attribute helpers for Keras' layouts: string lists, split into chunks when they are large.

HDF5 keeps attributes in the object header (64 KB at most), so Keras stores a long list such as
``layer_names`` as ``layer_names0``, ``layer_names1``, ... Keras 2 wrote fixed-length byte strings,
Keras 3's legacy writer variable-length ones; both read back as ``str`` here.
"""
import numpy as np

#: The largest attribute Keras writes in one piece (the HDF5 object header limit, less a margin).
HEADER_LIMIT = 64512


def to_str(value):
    """A str from an HDF5 string value (bytes, numpy bytes or str)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf8")
    return str(value)


def write_strings(group, name, values):
    """Store a list of strings as fixed-length bytes (Keras 2 style), chunked when over the limit."""
    data = [v.encode("utf8") if isinstance(v, str) else bytes(v) for v in values]
    too_long = [v for v in data if len(v) > HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot store attribute {name!r}: the item {too_long[0][:40]!r}... is longer "
                         f"than {HEADER_LIMIT} bytes")
    if not data:
        group.attrs[name] = np.zeros((0,), dtype=np.float64)  # what Keras writes for an empty list
        return
    array = np.array(data, dtype=bytes)
    chunks = 1
    while array.nbytes / chunks > HEADER_LIMIT:
        chunks += 1
    parts = np.array_split(array, chunks)
    while any(p.nbytes > HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks == 1:
        group.attrs[name] = array
    else:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part


def has_strings(group, name):
    """Whether ``name`` (whole or chunked) is an attribute of ``group``."""
    return name in group.attrs or f"{name}0" in group.attrs


def read_strings(group, name):
    """The list of strings stored under ``name`` (whole or chunked); KeyError when absent."""
    if name in group.attrs:
        parts = [group.attrs[name]]
    else:
        parts = []
        while f"{name}{len(parts)}" in group.attrs:
            parts.append(group.attrs[f"{name}{len(parts)}"])
        if not parts:
            raise KeyError(f"attribute {name!r} not found in {group.name!r}")
    out = []
    for part in parts:
        out.extend(to_str(v) for v in np.atleast_1d(part))
    return out


def read_str_attr(group, name, default=None):
    """A single string attribute, or ``default`` when absent."""
    if name not in group.attrs:
        return default
    return to_str(group.attrs[name])
