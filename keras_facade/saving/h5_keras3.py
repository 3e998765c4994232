"""The Keras 3 weights layout (``*.weights.h5``, and ``model.weights.h5`` inside a ``.keras`` file).

Every saveable object gets a group ``<path>/vars`` (attribute ``name`` = its name) holding its own
variables as datasets ``0``, ``1``, ...; the model itself is ``vars`` at the root, its layers
``layers/<snake_class>[_n]/vars``, nested objects below them (``layers/gru/cell/vars``), and the
optimizer ``optimizer/vars`` (``[iterations, learning_rate, slots...]``).
"""
import h5py
import numpy as np

from . import optimizer_state
from .structure import class_name, own_variables, saveable_nodes


def is_keras3_file(h5file):
    return "layers" in h5file or "vars" in h5file


def _vars_path(path):
    return f"{path}/vars" if path else "vars"


def _write_vars(h5file, path, name, variables):
    group = h5file.create_group(_vars_path(path))
    group.attrs["name"] = str(name)
    for i, v in enumerate(variables):
        group.create_dataset(str(i), data=np.asarray(v.numpy()))


def write_weights(h5file, model, optimizer=None):
    """Write ``model``'s variables (and ``optimizer``'s, when given) in the Keras 3 layout."""
    for path, node in saveable_nodes(model):
        _write_vars(h5file, path, getattr(node, "name", class_name(node)), own_variables(node))
    if optimizer is not None:
        variables = optimizer_state.variables(optimizer)
        _write_vars(h5file, "optimizer", getattr(optimizer, "name", None) or
                    class_name(optimizer).lower(), variables)


def _read_vars(group):
    keys = list(group.keys())
    if any(not k.isdigit() for k in keys) or sorted(map(int, keys)) != list(range(len(keys))):
        raise ValueError(f"unexpected dataset names {sorted(keys)} in {group.name!r} (expected 0, 1, ...)")
    return [np.asarray(group[str(i)][()]) for i in range(len(keys))]


def read(h5file):
    """Every ``vars`` group of a Keras 3 layout file: ``{path without '/vars': [arrays]}``."""
    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and (name == "vars" or name.endswith("/vars")):
            found[name[:-len("/vars")] if name != "vars" else ""] = _read_vars(obj)
    h5file.visititems(visit)
    return found


def plan_load(plan, stored, model):
    """Queue on ``plan`` the arrays of ``stored`` (from :func:`read`) for every variable of ``model``,
    matched by path; stored weights that the model has no place for are a mismatch too."""
    used = {"optimizer"}
    for path, node in saveable_nodes(model):
        variables = own_variables(node)
        if not variables:
            continue
        used.add(path)
        owner = f"{class_name(node)} {getattr(node, 'name', '')!r} at {_vars_path(path)!r}"
        if path not in stored:
            plan.mismatch(f"{owner} has {len(variables)} weight(s) but the file has no such group")
            continue
        plan.add(owner, variables, stored[path])
    extra = [_vars_path(p) for p, arrays in stored.items() if arrays and p not in used]
    if extra:
        plan.mismatch(f"the file holds weights for {sorted(extra)}, which the model does not have")
