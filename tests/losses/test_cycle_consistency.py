"""The cycle-consistency (and identity) L1 term against a NumPy reference."""

import numpy as np
import pytest

from tfxlearn.losses import l1_distance_values


def test_matches_the_mean_absolute_difference_per_image():
    rng = np.random.default_rng(1)
    x, y = rng.random((4, 5, 5, 2)), rng.random((4, 5, 5, 2))
    np.testing.assert_allclose(
        l1_distance_values(x, y), np.abs(x - y).mean(axis=(1, 2, 3)), rtol=1e-6
    )
    np.testing.assert_allclose(l1_distance_values(x, y), l1_distance_values(y, x), rtol=0)


def test_zero_for_a_perfect_reconstruction_and_one_for_the_negative_of_a_binary_image():
    x = (np.random.default_rng(2).random((3, 4, 4, 1)) > 0.5).astype(np.float32)
    np.testing.assert_array_equal(l1_distance_values(x, x), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(l1_distance_values(x, 1.0 - x), [1.0, 1.0, 1.0])


def test_different_shapes_are_refused():
    with pytest.raises(ValueError, match="one shape"):
        l1_distance_values(np.zeros((2, 4, 4, 1)), np.zeros((2, 4, 4, 3)))
