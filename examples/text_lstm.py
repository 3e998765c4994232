"""Sentiment classification with Tokenizer, pad_sequences, a masked Embedding and an LSTM.

The reviews are generated: one or three short clauses such as "the plot was not dull", each with a
positive or negative adjective, sometimes negated with "not", padded with neutral filler words.
A review is positive when most of its clauses are. Word order matters ("not" flips the word after
it), which is what the LSTM is for. The pipeline is the usual Keras one:

- ``Tokenizer(num_words, oov_token)`` fitted on the training texts, ``texts_to_sequences``;
- ``pad_sequences(..., padding='post')``, with ``Embedding(mask_zero=True)`` so that the LSTM skips
  the padding;
- ``LSTM`` then ``Dense(1, activation='sigmoid')`` with binary cross-entropy.

It prints the validation accuracy per epoch (typically above 0.95 at the end) and a few
predictions on new sentences.

    python examples/text_lstm.py          # about 20 s on two CPU cores
    python examples/text_lstm.py --fast   # a few seconds
"""
import argparse

import numpy as np

from keras_facade import backend as K
from keras_facade.layers import LSTM, Dense, Embedding
from keras_facade.models import Sequential
from keras_facade.preprocessing.sequence import pad_sequences
from keras_facade.preprocessing.text import Tokenizer

POSITIVE = ["good", "great", "excellent", "wonderful", "brilliant", "delightful", "superb",
            "enjoyable", "charming", "moving", "gripping", "clever"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "dull", "poor", "weak", "tedious", "clumsy",
            "forgettable", "messy", "bland"]
SUBJECTS = ["the movie", "the film", "the plot", "the acting", "the script", "the soundtrack",
            "the ending", "the cast", "the dialogue", "the pacing", "the story", "the camera work"]
VERBS = ["was", "is", "felt", "seemed", "looked"]
FILLER = ["honestly", "really", "quite", "overall", "i think", "at times", "for me", "somehow",
          "to be fair", "in the end", "as expected", "for the most part"]
JOINERS = [" and ", " but ", ", ", " while ", "; "]


def make_reviews(n, seed, negation=0.25):
    """``n`` review strings and their labels (1 = positive), float32."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        clauses, votes = [], 0
        for _ in range(rng.choice([1, 3])):
            positive = rng.random() < 0.5
            negated = rng.random() < negation
            adjective = rng.choice(POSITIVE if positive else NEGATIVE)
            words = [rng.choice(SUBJECTS), rng.choice(VERBS)]
            if rng.random() < 0.5:
                words.append(rng.choice(FILLER))
            words += ["not", adjective] if negated else [adjective]
            if rng.random() < 0.3:
                words.insert(0, rng.choice(FILLER))
            clauses.append(" ".join(words))
            votes += 1 if positive != negated else -1
        text = clauses[0]
        for clause in clauses[1:]:
            text += rng.choice(JOINERS) + clause
        texts.append(text)
        labels.append(votes > 0)
    return texts, np.array(labels, dtype=np.float32)


def build_model(vocabulary, embedding_dim, units):
    model = Sequential([
        Embedding(vocabulary, embedding_dim, mask_zero=True),
        LSTM(units),
        Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train-size", type=int, default=4000)
    p.add_argument("--val-size", type=int, default=800)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--num-words", type=int, default=200)
    p.add_argument("--maxlen", type=int, default=32)
    p.add_argument("--units", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="tiny data, one epoch (a smoke test)")
    args = p.parse_args(argv)
    if args.fast:
        args.train_size, args.val_size, args.epochs, args.units = 300, 100, 1, 8
    return args


def main(argv=None):
    """Train; returns ``{'val_accuracy', 'val_loss', 'vocabulary', 'predictions'}`` (the last
    epoch's validation metrics, the tokenizer's vocabulary size, the example sentences' scores)."""
    args = parse_args(argv)
    K.set_random_seed(args.seed)  # weights, dropout
    np.random.seed(args.seed)     # the order in which fit() shuffles the samples
    train_texts, y_train = make_reviews(args.train_size, args.seed)
    val_texts, y_val = make_reviews(args.val_size, args.seed + 1)
    for text, label in zip(train_texts[:3], y_train[:3]):
        print(f"  [{'+' if label else '-'}] {text}")

    tokenizer = Tokenizer(num_words=args.num_words, oov_token="<unk>")
    tokenizer.fit_on_texts(train_texts)

    def encode(texts):
        return pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=args.maxlen,
                             padding="post", truncating="post")

    x_train, x_val = encode(train_texts), encode(val_texts)
    vocabulary = min(args.num_words, len(tokenizer.word_index) + 1)
    print(f"{len(tokenizer.word_index)} distinct words; sequences padded to {x_train.shape[1]}")

    model = build_model(vocabulary, embedding_dim=16, units=args.units)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_val, y_val), verbose=2)

    examples = ["the plot was gripping and the cast was excellent",
                "honestly the script was not good",
                "the ending felt dull but the acting was not bad and the pacing was superb",
                "the soundtrack is terrible"]
    scores = model.predict(encode(examples), verbose=0)[:, 0]
    for text, score in zip(examples, scores):
        print(f"  {score:.3f} {'positive' if score > 0.5 else 'negative'}: {text}")
    val_accuracy = history.history["val_accuracy"][-1]
    val_loss = history.history["val_loss"][-1]
    print(f"validation loss: {val_loss:.4f} - validation accuracy: {val_accuracy:.4f}")
    return {"val_accuracy": float(val_accuracy), "val_loss": float(val_loss),
            "vocabulary": vocabulary, "predictions": scores.tolist()}


if __name__ == "__main__":
    main()
