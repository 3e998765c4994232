"""A multilayer perceptron on MNIST-like digits drawn on the fly.

Each 28x28 grey-scale image is a digit 0-9 drawn as pen strokes with random wobble, slant, size,
position and stroke width (pillow, no download). The model is the classic Keras MLP: Dense and
Dropout layers, one-hot targets from ``to_categorical``, Adam with categorical cross-entropy,
``fit`` with ``validation_split`` and ``EarlyStopping(restore_best_weights=True)``, then
``evaluate`` on a held-out test set (test accuracy is typically above 0.95).

    python examples/mnist_style_mlp.py            # under a minute on two CPU cores
    python examples/mnist_style_mlp.py --fast     # tiny run, a few seconds
"""
import argparse
import time

import numpy as np
from PIL import Image, ImageDraw

from keras_facade import backend as K
from keras_facade.callbacks import EarlyStopping
from keras_facade.layers import Dense, Dropout
from keras_facade.models import Sequential
from keras_facade.optimizers import Adam
from keras_facade.utils import to_categorical

SIZE = 28
NUM_CLASSES = 10


def _arc(cx, cy, rx, ry, start=0.0, stop=360.0, n=14):
    """Points on an elliptic arc (degrees, 0 = right, clockwise on screen)."""
    t = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


# Pen strokes of each digit in a unit box (x right, y down); a stroke is a polyline.
STROKES = {
    0: [_arc(0.5, 0.5, 0.26, 0.38)],
    1: [[(0.36, 0.25), (0.54, 0.1), (0.54, 0.9)]],
    2: [_arc(0.5, 0.32, 0.24, 0.2, 190, 380, 8) + [(0.24, 0.88), (0.78, 0.88)]],
    3: [_arc(0.48, 0.3, 0.24, 0.19, 210, 450, 9) + _arc(0.48, 0.69, 0.27, 0.2, 270, 510, 9)],
    4: [[(0.62, 0.9), (0.62, 0.1), (0.2, 0.64), (0.82, 0.64)]],
    5: [[(0.76, 0.12), (0.32, 0.12), (0.28, 0.46)] + _arc(0.5, 0.64, 0.26, 0.24, 230, 490, 10)],
    6: [[(0.68, 0.1), (0.4, 0.32)] + _arc(0.5, 0.66, 0.24, 0.22, 200, 560, 14)],
    7: [[(0.2, 0.12), (0.8, 0.12), (0.42, 0.9)]],
    8: [_arc(0.5, 0.28, 0.2, 0.18), _arc(0.5, 0.7, 0.25, 0.2)],
    9: [_arc(0.48, 0.32, 0.24, 0.2), [(0.72, 0.32), (0.62, 0.9)]],
}


def draw_digit(digit, rng, scale=4):
    """One float32 (28, 28) image in [0, 1]: the digit's strokes jittered, transformed and
    rendered at ``scale`` times the size, then downsampled (anti-aliased)."""
    big = SIZE * scale
    angle = np.radians(rng.uniform(-15, 15))
    shear = rng.uniform(-0.3, 0.3)
    zoom = rng.uniform(0.6, 0.8) * big
    shift = rng.uniform(-0.08, 0.08, size=2) * big + big / 2
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = zoom * rot @ np.array([[1.0, shear], [0.0, 1.0]])
    image = Image.new("L", (big, big), 0)
    pen = ImageDraw.Draw(image)
    width = int(round(rng.uniform(1.6, 3.2) * scale))
    for stroke in STROKES[digit]:
        points = np.asarray(stroke) - 0.5 + rng.normal(0.0, 0.035, size=(len(stroke), 2))
        xy = points @ matrix.T + shift
        pen.line([tuple(p) for p in xy], fill=255, width=width, joint="curve")
    small = image.resize((SIZE, SIZE), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.float32) / 255.0
    return np.clip(pixels + rng.normal(0.0, 0.05, pixels.shape), 0.0, 1.0).astype(np.float32)


def make_digits(n, seed):
    """``n`` drawn digits: images (n, 28, 28) float32 and labels (n,) int64, classes balanced."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % NUM_CLASSES)
    images = np.stack([draw_digit(int(d), rng) for d in labels])
    return images, labels


def build_model(hidden, dropout):
    model = Sequential([
        Dense(hidden, activation="relu", input_shape=(SIZE * SIZE,)),
        Dropout(dropout),
        Dense(hidden // 2, activation="relu"),
        Dropout(dropout),
        Dense(NUM_CLASSES, activation="softmax"),
    ])
    model.compile(optimizer=Adam(learning_rate=1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train-size", type=int, default=8000)
    p.add_argument("--test-size", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=25, help="upper bound; early stopping ends sooner")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--patience", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="tiny data, one epoch (a smoke test)")
    args = p.parse_args(argv)
    if args.fast:
        args.train_size, args.test_size, args.epochs = 800, 200, 1
        args.hidden, args.batch_size = 64, 32
    return args


def main(argv=None):
    """Train and evaluate; returns ``{'test_loss', 'test_accuracy', 'epochs_run', 'best_epoch'}``
(epochs counted from 1)."""
    args = parse_args(argv)
    K.set_random_seed(args.seed)  # weights, dropout
    np.random.seed(args.seed)     # the order in which fit() shuffles the samples
    start = time.time()
    x_train, y_train = make_digits(args.train_size, seed=args.seed)
    x_test, y_test = make_digits(args.test_size, seed=args.seed + 1)
    print(f"drew {len(x_train)} training and {len(x_test)} test digits "
          f"in {time.time() - start:.1f}s")

    # flatten to vectors of 784 pixels; one-hot targets
    x_train = x_train.reshape(len(x_train), -1)
    x_test = x_test.reshape(len(x_test), -1)
    y_train_1h = to_categorical(y_train, NUM_CLASSES)
    y_test_1h = to_categorical(y_test, NUM_CLASSES)

    model = build_model(args.hidden, dropout=0.2)
    model.summary()
    stop = EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True,
                         verbose=1)
    history = model.fit(x_train, y_train_1h, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=0.1, callbacks=[stop], verbose=2)

    test_loss, test_accuracy = model.evaluate(x_test, y_test_1h, verbose=0)
    predicted = model.predict(x_test[:10], verbose=0).argmax(axis=-1)
    epochs_run = len(history.history["loss"])
    print(f"epochs run: {epochs_run}; weights kept from epoch {stop.best_epoch + 1} "
          f"(lowest val_loss {stop.best:.4f})")
    print(f"first test labels: {y_test[:10].tolist()}")
    print(f"predicted:         {predicted.tolist()}")
    print(f"test loss: {test_loss:.4f} - test accuracy: {test_accuracy:.4f}")
    return {"test_loss": float(test_loss), "test_accuracy": float(test_accuracy),
            "epochs_run": epochs_run, "best_epoch": stop.best_epoch + 1}


if __name__ == "__main__":
    main()
