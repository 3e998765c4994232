"""Cats vs dogs: the classic Keras blog-post CNN, trained with keras_facade.

Without ``--data`` it generates the built-in drawn cats-vs-dogs image set (train/val/test folders of
PNGs) and trains on it. With ``--data DIR`` it uses your own folder laid out the same way, e.g. the
Kaggle dogs-vs-cats images sorted into ``DIR/train/{cats,dogs}``, ``DIR/val/...``, ``DIR/test/...``.

The model code below is ordinary Keras code; run it on real Keras by changing the imports.
"""
import argparse
import os

from keras_facade.preprocessing.image import ImageDataGenerator
from keras_facade.models import Sequential
from keras_facade.layers import Conv2D, MaxPooling2D, Activation, Dropout, Flatten, Dense
from keras_facade.optimizers import RMSprop
from keras_facade.callbacks import CSVLogger, PlotLosses


def build_model(image_size):
    model = Sequential()
    model.add(Conv2D(32, (3, 3), padding="same", input_shape=(image_size, image_size, 3)))
    model.add(Activation("relu"))
    model.add(Conv2D(32, (3, 3), padding="same", activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    for filters in (64, 128, 256):
        model.add(Conv2D(filters, (3, 3), padding="same", activation="relu"))
        model.add(Conv2D(filters, (3, 3), padding="same", activation="relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(256, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(256, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(1))
    model.add(Activation("sigmoid"))
    return model


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="folder with train/ val/ test/ class subfolders (default: built-in set)")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--train-images", type=int, default=800,
                   help="size of the generated training set (built-in data only)")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--out", default="cats_vs_dogs_output", help="folder for the summary, logs, plot, weights")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from keras_facade import backend as K
    K.set_device(args.device)
    import autograd_core as ag
    ag.manual_seed(args.seed)

    data = args.data
    if data is None:
        from keras_facade.datasets import cats_vs_dogs
        n_train = args.train_images
        data = cats_vs_dogs.load_data(image_size=args.image_size, n_train=n_train,
                                      n_val=max(n_train // 5, 40), n_test=max(n_train // 5, 40),
                                      seed=args.seed)
    os.makedirs(args.out, exist_ok=True)
    size = (args.image_size, args.image_size)

    model = build_model(args.image_size)
    with open(os.path.join(args.out, "model_summary.txt"), "w") as fh:
        model.summary(print_fn=lambda line: fh.write(line + "\n"))
    model.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=args.learning_rate),
                  metrics=["accuracy"])

    train_datagen = ImageDataGenerator(rescale=1.0 / 255, shear_range=0.2, zoom_range=0.2,
                                       horizontal_flip=True)
    test_datagen = ImageDataGenerator(rescale=1.0 / 255)
    train_generator = train_datagen.flow_from_directory(
        os.path.join(data, "train"), target_size=size, batch_size=args.batch_size,
        class_mode="binary", seed=args.seed)
    validation_generator = test_datagen.flow_from_directory(
        os.path.join(data, "val"), target_size=size, batch_size=args.batch_size,
        class_mode="binary", shuffle=False)
    test_generator = test_datagen.flow_from_directory(
        os.path.join(data, "test"), target_size=size, batch_size=args.batch_size,
        class_mode="binary", shuffle=False)

    model.fit_generator(
        train_generator, steps_per_epoch=len(train_generator), epochs=args.epochs,
        validation_data=validation_generator, validation_steps=len(validation_generator),
        callbacks=[CSVLogger(os.path.join(args.out, "training_log.csv"), separator=";"),
                   PlotLosses(os.path.join(args.out, "training_curves.png"))])
    model.save_weights(os.path.join(args.out, "cats_vs_dogs.h5"))

    loss, accuracy = model.evaluate_generator(test_generator, steps=len(test_generator))
    print(f"test loss: {loss:.4f} - test accuracy: {accuracy:.4f}")
    test_generator.reset()
    probabilities = model.predict_generator(test_generator, steps=len(test_generator))
    pairs = list(zip(test_generator.filenames, probabilities[:, 0]))
    for name, p in pairs[:4] + pairs[-4:]:  # a few of each class (files are sorted by class)
        print(f"{name} → {p:.3f} ({'dog' if p > 0.5 else 'cat'})")
    return accuracy


if __name__ == "__main__":
    main()
