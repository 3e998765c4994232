"""``Sequential``: a linear stack of layers.

The first layer's ``input_shape``/``input_dim``/``batch_input_shape`` (or a leading ``Input`` /
``InputLayer``) builds the model at once; otherwise it builds on the first call. ``model.layers``
excludes the input layer, as in Keras.
"""
from .. import config
from ..layers import serialization
from ..layers.base import Layer, name_scope, unique_name
from ..layers.input_layer import InputLayer, KerasTensor
from .model import Model


class Sequential(Model):

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        object.__setattr__(self, "_seq", [])
        object.__setattr__(self, "_input_layer", None)
        object.__setattr__(self, "_owned_nodes", [])
        object.__setattr__(self, "_adding_initial_layers", True)
        for layer in layers or []:
            self.add(layer)
        object.__setattr__(self, "_adding_initial_layers", False)
        self._count_inner_graph()

    def _count_inner_graph(self):
        """Keras 3 makes a hidden functional model at each (re)build, which takes a model name."""
        if self._is_graph_network and not self._adding_initial_layers and \
                config.default("naming.style") != "keras2":
            unique_name("functional")

    @property
    def layers(self):
        return list(self._seq)

    def _sublayers(self):
        extra = [t for t in self._tracked_layers if all(t is not s for s in self._seq)]
        return self._seq + extra

    def _node_offset(self, style="keras2"):
        return 1 if self._is_graph_network and style == "keras2" else 0

    def add(self, layer):
        """Append a layer (or a model) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer!r}")
        if isinstance(layer, InputLayer):
            if self._seq or self._input_layer is not None:
                raise ValueError(f"Sequential {self.name!r}: an InputLayer can only be the first "
                                 f"layer of the model")
            object.__setattr__(self, "_input_layer", layer)
            self._rebuild()
            return
        if any(existing.name == layer.name for existing in self._seq):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name {layer.name!r} is already the name of a layer in this model. "
                             f"Update the `name` argument to pass a unique name.")
        self._seq.append(layer)
        if self._input_layer is None and len(self._seq) == 1:
            shape = _first_input_shape(layer)
            if shape is not None:
                object.__setattr__(self, "_input_layer", InputLayer(
                    batch_input_shape=shape, dtype=getattr(layer, "dtype", None),
                    name=_input_name(layer.name)))
        if self._input_layer is not None:
            try:
                self._extend(layer)
            except Exception:
                self._seq.pop()
                raise
            self._count_inner_graph()

    def pop(self):
        """Remove the last layer."""
        if not self._seq:
            raise TypeError("There are no layers in the model.")
        self._seq.pop()
        self._rebuild()

    def _extend(self, layer):
        x = self.outputs[0] if self._is_graph_network else \
            self._input_layer._inbound_nodes[0].output_tensors
        before = len(layer._inbound_nodes)
        with name_scope(self):
            y = layer(x)
        if len(layer._inbound_nodes) > before:
            self._owned_nodes.append(layer._inbound_nodes[-1])
        if not isinstance(y, KerasTensor):
            raise TypeError("All layers in a Sequential model should have a single output tensor. "
                            "For multi-output layers, use the functional API.")
        self._init_graph(x if not self._is_graph_network else self.inputs[0], y)

    def _rebuild(self):
        for node in self._owned_nodes:
            nodes = node.layer._inbound_nodes
            for i in range(len(nodes) - 1, -1, -1):
                if nodes[i] is node:
                    del nodes[i]
        self._owned_nodes.clear()
        object.__setattr__(self, "_is_graph_network", False)
        self.inputs, self.outputs, self.input_names, self.output_names = [], [], [], []
        self.built = False
        if self._input_layer is None:
            return
        if not self._seq:
            return
        for layer in self._seq:
            self._extend(layer)
        self._count_inner_graph()

    def build(self, input_shape=None):
        """Build for inputs of ``input_shape`` (with the batch dimension)."""
        if input_shape is None:
            if self._is_graph_network:
                return
            raise ValueError(f"Sequential {self.name!r}: you must provide an `input_shape` "
                             f"argument to build()")
        shape = tuple(input_shape)
        first = self._seq[0].name if self._seq else self.name
        object.__setattr__(self, "_input_layer", InputLayer(batch_input_shape=shape,
                                                            name=_input_name(first)))
        self._rebuild()
        self._build_input_shape = shape

    def _maybe_build(self, input_shape):
        if not self._is_graph_network and self._seq:
            self.build(input_shape)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._seq:
            x = layer(x)
        return x

    def get_config(self):
        configs = [serialization.serialize(layer) for layer in self._seq]
        if self._input_layer is not None and configs:
            first = configs[0]
            if isinstance(self._seq[0], Model):
                configs.insert(0, serialization.serialize(self._input_layer))
            elif "batch_input_shape" not in first["config"]:
                first["config"] = dict(first["config"], batch_input_shape=list(
                    self._input_layer._batch_input_shape))
        cfg = {"name": self.name, "layers": configs}
        if self._input_layer is not None:
            cfg["build_input_shape"] = list(self._input_layer._batch_input_shape)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config, list):  # Keras 2.0/2.1: the list of layers itself
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(serialization.deserialize(layer_config, custom_objects))
        if not model._is_graph_network and config.get("build_input_shape") and model._seq:
            model.build(tuple(config["build_input_shape"]))
        return model


def _input_name(first_name):
    """The made-up input layer: ``dense_input`` in Keras 2, the next ``input_layer_N`` in Keras 3."""
    return f"{first_name}_input" if config.default("naming.style") == "keras2" else None


def _first_input_shape(layer):
    shape = getattr(layer, "_batch_input_shape", None)
    if shape is None and isinstance(layer, Model) and layer._is_graph_network and \
            len(layer.inputs) == 1:
        shape = layer.inputs[0].shape
    return shape
