"""Line charts of training curves drawn with pillow (no plotting package needed): one panel per
quantity, the training curve and, when logged, the ``val_`` curve beside it."""
import math

from PIL import Image, ImageDraw, ImageFont

TRAIN_COLOR, VAL_COLOR = (31, 119, 180), (255, 127, 14)
AXIS_COLOR, GRID_COLOR, TEXT_COLOR = (60, 60, 60), (225, 225, 225), (20, 20, 20)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 62, 14, 26, 34


def nice_ticks(lo, hi, count=5):
    """Round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi - lo <= max(1e-9 * max(abs(lo), abs(hi)), 1e-300):  # flat, or too thin to tell apart: pad it
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    last = math.ceil((hi - start) / step - 1e-9)  # the last tick reaches the top value
    return [round(start + k * step, 12) for k in range(last + 1)]


def _label(value):
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.4g}"


def panels_for(logs, metrics=None):
    """Quantity names to draw: ``metrics`` or every logged name without the ``val_`` prefix."""
    if metrics is not None:
        return list(metrics)
    names = []
    for key in logs:
        base = key[4:] if key.startswith("val_") else key
        if base not in names:
            names.append(base)
    return names


def draw_panel(draw, box, epochs, series, title, font):
    """One chart inside ``box`` = (left, top, right, bottom); ``series`` = [(label, values, color)]."""
    left, top, right, bottom = box
    x0, y0 = left + MARGIN_LEFT, top + MARGIN_TOP
    x1, y1 = right - MARGIN_RIGHT, bottom - MARGIN_BOTTOM
    values = [v for _, vals, _ in series for v in vals if v is not None and math.isfinite(v)]
    draw.text((left + MARGIN_LEFT, top + 6), title, fill=TEXT_COLOR, font=font)
    if not values:
        draw.text((x0, (y0 + y1) // 2), "no finite values", fill=TEXT_COLOR, font=font)
        return
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    span = (hi - lo) or 1.0
    first, last = epochs[0], epochs[-1]
    xspan = (last - first) or 1

    def to_px(epoch, value):
        return (x0 + (x1 - x0) * (epoch - first) / xspan, y1 - (y1 - y0) * (value - lo) / span)

    for tick in ticks:
        _, y = to_px(first, tick)
        draw.line([(x0, y), (x1, y)], fill=GRID_COLOR)
        text = _label(tick)
        draw.text((x0 - 6 - draw.textlength(text, font=font), y - 5), text, fill=TEXT_COLOR, font=font)
    step = max(1, math.ceil(len(epochs) / 8))
    for epoch in epochs[::step] + ([epochs[-1]] if (len(epochs) - 1) % step else []):
        x, _ = to_px(epoch, lo)
        draw.line([(x, y1), (x, y1 + 4)], fill=AXIS_COLOR)
        text = str(epoch)
        draw.text((x - draw.textlength(text, font=font) / 2, y1 + 6), text, fill=TEXT_COLOR, font=font)
    draw.rectangle([x0, y0, x1, y1], outline=AXIS_COLOR)
    draw.text(((x0 + x1) / 2 - 14, bottom - 14), "epoch", fill=TEXT_COLOR, font=font)
    legend_x = x1 - 8
    for label, vals, color in reversed(series):
        points = [to_px(e, v) for e, v in zip(epochs, vals) if v is not None and math.isfinite(v)]
        if len(points) > 1:
            draw.line(points, fill=color, width=2)
        for px, py in points:
            draw.ellipse([px - 2, py - 2, px + 2, py + 2], fill=color)
        width = draw.textlength(label, font=font)
        legend_x -= width + 18
        draw.line([(legend_x, top + 12), (legend_x + 12, top + 12)], fill=color, width=3)
        draw.text((legend_x + 15, top + 6), label, fill=TEXT_COLOR, font=font)


def render_history(epochs, logs, metrics=None, panel_size=(420, 300), title=None):
    """An RGB image with one panel per quantity of ``logs`` ({name: [value per epoch]})."""
    names = panels_for(logs, metrics)
    cols = 1 if len(names) <= 1 else 2
    rows = max(1, math.ceil(len(names) / cols))
    width, height = panel_size
    header = 24 if title else 0
    image = Image.new("RGB", (width * cols, height * rows + header), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    if title:
        draw.text((10, 6), title, fill=TEXT_COLOR, font=font)
    for i, name in enumerate(names):
        row, col = divmod(i, cols)
        box = (col * width, header + row * height, (col + 1) * width, header + (row + 1) * height)
        series = []
        if name in logs:
            series.append(("train" if f"val_{name}" in logs else name, logs[name], TRAIN_COLOR))
        if f"val_{name}" in logs:
            series.append(("validation", logs[f"val_{name}"], VAL_COLOR))
        draw_panel(draw, box, epochs, series, name, font)
    return image
