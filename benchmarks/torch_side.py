"""The same workloads in idiomatic PyTorch (nn modules, torch.optim with Keras's hyper-parameters,
two threads), for side-by-side ratios. B1e/B2e/B3e share B1/B2/B3's PyTorch version."""
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import common as C  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(C.SEED)
DEVICE = torch.device(C.DEVICE)


def _sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def _train(model, loss_fn, opt, x, y):
    model.to(DEVICE)
    x, y = x.to(DEVICE), y.to(DEVICE)

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def _median_ms(step, warmup, timed):
    return C.median_ms(step, warmup, timed, sync=_sync)


def b1():
    x, y = (torch.from_numpy(a) for a in C.mlp_data())
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    step = _train(model, nn.CrossEntropyLoss(), opt, x, y)
    return {"ms_per_step": _median_ms(step, 5, 50)}


def b2():
    x, y = C.cnn_data()
    x = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(y)
    stack, cin = [], 3
    for f in C.CNN_FILTERS:
        stack += [nn.Conv2d(cin, f, 3, padding=1), nn.ReLU(), nn.Conv2d(f, f, 3, padding=1),
                  nn.ReLU(), nn.MaxPool2d(2)]
        cin = f
    model = nn.Sequential(*stack, nn.Flatten(), nn.Linear(256 * 4 * 4, 256), nn.ReLU(),
                          nn.Dropout(0.5), nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(256, 1), nn.Sigmoid())
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
    ms = _median_ms(_train(model, nn.BCELoss(), opt, x, y), 2, 10)
    return {"ms_per_step": ms, "gflops": C.B2_GFLOP_PER_STEP / ms * 1000,
            "peak_rss_mb": C.peak_rss_mb()}


class _LstmNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10000, 128)
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.out = nn.Linear(128, 1)

    def forward(self, ids):
        seq, _ = self.lstm(self.embed(ids))
        return torch.sigmoid(self.out(seq[:, -1]))


def b3():
    ids, y = C.lstm_data()
    ids, y = torch.from_numpy(ids), torch.from_numpy(y)
    model = _LstmNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    return {"ms_per_step": _median_ms(_train(model, nn.BCELoss(), opt, ids, y), 3, 20)}


def b4():
    x = torch.ones(10, requires_grad=True)

    def rep():
        y = x
        for _ in range(1000):
            y = y * 1.0001 + 0.0001
        y.sum().backward()
    return {"us_per_op": C.median_ms(rep, 2, 20) * 1000 / 2000}


def b5():
    a = torch.rand(2048, 2048)
    b = torch.rand(2048, 2048)
    ms = C.median_ms(lambda: a @ b, 2, 10)
    return {"gflops": 2 * 2048 ** 3 / ms / 1e6}


def b6():
    x = torch.ones(1, requires_grad=True)
    start = time.perf_counter()
    y = x
    for k in range(100_000):
        y = y * 1.00001 if k % 2 else y + 0.00001
    y.sum().backward()
    seconds = time.perf_counter() - start
    assert np.isfinite(x.grad.numpy()).all()
    return {"seconds": seconds}


WORKLOADS = {"B1": b1, "B1e": b1, "B2": b2, "B2e": b2, "B3": b3, "B3e": b3, "B4": b4, "B5": b5,
             "B6": b6}
