"""The functional API: a model with two inputs and two outputs.

Generated data: a 16x16 grey image holding one stroke (horizontal, vertical or diagonal, at a random
place and brightness, with noise) and a metadata vector of 6 numbers. The model reads the image with
Conv2D/MaxPooling2D/Flatten and the metadata with Dense, joins both with ``concatenate``, and
predicts

- ``shape``: which stroke the image holds (softmax, sparse categorical cross-entropy, accuracy), and
- ``score``: a number that depends on the metadata *and* on the stroke's brightness (linear output,
  mean squared error, mean absolute error),

compiled with per-output losses, ``loss_weights`` and per-output metrics. The script prints
``model.summary()``, trains, and reports each output's test metrics next to a trivial baseline.

    python examples/functional_multi_input.py          # under a minute on two CPU cores
    python examples/functional_multi_input.py --fast   # a few seconds
"""
import argparse

import numpy as np

from keras_facade import backend as K
from keras_facade.layers import (Conv2D, Dense, Flatten, Input, MaxPooling2D, concatenate)
from keras_facade.models import Model

IMAGE = 16
META = 6
SHAPES = ("horizontal", "vertical", "diagonal")
META_WEIGHTS = np.array([0.8, -0.5, 0.3, 0.0, 0.6, -0.9], dtype=np.float32)


def make_data(n, seed):
    """Inputs ``{'image': (n, 16, 16, 1), 'meta': (n, 6)}`` and targets ``{'shape': (n,) class
    ids, 'score': (n, 1)}``, all float32 except the class ids."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPES), n)
    brightness = rng.uniform(0.3, 1.0, n).astype(np.float32)
    images = rng.normal(0.0, 0.15, (n, IMAGE, IMAGE)).astype(np.float32)
    span = np.arange(4, 12)
    for i, (label, level) in enumerate(zip(labels, brightness)):
        r, c = rng.integers(2, IMAGE - 10, size=2)
        if label == 0:
            images[i, r + 4, c + span - 4] += level
        elif label == 1:
            images[i, r + span - 4, c + 4] += level
        else:
            images[i, r + span - 4, c + span - 4] += level
    meta = rng.normal(size=(n, META)).astype(np.float32)
    score = meta @ META_WEIGHTS + 2.0 * brightness + rng.normal(0.0, 0.05, n).astype(np.float32)
    inputs = {"image": images[..., None], "meta": meta}
    targets = {"shape": labels, "score": score[:, None].astype(np.float32)}
    return inputs, targets


def build_model(filters=8, hidden=32):
    image = Input(shape=(IMAGE, IMAGE, 1), name="image")
    meta = Input(shape=(META,), name="meta")

    x = Conv2D(filters, (3, 3), activation="relu", padding="same")(image)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(2 * filters, (3, 3), activation="relu", padding="same")(x)
    x = MaxPooling2D((2, 2))(x)
    x = Flatten()(x)
    m = Dense(hidden // 2, activation="relu")(meta)

    joined = concatenate([x, m])
    joined = Dense(hidden, activation="relu")(joined)
    shape = Dense(len(SHAPES), activation="softmax", name="shape")(joined)
    score = Dense(1, name="score")(joined)

    model = Model(inputs=[image, meta], outputs=[shape, score], name="stroke_and_score")
    model.compile(optimizer="adam",
                  loss={"shape": "sparse_categorical_crossentropy", "score": "mse"},
                  loss_weights={"shape": 1.0, "score": 0.5},
                  metrics={"shape": ["accuracy"], "score": ["mae"]})
    return model


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train-size", type=int, default=3000)
    p.add_argument("--test-size", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="tiny data, one epoch (a smoke test)")
    args = p.parse_args(argv)
    if args.fast:
        args.train_size, args.test_size, args.epochs, args.batch_size = 400, 100, 1, 32
    return args


def main(argv=None):
    """Train and evaluate; returns the test metrics by name (``shape_accuracy``, ``score_mae``,
    ...) plus ``score_mae_baseline`` (always predicting the training mean)."""
    args = parse_args(argv)
    K.set_random_seed(args.seed)  # weights, dropout
    np.random.seed(args.seed)     # the order in which fit() shuffles the samples
    x_train, y_train = make_data(args.train_size, args.seed)
    x_test, y_test = make_data(args.test_size, args.seed + 1)

    model = build_model()
    model.summary()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=2)

    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    baseline = float(np.mean(np.abs(y_test["score"] - y_train["score"].mean())))
    results["score_mae_baseline"] = baseline
    print("\ntest metrics per output")
    print(f"  shape: loss {results['shape_loss']:.4f}  accuracy {results['shape_accuracy']:.4f}"
          f"  (chance {1 / len(SHAPES):.2f})")
    print(f"  score: loss {results['score_loss']:.4f}  mae {results['score_mae']:.4f}"
          f"  (predicting the mean: mae {baseline:.4f})")
    print(f"  weighted total loss {results['loss']:.4f}")

    shape_probs, score = model.predict(x_test, verbose=0)
    for i in range(3):
        print(f"  sample {i}: {SHAPES[int(shape_probs[i].argmax())]:>10} "
              f"(true {SHAPES[int(y_test['shape'][i])]}), score {score[i, 0]:+.2f} "
              f"(true {y_test['score'][i, 0]:+.2f})")
    return {k: float(v) for k, v in results.items()}


if __name__ == "__main__":
    main()
