"""Content loss of neural style transfer (Gatys, Ecker & Bethge, "Image Style
Transfer Using Convolutional Neural Networks", CVPR 2016, eq. 1; Johnson, Alahi
& Fei-Fei, "Perceptual Losses for Real-Time Style Transfer and
Super-Resolution", ECCV 2016, the "feature reconstruction loss"):

    L_content(x, p) = mean_{i,k} (F_ik(x) - F_ik(p))^2

with F(x) the [positions, channels] feature map of a layer of a fixed network
for the generated image x and F(p) that of the content image p. Gatys et al.
write 1/2 * sum (the same minimum, a constant factor: theirs = 1/2 * H*W*C *
ours); Johnson et al. divide by C*H*W as here, so a weight means the same
thing whatever the layer's size.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def content_loss(features, target_features) -> tf.Tensor:
    """Per-example content loss, float32 [batch]: the mean squared difference of
    two feature maps [batch, ..., channels] of the same shape."""
    features = tf.cast(tf.convert_to_tensor(features), tf.float32)
    target_features = tf.cast(tf.convert_to_tensor(target_features), tf.float32)
    if features.shape.rank is not None and features.shape.rank < 2:
        raise ValueError(
            f"content_loss: features must be [batch, ..., channels], got shape {features.shape}"
        )
    if not features.shape.is_compatible_with(target_features.shape):
        raise ValueError(
            f"content_loss: features {tuple(features.shape)} and target_features "
            f"{tuple(target_features.shape)} must have the same shape"
        )
    squared = tf.square(features - target_features)
    return tf.reduce_mean(tf.reshape(squared, [tf.shape(squared)[0], -1]), axis=1)


@keras.saving.register_keras_serializable(package="tfxlearn")
class ContentLoss(keras.losses.Loss):
    """`ContentLoss()(target_features, features)`: the content loss as a Keras
    loss, reduced over the batch by Keras (see the module docstring)."""

    def __init__(self, name: str = "content_loss", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return content_loss(y_pred, y_true)
