import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.losses import NegativeSampling, negative_sampling


def _reference(scores):
    """-log sigma(s+) - sum_j log sigma(-s_j), written with NumPy's log1p."""
    scores = np.asarray(scores, np.float64)
    sigma = 1 / (1 + np.exp(-scores))
    return -np.log(sigma[:, 0]) - np.log(1 - sigma[:, 1:]).sum(axis=1)


def test_closed_form():
    # s+ = 2, noise -1 and 0.5: log(1 + e^-2) + log(1 + e^-1) + log(1 + e^0.5).
    loss = NegativeSampling()(np.zeros(1), np.array([[2.0, -1.0, 0.5]]))
    want = np.log1p(np.exp(-2)) + np.log1p(np.exp(-1)) + np.log1p(np.exp(0.5))
    np.testing.assert_allclose(float(loss), want, rtol=1e-6)


def test_zero_scores_give_one_plus_k_times_log_two():
    np.testing.assert_allclose(
        float(NegativeSampling()(np.zeros(4), np.zeros((4, 6)))), 6 * np.log(2), rtol=1e-6
    )


def test_agrees_with_reference_and_is_stable_for_large_scores():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 3, size=(32, 6)).astype(np.float32)
    np.testing.assert_allclose(
        negative_sampling(None, scores), _reference(scores), rtol=1e-5, atol=1e-6
    )
    extreme = np.array([[100.0, -100.0], [-100.0, 100.0]], np.float32)
    np.testing.assert_allclose(negative_sampling(None, extreme), [0.0, 200.0], atol=1e-4)


def test_gradient_is_sigma_minus_label():
    # d L / d s+ = sigma(s+) - 1, d L / d s_j = sigma(s_j): logistic regression.
    scores = tf.constant([[0.3, -0.7, 1.2]])
    with tf.GradientTape() as tape:
        tape.watch(scores)
        loss = tf.reduce_sum(negative_sampling(None, scores))
    sigma = tf.sigmoid(scores).numpy()[0]
    np.testing.assert_allclose(
        tape.gradient(loss, scores).numpy()[0], [sigma[0] - 1, sigma[1], sigma[2]], rtol=1e-5
    )


def test_refuses_scores_without_noise_words():
    with pytest.raises(ValueError, match=r"\[batch, 1 \+ k\]"):
        NegativeSampling()(np.zeros(3), np.zeros((3, 1)))
