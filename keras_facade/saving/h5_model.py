"""The Keras 2 whole-model HDF5 file (``model.save('m.h5')``).

The architecture is stored as Keras 3's legacy writer stores it (Keras 3 configs), or, under the
``keras2`` compatibility profile, as Keras 2 wrote it.

Root attributes ``keras_version``, ``backend``, ``model_config`` (JSON architecture) and
``training_config`` (JSON: optimizer_config, loss, metrics, weighted_metrics, sample_weight_mode,
loss_weights); group ``model_weights`` in the Keras 2 weights layout; group ``optimizer_weights``
(attribute ``weight_names``, one dataset per optimizer variable, Keras 3 order).
"""
import json
from dataclasses import dataclass

import h5py
import numpy as np

from .. import config as facade_config
from . import h5_legacy, model_config, optimizer_state
from .h5_attrs import has_strings, read_str_attr, read_strings, write_strings
from .plan import LoadPlan
from .safe_mode import check_config
from .structure import class_name


def is_model_file(h5file):
    return "model_config" in h5file.attrs


def _optimizer_names(optimizer, variables):
    prefix = getattr(optimizer, "name", None) or type(optimizer).__name__.lower()
    names, used = [], set()
    for i, v in enumerate(variables):
        base = (getattr(v, "path", None) or getattr(v, "name", None) or f"variable_{i}")
        base = base.replace("/", "_").replace(":", "_")
        name = f"{prefix}/{base}"
        n = 0
        while name in used:
            n += 1
            name = f"{prefix}/{base}_{n}"
        used.add(name)
        names.append(name)
    return names


def write(h5file, model, include_optimizer=True):
    """Write the whole model into an open, empty HDF5 file."""
    version = facade_config.default("serialization.keras_version")
    h5file.attrs["keras_version"] = version.encode()
    h5file.attrs["backend"] = h5_legacy.BACKEND.encode()
    if version.startswith("2"):  # the Keras 2 profile: configs as Keras 2 wrote them
        arch = {"class_name": class_name(model), "config": model.get_config()}
    else:  # as Keras 3's legacy writer does: Keras 3 configs in the Keras 2 file layout
        record = model_config.serialize_model(model)
        arch = {"class_name": record["class_name"], "config": record["config"]}
    h5file.attrs["model_config"] = json.dumps(arch).encode("utf8")
    h5_legacy.write_weights(h5file.create_group("model_weights"), list(model.layers))
    training = model_config.training_config(model)
    if training is None:
        return
    h5file.attrs["training_config"] = json.dumps(training).encode("utf8")
    optimizer = getattr(model, "optimizer", None)
    variables = optimizer_state.variables(optimizer) if include_optimizer and optimizer else []
    if variables:
        group = h5file.create_group("optimizer_weights")
        names = _optimizer_names(optimizer, variables)
        write_strings(group, "weight_names", names)
        for name, v in zip(names, variables):
            group.create_dataset(name, data=np.asarray(v.numpy()))


@dataclass
class SavedModel:
    """The contents of a legacy model file, read into memory."""
    record: dict = None
    training: dict = None
    weights: h5_legacy.LegacyWeights = None
    optimizer: list = None
    kind: str = "no Keras model"


def _json_attr(h5file, name):
    text = read_str_attr(h5file, name)
    return None if text is None else json.loads(text)


def read(h5file):
    """Everything :func:`build` needs from an open HDF5 file."""
    if not is_model_file(h5file):
        kind = ("Keras 2 weights" if h5_legacy.is_legacy_group(h5file) else
                "Keras 3 weights" if "layers" in h5file or "vars" in h5file else "no Keras model")
        return SavedModel(kind=kind)
    group = h5file["model_weights"] if "model_weights" in h5file else h5file
    saved = SavedModel(_json_attr(h5file, "model_config"), _json_attr(h5file, "training_config"),
                       h5_legacy.read(group), kind="a model")
    opt = h5file.get("optimizer_weights")
    if isinstance(opt, h5py.Group) and has_strings(opt, "weight_names"):
        saved.optimizer = [np.asarray(opt[n][()]) for n in read_strings(opt, "weight_names")]
    return saved


def build(saved, source, custom_objects=None, compile=True, safe_mode=True):
    """The model of a :class:`SavedModel`: rebuilt, filled and (when asked and stored) compiled."""
    check_config(saved.record, source, safe_mode)
    model = model_config.deserialize_model(saved.record, custom_objects, safe_mode)
    plan = LoadPlan(source)
    h5_legacy.plan_load(plan, saved.weights, list(model.layers))
    plan.apply()
    if not (compile and saved.training):
        return model
    model_config.compile_from_config(model, saved.training, custom_objects)
    if saved.optimizer:
        state = LoadPlan(source)
        optimizer_state.plan_load(state, model.optimizer, model.trainable_weights, saved.optimizer,
                                  source)
        state.apply()
    return model
