"""Train a small model data-parallel (run under mpirun) or in one process; save the final weights.

    mpirun -np 2 python dp_train.py OUT.npz [--fail-rank R] [--stall-rank R --timeout S]
"""
import sys

import numpy as np


def main(out, fail_rank=None, stall_rank=None, timeout=60):
    import keras_facade
    from keras_facade.layers import Dense, Dropout
    from keras_facade.models import Sequential
    from keras_facade.callbacks import EarlyStopping

    strategy = keras_facade.distribute.DataParallel(timeout=timeout)
    if fail_rank is not None and strategy.rank == fail_rank:
        raise RuntimeError(f"rank {fail_rank} fails on purpose")
    if stall_rank is not None and strategy.rank == stall_rank:
        import time
        time.sleep(60)  # never reaches the first collective in time
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 3))).astype("float32")
    from keras_facade import backend
    # the same seed in every run; other ranks start from other weights, which rank 0's must replace
    backend.set_random_seed(0 if strategy.rank == 0 else 1234 + strategy.rank)
    with strategy.scope():
        model = Sequential([Dense(8, activation="tanh", input_shape=(5,)), Dropout(0.0), Dense(3)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=1,
                        callbacks=[EarlyStopping(monitor="loss", patience=5)])
    if strategy.rank == 0:
        np.savez(out, *model.get_weights(), loss=np.array(history.history["loss"]),
                 allreduce_calls=strategy.stats["allreduce_calls"],
                 allreduce_bytes=strategy.stats["allreduce_bytes"])


def _option(name):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else None


if __name__ == "__main__":
    main(sys.argv[1], _option("--fail-rank"), _option("--stall-rank"), _option("--timeout") or 60)
