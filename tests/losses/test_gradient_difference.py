import numpy as np
import pytest

from tfxlearn.losses import GradientDifferenceLoss, gradient_difference


def _reference(y_true, y_pred, alpha):
    """Mathieu et al. eq. 5 written out with loops, divided by the pixel count."""
    y_true = np.asarray(y_true, np.float64)
    y_pred = np.asarray(y_pred, np.float64)
    out = []
    for t, p in zip(y_true, y_pred):
        t = t.reshape(-1, *t.shape[-3:])
        p = p.reshape(-1, *p.shape[-3:])
        total = 0.0
        for f in range(t.shape[0]):
            h, w, c = t.shape[1:]
            for k in range(c):
                for i in range(h):
                    for j in range(w):
                        if i > 0:
                            gt = abs(t[f, i, j, k] - t[f, i - 1, j, k])
                            gp = abs(p[f, i, j, k] - p[f, i - 1, j, k])
                            total += abs(gt - gp) ** alpha
                        if j > 0:
                            gt = abs(t[f, i, j - 1, k] - t[f, i, j, k])
                            gp = abs(p[f, i, j - 1, k] - p[f, i, j, k])
                            total += abs(gt - gp) ** alpha
        out.append(total / t.size)
    return np.array(out)


EDGE = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)[None, :, :, None]  # a vertical edge


def test_closed_form_values():
    # Target: a vertical edge, horizontal gradients 1 and 1, vertical ones 0.
    # A flat prediction misses both horizontal gradients: (1 + 1) / 4 pixels.
    for alpha in (1.0, 2.0):
        np.testing.assert_allclose(
            float(GradientDifferenceLoss(alpha)(EDGE, np.zeros_like(EDGE))), 0.5, rtol=1e-6
        )
    # Half the contrast: gradient differences 0.5 -> alpha 1: 1.0 / 4, alpha 2: 0.5 / 4.
    half = 0.5 * EDGE
    np.testing.assert_allclose(float(GradientDifferenceLoss(1)(EDGE, half)), 0.25, rtol=1e-6)
    np.testing.assert_allclose(float(GradientDifferenceLoss(2)(EDGE, half)), 0.125, rtol=1e-6)
    # A horizontal edge instead: vertical gradients 1 (2 terms) where the target has 0,
    # and misses the target's 2 horizontal ones: 4 / 4.
    np.testing.assert_allclose(
        float(GradientDifferenceLoss(1)(EDGE, EDGE.transpose(0, 2, 1, 3))), 1.0
    )


def test_zero_for_identical_images_and_invariances():
    rng = np.random.default_rng(0)
    y = rng.uniform(size=(3, 5, 6, 2)).astype(np.float32)
    p = rng.uniform(size=(3, 5, 6, 2)).astype(np.float32)
    loss = GradientDifferenceLoss(alpha=1)
    assert float(loss(y, y)) == 0.0
    base = float(loss(y, p))
    assert base > 0
    # A constant offset of the prediction or of the target changes no gradient.
    np.testing.assert_allclose(float(loss(y, p + 0.37)), base, rtol=1e-5)
    np.testing.assert_allclose(float(loss(y - 0.2, p)), base, rtol=1e-5)
    # Only gradient magnitudes count: the negative image has the same loss.
    np.testing.assert_allclose(float(loss(y, 1.0 - p)), base, rtol=1e-5)
    np.testing.assert_allclose(float(loss(1.0 - y, y)), 0.0, atol=1e-7)
    # Symmetric in its two arguments.
    np.testing.assert_allclose(float(loss(p, y)), base, rtol=1e-6)


def test_agrees_with_loop_reference_on_images_and_clips():
    rng = np.random.default_rng(1)
    for shape in ((2, 4, 5, 1), (2, 3, 4, 4, 2)):
        y = rng.uniform(size=shape).astype(np.float32)
        p = rng.uniform(size=shape).astype(np.float32)
        for alpha in (1.0, 2.0, 1.5):
            np.testing.assert_allclose(
                gradient_difference(y, p, alpha), _reference(y, p, alpha), rtol=1e-5
            )
            np.testing.assert_allclose(
                float(GradientDifferenceLoss(alpha)(y, p)),
                _reference(y, p, alpha).mean(),
                rtol=1e-5,
            )


def test_config_and_errors():
    loss = GradientDifferenceLoss(alpha=2, name="gdl")
    clone = GradientDifferenceLoss.from_config(loss.get_config())
    assert clone.alpha == 2.0 and clone.name == "gdl"
    for alpha in (0, -1, True):
        with pytest.raises(ValueError, match="alpha"):
            GradientDifferenceLoss(alpha=alpha)
    with pytest.raises(ValueError, match="rank >= 4"):
        GradientDifferenceLoss()(np.zeros((2, 3, 3)), np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="must equal"):
        GradientDifferenceLoss()(np.zeros((2, 3, 3, 1)), np.zeros((2, 3, 4, 1)))
    with pytest.raises(ValueError, match="width of at least 2"):
        GradientDifferenceLoss()(np.zeros((2, 3, 1, 1)), np.zeros((2, 3, 1, 1)))
