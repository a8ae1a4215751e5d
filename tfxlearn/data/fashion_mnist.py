"""Fashion-MNIST served offline from Debian's `dataset-fashion-mnist` files.

TFDS's own `fashion_mnist` builder downloads the archives and checks their
checksums; Debian re-gzips them, so the checksums differ and TFDS tries to
download. This builder reads the Debian files instead and registers itself
under the name `fashion_mnist`, replacing the official builder in TFDS's
registry, so `tfds.load("fashion_mnist")` works without a network. It keeps the
official builder's `DatasetInfo` (features, class names, version, splits), so
data prepared by either builder is interchangeable.

Xiao, Rasul & Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking
Machine Learning Algorithms", arXiv:1708.07747, 2017.
"""

from __future__ import annotations

import os

import numpy as np
from tensorflow_datasets.image_classification import mnist as tfds_mnist

from tfxlearn.data.idx import read_idx
from tfxlearn.keras_private import register_tfds_builder
from tfxlearn.registry import DATASETS

DEFAULT_SOURCE_DIR = "/usr/share/datasets/fashion-mnist"
SOURCE_DIR_ENV = "TFXLEARN_FASHION_MNIST_DIR"
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60_000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10_000),
}


def source_dir() -> str:
    """Where the IDX files are read from (`$TFXLEARN_FASHION_MNIST_DIR` overrides)."""
    return os.environ.get(SOURCE_DIR_ENV, DEFAULT_SOURCE_DIR)


def _check_files(directory: str) -> None:
    missing = [
        name
        for images, labels, _ in _FILES.values()
        for name in (images, labels)
        if not os.path.isfile(os.path.join(directory, name))
    ]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST files not found in {directory}: missing {', '.join(missing)}. "
            "Install the Debian package as root: "
            "`apt-get update && apt-get install -y dataset-fashion-mnist` "
            f"(or point ${SOURCE_DIR_ENV} at a directory holding the original IDX .gz files)."
        )


@DATASETS.register("fashion_mnist")
class FashionMnist(tfds_mnist.FashionMNIST, skip_registration=True):
    """TFDS builder `fashion_mnist` reading the local IDX files (no download)."""

    name = "fashion_mnist"

    def _split_generators(self, dl_manager):
        del dl_manager  # Nothing to download.
        directory = source_dir()
        _check_files(directory)
        return {
            split: self._generate_examples(
                os.path.join(directory, images), os.path.join(directory, labels), count
            )
            for split, (images, labels, count) in _FILES.items()
        }

    def _generate_examples(self, images_path, labels_path, count):
        images = read_idx(images_path)
        labels = read_idx(labels_path)
        if images.shape != (count, 28, 28) or labels.shape != (count,):
            raise ValueError(
                f"unexpected Fashion-MNIST shapes {images.shape} / {labels.shape} in "
                f"{images_path}; expected ({count}, 28, 28) / ({count},)"
            )
        if labels.max() > 9:
            raise ValueError(f"{labels_path}: label {labels.max()} outside 0..9")
        for index in range(count):
            yield index, {"image": images[index][..., np.newaxis], "label": int(labels[index])}


# Replace the official (downloading) builder in TFDS's registry. Importing the
# official module first registers it, so TFDS's lazy import of its legacy
# builders later finds the module already imported and cannot re-register it.
register_tfds_builder(FashionMnist)
