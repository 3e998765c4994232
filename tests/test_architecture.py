"""The layering rules of the project, checked on the source:

- ``autograd_core`` never imports ``keras_facade`` (the dependency runs one way);
- only ``autograd_core/backend.py`` imports cupy;
- in the facade's differentiable parts (layers, models, optimizers, losses, metrics, activations)
  numpy serves dtypes, constants and data conversion only: no numpy math that would compute a
  differentiable value outside the engine.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMPY_MATH = {"exp", "log", "log1p", "expm1", "tanh", "sin", "cos", "sqrt", "square", "power",
              "matmul", "dot", "einsum", "tensordot", "sum", "mean", "prod", "maximum", "minimum",
              "clip", "where", "abs", "absolute", "max", "min", "var", "std", "cumsum", "softmax",
              "logaddexp", "multiply", "add", "subtract", "divide"}
DIFFERENTIABLE = ["layers/**/*.py", "models/**/*.py", "optimizers/**/*.py", "losses*.py",
                  "metrics*.py", "activations.py"]


def _modules(package):
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_engine_never_imports_the_facade():
    offenders = [str(p.relative_to(ROOT)) for p in _modules("autograd_core")
                 if any(m.split(".")[0] == "keras_facade" for m in _imports(p))]
    assert not offenders


def test_only_the_backend_imports_cupy():
    offenders = [str(p.relative_to(ROOT)) for p in _modules("autograd_core") + _modules("keras_facade")
                 if any(m.split(".")[0] == "cupy" for m in _imports(p))
                 and p.name not in ("backend.py", "communicator.py")]
    assert not offenders


def test_facade_computes_differentiable_values_with_engine_ops():
    found = []
    for part in DIFFERENTIABLE:
        paths = sorted((ROOT / "keras_facade").glob(part))
        assert paths, part
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "np" \
                        and node.func.attr in NUMPY_MATH:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} np.{node.func.attr}")
    assert not found, "numpy math in the facade's differentiable code:\n" + "\n".join(found)
