"""scikit-learn's bundled 8x8 handwritten digits as a TFDS builder, for tiny tests.

1,797 images of 8x8 pixels (values 0..16, rescaled to 0..255 uint8), 10
classes. scikit-learn ships no split; every fifth example (index % 5 == 4) is
the test split (359), the rest train (1,438), so both splits cover all writers
and classes.

Alpaydin & Kaynak, "Optical Recognition of Handwritten Digits", UCI ML
Repository, 1998.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.registry import DATASETS


@DATASETS.register("digits")
class Digits(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `digits` from `sklearn.datasets.load_digits` (offline)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description="scikit-learn's bundled 8x8 handwritten digits (UCI optdigits test set).",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(8, 8, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://scikit-learn.org/stable/datasets/toy_dataset.html",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images = np.clip(np.round(bunch.images * (255.0 / 16.0)), 0, 255).astype(np.uint8)
        labels = bunch.target.astype(np.int64)
        test = np.arange(len(labels)) % 5 == 4
        return {
            "train": self._generate_examples(images[~test], labels[~test]),
            "test": self._generate_examples(images[test], labels[test]),
        }

    def _generate_examples(self, images, labels):
        for index, (image, label) in enumerate(zip(images, labels)):
            yield index, {"image": image[..., np.newaxis], "label": int(label)}
