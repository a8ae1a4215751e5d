"""Image tensors as the pipelines use them: float32 in [0, 1]."""

from __future__ import annotations

import tensorflow as tf


def to_float_images(images: tf.Tensor) -> tf.Tensor:
    """uint8 images in [0, 255] -> float32 in [0, 1]; float images pass through as float32."""
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 255.0
    return tf.cast(images, tf.float32)


def image_label_pairs(
    ds: tf.data.Dataset, image_key: str = "image", label_key: str = "label"
) -> tf.data.Dataset:
    """Maps TFDS dict elements to `(float_image, label)` tuples."""
    return ds.map(
        lambda ex: (to_float_images(ex[image_key]), ex[label_key]),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
