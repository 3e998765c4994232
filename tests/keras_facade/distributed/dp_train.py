"""Train a small model data-parallel (run under mpirun) or in one process; save the final weights.

    mpirun -np 2 python dp_train.py OUT.npz [--fail-rank R]
"""
import sys

import numpy as np


def main(out, fail_rank=None):
    import keras_facade
    from keras_facade.layers import Dense, Dropout
    from keras_facade.models import Sequential
    from keras_facade.callbacks import EarlyStopping

    strategy = keras_facade.distribute.DataParallel(timeout=60)
    if fail_rank is not None and strategy.rank == fail_rank:
        raise RuntimeError(f"rank {fail_rank} fails on purpose")
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


if __name__ == "__main__":
    fail = int(sys.argv[sys.argv.index("--fail-rank") + 1]) if "--fail-rank" in sys.argv else None
    main(sys.argv[1], fail)
