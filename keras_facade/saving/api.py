"""``save_model``/``load_model`` and the functions behind ``Model.save_weights``/``load_weights``.

Formats, chosen by the file name when writing and by the content when reading:

=====================  ===================================================================
``*.keras``            Keras 3 zip (config.json, model.weights.h5, metadata.json)
``*.weights.h5``       Keras 3 weights layout (``layers/<name>/vars/<i>``)
any other name         Keras 2 HDF5: ``save`` a whole model (model_config, model_weights,
                       optimizer_weights), ``save_weights`` the ``layer_names`` layout
=====================  ===================================================================

Loading reads the whole file first (any read error names the file), then checks every array against
the model, and only then assigns: a file that does not fit changes nothing.
"""
import io
import os
import zipfile

import h5py

from . import h5_keras3, h5_legacy, h5_model, keras_zip, optimizer_state
from .atomic import atomic_path, confirm_overwrite
from .plan import LoadPlan

_KERAS3_WEIGHTS = ".weights.h5"
#: What h5py, zipfile and json raise on damaged files (and the readers on unexpected contents).
_READ_ERRORS = (OSError, KeyError, RuntimeError, TypeError, ValueError, zipfile.BadZipFile)


def _check_format(save_format, action):
    fmt = (save_format or "").lower()
    if fmt in ("tf", "tensorflow"):
        raise ValueError(f"{action}: the TensorFlow format is not supported; use a '.keras', '.h5' "
                         f"or '.weights.h5' file name")
    if fmt not in ("", "h5", "hdf5", "keras"):
        raise ValueError(f"{action}: unknown save_format {save_format!r}; use 'h5' or 'keras'")
    return fmt


def _check_built(model, action):
    if not getattr(model, "built", True):
        raise ValueError(f"Cannot {action}: the model {getattr(model, 'name', '')!r} has no weights "
                         f"yet. Build it first: call it on a batch of data, or model.build(input_shape) "
                         f"(or give the first layer an input_shape).")


def read_h5(filepath, what, reader):
    """``reader(h5file)`` on an HDF5 file (or the weights inside a ``.keras`` zip).

    A missing, truncated or corrupt file is a clear error that names it.
    """
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such {what} file: {filepath!r}")
    if os.path.isdir(filepath):
        raise ValueError(f"{filepath!r} is a folder (a TensorFlow SavedModel?): only '.keras' and "
                         f"HDF5 files can be loaded")
    is_zip = zipfile.is_zipfile(filepath)
    if not is_zip and not h5py.is_hdf5(filepath):
        raise ValueError(f"{filepath!r} is neither an HDF5 file nor a .keras zip: cannot load {what} "
                         f"from it")
    try:
        source = io.BytesIO(keras_zip.read(filepath)[1]) if is_zip else filepath
        with h5py.File(source, "r") as h5file:
            return reader(h5file)
    except _READ_ERRORS as err:
        raise ValueError(f"Cannot read {what} file {filepath!r}: it is truncated or corrupt "
                         f"({type(err).__name__}: {err})") from err


# -- weights -------------------------------------------------------------------------------------

def save_weights(model, filepath, overwrite=True, save_format=None):
    """Write the model's weights: Keras 3 layout for ``*.weights.h5`` (or ``save_format='keras'``),
    Keras 2 layout otherwise (``save_format='h5'``)."""
    filepath = os.fspath(filepath)
    fmt = _check_format(save_format, "save_weights")
    if not fmt and filepath.endswith(".keras"):
        raise ValueError(f"save_weights({filepath!r}): a '.keras' file holds a whole model; use "
                         f"model.save() for it, or a '.weights.h5'/'.h5' name for the weights alone")
    _check_built(model, "save weights")
    if not confirm_overwrite(filepath, overwrite):
        return
    keras3 = fmt == "keras" or (not fmt and filepath.endswith(_KERAS3_WEIGHTS))
    with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as h5file:
        if keras3:
            h5_keras3.write_weights(h5file, model, getattr(model, "optimizer", None))
        else:
            h5_legacy.write_weights(h5file, list(model.layers))


def _read_weights(h5file):
    """('keras2', LegacyWeights) or ('keras3', {path: arrays}) or (None, None)."""
    group = h5file
    if not h5_legacy.is_legacy_group(group) and isinstance(h5file.get("model_weights"), h5py.Group):
        group = h5file["model_weights"]
    if h5_legacy.is_legacy_group(group):
        return "keras2", h5_legacy.read(group)
    if h5_keras3.is_keras3_file(h5file):
        return "keras3", h5_keras3.read(h5file)
    return None, None


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load weights saved in any of the layouts (detected from the content) into ``model``.

    Every array is read and checked against the model first; on any mismatch nothing is assigned.
    """
    filepath = os.fspath(filepath)
    _check_built(model, f"load weights from {filepath!r}")
    layout, stored = read_h5(filepath, "weights", _read_weights)
    plan = LoadPlan(filepath, skip_mismatch)
    if layout == "keras2":
        h5_legacy.plan_load(plan, stored, list(model.layers), by_name=by_name)
    elif layout == "keras3":
        if by_name:
            raise ValueError(f"load_weights({filepath!r}, by_name=True): a Keras 3 weights file is "
                             f"matched by structure; by_name applies to Keras 2 ('.h5') files only")
        h5_keras3.plan_load(plan, stored, model)
        optimizer = getattr(model, "optimizer", None)
        if stored.get("optimizer") and optimizer is not None:
            optimizer_state.plan_load(plan, optimizer, model.trainable_weights, stored["optimizer"],
                                      filepath)
    else:
        raise ValueError(f"{filepath!r} is an HDF5 file without Keras weights (no 'layer_names' "
                         f"attribute and no 'layers' group)")
    plan.apply()


# -- whole models --------------------------------------------------------------------------------

def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    """Save architecture, weights, compile settings and optimizer state.

    ``*.keras`` (or ``save_format='keras'``) writes the Keras 3 zip; any other name the Keras 2 HDF5
    file, as ``model.save('model.h5')`` did.
    """
    filepath = os.fspath(filepath)
    fmt = _check_format(save_format, "save")
    if filepath.endswith(_KERAS3_WEIGHTS) and not fmt:
        raise ValueError(f"save({filepath!r}): '.weights.h5' names a weights-only file; use "
                         f"model.save_weights() for it, or a '.keras'/'.h5' name for the whole model")
    _check_built(model, "save the model")
    if not confirm_overwrite(filepath, overwrite):
        return
    if fmt == "keras" or (not fmt and filepath.endswith(".keras")):
        keras_zip.save(model, filepath, include_optimizer=include_optimizer)
        return
    with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as h5file:
        h5_model.write(h5file, model, include_optimizer=include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved by ``save_model`` (here or by Keras 2/3): ``.keras`` or HDF5.

    ``compile=True`` recompiles it as saved and restores the optimizer state, so training goes on.
    ``safe_mode=True`` refuses configs that hold Python bytecode (Lambda layers built from lambdas).
    """
    filepath = os.fspath(filepath)
    if os.path.exists(filepath) and zipfile.is_zipfile(filepath):
        try:
            record, weights = keras_zip.read(filepath)
            with h5py.File(io.BytesIO(weights), "r") as h5file:
                stored = h5_keras3.read(h5file)
        except _READ_ERRORS as err:
            raise ValueError(f"Cannot read model file {filepath!r}: it is truncated or corrupt "
                             f"({type(err).__name__}: {err})") from err
        return keras_zip.build(record, stored, filepath, custom_objects, compile, safe_mode)
    saved = read_h5(filepath, "model", h5_model.read)
    if saved.record is None:
        raise ValueError(f"load_model({filepath!r}): the file holds {saved.kind} only, not a model (no "
                         f"'model_config'). Build the model in code and call "
                         f"model.load_weights({filepath!r}).")
    return h5_model.build(saved, filepath, custom_objects, compile, safe_mode)
