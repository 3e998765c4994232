"""``ag.testing``: derivative checks, hypothesis strategies and the op table behind the property tests.

- :func:`gradcheck`, :func:`gradgradcheck`, :func:`check_jvp` (numpy only) compare the engine's
  derivatives with float64 central differences and raise :class:`GradcheckError` on a mismatch.
- :mod:`~autograd_core.testing.strategies` (needs hypothesis): shapes, broadcastable shapes, axes,
  indices, float arrays, smooth points, tensors on devices.
- :mod:`~autograd_core.testing.optable` (needs hypothesis): one entry per op; the spec type and the
  property checks every entry gets are in :mod:`~autograd_core.testing.opspec`; add your own op
  with ``property_test``.

See docs/testing.md.
"""
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, check_jvp  # noqa: F401

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "check_jvp", "strategies", "optable",
           "opspec", "OpSpec"]


def __getattr__(name):
    # the hypothesis-based parts load on first use, so gradcheck works without hypothesis
    import importlib
    if name in ("strategies", "optable", "opspec"):
        return importlib.import_module(f".{name}", __name__)
    if name == "OpSpec":
        return importlib.import_module(".opspec", __name__).OpSpec
    raise AttributeError(f"module 'autograd_core.testing' has no attribute {name!r}")
