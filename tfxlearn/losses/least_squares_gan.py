"""The least-squares GAN losses (Mao et al., "Least Squares Generative Adversarial
Networks", ICCV 2017), with the 0-1 coding a = 0 (fake), b = c = 1 (real) that
CycleGAN uses (Zhu et al., ICCV 2017, section 4: "we replace the negative log
likelihood objective by a least-squares loss"). From the discriminator's raw
outputs s (one score per image, or a map of patch scores for a PatchGAN):

    discriminator:  L_D = 1/2 [ mean (s_real - 1)^2 + mean s_fake^2 ]
    generator:      L_G = mean (s_fake - 1)^2

the means running over each image's scores (patches), so each function returns
one value per image. The 1/2 on L_D is CycleGAN's ("we divide the objective by
2 while optimizing D, which slows down the rate at which D learns, relative to
the rate of G"). Unlike the log loss, the square keeps penalising fakes that are
already on the real side of the boundary but far from the real data, so the
generator's gradient does not vanish as D saturates. L_D = 0 at s_real = 1,
s_fake = 0; an undecided D (all scores 1/2) gives L_D = 1/4, L_G = 1/4.
"""

from __future__ import annotations

import tensorflow as tf


def _per_image_mean(values: tf.Tensor) -> tf.Tensor:
    values = tf.convert_to_tensor(values)
    if values.shape.rank is not None and values.shape.rank < 1:
        raise ValueError(f"scores must be batched [batch, ...], got shape {values.shape}")
    batch = tf.shape(values)[0]
    return tf.reduce_mean(tf.reshape(tf.cast(values, tf.float32), [batch, -1]), axis=1)


def least_squares_discriminator_values(real_scores: tf.Tensor, fake_scores: tf.Tensor) -> tf.Tensor:
    """Per-pair discriminator loss 1/2 [mean (s_real - 1)^2 + mean s_fake^2].

    Args:
        real_scores: discriminator outputs on real images, [batch, ...] (a score or
            a map of patch scores per image).
        fake_scores: outputs on as many generated images, paired row by row.

    Returns:
        float [batch].
    """
    real = _per_image_mean(tf.square(tf.convert_to_tensor(real_scores) - 1.0))
    fake = _per_image_mean(tf.square(tf.convert_to_tensor(fake_scores)))
    return 0.5 * (real + fake)


def least_squares_generator_values(fake_scores: tf.Tensor) -> tf.Tensor:
    """Per-image generator loss mean (s_fake - 1)^2 (the generator wants D to say "real").

    Args:
        fake_scores: discriminator outputs on generated images, [batch, ...].

    Returns:
        float [batch].
    """
    return _per_image_mean(tf.square(tf.convert_to_tensor(fake_scores) - 1.0))
