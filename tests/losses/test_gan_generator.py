import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.losses import generator_loss_values


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def _logit_gradient(logits, kind):
    logits = tf.constant(logits, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.reduce_sum(generator_loss_values(logits, kind))
    return tape.gradient(loss, logits).numpy()


def test_closed_forms():
    logits = np.array([-3.0, -0.5, 0.0, 0.7, 4.0], np.float32)
    d = _sigmoid(logits)  # D(G(z))
    np.testing.assert_allclose(generator_loss_values(logits), -np.log(d), rtol=1e-5)
    np.testing.assert_allclose(
        generator_loss_values(logits, "minimax"), np.log(1.0 - d), rtol=1e-5, atol=1e-6
    )
    # [batch, 1] logits (a Dense(1) head) give the same [batch] values.
    np.testing.assert_allclose(
        generator_loss_values(logits[:, None]), generator_loss_values(logits), rtol=0
    )


def test_non_saturating_gradient_exceeds_minimax_when_d_rejects_samples():
    # D(G(z)) = sigmoid(l) near 0: the minimax loss log(1 - D) is flat there.
    logits = np.array([-12.0, -10.0, -6.0], np.float32)
    ns, mm = _logit_gradient(logits, "non_saturating"), _logit_gradient(logits, "minimax")
    sigmoid = _sigmoid(logits)
    np.testing.assert_allclose(ns, -(1.0 - sigmoid), rtol=1e-5)  # d softplus(-l)/dl
    np.testing.assert_allclose(mm, -sigmoid, rtol=1e-4)  # d -softplus(l)/dl
    assert np.all(ns < 0) and np.all(mm < 0)  # both push D(G(z)) up
    assert np.all(np.abs(ns) > 100 * np.abs(mm))
    # Near D(G(z)) = 1/2 both agree (the two objectives share fixed points).
    np.testing.assert_allclose(_logit_gradient([0.0], "non_saturating"), [-0.5], rtol=1e-6)
    np.testing.assert_allclose(_logit_gradient([0.0], "minimax"), [-0.5], rtol=1e-6)


def test_values_and_gradients_stay_finite_at_extreme_logits():
    big = tf.constant([1e4, -1e4], tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(big)
        ns = generator_loss_values(big, "non_saturating")
        mm = generator_loss_values(big, "minimax")
    for values in (ns, mm):
        assert np.all(np.isfinite(values.numpy()))
        assert np.all(np.isfinite(tape.gradient(values, big).numpy()))
    np.testing.assert_allclose(ns.numpy(), [0.0, 1e4], atol=1e-6)
    np.testing.assert_allclose(mm.numpy(), [-1e4, 0.0], atol=1e-6)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="generator_loss must be one of"):
        generator_loss_values(tf.zeros([2]), "wasserstein")
