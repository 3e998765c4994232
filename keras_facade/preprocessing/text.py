"""Text preprocessing with Keras 2 semantics: word splitting, hashing and ``Tokenizer``."""

import hashlib
import json
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")
_TABLES = ("word_counts", "word_docs", "index_docs", "index_word", "word_index")


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Lower-case ``text``, turn every ``filters`` character into ``split``, split on
    ``split`` and drop empty tokens. Only ``split`` separates words (tabs or ``\\r``
    not listed in ``filters`` stay inside tokens); the apostrophe is kept by default."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({char: split for char in filters}))
    return [token for token in text.split(split) if token]


def _md5_hash(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Map each word of ``text`` to ``hash_function(word) % (n - 1) + 1`` (an index in [1, n-1]).

    ``hash_function`` defaults to Python's ``hash`` (differs between processes
    unless PYTHONHASHSEED is set); ``'md5'`` gives stable indices. Distinct words
    may share an index.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_hash
    if n < 2:
        raise ValueError(f"n must be at least 2 (indices lie in [1, n-1]); got {n}.")
    words = (text_to_word_sequence(text, filters=filters, lower=lower, split=split)
             if analyzer is None else analyzer(text))
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with Python's ``hash``: word indices in [1, n-1], not one-hot vectors."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


class Tokenizer:
    """Vocabulary built from texts, turning texts into index sequences or matrices.

    ``word_index`` ranks every word seen by count (ties keep first-seen order),
    from 1 (0 is reserved; ``oov_token``, if given, is 1, unless it also occurs in
    the texts: then it takes its rank like any word and 1 stays unused).
    ``num_words`` only acts on conversion: indices ``>= num_words`` are dropped,
    or become the OOV index.
    A text given as a list is taken as already tokenized, and ``char_level=True``
    makes every character a token (``filters`` then has no effect).
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.",
                          DeprecationWarning, stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        self.num_words = num_words
        self.filters, self.lower, self.split = filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.document_count = document_count
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    # -- tokenizing ---------------------------------------------------------
    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if not self.lower:
                return text
            return [token.lower() for token in text] if isinstance(text, list) else text.lower()
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def _rebuild_index(self):
        # Keras 2: the OOV token comes first, then every counted word by frequency. An OOV
        # token that also occurs in the texts is listed twice and keeps its later index,
        # leaving index 1 unused.
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary += [word for word, _ in ranked]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] = count

    def fit_on_texts(self, texts):
        """Update ``word_counts``, ``word_docs`` and ``document_count``; rebuild the index."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        self._rebuild_index()

    def fit_on_sequences(self, sequences):
        """Update ``document_count`` and ``index_docs`` from index sequences (for tfidf)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for index in set(seq):
                self.index_docs[index] += 1

    # -- conversions ----------------------------------------------------------
    def _oov_index(self):
        return self.word_index.get(self.oov_token) if self.oov_token is not None else None

    def _keep(self, index, oov_index):
        """The index to emit for a known index under ``num_words`` (None drops it)."""
        if self.num_words and index >= self.num_words:
            return oov_index
        return index

    def texts_to_sequences_generator(self, texts):
        """Yield the index sequence of each text (see ``texts_to_sequences``)."""
        oov_index = self._oov_index()
        for text in texts:
            seq = []
            for token in self._tokens(text):
                index = self.word_index.get(token)
                index = oov_index if index is None else self._keep(index, oov_index)
                if index is not None:
                    seq.append(index)
            yield seq

    def texts_to_sequences(self, texts):
        """Index sequences; unknown words (and indices ``>= num_words``) are dropped or OOV."""
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences):
        """Yield the text of each index sequence (see ``sequences_to_texts``)."""
        oov_index = self._oov_index()
        for seq in sequences:
            words = []
            for index in seq:
                index = oov_index if index not in self.index_word else self._keep(index, oov_index)
                if index is not None:
                    words.append(self.index_word[index])
            yield " ".join(words)

    def sequences_to_texts(self, sequences):
        """Space-joined words for each index sequence (unknown indices dropped or OOV)."""
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode="binary"):
        """``sequences_to_matrix(texts_to_sequences(texts), mode)``."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def _matrix_width(self):
        if self.num_words:
            return self.num_words
        if self.word_index:
            return len(self.word_index) + 1
        raise ValueError("Specify a dimension (`num_words` argument), "
                         "or fit on some text data first.")

    def _cell(self, mode, index, count, length):
        if mode == "binary":
            return 1.0
        if mode == "count":
            return count
        if mode == "freq":
            return count / length
        idf = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
        return (1 + np.log(count)) * idf

    def sequences_to_matrix(self, sequences, mode="binary"):
        """One row per sequence, ``num_words`` (or ``len(word_index) + 1``) columns.

        mode 'binary': 1 where the index occurs; 'count': occurrences; 'freq':
        occurrences / full sequence length; 'tfidf': ``(1 + ln c) *
        ln(1 + document_count / (1 + docs_containing_index))``. Indices beyond the
        width are ignored; index 0 counts in column 0.
        """
        if mode not in _MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}; use one of {_MODES}.")
        width = self._matrix_width()
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        matrix = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            counts = defaultdict(int)
            for index in seq:
                if index < width:
                    counts[index] += 1
            for index, count in counts.items():
                matrix[row, index] = self._cell(mode, index, count, len(seq))
        return matrix

    # -- serialization -------------------------------------------------------
    def get_config(self):
        """Settings plus the vocabulary tables, each table as a JSON string (like Keras)."""
        tables = {name: json.dumps(getattr(self, name)) for name in _TABLES}
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
                "document_count": self.document_count, **tables}

    def to_json(self, **kwargs):
        """JSON string ``{"class_name": "Tokenizer", "config": get_config()}``."""
        config = {"class_name": type(self).__name__, "config": self.get_config()}
        return json.dumps(config, **kwargs)


def tokenizer_from_json(json_string):
    """Rebuild a ``Tokenizer`` from ``Tokenizer.to_json()`` output."""
    config = dict(json.loads(json_string)["config"])
    tables = {name: json.loads(config.pop(name)) for name in _TABLES}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(tables["word_counts"])
    tokenizer.word_docs = defaultdict(int, tables["word_docs"])
    # JSON turns integer keys into strings.
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
