"""Random patch masking for masked autoencoding (He, Chen, Xie, Li, Dollár &
Girshick, "Masked Autoencoders Are Scalable Vision Learners", CVPR 2022).

Each image is cut into a grid of `patch_size` x `patch_size` patches and
exactly `round(mask_ratio * patches)` of them, drawn uniformly without
replacement per image (MAE's random sampling, 75% by default), are masked: the
model sees the image with those pixels replaced by `fill_value` plus the mask,
and must reconstruct the original pixels there. Targets are the original
images, or with `norm_pix_loss=True` every patch normalized by its own mean and
standard deviation (the paper's best variant).

Shortcuts guarded against:
- Interpolation from neighbours. With a low ratio or tiny patches a masked
  pixel is always next to visible ones and blurring the surroundings solves the
  task; a high ratio (75%) over whole patches leaves large holes that need a
  model of the object (MAE's argument for 75%).
- Mask placement. Uniform sampling without a centre bias and an exact number
  of masked patches per image mean neither where nor how much is masked tells
  anything about the image.
- Trivial copying. The loss (in `tfxlearn.paradigms.MaskedAutoencoder`) is on
  masked pixels only, so reproducing the visible pixels earns nothing.
- Fill ambiguity. The masked pixels are set to `fill_value` (0: black, which
  on Fashion-MNIST is also the background), so the op also returns the mask;
  the paradigm replaces masked pixels by a learned mask token before its
  encoder, so "masked" and "black" are not confused.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import image_batches_spec, images_of
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS


def check_masking(height: int | None, width: int | None, patch_size, mask_ratio) -> int:
    """Validates the masking arguments for images of `height` x `width`; returns
    the number of masked patches per image."""
    if isinstance(patch_size, bool) or not isinstance(patch_size, (int, np.integer)):
        raise ValueError(f"masked_autoencoder: patch_size must be an int, got {patch_size!r}")
    if patch_size < 1:
        raise ValueError(f"masked_autoencoder: patch_size must be >= 1, got {patch_size}")
    if not 0.0 < float(mask_ratio) < 1.0:
        raise ValueError(f"masked_autoencoder: mask_ratio must be in (0, 1), got {mask_ratio!r}")
    if height is None or width is None:
        raise ValueError(
            "masked_autoencoder: images need a static height and width (the patch grid is "
            f"fixed), got {height}x{width}"
        )
    if height % patch_size or width % patch_size:
        raise ValueError(
            f"masked_autoencoder: patch_size={patch_size} does not divide the {height}x{width} "
            "images into whole patches; pick a divisor of both sides (e.g. 4 or 7 for 28x28)"
        )
    patches = (height // patch_size) * (width // patch_size)
    masked = int(round(float(mask_ratio) * patches))
    if not 0 < masked < patches:
        raise ValueError(
            f"masked_autoencoder: mask_ratio={mask_ratio} masks {masked} of {patches} patches; "
            "at least one patch must be masked and one visible"
        )
    return masked


def random_masks(
    images: tf.Tensor, seed: tf.Tensor, patch_size: int = 4, mask_ratio: float = 0.75
) -> tf.Tensor:
    """Pixel masks [batch, height, width, 1] float32, 1 where masked (stateless).

    Exactly `round(mask_ratio * patches)` patches of each image are masked,
    a uniformly random subset per image (the top-k of uniform noise, as MAE's
    `random_masking` keeps the lowest-noise patches after an argsort).
    """
    images = tf.convert_to_tensor(images)
    height, width = images.shape[1], images.shape[2]
    masked = check_masking(height, width, patch_size, mask_ratio)
    rows, cols = height // patch_size, width // patch_size
    batch = tf.shape(images)[0]
    noise = tf.random.stateless_uniform([batch, rows * cols], tf.cast(seed, tf.int32))
    # The `masked` patches with the largest noise: a uniform random subset per image.
    chosen = tf.math.top_k(noise, k=masked, sorted=False).indices
    patch_mask = tf.reduce_sum(tf.one_hot(chosen, rows * cols, dtype=tf.float32), axis=1)
    pixels = tf.repeat(tf.reshape(patch_mask, [batch, rows, cols, 1]), patch_size, axis=1)
    return tf.repeat(pixels, patch_size, axis=2)


def patch_normalize(images: tf.Tensor, patch_size: int, eps: float = 1e-6) -> tf.Tensor:
    """Every patch (all its pixels and channels) standardized by its own mean and
    variance, MAE's `norm_pix_loss` targets, in image layout."""
    shape = tf.shape(images)
    b, h, w, c = shape[0], images.shape[1], images.shape[2], shape[3]
    p = patch_size
    x = tf.reshape(images, [b, h // p, p, w // p, p, c])
    mean, var = tf.nn.moments(x, axes=[2, 4, 5], keepdims=True)
    x = (x - mean) / tf.sqrt(var + eps)
    return tf.reshape(x, [b, h, w, c])


def mask_images(
    images: tf.Tensor,
    seed: tf.Tensor,
    patch_size: int = 4,
    mask_ratio: float = 0.75,
    fill_value: float = 0.0,
    norm_pix_loss: bool = False,
) -> tuple[dict, tf.Tensor]:
    """Masks a batch: ({"images": masked, "mask": mask}, targets).

    Args:
        images: [batch, height, width, channels], uint8 or float in [0, 1].
        seed: shape [2] integer seed.
        patch_size: side of the square patches; must divide height and width.
        mask_ratio: fraction of patches masked (rounded to a whole number).
        fill_value: value of the masked pixels in the returned images.
        norm_pix_loss: targets normalized per patch instead of raw pixels.

    Returns:
        ({"images": float32 masked images, "mask": float32 [batch, h, w, 1],
        1 = masked}, targets float32 [batch, h, w, channels]).
    """
    x = to_float_images(tf.convert_to_tensor(images))
    mask = random_masks(x, seed, patch_size, mask_ratio)
    masked = x * (1.0 - mask) if fill_value == 0 else x * (1.0 - mask) + float(fill_value) * mask
    targets = patch_normalize(x, patch_size) if norm_pix_loss else x
    return {"images": masked, "mask": mask}, targets


@PRETEXT_OPS.register("masked_autoencoder")
def masked_autoencoder(
    ds: tf.data.Dataset,
    *,
    patch_size: int = 4,
    mask_ratio: float = 0.75,
    fill_value: float = 0.0,
    norm_pix_loss: bool = False,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of image batches into (masked images + masks, targets).

    Args:
        ds: batched dataset whose elements are dicts (TFDS, images under
            `image_key`), tuples (images first) or image tensors,
            [batch, height, width, channels], uint8 or float in [0, 1].
        patch_size: side of the square patches; must divide the image sides
            (e.g. 4 -> a 7x7 grid on 28x28, the closest to MAE's 14x14 of 16px
            patches on 224px; 7 -> 4x4).
        mask_ratio: fraction of patches masked per image (0.75 as in the paper).
        fill_value: what masked pixels are replaced by.
        norm_pix_loss: per-patch normalized pixel targets (MAE's best variant).
        seed: the masks of batch i are drawn from the stateless seed [seed, i].
        image_key: key of the images in dict elements.

    Returns:
        A dataset of `({"images", "mask"}, targets)` (see `mask_images`).
    """
    spec = image_batches_spec(ds, "masked_autoencoder", image_key)
    check_masking(spec.shape[1], spec.shape[2], patch_size, mask_ratio)

    def make(batch_seed, element):
        return mask_images(
            images_of(element, image_key),
            tf.cast(batch_seed, tf.int32),
            patch_size,
            mask_ratio,
            fill_value,
            norm_pix_loss,
        )

    def make_indexed(i, element):  # the seeds of `batch_seeds`, in one map stage
        return make(tf.stack([tf.constant(seed, tf.int64), i]), element)

    return ds.enumerate().map(make_indexed, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


@PRETEXT_PLOTS.register("masked_autoencoder")
def plot(batch, path: str, *, title: str | None = None, model=None, images: int = 8) -> str:
    """Rows of originals (targets), masked inputs (masked pixels grey) and, with a
    `model`, its reconstruction with the visible pixels pasted back."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    inputs, targets = batch
    masked = np.asarray(inputs["images"], np.float32)[:images]
    mask = np.asarray(inputs["mask"], np.float32)[:images]
    originals = np.asarray(targets, np.float32)[:images]
    n = len(masked)
    rows = [originals, masked * (1 - mask) + 0.5 * mask]
    names = ["original"] * n + ["masked input"] * n
    if model is not None:
        sub = {"images": inputs["images"][:n], "mask": inputs["mask"][:n]}
        prediction = np.asarray(model(sub, training=False), np.float32)
        rows.append(originals * (1 - mask) + prediction * mask)
        names += ["reconstruction"] * n
    grid = np.concatenate(rows)
    if grid.min() < 0 or grid.max() > 1:  # normalized-pixel targets: rescale per image
        low = grid.min(axis=(1, 2, 3), keepdims=True)
        high = grid.max(axis=(1, 2, 3), keepdims=True)
        grid = (grid - low) / np.maximum(high - low, 1e-6)
    return viz.image_grid(grid, names, path, columns=n, title=title or "masked autoencoding")
