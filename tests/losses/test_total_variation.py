"""Total variation (Rudin et al. 1992; beta: Mahendran & Vedaldi 2015): 0 for a
constant image, closed forms, a loop reference, and the same values through
`tfxlearn.visualize.total_variation`."""

import numpy as np
import pytest

from tfxlearn import visualize
from tfxlearn.losses import TotalVariation, total_variation


def _reference(images, beta):
    out = []
    for x in np.asarray(images, np.float64):
        h, w, c = x.shape
        dy = [abs(x[i + 1, j, k] - x[i, j, k]) ** beta for i in range(h - 1) for j in range(w)
              for k in range(c)]  # fmt: skip
        dx = [abs(x[i, j + 1, k] - x[i, j, k]) ** beta for i in range(h) for j in range(w - 1)
              for k in range(c)]  # fmt: skip
        out.append(np.mean(dy) + np.mean(dx))
    return np.array(out)


def test_constant_images_have_zero_total_variation():
    rng = np.random.default_rng(0)
    for value in rng.uniform(-3, 3, size=5):
        for shape in [(1, 2, 2, 1), (3, 5, 7, 3)]:
            constant = np.full(shape, value, np.float32)
            np.testing.assert_array_equal(total_variation(constant), np.zeros(shape[0]))
            np.testing.assert_array_equal(total_variation(constant, beta=2), np.zeros(shape[0]))


def test_closed_form_and_reference():
    # A vertical edge 0 | 1 on a 2x2 image: dy all 0, dx one step of 1 per row -> 0 + 1.
    edge = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)[None, :, :, None]
    np.testing.assert_allclose(total_variation(edge), [1.0])
    np.testing.assert_allclose(total_variation(0.5 * edge, beta=2), [0.25])
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(2, 4, 5, 3)).astype(np.float32)
    for beta in (1.0, 2.0, 1.5):
        np.testing.assert_allclose(total_variation(x, beta), _reference(x, beta), rtol=1e-5)
    np.testing.assert_allclose(
        TotalVariation()(np.zeros_like(x), x), _reference(x, 1.0).mean(), rtol=1e-5
    )
    np.testing.assert_allclose(visualize.total_variation(x), total_variation(x), rtol=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="beta must be > 0"):
        total_variation(np.zeros((1, 2, 2, 1)), beta=0)
    with pytest.raises(ValueError, match=r"\[batch, height, width, channels\]"):
        total_variation(np.zeros((2, 2, 1)))
