"""Name -> class tables for the small config objects (initializers, regularizers, constraints):
``get`` from a name/dict/instance, ``serialize`` to ``{"class_name", "config"}``,
``deserialize``."""


class ConfigRegistry:
    def __init__(self, kind, classes, aliases=None):
        self.kind = kind
        self.classes = dict(classes)
        self.aliases = dict(aliases or {})

    def lookup(self, name, custom_objects=None):
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        found = self.classes.get(name) or self.aliases.get(name)
        if found is None:
            raise ValueError(f"Unknown {self.kind}: {name!r}; known names: "
                             f"{sorted(set(self.classes) | set(self.aliases))}")
        return found

    def get(self, identifier, custom_objects=None):
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return self.deserialize(identifier, custom_objects)
        if isinstance(identifier, str):
            return self.lookup(identifier, custom_objects)()
        if callable(identifier):
            return identifier
        raise TypeError(f"Could not interpret {self.kind} identifier: {identifier!r}")

    def serialize(self, obj):
        if obj is None:
            return None
        if not hasattr(obj, "get_config"):
            from .layers.serialization import function_reference
            return function_reference(obj)
        return {"class_name": type(obj).__name__, "config": obj.get_config()}

    def deserialize(self, config, custom_objects=None):
        if config is None:
            return None
        if isinstance(config, str):
            if "." in config and config not in self.classes:
                from .layers.serialization import resolve_function
                return resolve_function(config, custom_objects)
            return self.lookup(config, custom_objects)()
        cls = self.lookup(config["class_name"], custom_objects)
        return cls.from_config(dict(config.get("config") or {})) if hasattr(cls, "from_config") \
            else cls(**(config.get("config") or {}))


def deserialize_named(config, custom_objects, get, classes, kind):
    """A loss or metric from its serialized form: a name (resolved by ``get``) or a
    ``{"class_name", "config"}`` dict (Keras 3 wraps plain functions as class_name 'function')."""
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    name = config["class_name"]
    if name == "function":
        return deserialize_named(config["config"], custom_objects, get, classes, kind)
    cls = (custom_objects or {}).get(name) or classes.get(name)
    if cls is None:
        raise ValueError(f"Unknown {kind} class {name!r} (pass custom_objects for your own)")
    return cls.from_config(dict(config.get("config", {})))
