"""How a model's weights map onto Keras' file layouts.

Two views of the same layer tree:

* the Keras 2 view (``legacy_weights``): one flat list per top-level layer, trainable weights first,
  then the non-trainable ones (a nested model or wrapper contributes all its sublayers' weights);
* the Keras 3 view (``saveable_nodes``): one node per object that owns variables, addressed by a path of
  attribute names and class-derived snake-case names: ``layers/dense_1``, ``layers/gru/cell``,
  ``layers/bidirectional/forward_layer/cell``, ``layers/sequential/layers/dense``.
"""
import re


def snake_case(name):
    """Keras' snake case of a class name: ``Conv2D`` -> ``conv2d``, ``BatchNormalization`` ->
    ``batch_normalization``, ``LSTM`` -> ``lstm``, ``InputLayer`` -> ``input_layer``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def class_name(obj):
    """The Keras class name of a layer, model or optimizer."""
    return type(obj).__name__


def unique(items):
    """``items`` without repeats (by identity), first occurrence kept."""
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def legacy_weights(layer):
    """A layer's weights in Keras 2 order: trainable ones first, then the non-trainable ones."""
    trainable = getattr(layer, "trainable_weights", None)
    frozen = getattr(layer, "non_trainable_weights", None)
    if trainable is None or frozen is None:
        return unique(getattr(layer, "weights", []))
    return unique(list(trainable) + list(frozen))


def is_layer(obj):
    return hasattr(obj, "weights") and hasattr(obj, "get_config") and not isinstance(obj, type)


def is_graph_model(obj):
    """Sequential and functional models: their children are exactly ``layers``."""
    if getattr(obj, "_is_graph_network", False):
        return True
    return class_name(obj) in ("Sequential", "Functional", "Model") and hasattr(obj, "layers")


# attributes of the library's own layers and models that hold their sublayers for bookkeeping
_INTERNAL = frozenset({"_tracked_layers", "_graph_layers", "_input_layer", "_seq"})


def children(obj):
    """(attribute, child or list of children) pairs of the Keras 3 saveable walk, sorted by attribute
    with the private ones last.

    Sequential/functional models have ``layers``; wrappers ``layer`` (Bidirectional: ``forward_layer``
    and ``backward_layer`` instead); recurrent layers ``cell``. Any other layer or model (subclassed)
    contributes its attributes, private ones included, that hold layers or lists, tuples or dicts
    with layers in them, and a subclassed model also ``layers``, the list of all its sublayers
    (those already reached by an attribute are skipped).
    """
    if is_graph_model(obj):
        return [("layers", list(obj.layers))]
    attrs = {k: v for k, v in (vars(obj) if hasattr(obj, "__dict__") else {}).items()
             if not k.startswith("__") and k not in _INTERNAL}
    if hasattr(obj, "layers") and hasattr(obj, "compile"):
        attrs["layers"] = list(obj.layers)
    found = []
    for name in sorted(attrs, key=lambda n: "~" + n if n.startswith("_") else n):  # private last
        value = attrs[name]
        if hasattr(value, "apply_gradients"):  # an optimizer: saved once, under "optimizer"
            continue
        if is_layer(value) and value is not obj:
            found.append((name, value))
        elif isinstance(value, (list, tuple, dict)):
            items = [v for v in (value.values() if isinstance(value, dict) else value)
                     if is_layer(v) and v is not obj]
            if items:
                found.append((name, items))
    if class_name(obj) == "Bidirectional":
        found = [(n, v) for n, v in found if n in ("forward_layer", "backward_layer")]
    return found


def path_class_name(obj):
    """The class name Keras 3 names a layer's group after: a functional model is 'Functional'."""
    name = class_name(obj)
    return "Functional" if name == "Model" and getattr(obj, "_is_graph_network", False) else name


def own_variables(obj):
    """The variables a node owns itself (trainable ones first, as Keras 3 stores them), not those of
    the layers under it."""
    own = getattr(obj, "_own_weights", None)
    if callable(own):
        return unique(own())
    inner = set()
    for _, child in children(obj):
        for c in (child if isinstance(child, list) else [child]):
            inner.update(id(w) for w in getattr(c, "weights", []))
    return [w for w in unique(getattr(obj, "weights", [])) if id(w) not in inner]


def saveable_nodes(obj):
    """``(path, node)`` for ``obj`` (path ``''``) and every layer under it, in Keras 3's walk order.

    A layer reachable twice (shared) is listed once, at its first path.
    """
    out, seen = [], set()

    def walk(node, path):
        if id(node) in seen:
            return
        seen.add(id(node))
        out.append((path, node))
        for attr, child in children(node):
            base = f"{path}/{attr}" if path else attr
            if not isinstance(child, list):
                walk(child, base)
                continue
            counts = {}
            for item in child:
                stem = snake_case(path_class_name(item))
                n = counts[stem] = counts.get(stem, -1) + 1
                walk(item, f"{base}/{stem}" if n == 0 else f"{base}/{stem}_{n}")

    walk(obj, "")
    return out
