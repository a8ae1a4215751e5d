"""Gram matrices and the style loss (Gatys et al., CVPR 2016, eqs. 3-5): closed
forms, a loop reference, size independence, layer weights."""

import numpy as np
import pytest

from tfxlearn.losses import StyleLoss, gram_matrix, style_loss


def test_gram_matrix_of_a_known_feature_map():
    # 2x2 positions, 2 channels: F rows (1, 0), (0, 2), (1, 1), (3, 0).
    features = np.array([[[1, 0], [0, 2]], [[1, 1], [3, 0]]], np.float32)[None]
    # F^T F = [[1+0+1+9, 0+0+1+0], [., 0+4+1+0]] = [[11, 1], [1, 5]], / 4 positions.
    np.testing.assert_allclose(gram_matrix(features)[0], [[2.75, 0.25], [0.25, 1.25]])


def test_gram_matrix_matches_a_loop_reference_and_is_symmetric():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(3, 5, 4, 6)).astype(np.float32)
    got = gram_matrix(features).numpy()
    for b in range(3):
        flat = features[b].reshape(-1, 6).astype(np.float64)
        want = np.array([[np.mean(flat[:, j] * flat[:, k]) for k in range(6)] for j in range(6)])
        np.testing.assert_allclose(got[b], want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got[b], got[b].T)
        assert np.all(np.linalg.eigvalsh(got[b]) > -1e-5)  # positive semi-definite


def test_gram_matrix_ignores_layout_and_size():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(1, 4, 4, 3)).astype(np.float32)
    shuffled = features.reshape(1, 16, 3)[:, rng.permutation(16)].reshape(1, 4, 4, 3)
    tiled = np.tile(features, (1, 2, 3, 1))  # the same statistics on a 8x12 map
    np.testing.assert_allclose(gram_matrix(shuffled), gram_matrix(features), rtol=1e-5)
    np.testing.assert_allclose(gram_matrix(tiled), gram_matrix(features), rtol=1e-5)


def test_style_loss_closed_form_and_weights():
    a = np.ones((1, 2, 2, 1), np.float32)  # Gram [[1]]
    b = 3 * a  # Gram [[9]]
    target = gram_matrix(b)[0]
    np.testing.assert_allclose(style_loss([a], [target]), [64.0])  # (1 - 9)^2
    np.testing.assert_allclose(style_loss([b], [target]), [0.0])
    # Two layers: default weights 1/2 each; explicit weights.
    np.testing.assert_allclose(style_loss([a, b], [target, target]), [32.0])
    np.testing.assert_allclose(style_loss([a, b], [target, target], [2.0, 5.0]), [128.0])
    np.testing.assert_allclose(StyleLoss()(target, np.concatenate([a, b])), 32.0)


def test_style_loss_refuses_mismatched_arguments():
    a = np.ones((1, 2, 2, 2), np.float32)
    with pytest.raises(ValueError, match="one target Gram matrix per feature map"):
        style_loss([a, a], [np.eye(2)])
    with pytest.raises(ValueError, match="has 2 channels"):
        style_loss([a], [np.eye(3)])
    with pytest.raises(ValueError, match="one per layer"):
        style_loss([a], [np.eye(2)], [1.0, 2.0])
    with pytest.raises(ValueError, match="rank >= 3"):
        gram_matrix(np.ones((2, 3), np.float32))
