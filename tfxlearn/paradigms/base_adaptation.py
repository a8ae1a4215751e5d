"""The shared shape of the domain-adaptation paradigms (dann, adda): the
`((source_images, target_images), source_labels)` batches they train on, and the
adapted classifier they hand out (`encoder` -> `head`).

Batches come from `tfxlearn.data.domains.domain_pairs` (in a pipeline the
`domain_adaptation` pretext op), equally many images of each domain, both scaled
to float32 in [0, 1] by the same `to_float_images`: the two domains must be
normalised identically (users of the reference ADDA implementations report that
adaptation collapses to chance when one domain is scaled differently).
`unpack_domain_batch` applies that same scaling to batches given directly
(uint8 in [0, 255] -> [0, 1]) and refuses pairs whose image sizes or channel
counts differ, naming the option that resizes them.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.paradigms.base import batched_numpy, check_images

DOMAIN_BATCH_HINT = (
    "((source_images, target_images), source_labels) batches "
    "(tfxlearn.data.domains.domain_pairs, or the `domain_adaptation` pretext op)"
)


def unpack_domain_batch(data, image_shape: tuple, num_classes: int, paradigm: str):
    """`(source, target, labels)` of a domain-adaptation batch: float32 images
    [b, H, W, C] of each domain scaled alike, int32 class ids [b] (checked to lie
    in 0..num_classes-1 when the step runs).

    Raises:
        ValueError: `data` is not a `((source, target), labels)` pair, the two
            domains' images differ in shape from each other or from the encoder's
            input `image_shape`, or the labels are not integer ids [batch].
    """
    if not (isinstance(data, tuple | list) and len(data) == 2):
        raise ValueError(f"{paradigm} trains on {DOMAIN_BATCH_HINT}; got {type(data).__name__}")
    pair, labels = data
    if not (isinstance(pair, tuple | list) and len(pair) == 2):
        raise ValueError(
            f"{paradigm} trains on {DOMAIN_BATCH_HINT}; the first element is not a "
            "(source, target) pair"
        )
    source, target = (to_float_images(tf.convert_to_tensor(x)) for x in pair)
    got_s, got_t = tuple(source.shape[1:]), tuple(target.shape[1:])
    if len(got_s) == len(got_t) and any(
        a is not None and b is not None and a != b for a, b in zip(got_s, got_t)
    ):
        raise ValueError(
            f"source_images {got_s} and target_images {got_t} differ in size or channel "
            "count; resize both domains to the encoder's input (load_pair(..., image_size=), "
            "in a pipeline the domain_adaptation op's `image_size`)"
        )
    check_images(source, image_shape, "source_images")
    check_images(target, image_shape, "target_images")
    labels = tf.convert_to_tensor(labels)
    if not labels.dtype.is_integer or labels.shape.rank != 1:
        raise ValueError(
            f"source_labels must be integer class ids [batch], got {labels.dtype.name} "
            f"{labels.shape}"
        )
    labels = tf.cast(labels, tf.int32)
    message = f"source_labels must be class ids in 0..{num_classes - 1}"
    with tf.control_dependencies(
        [
            tf.debugging.assert_non_negative(labels, message=message),
            tf.debugging.assert_less(labels, num_classes, message=message),
        ]
    ):
        labels = tf.identity(labels)
    return source, target, labels


class AdaptedClassifier:
    """Mixin of a paradigm whose kept part is a classifier `head(encoder(images))`
    (the adapted one: DANN's shared encoder, ADDA's target encoder).

    Serving signature: `images` -> `logits` (class logits), `embedding` (encoder
    features).
    """

    def call(self, images, training=False):
        """Class logits [batch, K] of a batch of float images in [0, 1]."""
        check_images(images, self.image_shape)
        return self.head(self.encoder(images, training=training), training=training)

    def classify(self, images, batch_size: int = 500) -> np.ndarray:
        """Class logits [n, K] (NumPy) of images (uint8 in [0, 255] or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(lambda x: self(x, training=False), images, batch_size)

    def encode(self, images, batch_size: int = 500) -> np.ndarray:
        """Encoder features [n, d] (NumPy) of images (uint8 or float)."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(lambda x: self.encoder(x, training=False), images, batch_size)

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        embedding = self.encoder(images, training=False)
        return {"logits": self.head(embedding, training=False), "embedding": embedding}
