"""Keras 3's dataset utilities: ``image_dataset_from_directory``, ``text_dataset_from_directory``,
``timeseries_dataset_from_array`` and ``split_dataset``. They return ``Dataset`` objects (numpy
elements) where Keras returns ``tf.data.Dataset``; ``format`` ('tf' or 'grain') is accepted and
gives the same object.

Files are indexed as Keras does: class folders in sorted order (hidden ones skipped), files found
by a sorted walk, then one global shuffle with ``np.random.RandomState(seed)`` (the file order, the
labels and the training/validation split equal Keras's for the same seed). The dataset itself then
shuffles through a buffer of ``8 * batch_size`` elements, with a new order on every pass.

Images are resized like ``tf.image.resize`` without antialiasing: 'bilinear' (the default) and
'nearest' exactly (half-pixel centres); 'bicubic', 'area' and 'lanczos3' use pillow's bicubic, box
and Lanczos filters (which also smooth when shrinking); 'lanczos5', 'gaussian' and 'mitchellcubic'
are not available.
"""
import os
import random

import numpy as np
from PIL import Image

from ..utils.np_utils import to_categorical
from .dataset import Dataset, stack_elements
from .image import (_data_format, _linear_resize_axis, _map_in_threads, _resample_filter,
                    img_to_array, load_img, smart_resize)

__all__ = ["image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array", "split_dataset"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                   "mitchellcubic")
_PILLOW_FILTERS = {"bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic",
                   "area": "box", "lanczos3": "lanczos"}


# ---------------------------------------------------------------------------
# Argument checks shared by the directory utilities

def _check_format(format, where):
    if format not in ("tf", "grain"):
        raise ValueError(f'{where}: format should be "tf" or "grain" (both give a Dataset); '
                         f"received format={format!r}")


def _check_label_args(labels, label_mode, class_names, where):
    inferred = isinstance(labels, str) and labels == "inferred"
    if not inferred and labels is not None:
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f'{where}: labels must be "inferred", None or a list/tuple of '
                             f"integer labels, one per file in sorted path order; received "
                             f"labels={labels!r}")
        if class_names:
            raise ValueError(f'{where}: class_names can only be passed with labels="inferred"; '
                             f"received labels={labels!r} and class_names={class_names!r}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'{where}: label_mode must be "int", "categorical", "binary" or None; '
                         f"received label_mode={label_mode!r}")


def _check_validation_split(validation_split, subset, shuffle, seed, where):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{where}: validation_split must be between 0 and 1, received "
                         f"{validation_split!r}")
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{where}: subset and validation_split go together: set both or neither "
                         f"(received validation_split={validation_split!r}, subset={subset!r})")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'{where}: subset must be "training", "validation" or "both", received '
                         f"{subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{where}: with validation_split and shuffle=True pass a seed, so that "
                         f"the training and validation subsets do not overlap")


# ---------------------------------------------------------------------------
# Indexing a directory

def _walk_files(directory, formats, follow_links):
    """Files under ``directory`` with an allowed extension: folders in sorted order of their
    paths, files sorted within each folder (paths relative to ``directory``)."""
    found = []
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        found.extend(os.path.relpath(os.path.join(root, name), directory)
                     for name in sorted(files) if name.lower().endswith(formats))
    return found


def _index_directory(where, directory, labels, formats, class_names, shuffle, seed, follow_links,
                     verbose):
    """``(file_paths, labels, class_names)`` in Keras's order; labels as an int array."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{where}: directory not found: {directory!r}")
    if isinstance(labels, str):  # "inferred": one class per visible subfolder
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(f"{where}: class_names {list(class_names)} do not match the "
                                 f"subdirectories of {directory!r}: expected {subdirs} or a "
                                 f"subset of it")
            subdirs = list(class_names)
    elif class_names is not None:
        raise ValueError(f"{where}: class_names cannot be passed when labels is None or a list "
                         f"(the class names are then the sorted labels)")
    else:
        subdirs = [""]
    paths, found = [], []
    for index, name in enumerate(subdirs):
        files = _walk_files(os.path.join(directory, name), formats, follow_links)
        paths += [os.path.join(directory, name, f) for f in files]
        found += [index] * len(files)
    if isinstance(labels, str):
        labels, class_names = np.array(found, dtype=np.int32), subdirs
    elif labels is not None:
        if len(labels) != len(paths):
            raise ValueError(f"{where}: len(labels) is {len(labels)} but {len(paths)} files were "
                             f"found in {directory!r}; pass one label per file")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        order = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        labels = None if labels is None else labels[order]
    return paths, labels, class_names


def _subset(paths, labels, validation_split, subset):
    """The training (first) or validation (last) part, announced as Keras does."""
    if not validation_split:
        return paths, labels
    num_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - num_val} files for training.")
        part = slice(0, len(paths) - num_val)
    else:
        print(f"Using {num_val} files for validation.")
        part = slice(len(paths) - num_val, len(paths))
    return paths[part], None if labels is None else labels[part]


def _encode_labels(labels, label_mode, num_classes):
    if label_mode == "int":
        return labels.astype(np.int32)
    if label_mode == "categorical":
        return to_categorical(labels, num_classes, dtype="float32")
    return labels.astype(np.float32).reshape(-1, 1)  # binary


def _from_directory(where, directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                    validation_split, subset, follow_links, verbose, format, formats, load):
    """``[(dataset, file_paths)]`` for the subset (training then validation for 'both') of the
    files loaded by ``load(path)``; each dataset carries ``class_names``."""
    _check_label_args(labels, label_mode, class_names, where)
    _check_format(format, where)
    if labels is None or label_mode is None:
        labels = label_mode = None
    _check_validation_split(validation_split, subset, shuffle, seed, where)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = _index_directory(where, directory, labels, formats, class_names,
                                                  shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'{where}: label_mode="binary" needs exactly 2 classes; found '
                         f"class_names={class_names}")
    subsets = ["training", "validation"] if subset == "both" else [subset]
    parts = [_subset(paths, labels, validation_split, name) for name in subsets]
    made = []
    for name, (part_paths, part_labels) in zip(subsets, parts):
        if not part_paths:
            kind = f"{name} " if subset == "both" else ""
            raise ValueError(f"{where}: no {kind}files found in directory {directory!r}; allowed "
                             f"formats: {formats}")
        if label_mode is None:
            ds = Dataset.from_tensor_slices(np.array(part_paths))
        else:
            encoded = _encode_labels(part_labels, label_mode, len(class_names))
            ds = Dataset.from_tensor_slices((np.array(part_paths), encoded))
        if shuffle and not (subset == "both" and name == "validation"):
            ds = ds.shuffle(8 * batch_size if batch_size is not None else 1024, seed=seed)
        if batch_size is not None:  # batches of paths, whose files load in parallel
            ds = ds.batch(batch_size)
        read = load if batch_size is None else _batch_loader(load)
        ds = ds.map(read if label_mode is None else lambda paths, labels: (read(paths), labels))
        ds.class_names = class_names
        made.append((ds, part_paths))
    return made


def _batch_loader(load):
    """``load`` over a batch of paths, in the image module's thread pool, stacked."""
    return lambda paths: np.stack(list(_map_in_threads(load, [str(p) for p in paths])))


def _result(made, subset):
    datasets = [ds for ds, _ in made]
    return datasets if subset == "both" else datasets[0]


# ---------------------------------------------------------------------------
# Images

def _resize(x, size, filter_name):
    """(h, w, c) float32 → ``size``, stretching; bilinear with half-pixel centres in numpy."""
    if x.shape[:2] == tuple(size):
        return x
    if filter_name == "bilinear":
        return _linear_resize_axis(_linear_resize_axis(x, 1, size[1]), 0, size[0])
    resample = _resample_filter(filter_name)
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(x[:, :, c]))
                         .resize((size[1], size[0]), resample)) for c in range(x.shape[2])]
    return np.stack(planes, axis=-1)


def _resize_with_pad(x, size, filter_name):
    """Fit inside ``size`` keeping the aspect ratio, then pad with zeros around the centre (as
    ``tf.image.resize_with_pad``)."""
    ratio = max(x.shape[1] / size[1], x.shape[0] / size[0])
    fitted = (x.shape[0] / ratio, x.shape[1] / ratio)
    inner = tuple(max(1, int(v)) for v in fitted)
    top, left = (max(0, int((target - v) // 2)) for target, v in zip(size, fitted))
    out = np.zeros(tuple(size) + x.shape[2:], dtype=np.float32)
    out[top:top + inner[0], left:left + inner[1]] = _resize(x, inner, filter_name)
    return out


def _image_loader(image_size, color_mode, interpolation, crop, pad, data_format):
    filter_name = _PILLOW_FILTERS[interpolation]

    def load(path):
        x = img_to_array(load_img(path, color_mode=color_mode), data_format="channels_last")
        if crop:
            x = smart_resize(x, image_size, interpolation=filter_name)
        elif pad:
            x = _resize_with_pad(x, image_size, filter_name)
        else:
            x = _resize(x, image_size, filter_name)
        x = x.astype(np.float32, copy=False)
        return np.ascontiguousarray(x.transpose(2, 0, 1)) if data_format == "channels_first" else x
    return load


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256),
                                 shuffle=True, seed=None, validation_split=None, subset=None,
                                 interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """A ``Dataset`` of ``(images, labels)`` batches (just images when ``labels``/``label_mode``
    is None) from ``directory/<class>/...`` (.bmp .gif .jpeg .jpg .png).

    Images are float32 ``(batch, height, width, channels)`` (channels first with that
    ``data_format``); labels are int32 ``(batch,)`` for 'int', one-hot float32 for
    'categorical', float32 ``(batch, 1)`` for 'binary'. ``batch_size=None`` yields single
    images. ``subset='both'`` returns ``[training, validation]``. The datasets carry
    ``class_names`` and ``file_paths``.
    """
    where = "image_dataset_from_directory"
    if color_mode not in _CHANNELS:
        raise ValueError(f'{where}: color_mode must be "rgb", "rgba" or "grayscale"; received '
                         f"color_mode={color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2 or \
            not all(isinstance(v, (int, np.integer)) and v > 0 for v in image_size):
        raise ValueError(f"{where}: image_size must be (height, width), two positive integers; "
                         f"received image_size={image_size!r}")
    interpolation = str(interpolation).lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{where}: interpolation should be one of {_INTERPOLATIONS}; received "
                         f"interpolation={interpolation!r}")
    if interpolation not in _PILLOW_FILTERS:
        raise ValueError(f"{where}: interpolation={interpolation!r} is not available here; use "
                         f"one of {tuple(_PILLOW_FILTERS)}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{where}: only one of pad_to_aspect_ratio and crop_to_aspect_ratio can "
                         f"be True")
    load = _image_loader((int(image_size[0]), int(image_size[1])), color_mode, interpolation,
                         crop_to_aspect_ratio, pad_to_aspect_ratio, _data_format(data_format))
    made = _from_directory(where, directory, labels, label_mode, class_names, batch_size,
                           shuffle, seed, validation_split, subset, follow_links, verbose, format,
                           IMAGE_FORMATS, load)
    for ds, paths in made:
        ds.file_paths = paths
    return _result(made, subset)


# ---------------------------------------------------------------------------
# Text

def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """A ``Dataset`` of ``(texts, labels)`` batches from the .txt files of
    ``directory/<class>/...``; texts are str arrays (the file's first ``max_length`` bytes,
    decoded as UTF-8), labels as in ``image_dataset_from_directory``. The datasets carry
    ``class_names``."""
    def load(path):
        with open(path, "rb") as handle:
            content = handle.read()
        if max_length is not None:
            content = content[:max_length]
        return content.decode("utf-8", errors="ignore")  # a character cut in two is dropped

    return _result(_from_directory("text_dataset_from_directory", directory, labels, label_mode,
                                   class_names, batch_size, shuffle, seed, validation_split,
                                   subset, follow_links, verbose, format, (".txt",), load), subset)


# ---------------------------------------------------------------------------
# Time series

def _check_timeseries_args(length, sequence_stride, sampling_rate, start_index, end_index, format):
    where = "timeseries_dataset_from_array"
    if start_index and not 0 <= start_index < length:
        raise ValueError(f"{where}: start_index must be in [0, {length}) (the data has {length} "
                         f"steps); received start_index={start_index}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"{where}: end_index must be higher than start_index; received "
                             f"start_index={start_index}, end_index={end_index}")
        if not 0 < end_index < length:
            raise ValueError(f"{where}: end_index must be in (0, {length}) (the data has {length} "
                             f"steps); received end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if not 0 < value < length:
            raise ValueError(f"{where}: {name} must be in (0, {length}) (the data has {length} "
                             f"steps); received {name}={value}")
    _check_format(format, where)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """A ``Dataset`` of sliding windows over ``data`` (time on axis 0), batched by
    ``batch_size`` (None: single windows).

    Window ``i`` holds ``data[p], data[p + sampling_rate], ...`` (``sequence_length`` steps) from
    ``p = start_index + i * sequence_stride``; with ``targets`` each window comes with
    ``targets[p]`` (the target of the window starting there). Only steps in
    ``[start_index, end_index)`` are used. ``shuffle`` draws the windows in random order.
    """
    data = np.asarray(data)
    _check_timeseries_args(len(data), sequence_stride, sampling_rate, start_index, end_index,
                           format)
    start = start_index or 0
    end = len(data) if end_index is None else end_index
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
        targets = targets[start:end]
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    steps = np.arange(sequence_length) * sampling_rate
    window = data[start:end]
    ds = Dataset.from_tensor_slices(positions).map(
        lambda p: window[p + steps] if targets is None else (window[p + steps], targets[p]))
    if shuffle:
        ds = ds.shuffle(8 * batch_size if batch_size is not None else 1024, seed=seed)
    return ds if batch_size is None else ds.batch(batch_size)


# ---------------------------------------------------------------------------
# Splitting

def _samples(dataset):
    """``(list of samples, batch size or None)`` of a Dataset, an array or a list/tuple of
    arrays."""
    if hasattr(dataset, "cardinality") and hasattr(dataset, "__iter__"):
        batch_size = getattr(dataset, "_batch_size", None)
        return list(dataset.unbatch() if batch_size else dataset), batch_size
    if isinstance(dataset, np.ndarray):
        return list(dataset), None
    if isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("split_dataset: received an empty list/tuple; pass arrays")
        for i, arr in enumerate(dataset):
            if not isinstance(arr, np.ndarray):
                raise ValueError(f"split_dataset: expected a list/tuple of numpy arrays; item "
                                 f"{i} is a {type(arr).__name__}")
            if len(arr) != len(dataset[0]):
                raise ValueError(f"split_dataset: the arrays have different lengths (item 0 has "
                                 f"{len(dataset[0])} rows, item {i} has {len(arr)})")
        return list(zip(*dataset)), None
    raise TypeError(f"split_dataset: dataset must be a Dataset, a numpy array or a list/tuple of "
                    f"arrays; received a {type(dataset).__name__}")


def _split_sizes(left_size, right_size, total):
    """Integer sizes of the two sides from fractions, counts or None (the complement)."""
    sizes = {"left_size": left_size, "right_size": right_size}
    for name, size in sizes.items():
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"split_dataset: {name} must be an int, a float or None; received "
                            f"{size!r} ({type(size).__name__})")
    if left_size == 0 and right_size == 0:
        raise ValueError("split_dataset: left_size and right_size are both zero")
    for name, size in sizes.items():
        if (type(size) is int and not 0 < size < total) or (type(size) is float
                                                          and not 0 < size < 1):
            raise ValueError(f"split_dataset: {name} must be a positive integer smaller than "
                             f"{total} or a float in (0, 1); received {name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError(f"split_dataset: left_size + right_size is {left_size + right_size}; "
                         f"as fractions they must sum to at most 1")
    left, right = (round(s * total) if type(s) is float else s for s in (left_size, right_size))
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} is more than "
                         f"the {total} samples")
    if left == 0 or right == 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left_size} and "
                         f"right_size={right_size} leave the {'left' if left == 0 else 'right'} "
                         f"side empty")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split samples into two Datasets: the first ``left_size`` and the last ``right_size``
    (a fraction, a count, or None for the complement of the other), after an optional
    shuffle (Python's ``random`` with ``seed``, as Keras). A batched Dataset is split sample by
    sample and both sides are batched again. ``preferred_backend`` is accepted and ignored."""
    samples, batch_size = _samples(dataset)
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: pass left_size, right_size or both (both are None)")
    if not samples:
        raise ValueError("split_dataset: received an empty dataset")
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    sides = []
    for part in (samples[:left], samples[len(samples) - right:]):
        ds = Dataset.from_tensor_slices(stack_elements(part))
        sides.append(ds.batch(batch_size) if batch_size else ds)
    return tuple(sides)
