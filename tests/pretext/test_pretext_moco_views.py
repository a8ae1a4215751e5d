from functools import partial

import numpy as np
import pytest
import tensorflow as tf
from _helpers import uint8_images

import tfxlearn
from tfxlearn.pretext import moco_views, two_views
from tfxlearn.pretext.moco_views import augment, gaussian_blur

IDENTITY = {"crop_scale": (1.0, 1.0), "crop_ratio": (1.0, 1.0), "flip": False, "jitter_prob": 0.0}


_images = partial(uint8_images, size=12)


def test_stateless_and_the_two_views_differ():
    x = _images(batch=16)
    a = two_views(x, tf.constant([1, 2]))
    b = two_views(x, tf.constant([1, 2]))
    c = two_views(x, tf.constant([1, 3]))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])
    assert a[0].dtype == tf.float32 and a[0].shape == x.shape
    assert float(tf.reduce_min(a)) >= 0.0 and float(tf.reduce_max(a)) <= 1.0
    # The shortcut guard: query and key of one image are never the same pixels.
    diff = np.abs(np.asarray(a[0]) - np.asarray(a[1])).reshape(16, -1).max(axis=1)
    assert (diff > 0.05).all()


def test_full_crop_without_jitter_is_the_identity():
    x = _images()
    np.testing.assert_allclose(augment(x, tf.constant([0, 0]), **IDENTITY), x / 255.0, atol=1e-6)


def test_flip_mirrors_some_views_and_keeps_the_others():
    x = _images(batch=32)
    views = np.asarray(augment(x, tf.constant([3, 4]), **{**IDENTITY, "flip": True}))
    plain = np.all(np.isclose(views, x / 255.0, atol=1e-6), axis=(1, 2, 3))
    mirrored = np.all(np.isclose(views, x[:, :, ::-1] / 255.0, atol=1e-6), axis=(1, 2, 3))
    assert (plain | mirrored).all() and plain.any() and mirrored.any()


def test_brightness_scales_each_image_by_one_factor():
    x = np.full((8, 6, 6, 1), 100, np.uint8)
    args = {**IDENTITY, "jitter_prob": 1.0, "brightness": 0.4, "contrast": 0.0}
    views = np.asarray(augment(x, tf.constant([5, 6]), **args))
    factors = views[:, 0, 0, 0] / (100 / 255)
    np.testing.assert_allclose(views, np.broadcast_to(views[:, :1, :1], views.shape), atol=1e-6)
    assert ((factors >= 0.6 - 1e-5) & (factors <= 1.4 + 1e-5)).all() and factors.std() > 0


def test_crop_zooms_into_a_part_of_the_image():
    # A left-half-white image: small crops are mostly one colour; full crops are not.
    x = np.zeros((64, 16, 16, 1), np.uint8)
    x[:, :, :8] = 255
    args = {**IDENTITY, "crop_scale": (0.1, 0.1)}
    views = np.asarray(augment(x, tf.constant([0, 1]), **args))
    whiteness = views.mean(axis=(1, 2, 3))
    assert whiteness.std() > 0.2  # crops land on either side


def test_gaussian_blur_per_image():
    flat = np.full((3, 9, 9, 2), 0.5, np.float32)
    np.testing.assert_allclose(
        gaussian_blur(flat, tf.constant([0.5, 1.0, 2.0]), 3), flat, atol=1e-6
    )
    impulse = np.zeros((2, 9, 9, 1), np.float32)
    impulse[:, 4, 4] = 1.0
    out = np.asarray(gaussian_blur(impulse, tf.constant([0.01, 1.5]), 3))
    np.testing.assert_allclose(out[0], impulse[0], atol=1e-6)  # ~no blur
    np.testing.assert_allclose(out[1].sum(), 1.0, atol=1e-5)  # mass kept
    assert out[1, 4, 4, 0] < 0.2 and out[1, 4, 5, 0] > 0.05


def test_blur_and_noise_options():
    x = _images(batch=8)
    views = augment(x, tf.constant([1, 1]), blur_prob=1.0, blur_sigma=(0.5, 1.0), noise_std=0.05)
    assert views.shape == x.shape and float(tf.reduce_min(views)) >= 0.0


def test_accepts_tuples_and_tensors_and_tfds(tfds_dir):
    x = _images(batch=4).astype(np.float32) / 255.0
    for ds in (
        tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2),
        tf.data.Dataset.from_tensor_slices(x).batch(2),
    ):
        queries, keys = next(iter(moco_views(ds)))
        assert queries.shape == keys.shape == (2, 12, 12, 1)
    digits = tfxlearn.data.load("digits", "test")
    queries, keys = next(iter(moco_views(digits.batch(16))))
    assert queries.shape == (16, 8, 8, 1) and keys.dtype == tf.float32


def test_bad_inputs_have_clear_errors():
    unbatched = tf.data.Dataset.from_tensor_slices(np.zeros((4, 5, 5, 1), np.uint8))
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        moco_views(unbatched)
    flat = tf.data.Dataset.from_tensor_slices(np.zeros((4, 25), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="rank 4"):
        moco_views(flat)
    with pytest.raises(ValueError, match="crop_scale"):
        moco_views(unbatched.batch(2), crop_scale=(0.5, 1.5))
    with pytest.raises(ValueError, match="crop_scale"):
        moco_views(unbatched.batch(2), crop_scale=(0.0, 1.0))
    with pytest.raises(ValueError, match="jitter_prob"):
        moco_views(unbatched.batch(2), jitter_prob=2)
    with pytest.raises(ValueError, match="unknown augmentation"):
        moco_views(unbatched.batch(2), colour=1)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        moco_views(np.zeros((2, 5, 5, 1)))


def test_registered_and_plot(tmp_path):
    assert tfxlearn.pretext.get("moco_views") is moco_views
    batch = two_views(_images(batch=6), tf.constant([0, 0]))
    plot = tfxlearn.pretext.get_plot("moco_views")
    path = plot(batch, str(tmp_path / "views.png"), title="views")
    assert (tmp_path / "views.png").stat().st_size > 1000 and path.endswith("views.png")
