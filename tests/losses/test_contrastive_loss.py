import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.losses import ContrastiveLoss, contrastive_loss


def test_closed_form_values():
    # y=1 (similar): D^2 / 2; y=0 (dissimilar): max(0, m - D)^2 / 2, m = 1.
    d = np.array([0.0, 0.5, 2.0, 0.0, 0.25, 1.0, 3.0], np.float32)
    y = np.array([1, 1, 1, 0, 0, 0, 0], np.float32)
    want = [0.0, 0.125, 2.0, 0.5, 0.5 * 0.75**2, 0.0, 0.0]
    np.testing.assert_allclose(contrastive_loss(y, d, 1.0), want, rtol=1e-6)
    np.testing.assert_allclose(float(ContrastiveLoss(1.0)(y, d)), np.mean(want), rtol=1e-6)


def test_margin_and_label_convention():
    d = np.array([0.3], np.float32)
    # A similar pair is pulled in regardless of the margin ...
    assert float(ContrastiveLoss(0.1)(np.ones(1), d)) == pytest.approx(0.045)
    assert float(ContrastiveLoss(5.0)(np.ones(1), d)) == pytest.approx(0.045)
    # ... a dissimilar one costs only while closer than the margin.
    assert float(ContrastiveLoss(0.1)(np.zeros(1), d)) == 0.0
    assert float(ContrastiveLoss(0.5)(np.zeros(1), d)) == pytest.approx(0.02)


def test_gradient_signs():
    d = tf.Variable([0.4, 0.4])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(contrastive_loss(tf.constant([1.0, 0.0]), d, 1.0))
    grad = tape.gradient(loss, d).numpy()
    # d L / d D = D for similar (push together), -(m - D) for dissimilar (push apart).
    np.testing.assert_allclose(grad, [0.4, -0.6], rtol=1e-6)


def test_config_and_errors():
    loss = ContrastiveLoss(margin=0.7, name="c")
    clone = ContrastiveLoss.from_config(loss.get_config())
    assert clone.margin == 0.7 and clone.name == "c"
    with pytest.raises(ValueError, match="margin"):
        ContrastiveLoss(margin=0)
    with pytest.raises(ValueError, match="distances"):
        ContrastiveLoss()(np.zeros(2), np.zeros((2, 3)))
