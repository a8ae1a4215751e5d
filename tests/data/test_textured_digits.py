"""textured_digits: digits over scikit-image textures (MNIST-M construction) with
the exact digit mask; the tiny config with the real digits and textures."""

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.data import textured_digits
from tfxlearn.data.folder import resize_images


def _split(name, split):
    batches = list(tfxlearn.data.load(name, split).batch(4096).as_numpy_iterator())
    return {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}


@pytest.fixture(scope="module")
def tiny():
    return {split: _split("textured_digits/tiny", split) for split in ("train", "test")}


def test_shapes_dtypes_and_counts(tiny):
    info = tfxlearn.data.info("textured_digits/tiny")
    assert info.features["image"].shape == (28, 28, 3)
    for split, count in (("train", 40), ("test", 20)):
        data = tiny[split]
        assert data["image"].shape == (count, 28, 28, 3) and data["image"].dtype == np.uint8
        assert data["mask"].shape == (count, 28, 28, 1) and data["mask"].dtype == np.uint8
        assert set(np.unique(data["mask"])) == {0, 1}
        assert data["label"].shape == (count,)
        assert 0.05 < data["mask"].mean() < 0.6  # a digit, not a blank or a full frame
    assert len(np.unique(tiny["train"]["texture"])) >= 5  # many backgrounds


def test_mask_is_the_digits_foreground_and_labels_follow_digits(tiny):
    for split, count in (("train", 40), ("test", 20)):
        digits, labels = textured_digits.digits_split(split)
        # digits_split is the `digits` builder's split (TFDS serves it in another order)
        served = _split("digits", split)
        assert sorted(d.tobytes() for d in served["image"]) == sorted(d.tobytes() for d in digits)
        data = tiny[split]
        assert sorted(data["index"]) == list(range(count))
        # the resize tfxlearn.data.load(..., image_size=) applies to digits
        ds = tf.data.Dataset.from_tensor_slices({"image": digits[data["index"]]})
        resized = np.stack([e["image"] for e in resize_images(ds, (28, 28, 1))])
        np.testing.assert_array_equal(data["mask"], (resized >= 128).astype(np.uint8))
        np.testing.assert_array_equal(data["label"], labels[data["index"]])


def test_image_is_the_inverted_crop_inside_the_mask_and_the_crop_outside(tiny):
    textures = textured_digits.load_textures()
    names = list(textures)
    config = textured_digits.TexturedDigitsConfig(name="t")
    data = tiny["train"]
    for i in range(5):
        rng = np.random.default_rng([config.seed, 0, data["index"][i]])
        k = int(rng.integers(len(names)))
        assert k == data["texture"][i]
        row, col = textured_digits.crop_corner(textures[names[k]].shape, 28, "train", rng)
        crop = textures[names[k]][row : row + 28, col : col + 28]
        mask = data["mask"][i, ..., 0].astype(bool)
        np.testing.assert_array_equal(data["image"][i][~mask], crop[~mask])
        np.testing.assert_array_equal(data["image"][i][mask], 255 - crop[mask])


def test_deterministic_from_the_seed_and_splits_crop_disjoint_rows():
    digits, _ = textured_digits.digits_split("test")
    digits = digits[:6]
    config = textured_digits.TexturedDigitsConfig(name="t")
    a = textured_digits.textured(digits, "test", config)
    b = textured_digits.textured(digits, "test", config)
    other = textured_digits.TexturedDigitsConfig(name="u", seed=7)
    c = textured_digits.textured(digits, "test", other)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[1], c[1])  # the mask does not depend on the seed
    assert not np.array_equal(a[0], c[0])
    rng = np.random.default_rng(0)
    for split, (low, high) in (("train", (0, 0.7)), ("test", (0.7, 1.0))):
        rows = [textured_digits.crop_corner((512, 512), 28, split, rng)[0] for _ in range(200)]
        assert min(rows) >= int(low * 512) and max(rows) + 28 <= int(high * 512)


def test_bad_split_is_named():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        textured_digits.textured(np.zeros([1, 8, 8, 1], np.uint8), "validation", None)


def test_blank_config_is_other_crops_of_the_textures_without_digits(tiny):
    blank = _split("textured_digits/blank_tiny", "train")
    assert blank["image"].shape == (40, 28, 28, 3) and not blank["mask"].any()
    textures = textured_digits.load_textures()
    names = list(textures)
    order = np.argsort(blank["index"])
    for i in order[:3]:
        rng = np.random.default_rng([2016, 0, blank["index"][i]])
        k = int(rng.integers(len(names)))
        row, col = textured_digits.crop_corner(textures[names[k]].shape, 28, "train", rng)
        np.testing.assert_array_equal(
            blank["image"][i], textures[names[k]][row : row + 28, col : col + 28]
        )
    # other crops than the digits' backgrounds (another seed): compare outside the digit
    digits = tiny["train"]
    by_index = np.argsort(digits["index"])
    outside = digits["mask"][by_index] == 0
    same = [
        np.array_equal(
            blank["image"][order][j][outside[j, ..., 0]],
            digits["image"][by_index][j][outside[j, ..., 0]],
        )
        for j in range(40)
    ]
    assert sum(same) <= 8
