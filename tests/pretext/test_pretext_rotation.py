from functools import partial

import numpy as np
import pytest
import tensorflow as tf
from _helpers import uint8_images

import tfxlearn
from tfxlearn.pretext import rotate_all, rotate_random, rotation, unrotate

_images = partial(uint8_images, size=5, channels=2)


def test_rotate_all_interleaves_every_rotation_per_image():
    x = _images()
    rotated, labels = rotate_all(x)
    assert rotated.shape == (24, 5, 5, 2) and rotated.dtype == tf.uint8
    np.testing.assert_array_equal(labels, np.tile(np.arange(4), 6))
    for i in range(6):
        for k in range(4):
            np.testing.assert_array_equal(rotated[4 * i + k], np.rot90(x[i], k, axes=(0, 1)))


def test_rotating_back_by_the_label_recovers_the_input():
    x = _images(batch=8)
    rotated, labels = rotate_all(x)
    np.testing.assert_array_equal(unrotate(rotated, labels), np.repeat(x, 4, axis=0))
    rotated, labels = rotate_random(x, seed=tf.constant([3, 4]))
    np.testing.assert_array_equal(unrotate(rotated, labels), x)


def test_random_mode_is_stateless():
    x = _images(batch=64)
    _, a = rotate_random(x, seed=tf.constant([1, 2]))
    _, b = rotate_random(x, seed=tf.constant([1, 2]))
    _, c = rotate_random(x, seed=tf.constant([1, 3]))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a)) == {0, 1, 2, 3}


@pytest.mark.parametrize("mode", ["all"])  # "random": tests/pretext/test_pretext_contract.py
def test_eager_and_dataset_map_agree(mode):
    x = _images(batch=12)
    ds = rotation(tf.data.Dataset.from_tensor_slices({"image": x}).batch(4), mode=mode, seed=7)
    got = list(ds.as_numpy_iterator())
    assert len(got) == 3
    for b, (images, labels) in enumerate(got):
        assert images.dtype == np.float32 and images.max() <= 1.0
        chunk = x[4 * b : 4 * b + 4]
        if mode == "all":
            want, want_labels = rotate_all(chunk)
        else:
            want, want_labels = rotate_random(chunk, seed=tf.constant([7, b]))
        np.testing.assert_array_equal(labels, want_labels)
        np.testing.assert_allclose(images, np.asarray(want, np.float32) / 255.0)
        # Property: undoing the labelled rotation restores the (scaled) originals.
        restored = unrotate(images, labels)
        originals = np.repeat(chunk, 4, axis=0) if mode == "all" else chunk
        np.testing.assert_allclose(restored, originals / 255.0, atol=1e-7)


def test_accepts_tuples_and_tensors_and_tfds(tfds_dir):
    x = _images(batch=4).astype(np.float32) / 255.0
    for ds in (
        tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2),
        tf.data.Dataset.from_tensor_slices(x).batch(2),
    ):
        images, labels = next(iter(rotation(ds)))
        assert images.shape == (8, 5, 5, 2) and labels.shape == (8,)
    digits = tfxlearn.data.load("digits", "test")
    images, labels = next(iter(rotation(digits.batch(16))))
    assert images.shape == (64, 8, 8, 1) and labels.dtype == tf.int32


def test_non_square_images_are_refused_or_cropped():
    x = np.zeros((2, 6, 4, 1), np.uint8)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(2)
    with pytest.raises(ValueError, match="square"):
        rotation(ds)
    with pytest.raises(ValueError, match="crop_to_square"):
        rotate_all(x)
    images, _ = next(iter(rotation(ds, crop_to_square=True)))
    assert images.shape == (8, 4, 4, 1)


def test_bad_inputs_have_clear_errors():
    unbatched = tf.data.Dataset.from_tensor_slices(np.zeros((4, 5, 5, 1), np.uint8))
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        rotation(unbatched)
    flat = tf.data.Dataset.from_tensor_slices(np.zeros((4, 25), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="rank 4"):
        rotation(flat)
    with pytest.raises(ValueError, match="mode"):
        rotation(unbatched.batch(2), mode="sometimes")
    with pytest.raises(ValueError, match="image key"):
        rotation(tf.data.Dataset.from_tensor_slices({"pixels": np.zeros((2, 5, 5, 1))}).batch(2))
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        rotation(np.zeros((2, 5, 5, 1)))


def test_registered():
    assert tfxlearn.pretext.get("rotation") is rotation
    with pytest.raises(KeyError, match="known: .*rotation"):
        tfxlearn.pretext.get("rotatoin")
