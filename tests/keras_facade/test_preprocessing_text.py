"""keras_facade.preprocessing.text: word splitting, hashing and Tokenizer."""

import hashlib
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_facade.preprocessing.text import (Tokenizer, hashing_trick, one_hot,
                                             text_to_word_sequence, tokenizer_from_json)

TEXTS = ["The cat sat on the mat.", "The dog sat!", "A cat, a dog; a bird?"]


# ---------------------------------------------------------------------------
# Splitting and hashing

def test_text_to_word_sequence_filters_lowercases_and_keeps_apostrophes():
    words = text_to_word_sequence("Hello, World!  It's   here.\n")
    assert words == ["hello", "world", "it's", "here"]
    assert text_to_word_sequence("A-b", lower=False) == ["A", "b"]
    assert text_to_word_sequence("a|b c", filters="", split="|") == ["a", "b c"]


def test_text_to_word_sequence_splits_only_on_split_char():
    assert text_to_word_sequence("a\rb c\x0bd\x0ce") == ["a\rb", "c\x0bd\x0ce"]


def test_hashing_trick_md5_is_stable_and_in_range():
    words = text_to_word_sequence("alpha beta gamma alpha")
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1 for w in words]
    assert hashing_trick("Alpha beta, gamma alpha", 10, hash_function="md5") == expected
    assert hashing_trick("alpha", 10, hash_function=len) == [5 % 9 + 1]
    with pytest.raises(ValueError, match="at least 2"):
        hashing_trick("a", 1)


def test_one_hot_gives_indices_in_range_and_equal_words_match():
    indices = one_hot("the cat the dog", 5)
    assert len(indices) == 4 and all(1 <= i <= 4 for i in indices)
    assert indices[0] == indices[2]
    assert one_hot("x y", 5, analyzer=lambda text: ["x", "x"])[0] == one_hot("x", 5)[0]


# ---------------------------------------------------------------------------
# Tokenizer: fitting

def test_fit_on_texts_counts_and_ranks_words():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    assert tok.document_count == 3
    assert list(tok.word_counts.items())[:4] == [("the", 3), ("cat", 2), ("sat", 2), ("on", 1)]
    assert tok.word_docs["the"] == 2 and tok.word_docs["a"] == 1
    # ties keep first-seen order: the(3), a(3) | cat, sat, dog (2) | on, mat, bird (1)
    assert tok.word_index == {"the": 1, "a": 2, "cat": 3, "sat": 4, "dog": 5, "on": 6, "mat": 7,
                              "bird": 8}
    assert tok.index_word == {i: w for w, i in tok.word_index.items()}
    assert tok.index_docs[tok.word_index["the"]] == 2


def test_oov_token_takes_index_one_and_num_words_applies_on_conversion():
    tok = Tokenizer(num_words=4, oov_token="<unk>")
    tok.fit_on_texts(TEXTS)
    assert tok.word_index["<unk>"] == 1 and tok.word_index["the"] == 2
    assert len(tok.word_index) == 9  # every word is indexed
    assert tok.texts_to_sequences(["the cat sat zebra"]) == [[2, 1, 1, 1]]
    assert tok.sequences_to_texts([[2, 3, 7, 42]]) == ["the a <unk> <unk>"]


def test_oov_token_that_occurs_in_the_texts_keeps_its_frequency_index():
    # Keras 2 lists the OOV token first and again among the counted words; the later
    # index wins, so "unk" (3 occurrences, ranked first) is 2 and index 1 is unused.
    tok = Tokenizer(num_words=4, oov_token="unk")
    tok.fit_on_texts(["the cat unk sat", "unk unk the dog", "a cat"])
    assert tok.word_index == {"unk": 2, "the": 3, "cat": 4, "sat": 5, "dog": 6, "a": 7}
    assert tok.index_word == {2: "unk", 3: "the", 4: "cat", 5: "sat", 6: "dog", 7: "a"}
    assert tok.index_docs[2] == 2 and 1 not in tok.index_docs
    assert tok.texts_to_sequences(["the zebra cat dog"]) == [[3, 2, 2, 2]]
    assert tok.sequences_to_texts([[1, 2, 3, 5, 9]]) == ["unk unk the unk unk"]
    np.testing.assert_array_equal(tok.texts_to_matrix(["the unk zebra"], mode="count"), [[0, 0, 2, 1]])
    clone = tokenizer_from_json(tok.to_json())
    assert clone.word_index == tok.word_index and clone.index_word == tok.index_word


def test_num_words_without_oov_drops_rare_and_unknown_words():
    tok = Tokenizer(num_words=3)
    tok.fit_on_texts(TEXTS)
    assert tok.texts_to_sequences(["the cat a zebra"]) == [[1, 2]]
    assert list(tok.texts_to_sequences_generator(["a the"])) == [[2, 1]]
    assert tok.sequences_to_texts([[1, 5, 2, 99]]) == ["the a"]


def test_char_level_ignores_filters_and_lists_are_pre_tokenized():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["Ab, a"])
    assert set(tok.word_index) == {"a", "b", ",", " "}
    assert tok.word_index["a"] == 1
    words = Tokenizer()
    words.fit_on_texts([["Hello", "World!"], ["hello"]])
    assert words.word_index == {"hello": 1, "world!": 2}
    assert words.texts_to_sequences([["WORLD!", "hello"]]) == [[2, 1]]


def test_analyzer_replaces_splitting():
    tok = Tokenizer(analyzer=lambda text: text.split("-"))
    tok.fit_on_texts(["x-y-x"])
    assert tok.word_index == {"x": 1, "y": 2}


def test_fit_on_sequences_updates_document_counts():
    tok = Tokenizer(num_words=5)
    tok.fit_on_sequences([[1, 2, 2], [2, 3]])
    assert tok.document_count == 2
    assert dict(tok.index_docs) == {1: 1, 2: 2, 3: 1}


def test_nb_words_is_accepted_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="num_words"):
        tok = Tokenizer(nb_words=7)
    assert tok.num_words == 7
    with pytest.raises(TypeError, match="Unrecognized"):
        Tokenizer(bogus=1)


# ---------------------------------------------------------------------------
# Tokenizer: matrices

def _fitted(num_words=None):
    tok = Tokenizer(num_words=num_words)
    tok.fit_on_texts(TEXTS)
    return tok


def test_texts_to_matrix_binary_count_freq():
    tok = _fitted()
    assert tok.texts_to_matrix(["the the cat"]).shape == (1, 9)
    np.testing.assert_array_equal(tok.texts_to_matrix(["the the cat"], mode="binary")[0, :4],
                                  [0, 1, 0, 1])
    np.testing.assert_array_equal(tok.texts_to_matrix(["the the cat"], mode="count")[0, :4],
                                  [0, 2, 0, 1])
    np.testing.assert_allclose(tok.texts_to_matrix(["the the cat"], mode="freq")[0, :4],
                               [0, 2 / 3, 0, 1 / 3])


def test_sequences_to_matrix_quirks_column_zero_and_full_length_freq():
    tok = _fitted(num_words=3)
    matrix = tok.sequences_to_matrix([[0, 1, 5, 5], []], mode="freq")
    assert matrix.shape == (2, 3)
    np.testing.assert_allclose(matrix[0], [0.25, 0.25, 0])  # ids >= num_words still count in len
    assert not matrix[1].any()


def test_tfidf_formula():
    tok = _fitted()
    row = tok.texts_to_matrix(["the the cat"], mode="tfidf")[0]
    the, cat = tok.word_index["the"], tok.word_index["cat"]
    assert row[the] == pytest.approx((1 + math.log(2)) * math.log(1 + 3 / (1 + 2)))
    assert row[cat] == pytest.approx(1 * math.log(1 + 3 / (1 + 2)))
    assert np.count_nonzero(row) == 2


def test_matrix_errors():
    with pytest.raises(ValueError, match="fit on some text"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        _fitted().texts_to_matrix(["the"], mode="onehot")


# ---------------------------------------------------------------------------
# Tokenizer: serialization

def test_to_json_round_trip_restores_behaviour():
    tok = Tokenizer(num_words=6, oov_token="<oov>", lower=False, filters="!")
    tok.fit_on_texts(["Hello there!", "hello again there"])
    payload = json.loads(tok.to_json())
    assert payload["class_name"] == "Tokenizer"
    assert json.loads(payload["config"]["word_index"]) == tok.word_index
    clone = tokenizer_from_json(tok.to_json())
    assert clone.get_config() == tok.get_config()
    assert clone.index_word == tok.index_word and clone.index_docs == tok.index_docs
    texts = ["Hello again", "there hello zzz"]
    assert clone.texts_to_sequences(texts) == tok.texts_to_sequences(texts)
    np.testing.assert_array_equal(clone.texts_to_matrix(texts, "tfidf"),
                                  tok.texts_to_matrix(texts, "tfidf"))
    clone.fit_on_texts(["new words"])
    assert clone.word_index["new"] > 0 and clone.document_count == 3


# ---------------------------------------------------------------------------
# Properties

WORDS = st.sampled_from(["ant", "bee", "cat", "dog", "eel", "fox", "gnu"])
DOCS = st.lists(st.lists(WORDS, max_size=6).map(" ".join), min_size=1, max_size=5)


@given(DOCS, DOCS)
def test_tokenizer_index_invariants(train, other):
    tok = Tokenizer()
    tok.fit_on_texts(train)
    assert sorted(tok.word_index.values()) == list(range(1, len(tok.word_index) + 1))
    assert {i: w for w, i in tok.word_index.items()} == tok.index_word
    counts = [tok.word_counts[tok.index_word[i]] for i in range(1, len(tok.index_word) + 1)]
    assert counts == sorted(counts, reverse=True)
    # fitted texts survive a round trip; unseen words are dropped
    assert tok.sequences_to_texts(tok.texts_to_sequences(train)) == train
    for text, seq in zip(other, tok.texts_to_sequences(other)):
        assert len(seq) == sum(w in tok.word_index for w in text.split())


@given(DOCS, DOCS, st.integers(1, 8))
def test_tokenizer_num_words_and_oov_invariants(train, other, num_words):
    tok = Tokenizer(num_words=num_words, oov_token="<unk>")
    tok.fit_on_texts(train)
    for text, seq in zip(other, tok.texts_to_sequences(other)):
        assert len(seq) == len(text.split())
        assert all(1 <= i < max(num_words, 2) for i in seq)
    matrix = tok.texts_to_matrix(other, mode="count")
    assert matrix.shape == (len(other), num_words)
    assert (matrix.sum(axis=1) <= [len(t.split()) for t in other]).all()
