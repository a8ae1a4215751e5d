"""Content loss (Gatys et al., CVPR 2016, eq. 1; Johnson et al., ECCV 2016):
the mean squared feature difference per example."""

import numpy as np
import pytest

from tfxlearn.losses import ContentLoss, content_loss


def test_closed_form_and_reference():
    a = np.zeros((2, 2, 2, 3), np.float32)
    b = a.copy()
    b[0, 0, 0, 0] = 2.0  # one of 12 values differs by 2 -> 4 / 12
    np.testing.assert_allclose(content_loss(b, a), [1 / 3, 0.0], rtol=1e-6)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 3, 4, 5, 6)).astype(np.float32)
    np.testing.assert_allclose(
        content_loss(x, y), ((x - y) ** 2).reshape(3, -1).mean(axis=1), rtol=1e-5
    )
    np.testing.assert_allclose(content_loss(x, y), content_loss(y, x))  # symmetric
    np.testing.assert_allclose(ContentLoss()(y, x), ((x - y) ** 2).mean(), rtol=1e-5)


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="must have the same shape"):
        content_loss(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 4)))
