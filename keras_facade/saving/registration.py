"""Custom classes and functions known by name when configs are deserialized.

``@register_keras_serializable(package='Custom')`` records a class under ``'Custom>ClassName'``;
``custom_object_scope({...})`` adds names for a block; ``load_model`` and ``model_from_json`` look
names up in the explicit ``custom_objects``, then the scopes, then the registry.
"""
import contextlib
import threading

_REGISTERED = {}          # 'package>name' -> object
_NAMES = {}               # object -> 'package>name'
_scopes = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class (with ``get_config``) or a function loadable by name."""
    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a serializable class needs a "
                             f"get_config() method")
        if key in _REGISTERED and _REGISTERED[key] is not obj:
            raise ValueError(f"{key!r} is already registered to {_REGISTERED[key]!r}")
        _REGISTERED[key] = obj
        _NAMES[obj] = key
        return obj
    return decorator


def get_registered_name(obj):
    """``'package>name'`` of a registered object, else its ``__name__``."""
    return _NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_custom_objects():
    """The registry itself (``'package>name'`` -> object); entries may be added to it directly."""
    return _REGISTERED


@contextlib.contextmanager
def custom_object_scope(*mappings):
    """Make the names in ``mappings`` (dicts) known to deserialization inside the block."""
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    merged = {}
    for mapping in mappings:
        merged.update(mapping or {})
    stack.append(merged)
    try:
        yield merged
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope


def lookup_table(custom_objects=None):
    """Every name known for deserialization: registry entries under both ``'package>name'`` and
    ``name``, then scoped names, then ``custom_objects`` (later ones win)."""
    table = {}
    for key, obj in _REGISTERED.items():
        table.setdefault(key.split(">", 1)[-1], obj)
        table[key] = obj
    for scope in getattr(_scopes, "stack", []):
        table.update(scope)
    table.update(custom_objects or {})
    return table


def resolve(name):
    """The object of an exact ``'package>name'`` registration or of an active custom_object_scope,
    else None (a bare class name does not pick a registered class of another package)."""
    for scope in reversed(getattr(_scopes, "stack", [])):
        if name in scope:
            return scope[name]
    return _REGISTERED.get(name)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or given) under ``name``, or None."""
    found = lookup_table(custom_objects).get(name)
    if found is None and module_objects:
        found = module_objects.get(name)
    return found
