"""Gradient-recording mode: ``no_grad()`` / ``enable_grad()``.

The flag lives in a one-element list so the hot path reads it with a single index.
"""
import functools

GRAD_ENABLED = [True]


class _GradMode:
    """Context manager and decorator that sets gradient recording on or off."""
    enabled = True

    def __enter__(self):
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self.enabled

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Run without recording: results of ops do not require grad."""
    enabled = False


class enable_grad(_GradMode):
    """Record again inside a ``no_grad`` block."""
    enabled = True


class set_grad_enabled(_GradMode):
    def __init__(self, mode):
        self.enabled = bool(mode)


def is_grad_enabled():
    return GRAD_ENABLED[0]
