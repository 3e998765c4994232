"""keras_facade.preprocessing.sequence: pad_sequences, TimeseriesGenerator, skipgrams."""

import json
import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_facade.preprocessing import sequence as seq_mod
from keras_facade.preprocessing.sequence import (TimeseriesGenerator, make_sampling_table,
                                                 pad_sequences, skipgrams)
from keras_facade.utils import Sequence


# ---------------------------------------------------------------------------
# pad_sequences

def test_pad_sequences_defaults_pad_and_truncate_at_the_front():
    out = pad_sequences([[1, 2, 3], [4, 5], [6]])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[1, 2, 3], [0, 4, 5], [0, 0, 6]])


def test_pad_sequences_maxlen_pre_keeps_last_items_post_keeps_first():
    data = [[1, 2, 3, 4], [5]]
    np.testing.assert_array_equal(pad_sequences(data, maxlen=2), [[3, 4], [0, 5]])
    np.testing.assert_array_equal(pad_sequences(data, maxlen=2, truncating="post", padding="post"),
                                  [[1, 2], [5, 0]])


def test_pad_sequences_value_dtype_and_empty_sequences():
    out = pad_sequences([[], [1.5, 2.5]], maxlen=3, dtype="float32", value=-1.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[-1, -1, -1], [-1, 1.5, 2.5]])


def test_pad_sequences_maxlen_zero_and_no_sequences():
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    assert pad_sequences([]).shape == (0, 0)


def test_pad_sequences_keeps_item_shape():
    data = [np.ones((2, 3)), np.full((1, 3), 7)]
    out = pad_sequences(data, dtype="float64")
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[1], [[0, 0, 0], [7, 7, 7]])


def test_pad_sequences_strings_need_object_dtype():
    out = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="<pad>")


@pytest.mark.parametrize("kwargs", [{"padding": "middle"}, {"truncating": "both"}])
def test_pad_sequences_rejects_unknown_modes(kwargs):
    with pytest.raises(ValueError, match="not understood"):
        pad_sequences([[1]], **kwargs)


def test_pad_sequences_rejects_non_iterables_and_ragged_items():
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="different from expected shape"):
        pad_sequences([np.ones((1, 2)), np.ones((1, 3))], dtype="float32")


@given(st.lists(st.lists(st.integers(1, 50), max_size=8), max_size=6),
       st.one_of(st.none(), st.integers(0, 10)),
       st.sampled_from(["pre", "post"]), st.sampled_from(["pre", "post"]))
def test_pad_sequences_property(data, maxlen, padding, truncating):
    out = pad_sequences(data, maxlen=maxlen, padding=padding, truncating=truncating, value=-3)
    width = max((len(s) for s in data), default=0) if maxlen is None else maxlen
    assert out.shape == (len(data), width)
    for row, s in zip(out, data):
        n = min(len(s), width)
        kept = s[len(s) - n:] if truncating == "pre" else s[:n]
        body = row[width - n:] if padding == "pre" else row[:n]
        pad = row[:width - n] if padding == "pre" else row[n:]
        assert body.tolist() == kept
        assert (pad == -3).all()


# ---------------------------------------------------------------------------
# TimeseriesGenerator

def test_timeseries_generator_reference_example():
    data = np.arange(50)
    gen = TimeseriesGenerator(data, data, length=10, sampling_rate=2, batch_size=2)
    assert isinstance(gen, Sequence)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])
    np.testing.assert_array_equal(y, [10, 11])
    x_last, y_last = gen[19]
    np.testing.assert_array_equal(y_last, [48, 49])
    np.testing.assert_array_equal(gen[-1][1], y_last)


def test_timeseries_generator_stride_start_end_and_short_last_batch():
    data = np.arange(30)
    gen = TimeseriesGenerator(data, data * 10, length=3, stride=2, start_index=2, end_index=14,
                              batch_size=3)
    # rows 5, 7, ..., 13 (end inclusive): (14 - 5 + 6) // 6 = 2 batches
    assert len(gen) == 2
    x0, y0 = gen[0]
    np.testing.assert_array_equal(y0, [50, 70, 90])
    np.testing.assert_array_equal(x0[0], [2, 3, 4])
    x1, y1 = gen[1]
    np.testing.assert_array_equal(y1, [110, 130])
    assert x1.shape == (2, 3)


def test_timeseries_generator_reverse_and_multidimensional_data():
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20)
    x, y = TimeseriesGenerator(data, targets, length=3, reverse=True, batch_size=4)[0]
    assert x.shape == (4, 3, 2)
    np.testing.assert_array_equal(x[0], [[4, 5], [2, 3], [0, 1]])
    np.testing.assert_array_equal(y, [3, 4, 5, 6])


def test_timeseries_generator_shuffle_draws_rows_in_range():
    data = np.arange(100)
    gen = TimeseriesGenerator(data, data, length=5, start_index=10, end_index=40, shuffle=True,
                              batch_size=64)
    np.random.seed(0)
    x, y = gen[0]
    assert y.shape == (64,)
    assert y.min() >= 15 and y.max() <= 40
    np.testing.assert_array_equal(x[:, -1], y - 1)
    np.random.seed(0)
    np.testing.assert_array_equal(gen[0][1], y)


def test_timeseries_generator_iterates_as_a_sequence():
    data = np.arange(12)
    gen = TimeseriesGenerator(data, data, length=2, batch_size=4, workers=2)
    assert gen.workers == 2
    ys = [y.tolist() for _, y in gen]
    assert ys == [[2, 3, 4, 5], [6, 7, 8, 9], [10, 11]]
    with pytest.raises(IndexError):
        gen[3]


def test_timeseries_generator_errors_name_the_numbers():
    with pytest.raises(ValueError, match=r"start_index\+length=12 > end_index=9"):
        TimeseriesGenerator(np.arange(10), np.arange(10), length=12)
    with pytest.raises(ValueError, match=r"start_index\+length=8 > end_index=7"):
        TimeseriesGenerator(np.arange(10), np.arange(10), length=3, start_index=5, end_index=7)
    with pytest.raises(ValueError, match="Data length is 10 while target length is 9"):
        TimeseriesGenerator(np.arange(10), np.arange(9), length=2)
    with pytest.raises(ValueError, match="batch_size"):
        TimeseriesGenerator(np.arange(10), np.arange(10), length=2, batch_size=0)


def test_timeseries_generator_config_and_json_round_trip():
    data = np.arange(20.0)
    gen = TimeseriesGenerator(data, data, length=4, sampling_rate=2, stride=3, start_index=1,
                              end_index=18, batch_size=5)
    payload = json.loads(gen.to_json())
    assert payload["class_name"] == "TimeseriesGenerator"
    config = payload["config"]
    assert config == gen.get_config()
    rebuilt = TimeseriesGenerator(json.loads(config.pop("data")), json.loads(config.pop("targets")),
                                  **config)
    assert len(rebuilt) == len(gen)
    for i in range(len(gen)):
        np.testing.assert_array_equal(rebuilt[i][0], gen[i][0])
        np.testing.assert_array_equal(rebuilt[i][1], gen[i][1])


def test_timeseries_generator_config_rejects_unserializable_data():
    gen = TimeseriesGenerator([object()] * 5, list(range(5)), length=1)
    with pytest.raises(TypeError, match="not JSON serializable"):
        gen.get_config()


@given(n=st.integers(2, 60), length=st.integers(1, 8), sampling_rate=st.integers(1, 3),
       stride=st.integers(1, 4), batch_size=st.integers(1, 7), start=st.integers(0, 5),
       end_offset=st.one_of(st.none(), st.integers(0, 10)))
def test_timeseries_generator_property(n, length, sampling_rate, stride, batch_size, start,
                                       end_offset):
    end_index = None if end_offset is None else n - 1 - end_offset
    first, last = start + length, (n - 1 if end_index is None else end_index)
    data = np.arange(n) * 3
    targets = np.arange(n)
    kwargs = dict(length=length, sampling_rate=sampling_rate, stride=stride, start_index=start,
                  end_index=end_index, batch_size=batch_size)
    if first > last:
        with pytest.raises(ValueError):
            TimeseriesGenerator(data, targets, **kwargs)
        return
    gen = TimeseriesGenerator(data, targets, **kwargs)
    rows = []
    for i in range(len(gen)):
        x, y = gen[i]
        assert 1 <= len(y) <= batch_size
        for sample, row in zip(x, y):
            assert sample.tolist() == data[row - length:row:sampling_rate].tolist()
        rows += y.tolist()
    assert rows == list(range(first, last + 1, stride))
    assert len(gen) == math.ceil(len(rows) / batch_size)


# ---------------------------------------------------------------------------
# skipgrams and make_sampling_table

def test_skipgrams_positive_pairs_in_order():
    couples, labels = skipgrams([1, 2, 0, 3], vocabulary_size=4, window_size=1,
                                negative_samples=0, shuffle=False)
    assert couples == [[1, 2], [2, 1]]
    assert labels == [1, 1]
    couples, labels = skipgrams([1, 2, 3], 4, window_size=2, negative_samples=0, shuffle=False,
                                categorical=True)
    assert couples == [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]
    assert labels == [[0, 1]] * 6


def test_skipgrams_negatives_and_seeded_shuffle():
    sequence = [1, 2, 3, 4, 5]
    couples, labels = skipgrams(sequence, vocabulary_size=10, window_size=1,
                                negative_samples=1.5, seed=7)
    assert labels.count(1) == 8 and labels.count(0) == 12
    positives = {(a, b) for a, b in zip(sequence, sequence[1:])}
    positives |= {(b, a) for a, b in positives}
    for (a, b), label in zip(couples, labels):
        if label == 1:
            assert (a, b) in positives
        else:
            assert a in sequence and 1 <= b <= 9
    random.seed(123)
    first = skipgrams(sequence, 10, window_size=1, seed=7)
    random.seed(123)
    assert skipgrams(sequence, 10, window_size=1, seed=7) == first


def test_skipgrams_sampling_table_zero_drops_everything():
    table = np.zeros(10)
    assert skipgrams([1, 2, 3], 10, sampling_table=table) == ([], [])
    assert len(skipgrams([1, 2, 3], 10, sampling_table=np.ones(10), negative_samples=0)[0]) == 6


@given(st.lists(st.integers(0, 9), max_size=15), st.integers(1, 4),
       st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.integers(0, 1000))
def test_skipgrams_property(sequence, window, negative_samples, seed):
    couples, labels = skipgrams(sequence, 10, window_size=window,
                                negative_samples=negative_samples, seed=seed)
    expected = [(sequence[i], sequence[j]) for i in range(len(sequence))
                for j in range(max(0, i - window), min(len(sequence), i + window + 1))
                if i != j and sequence[i] and sequence[j]]
    assert len(couples) == len(labels) == len(expected) + int(len(expected) * negative_samples)
    assert sorted(tuple(c) for c, lab in zip(couples, labels) if lab == 1) == sorted(expected)
    for (a, b), label in zip(couples, labels):
        assert label in (0, 1) and 1 <= a <= 9 and 1 <= b <= 9


def test_make_sampling_table_values():
    table = make_sampling_table(100, sampling_factor=1e-3)
    assert table.shape == (100,)
    assert (table <= 1).all() and (table > 0).all()
    rank = 50
    frequency = 1e-3 * (rank * (math.log(rank) + 0.577) + 0.5 - 1 / (12 * rank))
    assert table[rank] == pytest.approx(min(1.0, math.sqrt(frequency)))
    assert np.all(np.diff(table[1:]) >= 0)


def test_module_exports():
    assert set(seq_mod.__all__) == {"pad_sequences", "TimeseriesGenerator", "skipgrams",
                                    "make_sampling_table"}
