"""Graph helpers of ``keras.utils`` (Keras 2's ``layer_utils``): ``get_source_inputs``."""

__all__ = ["get_source_inputs"]


def get_source_inputs(tensor):
    """The input tensors (``Input(...)`` outputs) that ``tensor`` was computed from, each once, in
    the order a depth-first walk of its inputs meets them. A tensor with no history is its own
    source; something that is not a symbolic tensor is returned as it is."""
    if not hasattr(tensor, "_keras_history"):
        return tensor
    sources, stack = [], [tensor]
    while stack:  # depth-first, first inputs first
        current = stack.pop()
        history = current._keras_history
        nodes = getattr(history[0], "_inbound_nodes", None) if history else None
        node = nodes[history[1]] if nodes else None
        if node is None or not node.keras_inputs:
            found = [current] if node is None else node.flat_outputs
            sources += [t for t in found if all(t is not s for s in sources)]
        else:
            stack += reversed(node.keras_inputs)
    return sources
