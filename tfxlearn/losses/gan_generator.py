"""The generator's loss of a GAN (Goodfellow et al., "Generative Adversarial Nets",
NIPS 2014), from the discriminator's logit l on a generated image, D(G(z)) =
sigmoid(l):

    minimax:         L_G = log(1 - D(G(z)))  = -softplus(l)
    non-saturating:  L_G = -log D(G(z))      =  softplus(-l)

The minimax form is the paper's game (G minimises what D maximises). Early in
training D rejects samples with confidence (l << 0), where log(1 - D(G(z))) is
flat: its derivative in l is -sigmoid(l), about 0. The paper recommends the
non-saturating form in practice: the same fixed points, derivative -sigmoid(-l),
about -1 there. Both are written with softplus, so they stay finite for any logit.
"""

from __future__ import annotations

import tensorflow as tf

GENERATOR_LOSSES = ("non_saturating", "minimax")


def generator_loss_values(fake_logits: tf.Tensor, kind: str = "non_saturating") -> tf.Tensor:
    """Per-example generator loss from the discriminator's logits on generated images.

    Args:
        fake_logits: real/fake logits l of generated images, [batch] (or [batch, 1]).
        kind: "non_saturating" (softplus(-l), default) or "minimax" (-softplus(l)).

    Returns:
        float [batch].
    """
    fake_logits = tf.reshape(fake_logits, [-1])
    if kind == "non_saturating":
        return tf.nn.softplus(-fake_logits)
    if kind == "minimax":
        return -tf.nn.softplus(fake_logits)
    raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {kind!r}")
