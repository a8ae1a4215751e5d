"""Style loss on Gram matrices (Gatys, Ecker & Bethge, "Image Style Transfer
Using Convolutional Neural Networks", CVPR 2016, eqs. 3-5; "Texture Synthesis
Using Convolutional Neural Networks", NIPS 2015):

    G_jk(F) = 1/M * sum_i F_ij F_ik           (the Gram matrix of a layer)
    E(x, a) = mean_{j,k} (G_jk(F(x)) - G_jk(F(a)))^2
    L_style = sum_l w_l E_l                    (several layers, weights w_l)

with F the [M positions, N channels] feature map of a layer of a fixed network,
x the generated image and a the style image. The Gram matrix holds the
channels' co-activations averaged over all positions: it keeps which features
occur together (the texture) and discards where (the layout). Dividing by M
makes it independent of the image size, so a style image and a content image of
different sizes compare; Gatys et al. divide the unnormalized difference by
4 N^2 M^2 instead, i.e. their E_l = ours / 4. Johnson et al. (ECCV 2016)
normalize G by C*H*W, i.e. theirs = ours / N.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def gram_matrix(features) -> tf.Tensor:
    """Gram matrices [batch, channels, channels] of feature maps [batch, ..., channels]:
    G = F^T F / M, M the number of positions (see the module docstring)."""
    features = tf.cast(tf.convert_to_tensor(features), tf.float32)
    if features.shape.rank is None or features.shape.rank < 3:
        raise ValueError(
            "gram_matrix: features must be [batch, positions..., channels] (rank >= 3), "
            f"got shape {features.shape}"
        )
    shape = tf.shape(features)
    flat = tf.reshape(features, [shape[0], -1, shape[-1]])
    positions = tf.cast(tf.shape(flat)[1], tf.float32)
    return tf.matmul(flat, flat, transpose_a=True) / positions


def style_loss(features, target_grams, weights=None) -> tf.Tensor:
    """Per-example style loss, float32 [batch]: sum over layers of w_l times the
    mean squared difference between the Gram matrix of `features[l]` and
    `target_grams[l]`.

    Args:
        features: a list of feature maps [batch, ..., N_l] (one per layer).
        target_grams: a list of Gram matrices [N_l, N_l] (one style image, shared
            by the batch) or [batch, N_l, N_l], one per layer.
        weights: w_l per layer (default 1 / number of layers, Gatys et al.'s choice).
    """
    features, target_grams = list(features), list(target_grams)
    if not features or len(features) != len(target_grams):
        raise ValueError(
            f"style_loss: one target Gram matrix per feature map is needed, got "
            f"{len(features)} feature maps and {len(target_grams)} targets"
        )
    if weights is None:
        weights = [1.0 / len(features)] * len(features)
    weights = [float(w) for w in weights]
    if len(weights) != len(features):
        raise ValueError(
            f"style_loss: {len(weights)} weights for {len(features)} layers; give one per layer"
        )
    total = 0.0
    for f, target, w in zip(features, target_grams, weights):
        gram = gram_matrix(f)
        target = tf.cast(tf.convert_to_tensor(target), tf.float32)
        if target.shape.rank == 2:
            target = target[None]
        if gram.shape[-1] is not None and target.shape[-1] != gram.shape[-1]:
            raise ValueError(
                f"style_loss: a target Gram matrix is {tuple(target.shape[-2:])} but its "
                f"feature map has {gram.shape[-1]} channels"
            )
        total += w * tf.reduce_mean(tf.square(gram - target), axis=[1, 2])
    return total


@keras.saving.register_keras_serializable(package="tfxlearn")
class StyleLoss(keras.losses.Loss):
    """`StyleLoss()(target_gram, features)`: the style loss of one layer as a Keras
    loss (a [N, N] or [batch, N, N] target Gram matrix, features [batch, ..., N])."""

    def __init__(self, name: str = "style_loss", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return style_loss([y_pred], [y_true], [1.0])
