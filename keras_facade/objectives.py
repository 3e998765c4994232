"""``keras.objectives``: Keras 1's name for ``keras.losses`` (every name resolves there)."""
from . import losses as _losses


def __getattr__(name):
    try:
        return getattr(_losses, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__():
    return [n for n in dir(_losses) if not n.startswith("_")]
