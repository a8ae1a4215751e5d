"""32x32 RGB crops of scikit-image's bundled colour photographs, as a TFDS builder.

A small, offline, honest RGB dataset for colorization (Zhang et al., "Colorful
Image Colorization", ECCV 2016): the pretext trains on the RGB "image", the
probe sees the CIE "lightness" channel the colorization encoder takes.

Source photographs (all shipped inside the scikit-image wheel, no network):
astronaut, coffee, chelsea, rocket, immunohistochemistry, hubble_deep_field,
colorwheel, retina. The label is which photograph a crop comes from (8 classes).

Crops are 32x32 RGB at positions drawn from `numpy.random.default_rng(SEED + k)`
for photograph k, so the dataset is deterministic. Train and test crops come
from DISJOINT regions of each photograph: train crops lie entirely inside the
top 70% of its rows (rows [0, floor(0.7 * height))), test crops entirely inside
the bottom 30% (rows [floor(0.7 * height), height)); no crop straddles the
boundary, so a probe cannot score by memorising overlapping pixels. Columns are
drawn uniformly over the full width. 400 train and 100 test crops per photograph
(3,200 / 800 in all).

Features: "image" uint8 [32, 32, 3]; "lightness" uint8 [32, 32, 1] =
round(L * 2.55) with L the CIE L* in [0, 100] of
`tfxlearn.pretext.colorization.rgb_to_lab`; "label" the source photograph.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.data.color import rgb_to_lab
from tfxlearn.registry import DATASETS

PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "immunohistochemistry",
    "hubble_deep_field",
    "colorwheel",
    "retina",
)
CROP = 32
TRAIN_FRACTION = 0.7
TRAIN_PER_PHOTO = 400
TEST_PER_PHOTO = 100
SEED = 20160
_PIP = "pip install scikit-image==0.26.0"


def load_photos() -> dict[str, np.ndarray]:
    """The source photographs as uint8 [H, W, 3] arrays, by name (needs scikit-image)."""
    try:
        import skimage.data
    except ImportError:
        raise ImportError(f"the skimage_photos dataset needs scikit-image: `{_PIP}`") from None
    photos = {}
    for name in PHOTOS:
        image = np.asarray(getattr(skimage.data, name)())
        if image.ndim != 3 or image.shape[-1] not in (3, 4):
            raise ValueError(f"skimage.data.{name}() is not an RGB image: {image.shape}")
        photos[name] = image[..., :3].astype(np.uint8)
    return photos


def crop_rows(height: int, split: str) -> tuple[int, int]:
    """[first, last] allowed crop start row of `split` in a photograph of `height` rows."""
    boundary = int(np.floor(TRAIN_FRACTION * height))
    if split == "train":
        return 0, boundary - CROP
    if split == "test":
        return boundary, height - CROP
    raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def crop_positions(photo_index: int, shape: tuple, split: str) -> np.ndarray:
    """Deterministic int [n, 2] (row, column) top-left corners of `split`'s crops."""
    height, width = shape[:2]
    count = TRAIN_PER_PHOTO if split == "train" else TEST_PER_PHOTO
    rng = np.random.default_rng([SEED, photo_index, 0 if split == "train" else 1])
    low, high = crop_rows(height, split)
    rows = rng.integers(low, high + 1, size=count)
    cols = rng.integers(0, width - CROP + 1, size=count)
    return np.stack([rows, cols], axis=1)


def crops(split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images uint8 [N, 32, 32, 3], lightness uint8 [N, 32, 32, 1], labels int64 [N])."""
    images, labels = [], []
    for k, (name, photo) in enumerate(load_photos().items()):
        del name
        for row, col in crop_positions(k, photo.shape, split):
            images.append(photo[row : row + CROP, col : col + CROP])
            labels.append(k)
    images = np.stack(images)
    lightness = np.asarray(rgb_to_lab(images))[..., :1]
    lightness = np.clip(np.round(lightness * 2.55), 0, 255).astype(np.uint8)
    return images, lightness, np.asarray(labels, np.int64)


@DATASETS.register("skimage_photos")
class SkimagePhotos(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `skimage_photos`: 32x32 crops of scikit-image's colour photographs."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=(
                "32x32 RGB crops of 8 scikit-image photographs; label = source photograph; "
                "train crops from the top 70% of rows, test crops from the bottom 30%."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(CROP, CROP, 3)),
                    "lightness": tfds.features.Image(shape=(CROP, CROP, 1)),
                    "label": tfds.features.ClassLabel(names=list(PHOTOS)),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://scikit-image.org/docs/stable/api/skimage.data.html",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        load_photos()  # fail early, with the pip command, if scikit-image is missing
        return {
            "train": self._generate_examples("train"),
            "test": self._generate_examples("test"),
        }

    def _generate_examples(self, split):
        images, lightness, labels = crops(split)
        for index, (image, light, label) in enumerate(zip(images, lightness, labels)):
            yield index, {"image": image, "lightness": light, "label": int(label)}
