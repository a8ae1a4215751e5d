"""The discriminator's loss of a GAN (Goodfellow et al., "Generative Adversarial
Nets", NIPS 2014, eq. 1): the binary cross-entropy of a real image x (target 1)
and a generated image G(z) (target 0), from the discriminator's logits,
D = sigmoid(l):

    L_D = -log D(x) - log(1 - D(G(z))) = softplus(-l_real) + softplus(l_fake)

Written with softplus, so it stays finite for any logit; its minimum 0 is
reached as l_real -> +inf and l_fake -> -inf, and at l_real = l_fake = 0 (D
undecided) it is 2 log 2.
"""

from __future__ import annotations

import tensorflow as tf


def discriminator_loss_values(real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
    """Per-pair discriminator loss softplus(-l_real) + softplus(l_fake).

    Args:
        real_logits: real/fake logits of real images, [batch] (or [batch, 1]).
        fake_logits: logits of as many generated images, paired row by row.

    Returns:
        float [batch].
    """
    return tf.nn.softplus(-tf.reshape(real_logits, [-1])) + tf.nn.softplus(
        tf.reshape(fake_logits, [-1])
    )
