"""The workloads on this project. B1e/B2e/B3e are training steps written directly with autograd_core
(forward, ``ag.value_and_grad``, an in-place update of the weight arrays); B1/B2/B3 go through
keras_facade (Sequential + compile + train_on_batch) exactly as benchmarks.md defines them.

Each function returns a dict of measurements; ``run.py`` calls it in a fresh process."""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd_core as ag  # noqa: E402
from benchmarks import common as C  # noqa: E402


# -- in-place optimizers with the Keras 3 update rules ---------------------------------------------
class Adam:
    def __init__(self, params, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, beta_1, beta_2, epsilon
        self.xp = params[0].device.xp  # numpy, or cupy on a GPU
        self.m = [self.xp.zeros_like(p.data) for p in params]
        self.v = [self.xp.zeros_like(p.data) for p in params]
        self.tmp = [self.xp.empty_like(p.data) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        xp = self.xp
        lr_t = self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            g = g.data
            m *= self.b1                                    # m = b1 m + (1 - b1) g
            m += xp.multiply(g, 1 - self.b1, out=tmp)
            v *= self.b2                                    # v = b2 v + (1 - b2) g^2
            xp.multiply(g, g, out=tmp)
            tmp *= 1 - self.b2
            v += tmp
            xp.sqrt(v, out=tmp)                             # p -= lr_t m / (sqrt(v) + eps)
            tmp += self.eps
            xp.divide(m, tmp, out=tmp)
            tmp *= lr_t
            p.data -= tmp


class RMSprop:
    def __init__(self, params, lr=1e-4, rho=0.9, epsilon=1e-7):
        self.params, self.lr, self.rho, self.eps = params, lr, rho, epsilon
        self.xp = params[0].device.xp
        self.a = [self.xp.zeros_like(p.data) for p in params]

    def step(self, grads):
        for p, g, a in zip(self.params, grads, self.a):
            g = g.data
            a *= self.rho
            a += (1 - self.rho) * g * g
            p.data -= self.lr * g / self.xp.sqrt(a + self.eps)


def _weights(arrays):
    return [ag.tensor(a, requires_grad=True, device=C.DEVICE) for a in arrays]


def _tensor(a):
    return ag.tensor(a, device=C.DEVICE)


def _sync():
    """Wait for the GPU's queued work (nothing to wait for on the CPU)."""
    dev = ag.device(C.DEVICE)
    if dev.kind == "cuda":
        with dev.context():
            dev.xp.cuda.Device().synchronize()


def _dense_params(rng, sizes):
    arrays = []
    for fin, fout in zip(sizes[:-1], sizes[1:]):
        arrays += [C.glorot(rng, (fin, fout), fin, fout), np.zeros(fout, np.float32)]
    return arrays


def _train(loss_fn, params, opt):
    vg = ag.value_and_grad(loss_fn)

    def step():
        _, grads = vg(params)
        opt.step(grads)
    return step


def _median_ms(step, warmup, timed):
    return C.median_ms(step, warmup, timed, sync=_sync)


# -- engine-level training steps -------------------------------------------------------------------
def b1e():
    x, y = C.mlp_data()
    x, y = _tensor(x), _tensor(y)
    params = _weights(_dense_params(np.random.default_rng(C.SEED), (784, 256, 128, 10)))

    def loss(p):
        h = ag.relu(x @ p[0] + p[1])
        h = ag.relu(h @ p[2] + p[3])
        probs = ag.softmax(h @ p[4] + p[5])
        return ag.nn.categorical_crossentropy(y, probs).mean()
    return {"ms_per_step": _median_ms(_train(loss, params, Adam(params)), 5, 50)}


def _cnn_params(rng):
    arrays = []
    for shape in C.cnn_shapes():
        kh, kw, cin, cout = shape
        arrays += [C.glorot(rng, shape, kh * kw * cin, kh * kw * cout), np.zeros(cout, np.float32)]
    return arrays + _dense_params(rng, (256 * 4 * 4, 256, 256, 1))


def b2e():
    x, y = C.cnn_data()
    x, y = _tensor(x), _tensor(y)
    params = _weights(_cnn_params(np.random.default_rng(C.SEED)))
    drop_rng = np.random.default_rng(C.SEED + 1)
    nn = ag.nn

    def loss(p):
        h = x
        for k in range(8):
            h = ag.relu(nn.conv2d(h, p[2 * k], p[2 * k + 1], padding="same"))
            if k % 2:
                h = nn.max_pool2d(h, 2)
        h = h.reshape(h.shape[0], -1)
        h = nn.dropout(ag.relu(h @ p[16] + p[17]), 0.5, training=True, generator=drop_rng)
        h = nn.dropout(ag.relu(h @ p[18] + p[19]), 0.5, training=True, generator=drop_rng)
        return nn.binary_crossentropy(y, ag.sigmoid(h @ p[20] + p[21])).mean()
    ms = _median_ms(_train(loss, params, RMSprop(params)), 2, 10)
    return {"ms_per_step": ms, "gflops": C.B2_GFLOP_PER_STEP / ms * 1000,
            "peak_rss_mb": C.peak_rss_mb()}


def b3e():
    ids, y = C.lstm_data()
    y = _tensor(y)
    rng = np.random.default_rng(C.SEED)
    u = 128
    table = rng.uniform(-0.05, 0.05, (10000, 128)).astype(np.float32)
    kernel = C.glorot(rng, (128, 4 * u), 128, 4 * u)
    recurrent = np.linalg.qr(rng.standard_normal((4 * u, u)))[0].T.astype(np.float32)
    bias = np.zeros(4 * u, np.float32)
    bias[u:2 * u] = 1.0  # unit_forget_bias
    params = _weights([table, kernel, recurrent, bias] + _dense_params(rng, (u, 1)))
    batch, steps = ids.shape

    def loss(p):
        e = ag.nn.embedding(ids, p[0])
        zx = (e.reshape(batch * steps, 128) @ p[1] + p[3]).reshape(batch, steps, 4 * u)
        h = c = ag.zeros(batch, u, device=C.DEVICE)
        if hasattr(ag.nn, "lstm_sequence"):
            hs, _ = ag.nn.lstm_sequence(zx, h, c, p[2])
            h = hs[:, -1]
        else:
            for t in range(steps):
                h, c = ag.nn.lstm_step(zx[:, t], h, c, p[2])
        return ag.nn.binary_crossentropy(y, ag.sigmoid(h @ p[4] + p[5])).mean()
    return {"ms_per_step": _median_ms(_train(loss, params, Adam(params)), 3, 20)}


# -- engine overhead -------------------------------------------------------------------------------
def b4():
    x = ag.ones(10, requires_grad=True)

    def rep():
        y = x
        for _ in range(1000):
            y = y * 1.0001 + 0.0001
        y.sum().backward()
    return {"us_per_op": C.median_ms(rep, 2, 20) * 1000 / 2000}


def b5():
    rng = np.random.default_rng(C.SEED)
    a = rng.random((2048, 2048), dtype=np.float32)
    b = rng.random((2048, 2048), dtype=np.float32)
    ms = C.median_ms(lambda: a @ b, 2, 10)
    return {"gflops": 2 * 2048 ** 3 / ms / 1e6}


def b6():
    x = ag.ones(1, requires_grad=True)
    start = time.perf_counter()
    y = x
    for k in range(100_000):
        y = y * 1.00001 if k % 2 else y + 0.00001
    y.sum().backward()
    seconds = time.perf_counter() - start
    assert np.isfinite(x.grad.numpy()).all()
    return {"seconds": seconds}


# -- through keras_facade --------------------------------------------------------------------------
def _facade_step(build, x, y, warmup, timed):
    from keras_facade import backend
    backend.set_device(C.DEVICE)
    model = build()
    return _median_ms(lambda: model.train_on_batch(x, y), warmup, timed)


def b1():
    from keras_facade import layers, models, optimizers
    x, y = C.mlp_data()

    def build():
        model = models.Sequential([layers.Dense(256, activation="relu", input_shape=(784,)),
                                   layers.Dense(128, activation="relu"),
                                   layers.Dense(10, activation="softmax")])
        model.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss="categorical_crossentropy")
        return model
    return {"ms_per_step": _facade_step(build, x, y, 5, 50)}


def blog_cnn():
    """B2's model through keras_facade: the blog CNN at 64x64x3, compiled with RMSprop(1e-4)."""
    from keras_facade import layers, models, optimizers
    stack = [layers.Input(shape=(64, 64, 3))]
    for f in C.CNN_FILTERS:
        stack += [layers.Conv2D(f, (3, 3), padding="same", activation="relu"),
                  layers.Conv2D(f, (3, 3), padding="same", activation="relu"),
                  layers.MaxPooling2D((2, 2))]
    stack += [layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dropout(0.5),
              layers.Dense(256, activation="relu"), layers.Dropout(0.5),
              layers.Dense(1, activation="sigmoid")]
    model = models.Sequential(stack)
    model.compile(optimizer=optimizers.RMSprop(learning_rate=1e-4), loss="binary_crossentropy")
    return model


def b2():
    x, y = C.cnn_data()
    ms = _facade_step(blog_cnn, x, y, 2, 10)
    return {"ms_per_step": ms, "gflops": C.B2_GFLOP_PER_STEP / ms * 1000,
            "peak_rss_mb": C.peak_rss_mb()}


def b3():
    from keras_facade import layers, models, optimizers
    ids, y = C.lstm_data()

    def build():
        model = models.Sequential([layers.Input(shape=(80,)), layers.Embedding(10000, 128),
                                   layers.LSTM(128), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=optimizers.Adam(), loss="binary_crossentropy")
        return model
    return {"ms_per_step": _facade_step(build, ids, y, 3, 20)}


WORKLOADS = {"B1": b1, "B1e": b1e, "B2": b2, "B2e": b2e, "B3": b3, "B3e": b3e, "B4": b4, "B5": b5,
             "B6": b6}
