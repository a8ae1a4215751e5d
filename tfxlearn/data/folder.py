"""Your own images: a folder with one subfolder per split and per class, and a
resize option for images of another size or channel count than the encoder's.

    /path/to/images/train/<class>/*.png|jpg   /path/to/images/test/<class>/*.png|jpg

is the dataset `"folder:/path/to/images"` everywhere a TFDS name is taken
(`tfxlearn.data.load`, `EvalData`, a pipeline config's `dataset.name`). It is read
by TFDS's own `ImageFolder` builder (features `image`, `label`, class names from
the subfolders, sorted). ImageFolder lists files class by class and has no
sub-split API, so the examples of a split are put in one fixed-seed order
(`ORDER_SEED`) and sliced here: "train[:90%]" then holds every class, and the
validation carve (`validation_splits`) works as on any TFDS dataset.
"""

from __future__ import annotations

import os

import tensorflow as tf
import tensorflow_datasets as tfds

from tfxlearn.data import splits

PREFIX = "folder:"
ORDER_SEED = 0


def is_folder(name: str) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def load_folder(name: str, split: str, channels: int | None = None) -> tf.data.Dataset:
    """The examples of `split` ("train", "test[:50%]", ...) of `folder:PATH`.

    Args:
        name: "folder:" followed by the folder path.
        split: a one-part split string over the folder's split subfolders.
        channels: decode to this many channels (1 or 3); None: 3.

    Raises:
        ValueError: the folder or its split subfolders are missing, or the split
            names no subfolder.
    """
    builder = folder_builder(name, channels)
    sizes = {key: int(info.num_examples) for key, info in builder.info.splits.items()}
    base, start, stop = splits.select(split, sizes)
    ds = builder.as_dataset(split=base, shuffle_files=False)
    ds = ds.shuffle(max(sizes[base], 1), seed=ORDER_SEED, reshuffle_each_iteration=False)
    return ds.skip(start).take(stop - start)


def folder_builder(name: str, channels: int | None = None):
    """TFDS's `ImageFolder` builder over `folder:PATH`, after checking the folder."""
    root = os.path.expanduser(name[len(PREFIX) :])
    if not os.path.isdir(root):
        raise ValueError(f"dataset {name!r}: {root!r} is not a directory")
    subdirs = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not subdirs:
        raise ValueError(
            f"dataset {name!r}: expected split subfolders (train/, test/), each with one "
            f"subfolder per class; {root!r} has none"
        )
    return tfds.folder_dataset.ImageFolder(root, shape=(None, None, channels or 3))


def resize_images(ds: tf.data.Dataset, image_size, image_key: str = "image") -> tf.data.Dataset:
    """`ds` with `image_key` resized to `image_size` = (height, width, channels),
    bilinear, and converted between 1 and 3 channels; uint8 images stay uint8."""
    height, width, channels = (int(d) for d in check_image_size(image_size))

    def resize(example):
        image = example[image_key]
        dtype = image.dtype
        have = image.shape[-1]
        if have != channels:
            if have == 3 and channels == 1:
                image = tf.image.rgb_to_grayscale(image)
            elif have == 1 and channels == 3:
                image = tf.image.grayscale_to_rgb(image)
            else:
                raise ValueError(f"cannot convert {have}-channel images to {channels} channels")
        image = tf.image.resize(image, (height, width), method="bilinear")
        if dtype == tf.uint8:
            image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        return {**example, image_key: tf.ensure_shape(image, (height, width, channels))}

    return ds.map(resize, num_parallel_calls=tf.data.AUTOTUNE)


def check_image_size(image_size) -> tuple[int, int, int]:
    """`image_size` as (height, width, channels) with channels 1 or 3, else ValueError."""
    try:
        size = tuple(int(d) for d in image_size)
    except (TypeError, ValueError):
        size = ()
    if len(size) != 3 or min(size[:2]) < 1 or size[2] not in (1, 3):
        raise ValueError(
            f"image_size must be (height, width, channels) with channels 1 or 3, got {image_size!r}"
        )
    return size
