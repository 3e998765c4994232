"""Loading never runs code from a file unless asked to.

A Lambda layer saved from a ``lambda`` (or any function that cannot be imported by name) is stored as
Python bytecode; rebuilding it would execute that bytecode. ``check_config`` finds such entries in a
model config and refuses them while safe mode is on (the default): Keras 2 configs
(``function_type: 'lambda'``, a bytecode triple) and Keras 3 ones (``class_name: '__lambda__'``).
Functions stored by importable name are fine. ``safe_mode=False`` or
``enable_unsafe_deserialization()`` lifts the check for files one trusts; code that rebuilds a
Lambda consults ``in_safe_mode()``.
"""
import contextlib
import threading

_state = threading.local()
_unsafe_everywhere = {"on": False}


def enable_unsafe_deserialization():
    """Allow bytecode in configs for the rest of the process (Keras 3's global switch)."""
    _unsafe_everywhere["on"] = True


def in_safe_mode():
    """Whether rebuilding code from a config is refused right now (True by default)."""
    if _unsafe_everywhere["on"]:
        return False
    return getattr(_state, "safe", True)


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Set safe mode for a block (``None`` keeps the current setting)."""
    previous = getattr(_state, "safe", True)
    if safe_mode is not None:
        _state.safe = bool(safe_mode)
    try:
        yield
    finally:
        _state.safe = previous


def _is_bytecode(node):
    if node.get("class_name") == "__lambda__":
        return True
    if node.get("function_type") == "lambda" or node.get("output_shape_type") == "lambda":
        return True
    return isinstance(node.get("function"), (list, tuple)) and "function_type" in node


def find_bytecode(config):
    """The name of the first layer whose config stores Python bytecode, or None."""
    stack = [(config, None)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, dict):
            inner = node.get("config")
            if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                owner = f"{inner['name']!r} ({node.get('class_name', '?')})"
            if _is_bytecode(node):
                return owner or "a Lambda layer"
            stack.extend((v, owner) for v in node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend((v, owner) for v in node)
    return None


def check_config(config, source, safe_mode=True):
    """Raise ValueError when ``config`` holds bytecode and safe mode is on."""
    if not safe_mode or not in_safe_mode():
        return
    owner = find_bytecode(config)
    if owner is not None:
        raise ValueError(
            f"{source}: the layer {owner} was saved as Python bytecode (a lambda or a local "
            f"function). Rebuilding it would run code stored in the file, which allows arbitrary code "
            f"execution, so it is refused in safe mode. If you trust this file, pass safe_mode=False "
            f"(or call keras_facade.saving.enable_unsafe_deserialization()); otherwise define the "
            f"function in an importable module and save the model again.")
