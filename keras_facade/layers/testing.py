"""Checks for layer authors (Keras 2 had ``keras.utils.test_utils.layer_test``): gradient flow to
every weight, and the JSON config round trip."""
import json


import autograd_core as ag


def assert_gradients_reach_every_weight(layer, *inputs, **kwargs):
    """Every trainable weight gets a non-zero gradient of sum(output²) (and it has its shape)."""
    layer(*inputs, **kwargs)  # builds the weights
    weights = layer.trainable_weights
    assert weights, f"{layer.name} has no trainable weights"

    def loss(ws):
        out = layer(*inputs, **kwargs)
        outs = out if isinstance(out, list) else [out]
        return sum(ag.sum(o * o) for o in outs)
    _, grads = ag.value_and_grad(loss)(weights)
    for w, g in zip(weights, grads):
        assert g.shape == w.shape
        assert (g.numpy() != 0).any(), f"no gradient reaches {w.path}"


def round_trip(layer, x):
    """A copy of a called layer rebuilt from its JSON config, given the same weights; returns
    (original outputs, copy outputs) as lists of arrays."""
    from .serialization import serialize, deserialize
    y = layer(x)
    record = json.loads(json.dumps(serialize(layer)))
    copy = deserialize(record)
    assert type(copy) is type(layer) and copy.get_config() == layer.get_config()
    copy(x)
    copy.set_weights(layer.get_weights())
    y2 = copy(x)
    as_list = (lambda v: [t.numpy() for t in v] if isinstance(v, list) else [v.numpy()])
    return as_list(y), as_list(y2)
