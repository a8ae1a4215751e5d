"""CyCADA's semantic-consistency loss against a NumPy reference and its closed
forms: 0 when a decisive classifier keeps its label on the translation, log K for
a uniform prediction, and no gradient through the original's label."""

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.losses import semantic_consistency_values


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_matches_the_cross_entropy_against_the_reference_argmax():
    rng = np.random.default_rng(0)
    reference, translated = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    want = -_log_softmax(translated)[np.arange(6), reference.argmax(axis=1)]
    np.testing.assert_allclose(semantic_consistency_values(reference, translated), want, rtol=1e-5)


def test_zero_when_the_translation_keeps_a_decisive_classifiers_labels():
    labels = np.array([3, 0, 9, 3])
    decisive = 60.0 * np.eye(10)[labels]  # softmax puts 1 - 9e-27 on the label
    np.testing.assert_allclose(semantic_consistency_values(decisive, decisive), 0.0, atol=1e-6)
    # Only the label matters, not the reference's confidence: a hesitant original.
    hesitant = 0.1 * np.eye(10)[labels]
    np.testing.assert_allclose(semantic_consistency_values(hesitant, decisive), 0.0, atol=1e-6)
    # A label changed by the translation costs about the logit gap.
    flipped = 60.0 * np.eye(10)[(labels + 1) % 10]
    np.testing.assert_allclose(semantic_consistency_values(decisive, flipped), 60.0, rtol=1e-5)


def test_log_k_for_a_uniform_prediction():
    reference = np.random.default_rng(1).normal(size=(3, 7))
    np.testing.assert_allclose(
        semantic_consistency_values(reference, np.zeros((3, 7))), np.log(7.0), rtol=1e-6
    )


def test_no_gradient_reaches_the_reference_logits():
    reference = tf.Variable(np.random.default_rng(2).normal(size=(4, 3)), dtype=tf.float32)
    translated = tf.Variable(np.random.default_rng(3).normal(size=(4, 3)), dtype=tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(semantic_consistency_values(reference, translated))
    g_reference, g_translated = tape.gradient(loss, [reference, translated])
    assert g_reference is None
    # d/dz of -log softmax(z)_y is softmax(z) - onehot(y).
    y = np.eye(3)[reference.numpy().argmax(axis=1)]
    np.testing.assert_allclose(
        g_translated.numpy(), np.exp(_log_softmax(translated.numpy())) - y, atol=1e-6
    )


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="logits \\[batch, K\\] of one shape"):
        semantic_consistency_values(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="of one shape"):
        semantic_consistency_values(np.zeros((3,)), np.zeros((3,)))
