from functools import partial

import numpy as np
import pytest
import tensorflow as tf
from _helpers import uint8_images

import tfxlearn
from tfxlearn.pretext.masked_autoencoder import (
    mask_images,
    masked_autoencoder,
    patch_normalize,
    random_masks,
)

_images = partial(uint8_images, low=1)  # no zero pixel: masked ones are visible


@pytest.mark.parametrize("patch_size, ratio", [(4, 0.75), (7, 0.75), (2, 0.5)])
def test_mask_ratio_is_exact_and_patch_aligned(patch_size, ratio):
    x = _images(batch=16)
    mask = np.asarray(random_masks(x, tf.constant([0, 1]), patch_size, ratio))
    assert mask.shape == (16, 28, 28, 1) and set(np.unique(mask)) == {0.0, 1.0}
    grid = 28 // patch_size
    patches = mask[..., 0].reshape(16, grid, patch_size, grid, patch_size)
    assert np.all(patches.min(axis=(2, 4)) == patches.max(axis=(2, 4)))  # whole patches
    np.testing.assert_array_equal(patches[:, :, 0, :, 0].sum(axis=(1, 2)), round(ratio * grid**2))
    assert len({m.tobytes() for m in mask}) == 16  # a different random subset per image


def test_masked_pixels_are_filled_and_visible_pixels_kept():
    x = _images(batch=4, channels=2)
    inputs, targets = mask_images(x, tf.constant([3, 4]))
    images, mask = np.asarray(inputs["images"]), np.asarray(inputs["mask"])
    np.testing.assert_allclose(targets, x / 255.0, atol=1e-7)
    assert np.all(images[np.broadcast_to(mask, images.shape) == 1] == 0.0)
    visible = np.broadcast_to(mask, images.shape) == 0
    np.testing.assert_allclose(images[visible], (x / 255.0)[visible], atol=1e-7)
    filled, _ = mask_images(x, tf.constant([3, 4]), fill_value=0.5)
    assert np.all(np.asarray(filled["images"])[np.broadcast_to(mask, images.shape) == 1] == 0.5)


def test_norm_pix_targets_are_standardized_per_patch():
    x = _images(batch=2, channels=3).astype(np.float32) / 255.0
    t = np.asarray(patch_normalize(x, 7)).reshape(2, 4, 7, 4, 7, 3)
    np.testing.assert_allclose(t.mean(axis=(2, 4, 5)), 0.0, atol=1e-5)
    np.testing.assert_allclose(t.std(axis=(2, 4, 5)), 1.0, atol=1e-3)
    _, targets = mask_images(x, tf.constant([0, 0]), patch_size=7, norm_pix_loss=True)
    np.testing.assert_allclose(targets, patch_normalize(x, 7), atol=1e-6)


def test_tuples_tensors_and_tfds(tfds_dir):
    x = _images(batch=4, size=8)
    for ds in (
        tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2),
        tf.data.Dataset.from_tensor_slices(x).batch(2),
        tfxlearn.data.load("digits", "test").take(2).batch(2),
    ):
        inputs, targets = next(iter(masked_autoencoder(ds, patch_size=2)))
        assert inputs["images"].shape == (2, 8, 8, 1) and targets.shape == (2, 8, 8, 1)


def test_bad_inputs_have_clear_errors():
    x = _images(batch=4)
    batched = tf.data.Dataset.from_tensor_slices(x).batch(2)
    with pytest.raises(ValueError, match="patch_size=5 does not divide"):
        masked_autoencoder(batched, patch_size=5)
    with pytest.raises(ValueError, match="patch_size"):
        masked_autoencoder(batched, patch_size=0)
    for ratio in (0.0, 1.0):
        with pytest.raises(ValueError, match="mask_ratio"):
            masked_autoencoder(batched, mask_ratio=ratio)
    with pytest.raises(ValueError, match="one visible"):
        masked_autoencoder(batched, patch_size=14, mask_ratio=0.9)
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        masked_autoencoder(tf.data.Dataset.from_tensor_slices(x))
    unknown = tf.data.Dataset.from_generator(
        lambda: iter([x]), output_signature=tf.TensorSpec([None, None, None, 1], tf.uint8)
    )
    with pytest.raises(ValueError, match="static height"):
        masked_autoencoder(unknown)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        masked_autoencoder(x)


def test_registered():
    assert tfxlearn.pretext.get("masked_autoencoder") is masked_autoencoder
