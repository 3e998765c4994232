"""Loading in two phases: collect and check every (variable, array) pair first, assign at the end.

So a file that does not fit the model (a count or a shape differs anywhere) changes nothing.
"""
import warnings

import numpy as np


def _shapes(items):
    return [tuple(x.shape) for x in items]


class LoadPlan:
    """The pairs to assign, gathered from one file (``source`` names it in errors)."""

    def __init__(self, source, skip_mismatch=False):
        self.source = source
        self.skip_mismatch = skip_mismatch
        self.pairs = []

    def mismatch(self, message):
        """Report a problem: a warning when ``skip_mismatch``, else a ValueError naming the file."""
        text = f"Weights file {self.source!r}: {message}"
        if not self.skip_mismatch:
            raise ValueError(text)
        warnings.warn(text + " (skipped: skip_mismatch=True)", stacklevel=3)

    def add(self, owner, variables, arrays, per_weight=False):
        """Queue ``arrays`` for ``variables`` (one owner: a layer or a path) after checking them.
        ``per_weight`` (the Keras 2 layout): with ``skip_mismatch`` only the weights whose shapes
        differ are skipped, not the whole owner."""
        expected, found = _shapes(variables), _shapes(arrays)
        if len(variables) != len(arrays):
            self.mismatch(f"{owner} expects {len(variables)} weight(s) with shapes {expected}, but the "
                          f"file holds {len(arrays)} with shapes {found}")
            return False
        bad = [(getattr(v, "path", getattr(v, "name", "?")), e, f)
               for v, e, f in zip(variables, expected, found) if e != f]
        if bad:
            detail = "; ".join(f"{name}: expected {e}, file has {f}" for name, e, f in bad)
            self.mismatch(f"{owner} has weights of other shapes than the file ({detail})")
            if not per_weight:
                return False
            kept = [(v, a) for v, a in zip(variables, arrays) if tuple(v.shape) == tuple(a.shape)]
            variables, arrays = [v for v, _ in kept], [a for _, a in kept]
        for v, a in zip(variables, arrays):
            if np.asarray(a).dtype.kind not in "biuf":
                self.mismatch(f"{owner}: weight {getattr(v, 'path', '?')} is stored with the "
                              f"non-numeric dtype {np.asarray(a).dtype}")
                return False
        self.pairs.extend(zip(variables, arrays))
        return True

    def apply(self):
        """Assign every queued array (all checks passed before this point)."""
        for variable, array in self.pairs:
            variable.assign(np.asarray(array))
