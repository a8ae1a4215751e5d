"""scikit-learn's handwritten digits blended over crops of scikit-image's photographs
and textures (the MNIST-M construction), with the exact digit mask, as a TFDS builder.

MNIST-M (Ganin & Lempitsky, ICML 2015) blends MNIST digits over random patches of
BSDS500 colour photographs: each pixel is |patch - digit|, so the digit shows as
the inverted patch and the background as the patch itself. This is that
construction, offline, with a binary digit:

1. the digit: an image of `digits` (scikit-learn's UCI 8x8 handwritten digits,
   0..255) resized to `size` x `size` exactly as `tfxlearn.data.load("digits",
   split, image_size=(size, size, 1))` resizes it (bilinear, rounded to uint8), D;
2. the mask: m = 1 where D >= 128 (D / 255 above `threshold` = 0.5 once
   rounded), else 0;
3. the background: a `size` x `size` crop of one of the images of `TEXTURES`
   (scikit-image's bundled brick, grass, gravel, coffee, chelsea, astronaut,
   rocket, immunohistochemistry; the grey textures repeated to RGB);
4. the image: |crop - 255 m|, i.e. 255 - crop inside the digit, the crop outside.

The variant (MNIST-M blends the soft digit, |crop - 255 d|) binarises the digit
so that the stored `mask` is exactly the set of changed pixels: a method that
finds where a translation changed the image (attention-guided CycleGAN) is
scored against it with no ambiguous anti-aliased rim.

Splits follow `digits`: train holds the digits of its train split (index % 5 !=
4, 1,438), test those of its test split (359). Crops of the train split lie in the
top 70% of a texture's rows, the test split's in the bottom 30% (no crop
straddles the boundary), so a test background was never seen in training.
Texture and crop position of example i are drawn from
`numpy.random.default_rng([config.seed, split, i])`, so the dataset is a function
of the config only. The `tiny` config keeps the first 40 train / 20 test digits
(tests).

The `blank` config (and `blank_tiny`) is the same construction without the digit
(mask all 0; "label" names the digit not drawn) and with another seed, so its
crops are other crops of the same textures: the digit-free domain of an
unpaired translation that inserts / removes digits on textures, whose changed
region - the digit - is known (`benchmarks/quality_attention_cycle_gan.py`).

Features: "image" uint8 [size, size, 3]; "mask" uint8 [size, size, 1], 0/1 (the
digit's foreground); "label" the digit; "texture" which image the background
comes from; "index" the digit's position in `digits_split(split)` (scikit-learn's
order; TFDS serves examples in key-hash order, not this one).

Ganin & Lempitsky, "Unsupervised Domain Adaptation by Backpropagation", ICML 2015.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.registry import DATASETS

TEXTURES = (
    "brick",
    "grass",
    "gravel",
    "coffee",
    "chelsea",
    "astronaut",
    "rocket",
    "immunohistochemistry",
)
TRAIN_FRACTION = 0.7
_PIP = "pip install scikit-image==0.26.0"


@dataclasses.dataclass
class TexturedDigitsConfig(tfds.core.BuilderConfig):
    """Image size, digit threshold, examples kept per split (None: all), seed."""

    size: int = 28
    threshold: float = 0.5
    max_train: int | None = None
    max_test: int | None = None
    seed: int = 2015
    digit: bool = True  # False: the crops alone (mask all 0), the `blank` configs


def load_textures() -> dict[str, np.ndarray]:
    """The background images as uint8 [H, W, 3] arrays, by name (needs scikit-image)."""
    try:
        import skimage.data
    except ImportError:
        raise ImportError(f"the textured_digits dataset needs scikit-image: `{_PIP}`") from None
    textures = {}
    for name in TEXTURES:
        image = np.asarray(getattr(skimage.data, name)())
        if image.ndim == 2:
            image = np.repeat(image[..., np.newaxis], 3, axis=-1)
        textures[name] = image[..., :3].astype(np.uint8)
    return textures


def digit_masks(digits: np.ndarray, size: int, threshold: float = 0.5):
    """(D uint8 [n, size, size], mask uint8 [n, size, size] 0/1) of uint8 digits
    [n, h, w, 1]: the resize of `tfxlearn.data.load(..., image_size=)` (bilinear,
    rounded, clipped), then mask = D > 255 * threshold."""
    import tensorflow as tf

    resized = tf.image.resize(tf.cast(digits, tf.float32), (size, size), method="bilinear")
    d = np.clip(np.round(resized.numpy()[..., 0]), 0, 255).astype(np.uint8)
    return d, (d > 255.0 * threshold).astype(np.uint8)


def blend(crop: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """|crop - 255 mask|: uint8 [size, size, 3] from a uint8 crop and a 0/1 mask [size, size]."""
    inverted = 255 - crop
    return np.where(mask[..., np.newaxis].astype(bool), inverted, crop).astype(np.uint8)


def crop_corner(shape: tuple, size: int, split: str, rng: np.random.Generator):
    """(row, column) of a `size` crop of `split`'s rows of an image of `shape`."""
    height, width = shape[:2]
    boundary = int(np.floor(TRAIN_FRACTION * height))
    low, high = (0, boundary - size) if split == "train" else (boundary, height - size)
    return int(rng.integers(low, high + 1)), int(rng.integers(0, width - size + 1))


def textured(digits: np.ndarray, split: str, config: TexturedDigitsConfig, textures=None):
    """(images uint8 [n, s, s, 3], masks uint8 [n, s, s, 1], texture indices [n]) of
    uint8 digits [n, h, w, 1] of `split` (the module docstring's construction)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    textures = load_textures() if textures is None else textures
    names = list(textures)
    _, masks = digit_masks(digits, config.size, config.threshold)
    if not config.digit:
        masks = np.zeros_like(masks)
    images, which = [], []
    for i, mask in enumerate(masks):
        rng = np.random.default_rng([config.seed, 0 if split == "train" else 1, i])
        k = int(rng.integers(len(names)))
        texture = textures[names[k]]
        row, col = crop_corner(texture.shape, config.size, split, rng)
        crop = texture[row : row + config.size, col : col + config.size]
        images.append(blend(crop, mask))
        which.append(k)
    return np.stack(images), masks[..., np.newaxis], np.asarray(which, np.int64)


def digits_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images [n, 8, 8, 1], labels [n]) of `digits`' split, as the `digits`
    builder stores them (index % 5 == 4 is test)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.clip(np.round(bunch.images * (255.0 / 16.0)), 0, 255).astype(np.uint8)
    test = np.arange(len(images)) % 5 == 4
    keep = test if split == "test" else ~test
    return images[keep][..., np.newaxis], bunch.target[keep].astype(np.int64)


@DATASETS.register("textured_digits")
class TexturedDigits(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `textured_digits`: MNIST-M-style digits over scikit-image textures."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        TexturedDigitsConfig(name="default", description="28x28 RGB, all digits"),
        TexturedDigitsConfig(
            name="tiny",
            description="28x28 RGB, the first 40 train / 20 test digits (tests)",
            max_train=40,
            max_test=20,
        ),
        TexturedDigitsConfig(
            name="blank",
            description="28x28 RGB crops without digits (another seed: other crops)",
            digit=False,
            seed=2016,
        ),
        TexturedDigitsConfig(
            name="blank_tiny",
            description="28x28 RGB crops without digits, 40 train / 20 test (tests)",
            digit=False,
            seed=2016,
            max_train=40,
            max_test=20,
        ),
    ]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.size
        return self.dataset_info_from_configs(
            description=(
                "scikit-learn's handwritten digits blended (|texture - 255 mask|) over "
                "crops of scikit-image's photographs and textures, with the digit mask."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 3)),
                    "mask": tfds.features.Tensor(shape=(size, size, 1), dtype=np.uint8),
                    "label": tfds.features.ClassLabel(num_classes=10),
                    "texture": tfds.features.ClassLabel(names=list(TEXTURES)),
                    "index": np.int64,
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        textures = load_textures()  # fail early, with the pip command
        return {split: self._generate_examples(split, textures) for split in ("train", "test")}

    def _generate_examples(self, split, textures):
        config = self.builder_config
        digits, labels = digits_split(split)
        keep = config.max_train if split == "train" else config.max_test
        if keep:
            digits, labels = digits[:keep], labels[:keep]
        images, masks, which = textured(digits, split, config, textures)
        for index in range(len(images)):
            yield (
                index,
                {
                    "image": images[index],
                    "mask": masks[index],
                    "label": int(labels[index]),
                    "texture": int(which[index]),
                    "index": index,
                },
            )
