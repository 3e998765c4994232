"""``O``: late-bound access to :mod:`autograd_core.ops`, for derivative rules written with engine ops
(the ops package imports the primitives, so the rules cannot import it at module load)."""


class _LazyOps:
    _mod = None

    def __getattr__(self, name):
        mod = _LazyOps._mod
        if mod is None:
            from .. import ops as mod
            _LazyOps._mod = mod
        value = getattr(mod, name)
        setattr(self, name, value)  # cache: later lookups are plain attribute reads
        return value


O = _LazyOps()
