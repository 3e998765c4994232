"""One-step-ahead forecasting of a noisy sine wave with TimeseriesGenerator and an LSTM.

The series is a sine with a slowly drifting amplitude plus Gaussian noise. ``TimeseriesGenerator``
cuts it into windows of the last ``--window`` values, each with the next value as target; the first
70% of the series trains the model, the rest tests it. An ``LSTM`` followed by ``Dense(1)`` is
trained with the mean squared error, and its test MSE is compared with the naive forecast "the next
value equals the last one". The noise puts a floor under any forecast's MSE (the noise variance),
and the naive forecast pays it twice (its input is noisy too), so a model that learned to smooth
and extrapolate the wave beats it clearly.

    python examples/timeseries.py          # about 10 s on two CPU cores
    python examples/timeseries.py --fast   # a few seconds
"""
import argparse

import numpy as np

from keras_facade import backend as K
from keras_facade.layers import LSTM, Dense
from keras_facade.models import Sequential
from keras_facade.optimizers import Adam
from keras_facade.preprocessing.sequence import TimeseriesGenerator


def noisy_sine(steps, period, noise, seed):
    """float32 series of ``steps`` values: amplitude-modulated sine plus N(0, noise^2)."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    amplitude = 1.0 + 0.3 * np.sin(2 * np.pi * t / (7.3 * period))
    clean = amplitude * np.sin(2 * np.pi * t / period)
    return (clean + rng.normal(0.0, noise, steps)).astype(np.float32)


def last_value_mse(generator):
    """MSE of forecasting each window's target with the window's last value."""
    errors = [np.square(y - x[:, -1, 0]) for x, y in (generator[i] for i in range(len(generator)))]
    return float(np.mean(np.concatenate(errors)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=4000, help="length of the series")
    p.add_argument("--period", type=float, default=40.0)
    p.add_argument("--noise", type=float, default=0.1, help="noise standard deviation")
    p.add_argument("--window", type=int, default=32)
    p.add_argument("--units", type=int, default=32)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="short series, one epoch (a smoke test)")
    args = p.parse_args(argv)
    if args.fast:
        args.steps, args.window, args.units, args.epochs = 2000, 12, 16, 1
        args.batch_size, args.learning_rate = 16, 1e-2
    return args


def main(argv=None):
    """Train and compare; returns ``{'model_mse', 'baseline_mse', 'noise_variance'}`` (test set)."""
    args = parse_args(argv)
    K.set_random_seed(args.seed)  # weights, dropout
    np.random.seed(args.seed)     # the order in which fit() shuffles the samples
    series = noisy_sine(args.steps, args.period, args.noise, args.seed)
    data = series[:, None]  # (time, features)
    split = int(0.7 * len(series))
    train = TimeseriesGenerator(data, series, length=args.window, end_index=split - 1,
                                batch_size=args.batch_size)
    test = TimeseriesGenerator(data, series, length=args.window, start_index=split - args.window,
                               batch_size=256)
    x, y = train[0]
    print(f"{len(train)} training batches of windows {x.shape} -> targets {y.shape}; "
          f"{len(test)} test batches")

    model = Sequential([LSTM(args.units, input_shape=(args.window, 1)), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=args.learning_rate), loss="mse")
    model.fit(train, epochs=args.epochs, verbose=2)

    model_mse = float(model.evaluate(test, verbose=0))
    baseline_mse = last_value_mse(test)
    noise_variance = args.noise ** 2
    print(f"test MSE, LSTM:                 {model_mse:.5f}")
    print(f"test MSE, last-value baseline:  {baseline_mse:.5f}")
    print(f"noise variance (best possible): {noise_variance:.5f}")
    verdict = "beats" if model_mse < baseline_mse else "does NOT beat"
    print(f"the LSTM {verdict} the baseline ({baseline_mse / model_mse:.2f}x lower MSE)")
    return {"model_mse": model_mse, "baseline_mse": baseline_mse,
            "noise_variance": noise_variance}


if __name__ == "__main__":
    main()
