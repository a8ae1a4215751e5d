"""The Transform stage of the paradigms that generate no pretext label.

Autoencoders, VAEs and GANs learn from the images alone (`images`); a
class-conditional GAN learns from images and their classes (`class_labels`).
Both only convert the uint8 images to float32 in [0, 1], the range every
tfxlearn model takes; there is no generated label, hence no shortcut to guard
against.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import image_batches_spec, images_of
from tfxlearn.registry import PRETEXT_OPS


@PRETEXT_OPS.register("images")
def images(ds: tf.data.Dataset, *, seed: int = 0, image_key: str = "image") -> tf.data.Dataset:
    """Image batches as float32 in [0, 1], without labels (`model.fit(ds)` with x only).

    Args:
        ds: batched dataset of dicts (images under `image_key`), tuples (images
            first) or image tensors, [batch, height, width, channels].
        seed: unused (no randomness); accepted like every pretext op's.
        image_key: key of the images in dict elements.
    """
    del seed
    image_batches_spec(ds, "images", image_key)
    return ds.map(
        lambda *e: to_float_images(images_of(e[0] if len(e) == 1 else e, image_key)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


@PRETEXT_OPS.register("class_labels")
def class_labels(
    ds: tf.data.Dataset,
    *,
    seed: int = 0,
    image_key: str = "image",
    label_key: str = "label",
) -> tf.data.Dataset:
    """Batches of (float32 images in [0, 1], int32 class labels), for class-conditional models.

    Args:
        ds: batched dataset of dicts holding `image_key` and `label_key`, or of
            (images, labels) tuples. In a pipeline, set `dataset.pretext_labels`
            so ExampleGen keeps the labels.
        seed: unused (no randomness).
        image_key: key of the images in dict elements.
        label_key: key of the labels in dict elements.
    """
    del seed
    spec = ds.element_spec
    image_batches_spec(ds, "class_labels", image_key)
    if isinstance(spec, dict) and label_key not in spec:
        raise ValueError(
            f"class_labels: dataset elements have no {label_key!r} key (keys: {sorted(spec)}); "
            "in a pipeline set dataset.pretext_labels = True"
        )
    if not isinstance(spec, (dict, tuple)) or (isinstance(spec, tuple) and len(spec) < 2):
        raise ValueError("class_labels: ds must yield dicts or (images, labels) tuples")

    def split(*element):
        element = element[0] if len(element) == 1 else element
        labels = element[label_key] if isinstance(element, dict) else element[1]
        return to_float_images(images_of(element, image_key)), tf.cast(labels, tf.int32)

    return ds.map(split, num_parallel_calls=tf.data.AUTOTUNE)
