"""``model.summary()`` in the Keras 2.3 plain-text layout.

Sequential-like models (Sequential, subclassed, functional chains without branching or shared
layers): 65 columns, fields ending at 45%/85%/100%. Other functional models: 98 columns with a
``Connected to`` column (33%/55%/67%/100%). Every field is cut at its column end and padded with
spaces; ``print_fn`` receives one line per call. ``show_trainable`` adds an 11-column ``Trainable``
field: ``Y``/``N``, ``-`` for a layer without weights.
"""
from .. import config
from ..saving.structure import path_class_name


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or not model._is_graph_network:
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or any(len(n.inbound_layers) > 1 for n in depth_nodes):
            return False
        nodes += depth_nodes
    ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(id(node) in ids for node in layer._inbound_nodes) > 1:
            return False
    return True


def _output_shape(layer):
    try:
        return layer.output_shape
    except (AttributeError, ValueError):
        return "multiple"


def _row(fields, positions):
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


def _class_label(layer):
    """``Dense``; ``Add`` for a keras.ops node; ``Functional`` for a nested functional model
    (``Model`` under the keras2 profile, as Keras 2.3 showed it)."""
    if hasattr(layer, "class_name"):
        return layer.class_name
    if config.default("naming.style") == "keras2":
        return type(layer).__name__
    return path_class_name(layer)


def _trainable_flag(layer):
    return "-" if not layer.weights else ("Y" if layer.trainable else "N")


def summary_lines(model, line_length=None, positions=None, show_trainable=False):
    """The summary as a list of lines."""
    if not model.built and config.default("summary.unbuilt") == "error":
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or calling `fit()` with some data, or specify an `input_shape` "
                         "argument in the first layer(s) for automatic build.")
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions = list(positions) + [line_length]
        headers = headers + ["Trainable"]
    relevant = getattr(model, "_network_nodes", set()) if model._is_graph_network else set()

    lines = [f'Model: "{model.name}"', "_" * line_length, _row(headers, positions),
             "=" * line_length]
    layers = model.layers
    graph = model._graph_layers if model._is_graph_network else []
    if any(layer._is_operation for layer in graph):  # keras.ops calls get rows too
        layers = graph
    for i, layer in enumerate(layers):
        title = f"{layer.name} ({_class_label(layer)})"
        shape = _output_shape(layer) if model._is_graph_network else "multiple"
        params = layer.count_params() if layer.built else 0
        if not model.built:  # as Keras 3 shows a model that has not seen data yet
            shape = "?"
        flag = [_trainable_flag(layer)] if show_trainable else []
        if sequential_like:
            lines.append(_row([title, shape, params] + flag, positions))
        else:
            connections = []
            for node in layer._inbound_nodes:
                if relevant and id(node) not in relevant:
                    continue
                for src, index, tensor in zip(node.inbound_layers, node.node_indices,
                                              node.tensor_indices):
                    connections.append(f"{src.name}[{index + src._node_offset()}][{tensor}]")
            lines.append(_row([title, shape, params, connections[0] if connections else ""] + flag,
                              positions))
            lines += [_row(["", "", "", c], positions) for c in connections[1:]]
        lines.append(("=" if i == len(layers) - 1 else "_") * line_length)
    if not layers:
        lines.append("=" * line_length)
    trainable = int(sum(w.size for w in model.trainable_weights))
    frozen = int(sum(w.size for w in model.non_trainable_weights))
    lines += [f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {frozen:,}", "_" * line_length]
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    print_fn = print_fn or print
    for line in summary_lines(model, line_length, positions, show_trainable):
        print_fn(line)
