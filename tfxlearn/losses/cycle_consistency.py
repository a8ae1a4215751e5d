"""The cycle-consistency loss (Zhu et al., "Unpaired Image-to-Image Translation
using Cycle-Consistent Adversarial Networks", ICCV 2017, eq. 2): translating an
image to the other domain and back should give the image again,

    L_cyc(G, F) = E_x || F(G(x)) - x ||_1 + E_y || G(F(y)) - y ||_1,

with the L1 norm taken as the mean absolute difference over an image's pixels
(the paper's implementation). `l1_distance_values(x, x_reconstructed)` is one
term per image; CycleGAN sums the two directions. The same per-image L1 gives
the paper's identity loss (section 5.2, E_y || G(y) - y ||_1: a generator fed
an image of its own output domain should leave it unchanged), so both use this
function. It is 0 exactly when the reconstruction equals the input (inverse
generators), and |a - b| per pixel otherwise.
"""

from __future__ import annotations

import tensorflow as tf


def l1_distance_values(images: tf.Tensor, reconstructed: tf.Tensor) -> tf.Tensor:
    """Per-image mean absolute difference mean_pixels |reconstructed - images|.

    Args:
        images: [batch, ...] the originals.
        reconstructed: [batch, ...] the same shape (e.g. F(G(x))).

    Returns:
        float [batch].

    Raises:
        ValueError: the two shapes differ (when known).
    """
    images = tf.cast(tf.convert_to_tensor(images), tf.float32)
    reconstructed = tf.cast(tf.convert_to_tensor(reconstructed), tf.float32)
    if not images.shape.is_compatible_with(reconstructed.shape):
        raise ValueError(
            f"images and reconstructed must have one shape, got {images.shape} and "
            f"{reconstructed.shape}"
        )
    if images.shape.rank is not None and images.shape.rank < 1:
        raise ValueError(f"images must be batched [batch, ...], got shape {images.shape}")
    batch = tf.shape(images)[0]
    return tf.reduce_mean(tf.reshape(tf.abs(reconstructed - images), [batch, -1]), axis=1)
