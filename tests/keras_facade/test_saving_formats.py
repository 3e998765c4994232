"""File-format building blocks: HDF5 attributes, atomic writes, Keras 1 conversions, safe mode,
the custom-object registry. (Whole models: test_saving_weights.py, test_saving_models.py.)"""
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

from keras_facade.saving import atomic, h5_attrs, legacy_convert, registration, safe_mode, structure

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                        "keras")


# -- HDF5 string attributes ------------------------------------------------------------------------

def test_string_attributes_fixed_length_and_chunked(tmp_path):
    short = ["dense_1", "dropout_1"]
    long = [f"layer_with_a_rather_long_name_{i:05d}" for i in range(3000)]  # ~110 KB
    with h5py.File(tmp_path / "a.h5", "w") as f:
        h5_attrs.write_strings(f, "short", short)
        h5_attrs.write_strings(f, "long", long)
        h5_attrs.write_strings(f, "empty", [])
    with h5py.File(tmp_path / "a.h5", "r") as f:
        assert f.attrs["short"].dtype.kind == "S"  # Keras 2: fixed-length bytes
        assert "long" not in f.attrs and "long0" in f.attrs and "long1" in f.attrs
        assert all(f.attrs[k].nbytes <= h5_attrs.HEADER_LIMIT for k in f.attrs if k.startswith("long"))
        assert f.attrs["empty"].shape == (0,) and f.attrs["empty"].dtype == np.float64
        assert h5_attrs.read_strings(f, "short") == short
        assert h5_attrs.read_strings(f, "long") == long
        assert h5_attrs.read_strings(f, "empty") == []
        assert h5_attrs.has_strings(f, "long") and not h5_attrs.has_strings(f, "nope")
        with pytest.raises(KeyError):
            h5_attrs.read_strings(f, "nope")


def test_variable_length_string_attributes_read(tmp_path):
    # Keras 3's legacy writer stores variable-length str attributes
    with h5py.File(tmp_path / "b.h5", "w") as f:
        f.attrs.create("names", ["dense", "dense_1"], dtype=h5py.string_dtype())
        f.attrs["version"] = "3.15.1"
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert h5_attrs.read_strings(f, "names") == ["dense", "dense_1"]
        assert h5_attrs.read_str_attr(f, "version") == "3.15.1"
        assert h5_attrs.read_str_attr(f, "absent", "x") == "x"


def test_oversized_single_attribute_item_rejected(tmp_path):
    with h5py.File(tmp_path / "c.h5", "w") as f, pytest.raises(ValueError, match="longer than"):
        h5_attrs.write_strings(f, "names", ["x" * (h5_attrs.HEADER_LIMIT + 1)])


# -- atomic writes ---------------------------------------------------------------------------------

def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "w.h5"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"partial")
            raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["w.h5"]  # no temporary file left behind
    with atomic.atomic_path(target) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path)
        with open(tmp, "wb") as fh:
            fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["w.h5"]
    mode = os.stat(target).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_atomic_path_writes_through_a_symbolic_link(tmp_path):
    (tmp_path / "store").mkdir()
    real = tmp_path / "store" / "w.h5"
    real.write_bytes(b"old")
    link = tmp_path / "latest.h5"
    link.symlink_to(real)
    with atomic.atomic_path(link) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path / "store")) == ["w.h5"]


def test_atomic_path_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic.atomic_path(tmp_path / "nope" / "w.h5"):
            pass


def test_confirm_overwrite_without_terminal(tmp_path, monkeypatch):
    target = tmp_path / "x"
    assert atomic.confirm_overwrite(str(target), overwrite=False)  # new file
    target.write_text("x")
    assert atomic.confirm_overwrite(str(target), overwrite=True)
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        atomic.confirm_overwrite(str(target), overwrite=False)


# -- Keras 1 / Theano conversions ------------------------------------------------------------------

class _Var:
    def __init__(self, shape):
        self.shape = shape


class _FakeLayer:
    """Just what the converter looks at: the class name and the weight shapes."""

    def __init__(self, cls, shapes):
        self.__class__ = type(cls, (_FakeLayer,), {})
        self.weights = [_Var(s) for s in shapes]


def test_keras1_lstm_gates_merged_in_keras2_order():
    n_in, units = 3, 2
    rng = np.random.default_rng(0)
    # Keras 1 order: i, c, f, o, each W (n_in, units), U (units, units), b (units,)
    gates = {g: [rng.normal(size=(n_in, units)), rng.normal(size=(units, units)),
                 rng.normal(size=units)] for g in "icfo"}
    arrays = [a for g in "icfo" for a in gates[g]]
    layer = _FakeLayer("LSTM", [(n_in, 4 * units), (units, 4 * units), (4 * units,)])
    kernel, recurrent, bias = legacy_convert.convert(layer, arrays, "1.2.2", "tensorflow")
    for k, g in enumerate("ifco"):  # Keras 2 order: i, f, c, o
        np.testing.assert_array_equal(kernel[:, k * units:(k + 1) * units], gates[g][0])
        np.testing.assert_array_equal(recurrent[:, k * units:(k + 1) * units], gates[g][1])
        np.testing.assert_array_equal(bias[k * units:(k + 1) * units], gates[g][2])
    # a Keras 2 file is left alone
    same = legacy_convert.convert(layer, [kernel, recurrent, bias], "2.3.1", "tensorflow")
    assert all(a is b for a, b in zip(same, [kernel, recurrent, bias]))


def test_keras1_gru_and_bidirectional_halves():
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=s) for _ in range(3) for s in [(3, 2), (2, 2), (2,)]]
    gru = _FakeLayer("GRU", [(3, 6), (2, 6), (6,)])
    kernel, recurrent, bias = legacy_convert.convert(gru, list(arrays), "1.1.0")
    np.testing.assert_array_equal(kernel, np.concatenate([arrays[0], arrays[3], arrays[6]], -1))
    np.testing.assert_array_equal(bias, np.concatenate([arrays[2], arrays[5], arrays[8]], -1))
    bi = _FakeLayer("Bidirectional", [])
    bi.forward_layer, bi.backward_layer = gru, gru
    out = legacy_convert.convert(bi, arrays + arrays, "1.1.0")
    assert len(out) == 6 and out[3].shape == (3, 6)


def test_channels_first_and_theano_conv_kernels():
    rng = np.random.default_rng(2)
    kernel = rng.normal(size=(3, 3, 2, 4))  # (rows, cols, in, filters)
    th = np.transpose(kernel, (3, 2, 0, 1))  # Keras 1 'th': (filters, in, rows, cols)
    conv = _FakeLayer("Conv2D", [(3, 3, 2, 4), (4,)])
    out = legacy_convert.convert(conv, [th, np.zeros(4)], "1.2.2", "tensorflow")
    np.testing.assert_array_equal(out[0], kernel)
    flipped = legacy_convert.convert(conv, [kernel, np.zeros(4)], "2.0.0", "theano")[0]
    np.testing.assert_array_equal(flipped, kernel[::-1, ::-1])


def test_snake_case_matches_keras3_paths():
    cases = {"Dense": "dense", "Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d",
             "BatchNormalization": "batch_normalization", "LSTM": "lstm", "GRU": "gru",
             "TimeDistributed": "time_distributed", "InputLayer": "input_layer",
             "Bidirectional": "bidirectional", "Sequential": "sequential", "PReLU": "p_re_lu"}
    assert {k: structure.snake_case(k) for k in cases} == cases


# -- safe mode -------------------------------------------------------------------------------------

def _fixture_configs():
    with zipfile.ZipFile(os.path.join(FIXTURES, "lambda.keras")) as zf:
        keras3 = json.loads(zf.read("config.json"))
    with h5py.File(os.path.join(FIXTURES, "lambda.h5"), "r") as f:
        legacy = json.loads(f.attrs["model_config"])
    return keras3, legacy


def test_bytecode_found_in_real_keras_configs():
    for config in _fixture_configs():
        assert safe_mode.find_bytecode(config) == "'lambda' (Lambda)"
        with pytest.raises(ValueError, match="arbitrary code execution.*safe_mode=False"):
            safe_mode.check_config(config, "lambda.keras")
        safe_mode.check_config(config, "lambda.keras", safe_mode=False)  # explicit opt-in
    with zipfile.ZipFile(os.path.join(FIXTURES, "mlp.keras")) as zf:
        assert safe_mode.find_bytecode(json.loads(zf.read("config.json"))) is None


def test_bytecode_keras2_spellings_and_named_functions():
    k2_lambda = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "TimeDistributed", "config": {"name": "td", "layer": {
            "class_name": "Lambda", "config": {"name": "inner", "function": ["4wEAAA==", None, None],
                                               "function_type": "lambda", "module": "__main__"}}}}]}}
    assert safe_mode.find_bytecode(k2_lambda) == "'inner' (Lambda)"
    named = {"class_name": "Lambda", "config": {"name": "l", "function": "numpy.tanh",
                                                "function_type": "function", "module": "numpy"}}
    assert safe_mode.find_bytecode(named) is None
    k3_named = {"class_name": "Lambda", "config": {"name": "l", "function": {
        "module": "numpy", "class_name": "function", "config": "tanh", "registered_name": "function"}}}
    assert safe_mode.find_bytecode(k3_named) is None
    shape_fn = {"class_name": "Lambda", "config": {"name": "l", "function": "numpy.tanh",
                                                   "function_type": "function",
                                                   "output_shape": ["4wE=", None, None],
                                                   "output_shape_type": "lambda"}}
    assert safe_mode.find_bytecode(shape_fn) == "'l' (Lambda)"


def test_safe_mode_effective_follows_argument_scope_and_global_switch(monkeypatch):
    from keras_facade import config
    from keras_facade.layers.serialization import SafeModeScope
    assert safe_mode.effective(True) and not safe_mode.effective(False)
    with SafeModeScope(False):
        assert not safe_mode.effective(True)
    monkeypatch.setitem(config._unsafe, "enabled", False)
    safe_mode.enable_unsafe_deserialization()
    assert config.unsafe_deserialization_enabled() and not safe_mode.effective(True)


# -- registry --------------------------------------------------------------------------------------

def test_register_keras_serializable_and_scopes():
    @registration.register_keras_serializable(package="TestPkg")
    class Thing:
        def get_config(self):
            return {}

    assert registration.get_registered_name(Thing) == "TestPkg>Thing"
    assert registration.get_registered_object("TestPkg>Thing") is Thing
    assert registration.lookup_table()["Thing"] is Thing
    other = object()
    with registration.custom_object_scope({"Thing": other}):
        assert registration.get_registered_object("Thing") is other
        assert registration.get_registered_object("Thing", custom_objects={"Thing": 1}) == 1
    assert registration.get_registered_object("Thing") is Thing
    with pytest.raises(ValueError, match="get_config"):
        registration.register_keras_serializable()(type("NoConfig", (), {}))
    with pytest.raises(ValueError, match="already registered"):
        registration.register_keras_serializable(package="TestPkg", name="Thing")(
            type("Other", (), {"get_config": lambda self: {}}))
    del registration.get_custom_objects()["TestPkg>Thing"]
