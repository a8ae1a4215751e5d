import numpy as np
import tensorflow as tf

from tfxlearn.losses import discriminator_loss_values


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def test_closed_form_is_the_binary_cross_entropy_of_real_and_fake():
    real = np.array([-2.0, 0.0, 0.3, 5.0], np.float32)
    fake = np.array([1.5, 0.0, -0.8, -5.0], np.float32)
    want = -np.log(_sigmoid(real)) - np.log(1.0 - _sigmoid(fake))
    np.testing.assert_allclose(discriminator_loss_values(real, fake), want, rtol=1e-5)
    # An undecided D (both logits 0) costs 2 log 2; [batch, 1] logits work alike.
    np.testing.assert_allclose(
        discriminator_loss_values(np.zeros((3, 1)), np.zeros((3, 1))), [2 * np.log(2)] * 3
    )


def test_gradients_push_real_logits_up_and_fake_logits_down():
    real = tf.constant([0.0, 1.0], tf.float32)
    fake = tf.constant([0.0, -1.0], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([real, fake])
        loss = tf.reduce_sum(discriminator_loss_values(real, fake))
    d_real, d_fake = tape.gradient(loss, [real, fake])
    np.testing.assert_allclose(d_real, -_sigmoid(-real.numpy()), rtol=1e-6)  # -(1 - D(x))
    np.testing.assert_allclose(d_fake, _sigmoid(fake.numpy()), rtol=1e-6)  # D(G(z))


def test_values_and_gradients_stay_finite_at_extreme_logits():
    real = tf.constant([1e4, -1e4, 1e4, -1e4], tf.float32)
    fake = tf.constant([1e4, -1e4, -1e4, 1e4], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([real, fake])
        d = discriminator_loss_values(real, fake)
    assert np.all(np.isfinite(d.numpy()))
    for grad in tape.gradient(d, [real, fake]):
        assert np.all(np.isfinite(grad.numpy()))
    # softplus(-l_real) + softplus(l_fake), exactly
    np.testing.assert_allclose(d.numpy(), [1e4, 1e4, 0.0, 2e4], rtol=1e-6, atol=1e-6)
