"""The edge_pairs op's own checks: binary edge maps equal to scikit-image's Canny,
none on a blank image, a square's outline found, targets in [0, 1], clear errors."""

import numpy as np
import pytest
import tensorflow as tf
from skimage.feature import canny

from tfxlearn import pretext


def _square(n=2, size=16):
    images = np.zeros((n, size, size, 1), np.uint8)
    images[:, 4:12, 4:12] = 255
    return images


def test_edges_are_scikit_image_canny_and_binary():
    rng = np.random.default_rng(0)
    images = rng.random((3, 12, 12, 1)).astype(np.float32)
    edges = pretext.canny_edges(images, sigma=1.5).numpy()
    assert edges.shape == (3, 12, 12, 1) and edges.dtype == np.float32
    assert set(np.unique(edges)) <= {0.0, 1.0}
    for got, image in zip(edges, images):
        np.testing.assert_array_equal(
            got[..., 0], canny(image[..., 0], sigma=1.5, low_threshold=0.1, high_threshold=0.2)
        )


def test_blank_image_has_no_edges_and_a_square_its_outline():
    blank = pretext.canny_edges(np.zeros((1, 16, 16, 1), np.uint8)).numpy()
    assert blank.sum() == 0
    edges = pretext.canny_edges(_square()).numpy()[0, ..., 0]
    assert edges[4:12, 4:12].sum() + edges[3:13, 3:13].sum() > 0
    assert edges[:2].sum() == 0 and edges[6:10, 6:10].sum() == 0  # far outside / inside: none


def test_op_pairs_edges_with_float_images_in_a_pipeline():
    ds = tf.data.Dataset.from_tensor_slices({"image": _square(4)}).batch(2)
    edges, images = next(iter(pretext.edge_pairs(ds)))
    assert edges.shape == (2, 16, 16, 1) and images.dtype == tf.float32
    np.testing.assert_allclose(images.numpy(), _square(2) / 255.0)


def test_bad_options_are_refused():
    ds = tf.data.Dataset.from_tensor_slices({"image": _square(4)}).batch(2)
    with pytest.raises(ValueError, match="low_threshold <= high_threshold"):
        pretext.edge_pairs(ds, low_threshold=0.5, high_threshold=0.2)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        pretext.edge_pairs(ds, sigma=-1)
    with pytest.raises(ValueError, match="canny_edges: images must be a batch"):
        pretext.canny_edges(np.zeros((16, 16, 1), np.float32))
