"""The Keras 3 ``.keras`` file: a zip of ``metadata.json``, ``config.json``, ``model.weights.h5``
and ``assets/<layer path>/...``, the files that layers write with ``save_assets(dir)``."""
import datetime
import io
import json
import os
import tempfile
import zipfile

import h5py

from . import h5_keras3, model_config, optimizer_state
from .atomic import atomic_path
from .plan import LoadPlan
from .safe_mode import check_config
from .structure import saveable_nodes

CONFIG, METADATA, WEIGHTS, ASSETS = "config.json", "metadata.json", "model.weights.h5", "assets"
#: The Keras release whose ``.keras`` layout the files written here follow.
KERAS_VERSION = "3.6.0"


def save(model, filepath, include_optimizer=True):
    """Write ``model`` (architecture, weights, compile settings, optimizer state) atomically."""
    record = model_config.full_record(model)
    optimizer = getattr(model, "optimizer", None) if include_optimizer else None
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        h5_keras3.write_weights(h5file, model, optimizer)
    with atomic_path(filepath) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA, json.dumps(metadata))
            zf.writestr(CONFIG, json.dumps(record))
            zf.writestr(WEIGHTS, buffer.getvalue())
            _write_assets(zf, model)


def _asset_hooks(model, hook):
    """``(zip folder, bound hook)`` of every layer of ``model`` that defines ``hook``."""
    for path, node in saveable_nodes(model):
        method = getattr(node, hook, None)
        if callable(method):
            yield "/".join(filter(None, [ASSETS, path])), method


def _write_assets(zf, model):
    for folder, save_assets in _asset_hooks(model, "save_assets"):
        with tempfile.TemporaryDirectory() as tmp:
            save_assets(tmp)
            for root, _, files in os.walk(tmp):
                for name in files:
                    full = os.path.join(root, name)
                    zf.write(full, f"{folder}/{os.path.relpath(full, tmp).replace(os.sep, '/')}")


def _load_assets(model, source):
    hooks = list(_asset_hooks(model, "load_assets"))
    if not hooks:
        return
    with zipfile.ZipFile(source) as zf:
        members = zf.namelist()
        for folder, load_assets in hooks:
            with tempfile.TemporaryDirectory() as tmp:
                for member in members:
                    inner = member[len(folder) + 1:]
                    if member.startswith(folder + "/") and inner.count("/") == 0 and inner:
                        with open(os.path.join(tmp, inner), "wb") as out:
                            out.write(zf.read(member))
                load_assets(tmp)


def _read_member(zf, name, filepath):
    if name not in zf.namelist():
        raise ValueError(f"{filepath!r} is a zip file without {name!r}: not a .keras model file")
    return zf.read(name)


def read(filepath):
    """(config record, bytes of model.weights.h5) of a ``.keras`` file."""
    with zipfile.ZipFile(filepath) as zf:
        record = json.loads(_read_member(zf, CONFIG, filepath))
        weights = _read_member(zf, WEIGHTS, filepath)
    return record, weights


def build(record, stored, source, custom_objects=None, compile=True, safe_mode=True):
    """The model of a ``.keras`` file from its config record and stored weights (``h5_keras3.read``);
    compiled, with the optimizer state restored, when ``compile``."""
    check_config(record, source, safe_mode)
    model = model_config.deserialize_model(record, custom_objects, safe_mode)
    plan = LoadPlan(source)
    h5_keras3.plan_load(plan, stored, model)
    plan.apply()
    _load_assets(model, source)
    compile_cfg = record.get("compile_config") if compile else None
    if compile_cfg:
        model_config.compile_from_config(model, compile_cfg, custom_objects)
        if stored.get("optimizer"):
            state = LoadPlan(source)
            optimizer_state.plan_load(state, model.optimizer, model.trainable_weights,
                                      stored["optimizer"], source)
            state.apply()
    return model
