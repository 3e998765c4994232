"""The Keras 2 HDF5 weights layout (``save_weights('x.h5')``, and ``model_weights`` in a whole-model file).

Root attributes ``layer_names`` (every top-level layer, in order), ``backend`` and ``keras_version``;
one group per layer with attribute ``weight_names`` and one dataset per weight at that (nested) name,
e.g. ``dense_1/dense_1/kernel:0``. Read: files written by Keras 1 and 2 (fixed-length byte strings,
``:0`` names, Keras 1 names like ``dense_1_W``) and by Keras 3's legacy writer (variable-length
strings, no ``:0``, an extra ``top_level_model_weights`` group).
"""
from dataclasses import dataclass, field

import numpy as np

from . import legacy_convert
from .h5_attrs import has_strings, read_str_attr, read_strings, write_strings
from .structure import class_name, legacy_weights

#: The version and backend recorded in files written here: the layout is Keras 2.3's.
KERAS_VERSION = "2.3.1"
BACKEND = "tensorflow"


@dataclass
class LayerRecord:
    """One layer group as stored: its name, weight names and arrays."""
    name: str
    weight_names: list = field(default_factory=list)
    arrays: list = field(default_factory=list)


def is_legacy_group(group):
    return has_strings(group, "layer_names")


def _weight_names(layer, weights):
    names, used = [], set()
    for i, w in enumerate(weights):
        parts = (getattr(w, "path", None) or getattr(w, "name", None) or f"weight_{i}").split("/")
        # Keras 2 names start at the layer: no enclosing model scope
        parts = parts[parts.index(layer.name):] if layer.name in parts else [layer.name] + parts
        base = "/".join(parts)
        name, n = f"{base}:0", 0
        while name in used:
            n += 1
            name = f"{base}_{n}:0"
        used.add(name)
        names.append(name)
    return names


def write_weights(group, layers):
    """Write ``layers`` (a model's top-level layers) into ``group`` in the Keras 2 layout."""
    write_strings(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND.encode()
    group.attrs["keras_version"] = KERAS_VERSION.encode()
    for layer in layers:
        sub = group.create_group(layer.name)
        weights = legacy_weights(layer)
        names = _weight_names(layer, weights)
        write_strings(sub, "weight_names", names)
        for name, weight in zip(names, weights):
            sub.create_dataset(name, data=np.asarray(weight.numpy()))


def read_weights(group):
    """The layer records of a Keras 2 layout group, in ``layer_names`` order."""
    records = []
    for name in read_strings(group, "layer_names"):
        sub = group[name]
        names = read_strings(sub, "weight_names") if has_strings(sub, "weight_names") else []
        records.append(LayerRecord(name, names, [np.asarray(sub[n][()]) for n in names]))
    return records


@dataclass
class LegacyWeights:
    """Everything read from a Keras 2 layout group: layer records and the writer's version/backend."""
    records: list
    keras_version: str = ""
    backend: str = ""


def read(group):
    """Read a whole Keras 2 layout group into memory."""
    # Keras 1 wrote no version: a missing one means '1' (as Keras reads such files)
    return LegacyWeights(read_weights(group), read_str_attr(group, "keras_version", "1"),
                         read_str_attr(group, "backend", ""))


def plan_load(plan, stored, layers, by_name=False):
    """Queue on ``plan`` the arrays of ``stored`` (a :class:`LegacyWeights`) for ``layers``.

    ``by_name=False`` pairs the layers that have weights, in order (their counts must agree);
    ``by_name=True`` pairs a file layer with the model layer of the same name and ignores the rest.
    """
    records = stored.records
    if by_name:
        index = {layer.name: layer for layer in layers}
        pairs = [(index[r.name], r) for r in records if r.name in index]
    else:
        with_weights = [r for r in records if r.arrays]
        targets = [layer for layer in layers if legacy_weights(layer)]
        if len(with_weights) != len(targets):
            raise ValueError(
                f"Weights file {plan.source!r} holds weights for {len(with_weights)} layer(s) "
                f"{[r.name for r in with_weights]}, but the model has {len(targets)} layer(s) with "
                f"weights {[layer.name for layer in targets]}. Load into the same architecture, or "
                f"use by_name=True to match layers by name.")
        pairs = list(zip(targets, with_weights))
    for layer, record in pairs:
        arrays = legacy_convert.convert(layer, list(record.arrays), stored.keras_version,
                                        stored.backend)
        owner = f"layer {layer.name!r} ({class_name(layer)}; file layer {record.name!r})"
        plan.add(owner, legacy_weights(layer), arrays, per_weight=True)
