"""Optimizer state in files: ``[iterations, learning_rate, per trainable variable its slots]``.

Keras restores optimizer state by position, so files written here keep that order. A state that does
not fit the optimizer (another class, other variables) is reported and left out: the model still
loads, with a freshly initialised optimizer, as Keras does.
"""
import warnings


def variables(optimizer):
    """The optimizer's state variables in Keras 3 order (empty before it is built)."""
    return list(getattr(optimizer, "variables", None) or [])


def ensure_built(optimizer, trainable_variables):
    """Create the optimizer's slots for ``trainable_variables`` when it has none yet."""
    if getattr(optimizer, "built", False):
        return
    build = getattr(optimizer, "build", None)
    if build is not None:
        build(list(trainable_variables))


def plan_load(plan, optimizer, trainable_variables, arrays, source):
    """Queue ``arrays`` for ``optimizer``'s variables on ``plan``; warn and skip when they differ."""
    ensure_built(optimizer, trainable_variables)
    targets = variables(optimizer)
    shapes_ok = len(targets) == len(arrays) and all(
        tuple(t.shape) == tuple(a.shape) for t, a in zip(targets, arrays))
    if not shapes_ok:
        warnings.warn(
            f"{source}: the stored optimizer state ({len(arrays)} arrays) does not fit the "
            f"optimizer {type(optimizer).__name__} ({len(targets)} variables); it starts afresh",
            stacklevel=3)
        return False
    plan.pairs.extend(zip(targets, arrays))
    return True
