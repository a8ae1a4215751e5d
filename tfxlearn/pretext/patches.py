"""Patch utilities shared by the patch-based pretext ops (relative patch
location, jigsaw puzzles): vectorized cropping of many patches per image,
per-patch normalization, colour dropping, and drawing patch layouts.

Everything here works on whole batches (no per-image Python or `tf.map_fn`)
and draws no randomness of its own: callers pass the (stateless) offsets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

MIN_STD = 0.02
"""Floor of the per-patch standard deviation in `normalize_patches` (an almost
flat patch - e.g. background - is not blown up to full contrast noise)."""


def crop_patches(images: tf.Tensor, top: tf.Tensor, left: tf.Tensor, size: int) -> tf.Tensor:
    """Crops N square patches from every image of a batch, in one gather.

    Args:
        images: [batch, height, width, channels].
        top, left: int32 [batch, n], the upper-left corner of each patch
            (must lie inside the image, the caller checks the geometry).
        size: side of the patches.

    Returns:
        [batch, n, size, size, channels], same dtype as `images`;
        `out[b, i] == images[b, top[b, i]:top[b, i] + size, left[b, i]:left[b, i] + size]`.
    """
    steps = tf.range(size, dtype=tf.int32)
    rows = tf.cast(top, tf.int32)[..., None] + steps  # [B, N, size]
    cols = tf.cast(left, tf.int32)[..., None] + steps  # [B, N, size]
    strips = tf.gather(images, rows, axis=1, batch_dims=1)  # [B, N, size, W, C]
    return tf.gather(strips, cols, axis=3, batch_dims=2)  # [B, N, size, size, C]


def normalize_patches(patches: tf.Tensor, reference: tf.Tensor | None = None) -> tf.Tensor:
    """Standardizes every patch on its own (mean 0, std 1 over its pixels and
    channels), then rescales it to the mean/std of `reference`.

    Per-patch standardization removes the low-level cues the patch-based papers
    warn about (a tile's brightness and contrast match its neighbours'). The
    rescale to the statistics of the whole input batch keeps the patches in the
    value range of whole images, which the same encoder sees at evaluation
    (a patch of mean 0 / std 1 and an image in [0, 1] would put the encoder's
    batch-norm moving statistics far from the images it is probed on). The
    reference statistics are one pair of numbers per batch, shared by all its
    patches, so they carry no information about any patch's position.

    Args:
        patches: float [..., size, size, channels].
        reference: float tensor whose mean/std to rescale to (e.g. the input
            images of the batch); mean 0 / std 1 if None.

    Returns:
        Normalized patches, same shape.
    """
    patches = tf.convert_to_tensor(patches, tf.float32)
    mean, var = tf.nn.moments(patches, axes=[-3, -2, -1], keepdims=True)
    standard = (patches - mean) / tf.maximum(tf.sqrt(var), MIN_STD)
    if reference is None:
        return standard
    ref_mean, ref_var = tf.nn.moments(tf.cast(reference, tf.float32), axes=None)
    return standard * tf.sqrt(ref_var) + ref_mean


def drop_colors(patches: tf.Tensor, seed: tf.Tensor, noise_ratio: float = 0.01) -> tf.Tensor:
    """Colour dropping of Doersch et al. (2015): per patch, keep one random
    channel and replace the others with Gaussian noise around its mean (std
    `noise_ratio` x the kept channel's std).

    Chromatic aberration shifts the colour channels relative to each other in a
    way that depends on the position in the frame, so a network can tell where
    a patch comes from by its colour fringes alone; with only one channel left
    there is nothing to compare. A no-op for single-channel (grayscale)
    patches, which have no colour fringes to begin with.

    Args:
        patches: float [..., size, size, channels].
        seed: shape [2] integer seed (stateless: same seed, same channels kept).
        noise_ratio: noise std relative to the kept channel's std.

    Returns:
        Patches of the same shape.
    """
    patches = tf.convert_to_tensor(patches, tf.float32)
    channels = patches.shape[-1]
    if channels is None:
        raise ValueError("drop_colors needs a known channel count")
    if channels == 1:
        return patches
    keep_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    batch_shape = tf.shape(patches)[:-3]
    keep = tf.random.stateless_uniform(
        batch_shape, seed=keep_seed, minval=0, maxval=channels, dtype=tf.int32
    )
    mask = tf.one_hot(keep, channels, dtype=tf.float32)[..., None, None, :]  # [..., 1, 1, C]
    kept = tf.reduce_sum(patches * mask, axis=-1, keepdims=True)  # [..., s, s, 1]
    mean, var = tf.nn.moments(kept, axes=[-3, -2, -1], keepdims=True)
    noise = tf.random.stateless_normal(tf.shape(patches), seed=noise_seed)
    noise = mean + noise_ratio * tf.sqrt(var) * noise
    return mask * patches + (1.0 - mask) * noise


def int_uniform(shape, seed: tf.Tensor, low, high) -> tf.Tensor:
    """Stateless uniform int32 in [low, high] (both inclusive; high may equal low)."""
    return tf.random.stateless_uniform(
        shape, seed=seed, minval=low, maxval=high + 1, dtype=tf.int32
    )


def as_display(patch: np.ndarray) -> np.ndarray:
    """Rescales one (possibly normalized) patch to [0, 1] for display."""
    patch = np.asarray(patch, np.float32)
    low, high = float(patch.min()), float(patch.max())
    return (patch - low) / (high - low) if high > low else np.zeros_like(patch)


def layout_canvas(
    tiles: Sequence[np.ndarray], positions: Sequence[tuple[int, int]], grid: int, gap: int = 1
) -> np.ndarray:
    """Places [size, size, C] tiles at (row, column) cells of a grid x grid canvas
    (cells without a tile stay at 0.5 grey), each tile rescaled to [0, 1]."""
    size, channels = tiles[0].shape[0], tiles[0].shape[-1]
    side = grid * size + (grid - 1) * gap
    canvas = np.full((side, side, channels), 0.5, np.float32)
    for tile, (row, col) in zip(tiles, positions):
        y, x = row * (size + gap), col * (size + gap)
        canvas[y : y + size, x : x + size] = as_display(tile)
    return canvas
