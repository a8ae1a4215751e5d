"""The least-squares GAN losses against their closed forms (Mao et al., ICCV 2017;
CycleGAN's halved discriminator objective)."""

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.losses import least_squares_discriminator_values, least_squares_generator_values


def test_closed_forms_on_patch_maps():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(3, 4, 4, 1)).astype(np.float32)
    fake = rng.normal(size=(3, 4, 4, 1)).astype(np.float32)
    want_d = 0.5 * (((real - 1.0) ** 2).mean(axis=(1, 2, 3)) + (fake**2).mean(axis=(1, 2, 3)))
    want_g = ((fake - 1.0) ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(least_squares_discriminator_values(real, fake), want_d, rtol=1e-6)
    np.testing.assert_allclose(least_squares_generator_values(fake), want_g, rtol=1e-6)


def test_optimum_and_undecided_values():
    ones, zeros, halves = np.ones((2, 3)), np.zeros((2, 3)), np.full((2, 3), 0.5)
    np.testing.assert_allclose(least_squares_discriminator_values(ones, zeros), [0.0, 0.0])
    np.testing.assert_allclose(least_squares_generator_values(ones), [0.0, 0.0])
    np.testing.assert_allclose(least_squares_discriminator_values(halves, halves), [0.25, 0.25])
    np.testing.assert_allclose(least_squares_generator_values(halves), [0.25, 0.25])


def test_generator_gradient_does_not_vanish_for_confident_discriminators():
    # Scores far on the "fake" side: the squared loss still pulls them towards 1,
    # with gradient 2 (s - 1) / patches per score (the log loss would be flat here).
    scores = tf.constant([[-10.0, -5.0]])
    with tf.GradientTape() as tape:
        tape.watch(scores)
        loss = tf.reduce_sum(least_squares_generator_values(scores))
    np.testing.assert_allclose(tape.gradient(loss, scores), [[-11.0, -6.0]], rtol=1e-6)


def test_scalar_scores_are_refused():
    with pytest.raises(ValueError, match="batched"):
        least_squares_generator_values(tf.constant(1.0))
