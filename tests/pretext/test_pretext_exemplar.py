from functools import partial

import numpy as np
import pytest
import scipy.ndimage
import tensorflow as tf
from _helpers import uint8_images

import tfxlearn
from tfxlearn.pretext.exemplar import affine_matrices, augment, exemplar, exemplar_views, transform

_images = partial(uint8_images, size=9)


def _matrices(n, size, angle=0.0, scale=1.0, shift=(0.0, 0.0)):
    return affine_matrices(
        size, size, tf.fill([n], float(angle)), tf.fill([n], float(scale)), tf.constant([shift] * n)
    )


# Geometry only: no photometric change, so views can be compared with references.
_GEOMETRY_ONLY = {"power": (1.0, 1.0), "multiply": (1.0, 1.0), "add": (0.0, 0.0)}


def test_identity_and_integer_translation_are_exact():
    x = _images().astype(np.float32)
    np.testing.assert_allclose(transform(x, _matrices(6, 9)), x, atol=1e-5)
    shifted = np.asarray(transform(x, _matrices(6, 9, shift=(2.0, 1.0))))
    np.testing.assert_allclose(shifted[:, 1:, 2:], x[:, :-1, :-2], atol=1e-5)


def test_quarter_turn_is_a_pixel_permutation():
    x = _images(size=8).astype(np.float32)
    turned = np.asarray(transform(x, _matrices(6, 8, angle=np.pi / 2)))
    candidates = [np.rot90(x, k, axes=(1, 2)) for k in (1, 3)]
    assert any(np.allclose(turned, c, atol=1e-4) for c in candidates)


def test_transform_matches_scipy_per_image():
    """The per-image matrices mean what scipy.ndimage.affine_transform means."""
    x = _images(batch=3, size=12).astype(np.float32)
    m = np.asarray(
        affine_matrices(
            12,
            12,
            tf.constant([0.3, -0.5, 1.0]),
            tf.constant([0.8, 1.3, 1.0]),
            tf.constant([[1.5, -2.0], [0.0, 0.7], [-1.0, 3.0]]),
        )
    )
    got = np.asarray(transform(x, m, "nearest"))
    for i in range(3):
        a0, a1, a2, b0, b1, b2 = m[i, :6]
        want = scipy.ndimage.affine_transform(
            x[i, ..., 0], [[b1, b0], [a1, a0]], offset=[b2, a2], order=1, mode="nearest"
        )
        np.testing.assert_allclose(got[i, ..., 0], want, atol=1e-3)


def test_views_are_interleaved_and_labelled():
    x = _images(batch=4, size=16)
    index = np.array([5, 2, 7, 0])
    views, labels = exemplar_views(x, index, tf.constant([1, 2]), views=3)
    assert views.shape == (12, 16, 16, 1) and views.dtype == tf.float32
    np.testing.assert_array_equal(labels, np.repeat(index, 3))
    assert float(tf.reduce_min(views)) >= 0.0 and float(tf.reduce_max(views)) <= 1.0
    assert not np.allclose(views[0], views[1])  # two views of one seed differ


def test_photometric_jitter_changes_intensity_statistics():
    x = np.full((64, 8, 8, 1), 128, np.uint8)
    out = np.asarray(augment(x, tf.constant([0, 1])))
    means = out.mean(axis=(1, 2, 3))
    assert means.std() > 0.05  # brightness is no longer a fingerprint of the seed
    flat = np.asarray(augment(x, tf.constant([0, 1]), **_GEOMETRY_ONLY))
    np.testing.assert_allclose(flat, 128 / 255, atol=1e-5)  # "nearest" fill: no blank borders


def test_colour_images():
    x = _images(batch=4, size=10, channels=3)
    out = np.asarray(augment(x, tf.constant([3, 4])))
    assert out.shape == x.shape and out.min() >= 0.0 and out.max() <= 1.0 + 1e-6


def test_tuples_and_tfds_with_example_gen(tfds_dir):
    x = _images(batch=4, size=8)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2)
    views, labels = next(iter(exemplar(ds, num_classes=4, views=3)))
    assert views.shape == (6, 8, 8, 1) and list(labels.numpy()) == [0, 0, 0, 1, 1, 1]
    config = tfxlearn.pipeline.load_config("exemplar_fashion_mnist", smoke=True)
    config["dataset"] = {"name": "digits", "pretext_max_train": 16}
    ds = tfxlearn.pipeline.example_gen(config).batch(8)
    views, labels = next(iter(exemplar(ds, num_classes=16)))
    assert views.shape == (8, 8, 8, 1) and labels.dtype == tf.int32


def test_index_out_of_range_fails_at_runtime():
    x = _images(batch=8, size=8)
    ds = tf.data.Dataset.from_tensor_slices({"image": x, "index": np.arange(8)}).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_classes=6"):
        list(exemplar(ds, num_classes=6))


def test_bad_inputs_have_clear_errors():
    x = _images(batch=4, size=8)
    with_index = tf.data.Dataset.from_tensor_slices({"image": x, "index": np.arange(4)})
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        exemplar(with_index, num_classes=4)
    batched = with_index.batch(2)
    with pytest.raises(ValueError, match="num_classes"):
        exemplar(batched)
    with pytest.raises(ValueError, match="views"):
        exemplar(batched, num_classes=4, views=0)
    with pytest.raises(ValueError, match="scale"):
        exemplar(batched, num_classes=4, scale=(1.4, 0.7))
    with pytest.raises(ValueError, match="fill_mode"):
        exemplar(batched, num_classes=4, fill_mode="blank")
    with pytest.raises(ValueError, match="unknown augmentation"):
        exemplar(batched, num_classes=4, shear=0.1)
    with pytest.raises(ValueError, match="'index'"):
        exemplar(tf.data.Dataset.from_tensor_slices({"image": x}).batch(2), num_classes=4)
    with pytest.raises(ValueError, match="bare image tensors"):
        exemplar(tf.data.Dataset.from_tensor_slices(x).batch(2), num_classes=4)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        exemplar(x, num_classes=4)


def test_registered():
    assert tfxlearn.pretext.get("exemplar") is exemplar
    model = tfxlearn.paradigms.get("exemplar")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8)), num_classes=10
    )
    assert model.get_config()["num_classes"] == 10
