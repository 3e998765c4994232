"""Loading never runs code from a file unless asked to.

A Lambda layer saved from a ``lambda`` (or any function that cannot be imported by name) is stored as
Python bytecode; rebuilding it would execute that bytecode. Before a saved model is rebuilt,
``check_config`` looks for such entries in its config and refuses them in safe mode (the default),
naming the file and the layer: Keras 2 configs (``function_type: 'lambda'``, a bytecode triple) and
Keras 3 ones (``class_name: '__lambda__'``). Functions and layer classes stored by name resolve only
from custom_objects, registered objects, keras_facade, autograd_core and the running script
(``__main__``): safe mode never imports another module a file names.
``safe_mode=False`` or ``keras_facade.config.enable_unsafe_deserialization()`` lifts the check for
files one trusts; the layers' own deserialization then rebuilds the function (inside
``layers.serialization.SafeModeScope``, which ``deserialize_model`` enters).
"""


def enable_unsafe_deserialization():
    """Allow bytecode in configs for the rest of the process (Keras 3's global switch)."""
    from .. import config
    config.enable_unsafe_deserialization()


def effective(safe_mode=True):
    """Whether a load with this ``safe_mode`` argument refuses bytecode: ``safe_mode=False`` allows it,
    and so do an enclosing ``SafeModeScope(False)`` and the global switch."""
    from ..layers.serialization import in_safe_mode
    return safe_mode is not False and in_safe_mode()


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
    """Raise ValueError when ``config`` holds bytecode and safe mode is in effect."""
    if not effective(safe_mode):
        return
    owner = find_bytecode(config)
    if owner is not None:
        raise ValueError(
            f"{source}: the layer {owner} was saved as Python bytecode (a lambda or a local "
            f"function). Rebuilding it would run code stored in the file, which allows arbitrary code "
            f"execution, so it is refused in safe mode. If you trust this file, pass safe_mode=False "
            f"(or call keras_facade.config.enable_unsafe_deserialization()); otherwise define the "
            f"function in an importable module and save the model again.")
