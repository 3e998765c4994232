"""Layer (de)serialization: ``serialize(layer)`` / ``deserialize(config)`` in the Keras 2 JSON
shape, reading Keras 3 configs too (``module``, ``registered_name``, ``build_config``, dtype
policies, ``batch_shape``). Functions are stored by importable name; Python bytecode (lambdas) is
rebuilt only when unsafe deserialization is explicitly allowed."""
import base64
import importlib
import inspect
import marshal
import sys
import types

from .. import config as _config

# Keras 3 / tf.keras keys that have no meaning here when they hold their "off" value
_DROPPABLE = {"lora_rank": (None, 0), "lora_alpha": (None,), "quantization_config": (None,),
              "synchronized": (False,), "optional": (False,), "ragged": (False,),
              "renorm": (False,),
              "renorm_clipping": (None,), "renorm_momentum": (0.99,), "fused": (None, True, False),
              "virtual_batch_size": (None,), "adjustment": (None,), "time_major": (False,),
              "zero_output_for_mask": (True, False), "groups": (1,), "build_config": None,
              "sparse": (False,), "use_cudnn": ("auto", True, False)}

_safe_mode = [None]


class SafeModeScope:
    """``with SafeModeScope(False): ...`` allows (with True: forbids) rebuilding bytecode."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = _safe_mode[0]
        if self.safe_mode is not None:
            _safe_mode[0] = bool(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _safe_mode[0] = self._previous
        return False


def in_safe_mode(safe_mode=None):
    if safe_mode is not None:
        return bool(safe_mode)
    if _safe_mode[0] is not None:
        return _safe_mode[0]
    return not _config.unsafe_deserialization_enabled()


# -- functions ------------------------------------------------------------------------------------
def _importable_name(fn):
    """(module, name) under which ``fn`` can be imported back, or None."""
    module = getattr(fn, "__module__", None)
    if not module:
        return None
    for name in (getattr(fn, "__qualname__", None), getattr(fn, "__name__", None)):
        if not name or "<" in name:
            continue
        try:
            obj = importlib.import_module(module)
            for attr in name.split("."):
                obj = getattr(obj, attr)
        except (ImportError, AttributeError):
            continue
        if obj is fn:
            return module, name
    return None


def function_reference(fn):
    """``module.qualname`` of an importable function; ValueError for lambdas and local functions."""
    found = _importable_name(fn)
    if found is None:
        raise ValueError(f"Cannot serialize {fn!r} by name: it is a lambda or a local function. "
                         f"Define it at module level (importable) or pass it in custom_objects.")
    return ".".join(found)


# the modules whose functions a config may name in safe mode: nothing new is imported for them
_TRUSTED_MODULES = ("keras_facade", "autograd_core", "__main__")


def resolve_function(reference, custom_objects=None):
    """The object named ``reference`` (``module.qualname`` or a key of ``custom_objects``)."""
    custom_objects = custom_objects or {}
    if reference in custom_objects:
        return custom_objects[reference]
    short = reference.rsplit(".", 1)[-1]
    if short in custom_objects:
        return custom_objects[short]
    parts = reference.split(".")
    if in_safe_mode() and parts[0] not in _TRUSTED_MODULES:
        raise ValueError(
            f"{reference!r} names code outside this library. In safe mode (the default) only "
            f"functions of keras_facade, autograd_core and the running script (__main__) are "
            f"resolved by name, so that a file cannot make loading import and run other modules. "
            f"Pass it in custom_objects, register it with "
            f"keras_facade.saving.register_keras_serializable, or, for a file you trust, load "
            f"with safe_mode=False.")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
            return obj
        except AttributeError:
            break
    raise ValueError(f"Unknown function {reference!r}: not importable and not in custom_objects")


def func_dump(fn):
    """Keras 2's bytecode form of a function: (base64 marshal of the code, defaults, closure)."""
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    if isinstance(code, (tuple, list)):
        code, defaults, closure = (list(code) + [None, None])[:3]
    raw = marshal.loads(base64.b64decode(code.encode("ascii")))
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    return types.FunctionType(raw, globs or globals(), raw.co_name,
                              tuple(defaults) if defaults else None, cells)


def serialize_function(fn, key):
    """Config entries for a function stored under ``key`` (Keras 2 layout)."""
    found = _importable_name(fn)
    if found is not None:
        module, name = found
        return {key: name, f"{key}_type": "function",
                ("module" if key == "function" else f"{key}_module"): module}
    if not isinstance(fn, types.FunctionType):
        raise ValueError(f"Cannot serialize {fn!r}: only functions can be stored in a config")
    return {key: list(func_dump(fn)), f"{key}_type": "lambda"}


def _refuse_bytecode(what):
    raise ValueError(
        f"Refusing to rebuild {what} from Python bytecode stored in the config: loading it would "
        f"run arbitrary code, which is unsafe for files you do not fully trust. If you trust it, "
        f"pass `safe_mode=False` (or call keras_facade.config.enable_unsafe_deserialization()); "
        f"better, define the function at module level so it is stored by name.")


def deserialize_function(config, key, custom_objects=None, safe_mode=None):
    """Rebuild the function stored under ``key`` (Keras 2 or Keras 3 layout)."""
    value = config.get(key)
    kind = config.get(f"{key}_type")
    if isinstance(value, dict):  # Keras 3
        if value.get("class_name") == "__lambda__":
            if in_safe_mode(safe_mode):
                _refuse_bytecode(f"the Lambda {key}")
            inner = value["config"]
            return func_load(inner["code"], inner.get("defaults"), inner.get("closure"))
        name = value.get("config")
        module = value.get("module")
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        return resolve_function(f"{module}.{name}" if module and module != "builtins" else name,
                                custom_objects)
    if kind == "lambda":
        if in_safe_mode(safe_mode):
            _refuse_bytecode(f"the Lambda {key}")
        return func_load(value)
    module = config.get("module" if key == "function" else f"{key}_module")
    if custom_objects and value in custom_objects:
        return custom_objects[value]
    return resolve_function(f"{module}.{value}" if module else value, custom_objects)


# -- layers ---------------------------------------------------------------------------------------
_CLASSES = {}


def layer_classes():
    """class name -> class, for every layer and model class (with Keras 1/2/3 aliases)."""
    if not _CLASSES:
        from .. import layers, models
        for name in dir(layers):
            obj = getattr(layers, name)
            if isinstance(obj, type) and issubclass(obj, layers.Layer):
                _CLASSES[name] = obj
        _CLASSES.update(Model=models.Model, Functional=models.Model, Sequential=models.Sequential)
        from ..ops._dispatch import OpLayer
        _CLASSES["OpLayer"] = OpLayer
    return _CLASSES


def get_layer_class(name, custom_objects=None, module=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    cls = layer_classes().get(name)
    if cls is None:  # registered with @register_keras_serializable, or in a custom_object_scope
        from ..saving import registration
        found = registration.resolve(name)
        cls = found if isinstance(found, type) else None
    if cls is None and module and not module.startswith("keras"):
        try:
            if in_safe_mode() and module.split(".")[0] not in _TRUSTED_MODULES:
                found = sys.modules.get(module)  # safe mode imports nothing, and takes layers only
                cls = getattr(found, name, None)
                from .base import Layer
                cls = cls if isinstance(cls, type) and issubclass(cls, Layer) else None
            else:
                cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            cls = None
    if cls is None:
        raise ValueError(f"Unknown layer: {name!r}. If it is a custom layer, pass it in "
                         f"`custom_objects={{'{name}': {name}}}`.")
    return cls


def class_name(layer):
    """The class name a config records: ``'package>Name'`` for registered custom classes."""
    from ..saving import registration
    return registration.get_registered_name(type(layer))


def serialize(layer):
    """``{"class_name": ..., "config": layer.get_config()}`` (Keras 2 layout); layers that a custom
    ``get_config`` returns as they are get serialized too."""
    from .base import Layer
    config = layer.get_config()
    if isinstance(config, dict):
        config = {k: serialize(v) if isinstance(v, Layer) else v for k, v in config.items()}
    return {"class_name": class_name(layer), "config": config}


def _call_from_config(cls, config, custom_objects):
    params = inspect.signature(cls.from_config).parameters
    if "custom_objects" in params:
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def deserialize(config, custom_objects=None, safe_mode=None):
    """A layer or model from ``{"class_name", "config"}`` (Keras 2) or the Keras 3 form."""
    if isinstance(config, str):
        raise ValueError(f"deserialize expects a config dict, got the string {config!r}")
    with SafeModeScope(safe_mode):
        name, registered = config["class_name"], config.get("registered_name")
        if registered and ">" in str(registered) and name not in layer_classes():
            name = registered  # Keras 3: a registered custom class
        cls = get_layer_class(name, custom_objects, config.get("module"))
        inner = config.get("config") or {}
        inner = dict(inner) if isinstance(inner, dict) else inner  # Keras 2.0: a list of layers
        layer = _call_from_config(cls, inner, custom_objects)
        build_config = config.get("build_config")
        if build_config and not layer.built:
            layer.build_from_config(build_config)
    return layer


def _resolve_custom(value, custom_objects):
    if isinstance(value, str):
        if value in custom_objects:
            return custom_objects[value]
        short = value.rsplit(".", 1)[-1]
        return custom_objects.get(short, value) if "." in value else value
    if isinstance(value, dict) and value.get("class_name") in custom_objects:
        cls = custom_objects[value["class_name"]]
        inner = value.get("config")
        if isinstance(inner, str):
            return cls
        return cls.from_config(inner or {}) if hasattr(cls, "from_config") else cls(**(inner or {}))
    return value


def clean_layer_config(cls, config, custom_objects=None):
    """Constructor kwargs from a stored config: dtype policies, ``batch_shape``, Keras 3 extras with
    no meaning here, custom objects resolved."""
    from .base import _normalize_dtype
    config = dict(config)
    if "batch_shape" in config and "batch_input_shape" not in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    if "dtype" in config:
        config["dtype"] = _normalize_dtype(config["dtype"])
    params = _init_params(cls)
    for key, off in _DROPPABLE.items():
        if key in config and key not in params and (off is None or config[key] in off):
            config.pop(key)
    if custom_objects:
        config = {k: _resolve_custom(v, custom_objects) for k, v in config.items()}
    for key, value in list(config.items()):
        if isinstance(value, dict) and value.get("class_name") == "function" and \
                isinstance(value.get("config"), str):  # Keras 3 reference to a plain function
            config[key] = value["config"] if value.get("module") in (None, "keras.activations",
                                                                     "keras.src.activations",
                                                                     "builtins") \
                else resolve_function(f"{value['module']}.{value['config']}", custom_objects)
    return config


def _init_params(cls):
    params = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            params |= set(inspect.signature(getattr(init, "__wrapped__", init)).parameters)
    return params
