"""``plot_model`` without graphviz: the layer graph drawn with pillow, or written as DOT.

The model is duck-typed: ``model.layers`` is the ordered list of layers (each with
``.name``, its class name, and optionally ``.input_shape`` / ``.output_shape``);
``model._layer_edges()``, when present, returns ``(src_name, dst_name)`` pairs,
otherwise the layers form a chain in list order. With ``expand_nested=True`` a
layer that itself has ``.layers`` is replaced by its own graph.
"""

import io
import math
import os

from PIL import Image, ImageDraw, ImageFont

from .data_utils import atomic_write

__all__ = ["plot_model", "model_to_dot"]

_RANKDIRS = ("TB", "LR", "BT", "RL")
_BOX_FILL, _BOX_EDGE, _INK, _BACKGROUND = (235, 242, 250), (60, 80, 110), (20, 20, 20), "white"


# ---------------------------------------------------------------------------
# Graph extraction

def _edges_by_name(model):
    layers = list(model.layers)
    if hasattr(model, "_layer_edges"):
        return [tuple(edge) for edge in model._layer_edges()]
    return [(a.name, b.name) for a, b in zip(layers, layers[1:])]


def _is_nested(layer):
    return isinstance(getattr(layer, "layers", None), (list, tuple)) and len(layer.layers) > 0


def _layer_graph(model, expand_nested, prefix=""):
    """``(nodes, edges)``: ordered ``[(node_id, layer)]`` and ``(src_id, dst_id)`` pairs."""
    nodes, edges, entries, exits = [], [], {}, {}
    for layer in model.layers:
        node_id = prefix + layer.name
        if expand_nested and _is_nested(layer):
            inner_nodes, inner_edges = _layer_graph(layer, True, node_id + "/")
            nodes += inner_nodes
            edges += inner_edges
            targets = {dst for _, dst in inner_edges}
            sources = {src for src, _ in inner_edges}
            entries[layer.name] = [n for n, _ in inner_nodes if n not in targets]
            exits[layer.name] = [n for n, _ in inner_nodes if n not in sources]
        else:
            nodes.append((node_id, layer))
            entries[layer.name] = exits[layer.name] = [node_id]
    for src, dst in _edges_by_name(model):
        missing = [name for name in (src, dst) if name not in entries]
        if missing:
            raise ValueError(f"Edge ({src!r}, {dst!r}) names unknown layer(s) {missing}.")
        edges += [(a, b) for a in exits[src] for b in entries[dst]]
    return nodes, edges


def _format_shape(layer, attribute):
    try:
        shape = getattr(layer, attribute)
    except (AttributeError, RuntimeError, ValueError):
        return "multiple"
    if isinstance(shape, list):
        return ", ".join(str(tuple(s)) if isinstance(s, (list, tuple)) else str(s) for s in shape)
    return str(tuple(shape)) if isinstance(shape, (list, tuple)) else str(shape)


def _title(layer, show_layer_names):
    class_name = type(layer).__name__
    return f"{layer.name}: {class_name}" if show_layer_names else class_name


def _label_lines(layer, show_shapes, show_layer_names):
    lines = [_title(layer, show_layer_names)]
    if show_shapes:
        lines += [f"input: {_format_shape(layer, 'input_shape')}",
                  f"output: {_format_shape(layer, 'output_shape')}"]
    return lines


def _ranks(node_ids, edges):
    """Longest-path depth of each node (sources at 0); nodes on a cycle keep their best depth."""
    rank = {node: 0 for node in node_ids}
    for _ in range(len(node_ids)):
        changed = False
        for src, dst in edges:
            if rank[dst] < rank[src] + 1 <= len(node_ids):
                rank[dst] = rank[src] + 1
                changed = True
        if not changed:
            break
    return rank


# ---------------------------------------------------------------------------
# DOT

def _dot_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96):
    """Return the layer graph as Graphviz DOT source (record-shaped nodes, as Keras draws them)."""
    _check_rankdir(rankdir)
    nodes, edges = _layer_graph(model, expand_nested)
    out = ["digraph G {", f"  rankdir={rankdir};", "  concentrate=true;", f"  dpi={dpi};",
           "  node [shape=record];"]
    for node_id, layer in nodes:
        label = _title(layer, show_layer_names)
        if show_shapes:
            shapes = [_format_shape(layer, name) for name in ("input_shape", "output_shape")]
            label += "\n|{input:|output:}|{{%s}|{%s}}" % tuple(shapes)
        out.append(f"  {_dot_quote(node_id)} [label={_dot_quote(label)}];")
    out += [f"  {_dot_quote(a)} -> {_dot_quote(b)};" for a, b in edges]
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Drawing

def _check_rankdir(rankdir):
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {_RANKDIRS}; got {rankdir!r}.")


def _font(scale):
    try:
        return ImageFont.load_default(size=max(8, round(12 * scale)))
    except TypeError:  # pragma: no cover - pillow < 10.1 has only the bitmap font
        return ImageFont.load_default()


def _box_sizes(labels, font, pad):
    sizes = {}
    for node_id, lines in labels.items():
        boxes = [font.getbbox(line) for line in lines]
        line_h = max(b[3] for b in boxes) + pad // 2
        sizes[node_id] = (max(b[2] for b in boxes) + 2 * pad, line_h * len(lines) + pad)
    return sizes


def _layout(order, rank, sizes, rankdir, gap):
    """Centre of every box: ranks become rows (TB/BT) or columns (LR/RL)."""
    vertical = rankdir in ("TB", "BT")
    levels = sorted(set(rank.values()), reverse=rankdir in ("BT", "RL"))
    groups = [[n for n in order if rank[n] == level] for level in levels]
    # (extent within a rank, extent across ranks) of each box
    dims = {n: sizes[n] if vertical else sizes[n][::-1] for n in order}
    widths = [sum(dims[n][0] for n in g) + gap * (len(g) - 1) for g in groups]
    total_across = max(widths) + 2 * gap
    centres, pos = {}, gap
    for group, width in zip(groups, widths):
        depth = max(dims[n][1] for n in group)
        cursor = (total_across - width) / 2
        for n in group:
            a, b = cursor + dims[n][0] / 2, pos + depth / 2
            centres[n] = (a, b) if vertical else (b, a)
            cursor += dims[n][0] + gap
        pos += depth + gap * 2
    extent = (total_across, pos - gap) if vertical else (pos - gap, total_across)
    return centres, tuple(int(math.ceil(v)) for v in extent)


def _border_point(centre, size, direction):
    """Where the ray from the box centre along ``direction`` leaves the box."""
    dx, dy = direction
    hw, hh = size[0] / 2, size[1] / 2
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return centre[0] + t * dx, centre[1] + t * dy


def _draw_arrow(draw, start_box, end_box, head, width):
    (c0, s0), (c1, s1) = start_box, end_box
    dx, dy = c1[0] - c0[0], c1[1] - c0[1]
    length = math.hypot(dx, dy) or 1.0
    unit = (dx / length, dy / length)
    start = _border_point(c0, s0, unit)
    end = _border_point(c1, s1, (-unit[0], -unit[1]))
    draw.line([start, end], fill=_BOX_EDGE, width=width)
    back = (end[0] - unit[0] * head, end[1] - unit[1] * head)
    side = (-unit[1] * head / 2, unit[0] * head / 2)
    draw.polygon([end, (back[0] + side[0], back[1] + side[1]),
                  (back[0] - side[0], back[1] - side[1])], fill=_BOX_EDGE)


def _render(nodes, edges, labels, rankdir, scale):
    font = _font(scale)
    pad, gap = round(8 * scale), round(18 * scale)
    order = [node_id for node_id, _ in nodes]
    sizes = _box_sizes(labels, font, pad)
    centres, extent = _layout(order, _ranks(order, edges), sizes, rankdir, gap)
    image = Image.new("RGB", extent, _BACKGROUND)
    draw = ImageDraw.Draw(image)
    line_w = max(1, round(scale))
    for src, dst in edges:
        if src != dst:
            _draw_arrow(draw, (centres[src], sizes[src]), (centres[dst], sizes[dst]),
                        round(8 * scale), line_w)
    for node_id in order:
        (cx, cy), (w, h) = centres[node_id], sizes[node_id]
        box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]
        draw.rectangle(box, fill=_BOX_FILL, outline=_BOX_EDGE, width=line_w)
        line_h = (h - pad) / len(labels[node_id])
        for i, line in enumerate(labels[node_id]):
            draw.text((box[0] + pad, box[1] + pad / 2 + i * line_h), line, fill=_INK, font=font)
    return image


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96):
    """Draw the model's layer graph into ``to_file``.

    Boxes read ``name: ClassName`` (or the class name alone), plus input/output
    shapes when ``show_shapes``; arrows follow the data flow, top to bottom
    (``rankdir='TB'``) or left to right ('LR'; 'BT' and 'RL' reverse them). A
    ``.dot`` file gets the DOT source; any other extension pillow knows (png, jpg,
    pdf, ...) gets a picture at ``dpi``. The file is written atomically.
    """
    _check_rankdir(rankdir)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1].lower()
    if extension == ".dot":
        text = model_to_dot(model, show_shapes, show_layer_names, rankdir, expand_nested, dpi)
        with atomic_write(to_file, "w") as handle:
            handle.write(text)
        return None
    image_format = Image.registered_extensions().get(extension)
    if image_format is None:
        raise ValueError(f"Cannot tell the image format of {to_file!r}; "
                         "use .png, .jpg, .pdf or .dot.")
    nodes, edges = _layer_graph(model, expand_nested)
    if not nodes:
        raise ValueError("The model has no layers to plot.")
    labels = {n: _label_lines(layer, show_shapes, show_layer_names) for n, layer in nodes}
    image = _render(nodes, edges, labels, rankdir, dpi / 96)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, dpi=(dpi, dpi))
    with atomic_write(to_file) as handle:
        handle.write(buffer.getvalue())
    return None
