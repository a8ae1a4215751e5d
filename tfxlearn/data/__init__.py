"""Offline TFDS datasets and the small helpers every pipeline uses.

Importing this package registers tfxlearn's TFDS builders (`fashion_mnist`
from the Debian files, `digits` from scikit-learn, and the generated
`moving_digits` / `spoken_digits_av`), so plain
`tfds.load("fashion_mnist")` works offline after `import tfxlearn`.
"""

from __future__ import annotations

import random

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

# adult, digits, fashion_mnist, font_digits, moving_digits, skimage_photos, spoken_digits_av,
# textured_digits register their builders; service: tf.data service; audio: log-mel
# features and audio/video length checks; domains: (source, target) batches of domain
# adaptation; unpaired: (A, B) batches of unpaired translation
from tfxlearn.data import (  # noqa: F401
    adult,
    audio,
    bible_verses,
    digits,
    domains,
    fashion_mnist,
    folder,
    font_digits,
    moving_digits,
    service,
    skimage_photos,
    spoken_digits_av,
    textured_digits,
    tfds_warnings,
    unpaired,
)
from tfxlearn.data.image_file import load_image
from tfxlearn.data.images import image_label_pairs, to_float_images
from tfxlearn.data.splits import (
    ForbiddenSplitError,
    check_allowed,
    forbid_splits,
    validation_splits,
)
from tfxlearn.data.subsets import balanced_subset
from tfxlearn.registry import DATASETS

tfds_warnings.install()


def load(
    name: str,
    split: str,
    *,
    data_dir: str | None = None,
    shuffle_files: bool = False,
    image_size=None,
    image_key: str = "image",
) -> tf.data.Dataset:
    """`tfds.load(name, split=split)` with an error that lists the known names.

    Any TFDS name works (with internet for the ones tfxlearn does not serve
    offline), including a `GeneratorBasedBuilder` of your own once its module is
    imported (a pipeline file that defines one registers it); an unknown name
    raises a `ValueError` listing tfxlearn's offline datasets. `folder:PATH` reads
    a folder of images (`tfxlearn.data.folder`). `image_size` = (height, width,
    channels) resizes `image_key` (bilinear; 1 <-> 3 channels). Inside
    `forbid_splits(...)` a forbidden split raises `ForbiddenSplitError` before
    anything is read.
    """
    check_allowed(name, split)
    if folder.is_folder(name):
        channels = None if image_size is None else folder.check_image_size(image_size)[2]
        ds = folder.load_folder(name, split, channels)
    else:
        ds = _load_tfds(name, split, data_dir, shuffle_files)
    return ds if image_size is None else folder.resize_images(ds, image_size, image_key)


def _load_tfds(name, split, data_dir, shuffle_files) -> tf.data.Dataset:
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise ValueError(
            f"unknown dataset {name!r}; offline datasets: {', '.join(DATASETS.names())} "
            "(any other TFDS name needs internet)"
        ) from None
    builder = prepare(builder)
    return builder.as_dataset(split=split, shuffle_files=shuffle_files)


def info(name: str, *, data_dir: str | None = None) -> tfds.core.DatasetInfo:
    """The prepared dataset's `DatasetInfo` (prepares it if needed); for
    "folder:PATH", the info of TFDS's ImageFolder over that folder."""
    if folder.is_folder(name):
        return folder.folder_builder(name).info
    return prepare(tfds.builder(name, data_dir=data_dir)).info


def prepare(builder: tfds.core.DatasetBuilder) -> tfds.core.DatasetBuilder:
    """`builder.download_and_prepare()`, safe when several processes prepare the same
    dataset at once (the workers of a multi-worker run sharing a data directory).

    TFDS writes into a private `incomplete.*` directory and renames it into place;
    a process that loses that race gets `FileExistsError` although the dataset is
    now complete: it then uses the winner's copy.

    Generating a dataset draws from Python's global `random` inside TFDS, and
    Keras draws the default seeds of its initializers from the same generator:
    a seeded run that generated its data on first use built other weights than
    the same run reading the prepared data (a DANN benchmark candidate gave 51.4%
    instead of 61.1%). The global `random` and NumPy states are restored, so a
    seeded run is the same whether or not its data was generated first.
    """
    states = random.getstate(), np.random.get_state()
    try:
        builder.download_and_prepare()
        return builder
    except FileExistsError:
        fresh = type(builder)(data_dir=builder.data_dir_root, config=builder.builder_config)
        if not fresh.is_prepared():
            raise
        return fresh
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])


def as_arrays(ds: tf.data.Dataset, image_key: str = "image", label_key: str = "label") -> tuple:
    """Reads a whole (small) TFDS split into `(images_uint8, labels)` NumPy arrays."""
    batches = list(ds.batch(4096).as_numpy_iterator())
    if not batches:
        raise ValueError("the dataset is empty")
    images = np.concatenate([b[image_key] for b in batches])
    labels = np.concatenate([b[label_key] for b in batches])
    return images, labels


__all__ = [
    "load",
    "info",
    "to_float_images",
    "load_image",
    "balanced_subset",
    "image_label_pairs",
    "as_arrays",
    "DATASETS",
    "ForbiddenSplitError",
    "forbid_splits",
    "validation_splits",
]
