"""``python -m keras_facade SCRIPT``: unmodified ``import keras`` scripts run on keras_facade."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from keras_facade import _runner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import json, sys
import keras
import keras.backend as K
from keras import backend as K2
from keras.models import Sequential
from keras.layers import Dense
from keras.layers.core import Dense as CoreDense, Dropout
from keras.utils import np_utils
from keras.preprocessing.image import ImageDataGenerator
from keras.utils.np_utils import to_categorical
import keras.utils.np_utils

import keras_facade

report = {
    "name": __name__,
    "argv": sys.argv,
    "keras_is_facade": keras is keras_facade,
    "backend": K.__name__,
    "same_backend": K is K2,
    "dense": Dense.__module__,
    "core_dense_same": CoreDense is Dense,
    "np_utils": np_utils.__name__,
    "image": ImageDataGenerator.__module__,
    "to_categorical": to_categorical([0, 2]).tolist(),
    "modules": sorted(n for n in sys.modules if n == "keras" or n.startswith("keras.")),
    "resolved": {n: sys.modules[n].__name__ for n in sys.modules
                 if n == "keras" or n.startswith("keras.")},
    "compat": keras_facade.config.compat(),
    "model": len(Sequential([Dense(2, input_shape=(3,))]).layers),
}
json.dump(report, open(sys.argv[1], "w"))
"""


@pytest.fixture
def fake_keras(tmp_path):
    """A folder holding a fake installed ``keras`` package that fails loudly when imported."""
    site = tmp_path / "site"
    for pkg in ("keras", "keras/layers"):
        (site / pkg).mkdir(parents=True)
        (site / pkg / "__init__.py").write_text("raise ImportError('the installed keras was imported')\n")
    (site / "keras" / "backend.py").write_text("raise ImportError('installed keras.backend')\n")
    return site


def _run(tmp_path, script_text, *args, extra_path=(), compat=None):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(script_text))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), ROOT])
    env.pop("KERAS_FACADE_COMPAT", None)
    cmd = [sys.executable, "-m", "keras_facade"]
    if compat:
        cmd += ["--compat", compat]
    return subprocess.run(cmd + [str(script), *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_script_runs_with_keras_resolved_to_facade_despite_installed_keras(tmp_path, fake_keras):
    # the fake keras really is importable without the runner
    env = dict(os.environ, PYTHONPATH=str(fake_keras))
    plain = subprocess.run([sys.executable, "-c", "import keras"], env=env, capture_output=True,
                           text=True, timeout=60)
    assert "the installed keras was imported" in plain.stderr

    out = tmp_path / "report.json"
    proc = _run(tmp_path, SCRIPT, out, "--epochs", "3", extra_path=[fake_keras])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["name"] == "__main__"
    assert report["argv"] == [str(tmp_path / "train.py"), str(out), "--epochs", "3"]
    assert report["keras_is_facade"] and report["same_backend"] and report["core_dense_same"]
    assert report["backend"] == "keras_facade.backend"
    assert report["dense"].startswith("keras_facade.layers")
    assert report["np_utils"] == "keras_facade.utils.np_utils"
    assert report["image"] == "keras_facade.preprocessing.image"
    assert report["to_categorical"] == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    assert {"keras", "keras.backend", "keras.layers", "keras.layers.core", "keras.models",
            "keras.utils", "keras.utils.np_utils", "keras.preprocessing.image"} <= set(report["modules"])
    assert all(v == "keras_facade" + k[len("keras"):] for k, v in report["resolved"].items())
    assert report["compat"] == "keras3"
    assert report["model"] == 1


def test_compat_option_switches_profile(tmp_path):
    proc = _run(tmp_path, "import keras_facade, keras\nprint(keras_facade.config.compat())",
                compat="keras2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "keras2"


def test_script_errors_and_exit_codes_propagate(tmp_path):
    proc = _run(tmp_path, "import sys\nsys.exit(3)")
    assert proc.returncode == 3
    proc = _run(tmp_path, "import keras.no_such_module")
    assert proc.returncode == 1
    assert "No module named 'keras.no_such_module'" in proc.stderr


def test_usage_errors(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "keras_facade"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and "usage" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "keras_facade", "missing.py"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "cannot open file 'missing.py'" in proc.stderr


def test_parse_args():
    assert _runner.parse_args(["s.py", "--compat", "x"]) == (None, "s.py", ["--compat", "x"])
    assert _runner.parse_args(["--compat", "keras2", "s.py", "-v"]) == ("keras2", "s.py", ["-v"])
    assert _runner.parse_args(["--compat=keras2", "--", "s.py"]) == ("keras2", "s.py", [])
    with pytest.raises(SystemExit):
        _runner.parse_args(["--bogus", "s.py"])


def test_alias_hook_in_process_keeps_module_identity():
    saved = {n: m for n, m in sys.modules.items() if n == "keras" or n.startswith("keras.")}
    _runner.install()
    try:
        import keras.utils.np_utils as aliased

        import keras_facade.utils.np_utils as real
        assert aliased is real
        assert real.__spec__.name == "keras_facade.utils.np_utils"  # the facade keeps its own spec
        assert sys.modules["keras.utils"] is sys.modules["keras_facade.utils"]
    finally:
        _runner.uninstall()
        assert "keras.utils.np_utils" not in sys.modules
        assert not any(isinstance(f, _runner.KerasAliasFinder) for f in sys.meta_path)
        sys.modules.update(saved)
