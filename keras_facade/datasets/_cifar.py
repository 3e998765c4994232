"""CIFAR batch reading shared by ``cifar10`` and ``cifar100``."""

import os

import numpy as np

from keras_facade.utils.data_utils import get_file

from ._loading import image_data_format, load_pickled_dict


def load_batch(fpath, label_key="labels"):
    """Images ``(n, 3, 32, 32)`` uint8 and the label list of one CIFAR batch file."""
    batch = load_pickled_dict(fpath)
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def load_cifar(dirname, origin, file_hash, train_files, test_file, label_key, label_dtype):
    """Download/extract ``dirname`` and return ``(x_train, y_train), (x_test, y_test)``.

    Labels have shape ``(n, 1)``; images are channels-last unless the backend says otherwise.
    """
    folder = get_file(dirname, origin=origin, untar=True, file_hash=file_hash)
    splits = []
    for names in (train_files, [test_file]):
        batches = [load_batch(os.path.join(folder, name), label_key) for name in names]
        x = np.concatenate([images for images, _ in batches])
        y = np.concatenate([np.asarray(labels, dtype=label_dtype) for _, labels in batches])
        if image_data_format() == "channels_last":
            x = x.transpose(0, 2, 3, 1)
        splits.append((x, y.reshape(len(y), 1)))
    return tuple(splits)
