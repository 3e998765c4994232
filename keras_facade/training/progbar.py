"""Keras 2's plain-text progress bar (``keras.utils.Progbar``).

verbose=1: ``  32/1000 [>.............................] - ETA: 3s - loss: 0.6931`` redrawn at most
every ``interval`` seconds and always at the target, where the ETA gives way to the elapsed time and
the time per unit (``- 3s 85us/step``). On a terminal a redraw backspaces over the previous line;
elsewhere (pipes, log files, nohup) each redraw starts a new line, so logs hold no ``\\b``/``\\r``.
verbose=2: one line at the target, `` - 3s - loss: 0.6931``.

Values of names in ``stateful_metrics`` are shown as given; others are averaged, weighted by the
number of units since the previous update.
"""
import sys
import time


def interactive(stream):
    """Whether redraws may overwrite the line: a terminal, or a notebook kernel."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


def format_value(value, signed=True):
    """``%.4f`` for values with |v| > 1e-3, else ``%.4e`` (verbose=2 compares v, not |v|)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return f" {value}"
    return f" {value:.4f}" if (abs(value) if signed else value) > 1e-3 else f" {value:.4e}"


def format_eta(seconds):
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def format_per_unit(seconds):
    if seconds >= 1:
        return " %.0fs/step" % seconds
    if seconds >= 1e-3:
        return " %.0fms/step" % (seconds * 1e3)
    return " %.0fus/step" % (seconds * 1e6)


class Progbar:
    """``Progbar(target, width=30, verbose=1, interval=0.05, stateful_metrics=None)``; ``stream``
    (default: the current ``sys.stdout``) and ``clock`` (default ``time.time``) can be replaced."""

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", stream=None, clock=None):
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._stream, self._clock = stream, clock or time.time
        self._values = {}          # name -> [weighted sum, weight]
        self._seen = 0
        self._total_width = 0
        self._start = self._clock()
        self._last_update = 0.0

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def due(self, current):
        """Whether ``update(current)`` would redraw now (lets callers skip computing values)."""
        finished = self.target is None or current >= self.target
        if self.verbose == 1:
            return (finished and self.target is not None) or \
                self._clock() - self._last_update >= self.interval
        return self.verbose == 2 and finished

    def update(self, current, values=None):
        """Move to ``current`` units done; ``values`` is a list of ``(name, value)``."""
        step = current - self._seen
        for name, value in values or ():
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            elif name in self._values:
                self._values[name][0] += value * step
                self._values[name][1] += step
            else:
                self._values[name] = [value * step, step]
        self._seen = current
        now = self._clock()
        if self.verbose == 1:
            finished = self.target is not None and current >= self.target
            if now - self._last_update < self.interval and not finished:
                return
            self._draw(current, now, finished)
        elif self.verbose == 2 and (self.target is None or current >= self.target):
            line = " - %.0fs" % (now - self._start) + self._metrics_text(signed=False) + "\n"
            self.stream.write(line)
            self.stream.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _bar(self, current):
        if self.target is None:
            return "%7d/Unknown" % current
        digits = len(str(int(self.target))) if self.target > 0 else 1
        done = int(self.width * current / self.target) if self.target else self.width
        bar = ("%" + str(digits) + "d/%d [") % (current, self.target)
        if done > 0:
            bar += "=" * (done - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - done) + "]"

    def _metrics_text(self, signed=True):
        text = ""
        for name, (total, count) in self._values.items():
            text += f" - {name}:" + format_value(_mean(total) / max(1, count), signed)
        return text

    def _draw(self, current, now, finished):
        previous = self._total_width
        stream = self.stream
        if interactive(stream):
            stream.write("\b" * previous + "\r")
        else:
            stream.write("\n")
        bar = self._bar(current)
        per_unit = (now - self._start) / current if current else 0.0
        if self.target is not None and current < self.target:
            info = " - ETA: " + format_eta(per_unit * (self.target - current))
        else:
            info = " - %.0fs" % (now - self._start) + format_per_unit(per_unit)
        info += self._metrics_text()
        self._total_width = len(bar) + len(info)
        if previous > self._total_width:
            info += " " * (previous - self._total_width)
        if finished:
            info += "\n"
        stream.write(bar + info)
        stream.flush()


def _mean(value):
    """Vector values (e.g. precision at several thresholds) show their mean, as Keras 2."""
    if hasattr(value, "__len__"):
        values = list(value)
        return sum(values) / max(1, len(values))
    return value
