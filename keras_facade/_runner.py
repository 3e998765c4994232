"""Run an unmodified Keras script on keras_facade: ``python -m keras_facade [--compat keras2] SCRIPT``.

An import hook placed first on ``sys.meta_path`` answers every ``keras`` and ``keras.X.Y`` import with
the module ``keras_facade.X.Y`` (the very same module object, so ``keras.layers.Dense is
keras_facade.layers.Dense``), before any installed keras is looked at.
"""
import importlib
import importlib.abc
import importlib.util
import os
import sys

ALIAS, TARGET = "keras", "keras_facade"

USAGE = """usage: python -m keras_facade [--compat {keras2,keras3}] SCRIPT.py [ARGS...]

Runs SCRIPT.py with `import keras` (and every `keras.*` module) resolved to keras_facade.
  --compat keras2   use the Keras 2 defaults where Keras 2 and 3 differ"""


def _target_name(fullname):
    return TARGET + fullname[len(ALIAS):]


class _AliasLoader(importlib.abc.Loader):
    """Hands out the already imported ``keras_facade`` module for its ``keras`` name."""

    def __init__(self, module):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        # The import system stamps the alias spec on the module; give it back its own.
        module.__spec__ = self.spec


class KerasAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``keras`` and ``keras.*`` to ``keras_facade`` and ``keras_facade.*``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        module = self._import_target(fullname)
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(module),
                                               is_package=hasattr(module, "__path__"))
        return spec

    @staticmethod
    def _import_target(fullname):
        name = _target_name(fullname)
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            parent, _, child = name.rpartition(".")
            found = getattr(importlib.import_module(parent), child, None)
            if found is not None and type(found) is type(sys):
                return found
            raise ModuleNotFoundError(f"No module named {fullname!r} (keras_facade has no "
                                      f"{name!r})", name=fullname) from None


def install():
    """Put the alias hook first on ``sys.meta_path`` and forget any keras imported before it."""
    if not any(isinstance(f, KerasAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, KerasAliasFinder())
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        del sys.modules[name]


def uninstall():
    """Remove the hook and the ``keras`` aliases it created."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, KerasAliasFinder)]
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        del sys.modules[name]


def parse_args(argv):
    """(compat profile or None, script path, script arguments) from the command line."""
    compat, args = None, list(argv)
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option in ("-h", "--help"):
            print(USAGE)
            raise SystemExit(0)
        if option == "--compat" and args:
            compat = args.pop(0)
        elif option.startswith("--compat="):
            compat = option.split("=", 1)[1]
        elif option == "--":
            break
        else:
            raise SystemExit(f"{USAGE}\nerror: unknown option {option!r}")
    if not args:
        raise SystemExit(f"{USAGE}\nerror: no script given")
    return compat, args[0], args[1:]


def run(argv=None):
    """Run the script named on the command line as ``__main__`` with keras resolved to this package."""
    import runpy

    compat, script, script_args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isfile(script):
        raise SystemExit(f"python -m keras_facade: cannot open file {script!r}")
    if compat is not None:
        from . import config
        try:
            config.set_compat(compat)
        except ValueError as err:
            raise SystemExit(f"python -m keras_facade: {err}") from None
    install()
    sys.argv = [script] + script_args
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
