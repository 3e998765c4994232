"""The reverse sweep: topological order, cotangent propagation, leaf accumulation.

Everything is iterative, so graph depth is bounded only by memory. The engine (not the rules) sums a
cotangent to its operand's shape when broadcasting happened and casts it to the operand's dtype.
"""
from ..tensor import Tensor
from .mode import GRAD_ENABLED


def toposort(roots):
    """Tensors reachable from ``roots`` that require grad, each before its operands."""
    order = []
    seen = set()
    stack = [(r, False) for r in roots if r.requires_grad]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        key = id(t)
        if key in seen:
            continue
        seen.add(key)
        stack.append((t, True))
        node = t._node
        if node is not None and node.args is not None:
            for a in node.args:
                if isinstance(a, Tensor) and a.requires_grad and id(a) not in seen:
                    stack.append((a, False))
    order.reverse()
    return order


def _fit(g, like):
    """Sum a cotangent down to ``like``'s shape (undoing broadcasting) and cast it to its dtype."""
    if not isinstance(g, Tensor):
        g = Tensor._make(like._device.asarray(g, dtype=like._data.dtype), like._device)
    if g._data.shape != like._data.shape:
        g = sum_to(g, like._data.shape)
    if g._data.dtype != like._data.dtype:
        g = g.astype(like._data.dtype)
    return g


def sum_to(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``g.shape``."""
    from .. import ops
    lead = g.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"backward: cannot reduce a gradient of shape {g.shape} to shape {shape}")
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if lead and not stretched:  # only leading axes were added (a bias): one sum, no reshape
        return ops.sum(g, axis=tuple(range(lead)))
    if lead or stretched:
        g = ops.sum(g, axis=tuple(range(lead)) + stretched, keepdims=True)
    if lead or g.shape != tuple(shape):
        g = ops.reshape(g, shape)
    return g


def _released(t):
    return RuntimeError(
        f"backward through op '{t._node.prim.name}' a second time: its saved values were released "
        f"by the first backward; pass retain_graph=True to the first backward() (or grad()) call")


def run_backward(roots, cotangents, retain_graph=False, create_graph=False, inputs=None):
    """Propagate ``cotangents`` from ``roots``.

    With ``inputs`` given, return their gradients (None where unreached) and leave ``.grad`` alone;
    otherwise accumulate into the ``.grad`` of every reached leaf (and of tensors that retain grad).
    """
    order = toposort(roots)
    grads = {}
    for r, c in zip(roots, cotangents):
        if r.requires_grad:
            k = id(r)
            grads[k] = c if k not in grads else grads[k] + c
    wanted = None if inputs is None else {id(t) for t in inputs}
    results = {}
    # Gradient buffers this sweep allocated itself (ids of tensors held in ``grads``): nothing else
    # can see them, so without create_graph further cotangents are added into them in place, and
    # primitives with an ``accumulate`` rule (getitem) scatter straight into them instead of
    # materialising a full-size zero array each (slicing T steps from a sequence stays O(T)).
    owned = set()
    prev_mode = GRAD_ENABLED[0]
    GRAD_ENABLED[0] = create_graph
    try:
        for idx in range(len(order)):
            t = order[idx]
            order[idx] = None  # let intermediates go as soon as they are done
            key = id(t)
            g = grads.pop(key, None)
            if g is None:
                continue
            owned.discard(id(g))
            if t._hooks:
                for hook in t._hooks:
                    new = hook(g)
                    if new is not None:
                        g = _fit(new, t)
            node = t._node
            if wanted is not None:
                if key in wanted:
                    results[key] = g
            elif node is None or t._retain:
                if not create_graph:
                    g = g.detach()
                t.grad = g if t.grad is None else t.grad + g
            if node is None:
                continue
            args = node.args
            if args is None:
                raise _released(t)
            prim = node.prim
            params = node.params
            joint = None
            if prim.vjp is not None:
                joint = prim.vjp(g, t, *args, **params)
                if not isinstance(joint, tuple):
                    joint = (joint,)
            accumulate = None if create_graph else prim.accumulate
            i = -1
            for a in args:
                i += 1
                if not (a.__class__ is Tensor or isinstance(a, Tensor)) or not a.requires_grad:
                    continue
                k = id(a)
                prev = grads.get(k)
                if accumulate is not None:
                    if prev is None or id(prev) not in owned:
                        buf = a._device.xp.zeros(a._data.shape, a._data.dtype)
                        if prev is not None:
                            buf += prev._data
                        prev = grads[k] = Tensor._make(buf, a._device)
                        owned.add(id(prev))
                    accumulate(a._device.xp, prev._data, g._data, **params)
                    continue
                gi = joint[i] if joint is not None else prim.vjps[i](g, t, *args, **params)
                if gi is None:
                    continue
                if gi.__class__ is not Tensor or gi._data.shape != a._data.shape \
                        or gi._data.dtype != a._data.dtype:
                    gi = _fit(gi, a)
                if prev is None:
                    grads[k] = gi
                elif id(prev) in owned:
                    prev._data += gi._data
                else:
                    prev = grads[k] = prev + gi
                    if not create_graph:
                        owned.add(id(prev))
            if not retain_graph:
                node.args = None
    finally:
        GRAD_ENABLED[0] = prev_mode
    if inputs is not None:
        return [results.get(id(t)) for t in inputs]
    return None


def backward(tensor, grad=None, retain_graph=False, create_graph=False):
    """``tensor.backward(...)``: accumulate gradients into the leaves' ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no graph "
                           "(was it computed under no_grad(), or from inputs without requires_grad?)")
    if grad is None:
        if tensor.size != 1:
            raise RuntimeError(f"backward: grad can be implicitly created only for a scalar output, "
                               f"got shape {tensor.shape}; pass a gradient of that shape")
        from .. import ops
        grad = ops.ones_like(tensor)
    elif not isinstance(grad, Tensor):
        grad = Tensor(grad, dtype=tensor.dtype, device=tensor.device)
    if tuple(grad.shape) != tuple(tensor.shape):
        raise RuntimeError(f"backward: gradient shape {grad.shape} does not match the tensor's "
                           f"shape {tensor.shape}")
    run_backward([tensor], [grad], retain_graph=retain_graph or create_graph,
                 create_graph=create_graph)
