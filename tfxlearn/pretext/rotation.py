"""Rotation prediction labels (Gidaris, Singh & Komodakis, "Unsupervised
Representation Learning by Predicting Image Rotations", ICLR 2018).

Every image is rotated by 0, 90, 180 and 270 degrees counter-clockwise; the
label k in 0..3 is the number of quarter turns.

Shortcuts guarded against:
- Resampling artifacts. Arbitrary angles need interpolation and leave blank
  corners whose shape gives the angle away; multiples of 90 degrees are exact
  pixel permutations (`tf.image.rot90`), so only the image content can tell
  the rotation apart.
- Batch-statistics leaks. The four rotations of an image are interleaved
  (image 0 at 0/90/180/270, then image 1, ...), so every slice of a batch -
  e.g. each replica's share under MirroredStrategy - holds all four classes in
  equal numbers and batch-norm statistics cannot tell one class from another.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import batch_seeds, image_batches_spec, images_of
from tfxlearn.registry import PRETEXT_OPS

NUM_ROTATIONS = 4
LABEL_NAMES = ("0°", "90°", "180°", "270°")
_MODES = ("all", "random")


def _center_square(images: tf.Tensor) -> tf.Tensor:
    shape = tf.shape(images)
    side = tf.minimum(shape[1], shape[2])
    return tf.image.resize_with_crop_or_pad(images, side, side)


def _check_square(images: tf.Tensor) -> None:
    h, w = images.shape[1], images.shape[2]
    if h is not None and w is not None and h != w:
        raise ValueError(
            f"rotation needs square images (a 90 degree turn changes a {h}x{w} image into "
            f"{w}x{h}, so the rotations cannot share a batch); got {h}x{w}. Pass "
            "crop_to_square=True to centre-crop them first."
        )


def _all_rotations(images: tf.Tensor) -> tf.Tensor:
    """[B, H, W, C] -> [B, 4, H, W, C], the k-th entry turned k quarter turns."""
    return tf.stack([tf.image.rot90(images, k) for k in range(NUM_ROTATIONS)], axis=1)


def rotate_all(images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """All four rotations of every image of a batch, interleaved per image.

    Args:
        images: [batch, size, size, channels], any numeric dtype (kept).

    Returns:
        (rotated [4 * batch, size, size, channels], labels [4 * batch] int32)
        where rotated[4 * i + k] is images[i] turned k * 90 degrees counter-clockwise.
    """
    images = tf.convert_to_tensor(images)
    _check_square(images)
    stacked = _all_rotations(images)
    shape = tf.shape(images)
    rotated = tf.reshape(stacked, tf.concat([[-1], shape[1:]], axis=0))
    labels = tf.tile(tf.range(NUM_ROTATIONS, dtype=tf.int32), [shape[0]])
    return rotated, labels


def rotate_random(images: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """One uniformly drawn rotation per image (stateless: same seed, same labels).

    Args:
        images: [batch, size, size, channels].
        seed: shape [2] integer seed for `tf.random.stateless_uniform`.

    Returns:
        (rotated [batch, size, size, channels], labels [batch] int32).
    """
    images = tf.convert_to_tensor(images)
    _check_square(images)
    labels = tf.random.stateless_uniform(
        [tf.shape(images)[0]], seed=seed, minval=0, maxval=NUM_ROTATIONS, dtype=tf.int32
    )
    rotated = tf.gather(_all_rotations(images), labels, axis=1, batch_dims=1)
    return rotated, labels


def unrotate(images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Undoes `labels[i]` quarter turns of `images[i]` (the inverse of the ops above)."""
    images = tf.convert_to_tensor(images)
    back = (NUM_ROTATIONS - tf.cast(labels, tf.int32)) % NUM_ROTATIONS
    return tf.gather(_all_rotations(images), back, axis=1, batch_dims=1)


@PRETEXT_OPS.register("rotation")
def rotation(
    ds: tf.data.Dataset,
    *,
    mode: str = "all",
    seed: int = 0,
    image_key: str = "image",
    crop_to_square: bool = False,
) -> tf.data.Dataset:
    """Turns a dataset of image batches into (rotated float images, rotation labels).

    Args:
        ds: batched dataset whose elements are dicts (TFDS, images under
            `image_key`), tuples (images first) or image tensors,
            [batch, height, width, channels], uint8 or float.
        mode: "all" - each batch of B images becomes 4B examples, all four
            rotations of every image (the paper's setting); "random" - one
            random rotation per image, seeded per batch from `seed`.
        seed: seed of the "random" mode.
        image_key: key of the images in dict elements.
        crop_to_square: centre-crop non-square images to a square first;
            otherwise non-square images are refused.

    Returns:
        A dataset of `(images float32 in [0, 1], labels int32)`.
    """
    if mode not in _MODES:
        raise ValueError(f"rotation: mode must be one of {_MODES}, got {mode!r}")
    spec = image_batches_spec(ds, "rotation", image_key)
    h, w = spec.shape[1], spec.shape[2]
    if not crop_to_square and h is not None and w is not None and h != w:
        _check_square(tf.zeros([1, h, w, 1]))

    def prepare(element):
        # To float before turning: the same values, a quarter of the conversions
        # (one per image, not per rotation), and no uint8 transposes, for which
        # TensorFlow 2.21's oneDNN logs an error line on CPUs without AVX-512.
        images = to_float_images(images_of(element, image_key))
        return _center_square(images) if crop_to_square else images

    if mode == "all":

        def make_all(*element):  # tuple elements arrive unpacked
            return rotate_all(prepare(element[0] if len(element) == 1 else element))

        return ds.map(make_all, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

    def make_random(batch_seed, element):
        return rotate_random(prepare(element), tf.cast(batch_seed, tf.int32))

    return batch_seeds(ds, seed).map(
        make_random, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )


rotation.label_names = LABEL_NAMES  # how plots name the generated labels
