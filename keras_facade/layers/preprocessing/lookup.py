"""Vocabulary layers: StringLookup, IntegerLookup and TextVectorization.

They map tokens to indices with a Python dict (data handling, no gradient). Index layout for
``output_mode='int'``: the mask token (if any) at 0, then ``num_oov_indices`` out-of-vocabulary
indices, then the vocabulary; the other modes leave the mask token out (it encodes to zeros).
A vocabulary learnt by ``adapt`` is ordered by decreasing frequency (ties: the larger token
first) and, unlike Keras' separate asset file, is kept in ``get_config()['vocabulary']`` so
that configs and ``.keras`` files restore it.
"""
import collections
import itertools
import math
import re
import string

import numpy as np

import autograd_core as ag

from ..base import Layer
from ..node import DUMMY_STRING
from . import sampling
from .hashing import fingerprint64
from .numerical import adapt_batches, encode_categories, encoded_shape

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _array(data):
    return data.numpy() if isinstance(data, ag.Tensor) else np.asarray(data, dtype=object)


class _IndexLookup(Layer):
    """Shared lookup machinery; subclasses define ``_key`` (input value to vocabulary key)."""

    _cast_inputs = False

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False,
                 sparse=False, **kwargs):
        kwargs.pop("vocabulary_size", None)  # stored in configs for information only
        super().__init__(**kwargs)
        name = type(self).__name__
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        self.output_mode = sampling.check_choice(name, "output_mode", output_mode, _OUTPUT_MODES)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{name}: `max_tokens` must be > 1, got max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{name}: pad_to_max_tokens=True needs `max_tokens`")
        if num_oov_indices < 0:
            raise ValueError(f"{name}: `num_oov_indices` must be >= 0, got {num_oov_indices}")
        if invert and output_mode != "int":
            raise ValueError(f"{name}: invert=True needs output_mode='int', got {output_mode!r}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{name}: `idf_weights` is only used with output_mode='tf_idf'")
        if sparse:
            raise ValueError(f"{name}: sparse=True is not supported (no sparse tensors)")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.pad_to_max_tokens, self.sparse = bool(invert), pad_to_max_tokens, False
        self._tokens, self._index, self._idf = [], {}, None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- vocabulary --------------------------------------------------------------------------------
    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self):
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        special = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        return (special if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary``: tokens, or the path of a file of one token a line (the special
        tokens may lead it, in layout order)."""
        name = type(self).__name__
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as file:
                vocabulary = file.read().splitlines()
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{name}: output_mode='tf_idf' needs `idf_weights`")
        tokens = [self._key(v) for v in _array(vocabulary).ravel()]
        if not tokens:
            raise ValueError(f"{name}: the vocabulary is empty")
        special = self.get_vocabulary()[:self._token_start()]
        leading = tokens[:len(special)] == special
        if leading:
            tokens = tokens[len(special):]
        repeated = sorted({t for t, n in collections.Counter(tokens).items() if n > 1}, key=str)
        if repeated:
            raise ValueError(f"{name}: the vocabulary repeats the tokens {repeated}")
        for token, what in ((self.mask_token, "mask"), (self.oov_token if self.invert else None,
                                                        "OOV")):
            if token is not None and token in tokens:
                raise ValueError(f"{name}: the {what} token {token!r} may only lead the "
                                 f"vocabulary, in the order {special}")
        if self.max_tokens is not None and self._token_start() + len(tokens) > self.max_tokens:
            raise ValueError(f"{name}: the vocabulary has {self._token_start() + len(tokens)} "
                             f"entries, more than max_tokens={self.max_tokens}")
        self._use_tokens(tokens)
        if idf_weights is not None:
            weights = np.asarray(idf_weights, dtype=np.float64).ravel()
            if len(weights) != len(tokens) + (len(special) if leading else 0):
                raise ValueError(f"{name}: `idf_weights` has {len(weights)} entries for a "
                                 f"vocabulary of {len(tokens)} tokens")
            if not leading:
                weights = np.concatenate([np.full(self._token_start(), weights.mean()), weights])
            self._set_idf(weights)

    def _use_tokens(self, tokens):
        self._tokens = list(tokens)
        self._index = {t: i for i, t in enumerate(self._tokens, self._token_start())}

    def _set_idf(self, weights):
        if self.pad_to_max_tokens:
            weights = np.concatenate([weights, np.zeros(self.max_tokens - len(weights))])
        self._idf = weights.astype(self.dtype)

    def adapt(self, data, steps=None):
        """Learn the vocabulary (most frequent first) and, for 'tf_idf', the idf weights."""
        batches = itertools.islice(adapt_batches(data, type(self).__name__), steps)
        self._learn(self._rows(batch) for batch in batches)

    @staticmethod
    def _rows(batch):
        """The documents (rows of tokens) of an ``adapt`` batch; a vector is one document."""
        return [batch.ravel()] if batch.ndim < 2 else list(batch.reshape(len(batch), -1))

    def _learn(self, batches):
        """Count the tokens of ``batches`` (lists of documents) and keep the most frequent."""
        counts, documents, n_docs = collections.Counter(), collections.Counter(), 0
        for rows in batches:
            for row in rows:
                keys = [self._key(v) for v in row]
                counts.update(keys)
                documents.update(set(keys))
            n_docs += len(rows)
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            ordered = ordered[:self.max_tokens - self._token_start()]
        self._use_tokens(ordered)
        if self.output_mode == "tf_idf":
            idf = np.array([math.log(1 + n_docs / (1 + documents[t])) for t in ordered])
            start = np.full(self._token_start(), idf.mean() if len(idf) else 0.0)
            self._set_idf(np.concatenate([start, idf]))

    # -- lookup ------------------------------------------------------------------------------------
    def _oov_index(self, key):
        if self.num_oov_indices == 1:
            return self._oov_start()
        if isinstance(key, (int, np.integer)):
            bucket = int(key) % self.num_oov_indices
        else:
            bucket = fingerprint64(str(key)) % self.num_oov_indices  # as Keras' FarmHash
        return self._oov_start() + bucket

    def _lookup(self, values):
        """Integer indices (int64 numpy) of an array of input values."""
        keys = [self._key(v) for v in values.ravel()]
        mask_value = 0 if self.output_mode == "int" else -1
        if self.num_oov_indices == 0:
            missing = [k for k in keys if k not in self._index and k != self.mask_token
                       and k != DUMMY_STRING]
            if missing:
                raise ValueError(f"{type(self).__name__}: with num_oov_indices=0 every input "
                                 f"must be in the vocabulary, found {missing[:10]}")
        out = [mask_value if self.mask_token is not None and k == self.mask_token else
               self._index[k] if k in self._index else
               self._token_start() if k == DUMMY_STRING else self._oov_index(k) for k in keys]
        return np.asarray(out, dtype=np.int64).reshape(values.shape)

    def _invert(self, values):
        vocabulary = self.get_vocabulary()
        out = [vocabulary[i] if 0 <= i < len(vocabulary) else self.oov_token
               for i in values.ravel()]
        return self._invert_output(out, values.shape)

    def _invert_output(self, tokens, shape):
        return np.asarray(tokens, dtype=object).reshape(shape)

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def _encode(self, indices):
        if self.output_mode == "int":
            return ag.tensor(indices)
        if self.output_mode == "tf_idf" and self._idf is None:
            raise ValueError(f"{type(self).__name__}: output_mode='tf_idf' needs `idf_weights` "
                             f"or `adapt`")
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categories(ag.tensor(indices), mode, self._depth(), self.dtype)
        return out * ag.tensor(self._idf) if self.output_mode == "tf_idf" else out

    def call(self, inputs):
        values = _array(inputs)
        if self.invert:
            return self._invert(values.astype(np.int64))
        return self._encode(self._lookup(values))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self):
        vocabulary = self._tokens or None
        idf = None if self._idf is None or vocabulary is None else self._idf[
            self._token_start():self.vocabulary_size()].tolist()
        return dict(super().get_config(), invert=self.invert, max_tokens=self.max_tokens,
                    num_oov_indices=self.num_oov_indices, oov_token=self.oov_token,
                    mask_token=self.mask_token, output_mode=self.output_mode, sparse=self.sparse,
                    pad_to_max_tokens=self.pad_to_max_tokens, idf_weights=idf,
                    vocabulary=vocabulary, vocabulary_size=self.vocabulary_size())


class StringLookup(_IndexLookup):
    """Strings to integer indices (or, with ``invert=True``, indices back to strings)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("salt", None)  # FarmHash salts: OOV buckets here use a CRC32 hash instead
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, name=name,
                         **kwargs)

    def _key(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def get_config(self):
        return dict(super().get_config(), encoding=self.encoding)


class IntegerLookup(_IndexLookup):
    """Integers to contiguous indices (or back, with ``invert=True``); extra OOV indices are
    ``value % num_oov_indices``."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, **kwargs):
        if vocabulary_dtype not in ("int32", "int64"):
            raise ValueError(f"IntegerLookup: `vocabulary_dtype` must be 'int32' or 'int64', got "
                             f"{vocabulary_dtype!r}")
        sampling.check_choice("IntegerLookup", "oov_method", oov_method, ("floormod",))
        self.vocabulary_dtype, self.oov_method = vocabulary_dtype, oov_method
        kwargs.pop("salt", None)
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, name=name,
                         **kwargs)

    def _key(self, value):
        if isinstance(value, (float, np.floating)) and not float(value).is_integer():
            raise ValueError(f"IntegerLookup: expected integer inputs, got {value!r}")
        return int(value)

    def _invert_output(self, tokens, shape):
        return ag.tensor(np.asarray(tokens, dtype=self.vocabulary_dtype).reshape(shape))

    def get_config(self):
        return dict(super().get_config(), vocabulary_dtype=self.vocabulary_dtype,
                    oov_method=self.oov_method)


_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")
_STANDARDIZERS = {
    "lower": str.lower,
    "strip_punctuation": lambda text: _PUNCTUATION.sub("", text),
    "lower_and_strip_punctuation": lambda text: _PUNCTUATION.sub("", text.lower()),
}
_SPLITTERS = {"whitespace": str.split, "character": list}


class TextVectorization(Layer):
    """Strings to token indices ('int', padded or cut to ``output_sequence_length``) or to
    'multi_hot' / 'count' / 'tf_idf' vectors: standardize, split, add n-grams, look up."""

    _cast_inputs = False

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        kwargs.pop("vocabulary_size", None)  # stored in configs for information only
        super().__init__(name=name, **kwargs)
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZERS):
            raise ValueError(f"TextVectorization: unknown `standardize` {standardize!r}; expected "
                             f"None, a callable or one of {tuple(_STANDARDIZERS)}")
        if not (split is None or callable(split) or split in _SPLITTERS):
            raise ValueError(f"TextVectorization: unknown `split` {split!r}; expected None, a "
                             f"callable or one of {tuple(_SPLITTERS)}")
        if isinstance(ngrams, int) and ngrams < 1 or not (
                ngrams is None or isinstance(ngrams, (int, tuple, list))):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an int >= 1 or a tuple "
                             f"of ints, got {ngrams!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"TextVectorization: `output_sequence_length` needs "
                             f"output_mode='int', got {output_mode!r}")
        if ragged:
            raise ValueError("TextVectorization: ragged=True is not supported (no ragged "
                             "tensors); use output_sequence_length or the default padding")
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else \
            (tuple(ngrams) if ngrams is not None else None)
        self._output_sequence_length, self._encoding = output_sequence_length, encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, name=f"{self.name}_lookup")
        self._output_mode = self._lookup_layer.output_mode

    def _tokens(self, text):
        if isinstance(text, bytes):
            text = text.decode(self._encoding)
        standardize = _STANDARDIZERS.get(self._standardize)
        text = standardize(text) if standardize else text
        split = _SPLITTERS.get(self._split, self._split)
        tokens = list(split(text)) if split else [text]
        if self._ngrams is None:
            return tokens
        return [" ".join(tokens[i:i + n]) for n in self._ngrams for i in range(len(tokens) - n + 1)]

    def _documents(self, inputs):
        texts = _array(inputs)
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError(f"TextVectorization: expected a batch of strings of shape (n,) "
                                 f"or (n, 1), got shape {texts.shape}")
            texts = texts[..., 0]
        if callable(self._standardize):  # a user's standardizer takes the whole batch, as in Keras
            decoded = [t.decode(self._encoding) if isinstance(t, bytes) else t
                       for t in texts.ravel()]
            texts = _array(self._standardize(np.array(decoded, dtype=str).reshape(texts.shape)))
        return [self._tokens(text) for text in texts.ravel()], texts.shape

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights) from strings."""
        batches = itertools.islice(adapt_batches(data, "TextVectorization"), steps)
        self._lookup_layer._learn(self._documents(batch)[0] for batch in batches)

    def call(self, inputs):
        rows, shape = self._documents(inputs)
        length = self._output_sequence_length
        if length is None:
            length = max((len(r) for r in rows), default=0)
        padding = 0 if self._output_mode == "int" else -1  # -1 encodes to zeros
        ids = np.full((len(rows), length), padding, dtype=np.int64)
        for i, row in enumerate(rows):
            found = self._lookup_layer._lookup(np.array(row[:length], dtype=object))
            ids[i, :len(found)] = found
        if self._output_mode == "int":
            return ag.tensor(ids.reshape(shape + (length,)))
        encoded = self._lookup_layer._encode(ids)
        return ag.reshape(encoded, shape + encoded.shape[1:])

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        shape = tuple(input_shape)
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (self._lookup_layer._depth(),)

    def get_config(self):
        lookup = self._lookup_layer.get_config()
        return dict(super().get_config(), max_tokens=lookup["max_tokens"],
                    standardize=self._standardize, split=self._split, ngrams=self._ngrams_arg,
                    output_mode=self._output_mode,
                    output_sequence_length=self._output_sequence_length,
                    pad_to_max_tokens=lookup["pad_to_max_tokens"], sparse=False, ragged=False,
                    vocabulary=lookup["vocabulary"], idf_weights=lookup["idf_weights"],
                    encoding=self._encoding, vocabulary_size=self.vocabulary_size())

