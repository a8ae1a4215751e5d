"""load_image: scikit-image names, files, arrays; sizes and channel conversion."""

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.data import load_image


def test_scikit_image_names_sizes_and_channels():
    brick = load_image("brick")
    assert brick.shape == (512, 512, 1) and brick.dtype == np.float32
    assert brick.min() >= 0 and brick.max() <= 1
    rgb = load_image("brick", size=32, channels=3)
    assert rgb.shape == (32, 32, 3)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])
    chelsea = load_image("chelsea", size=30)  # 300 x 451 -> shorter side 30
    assert chelsea.shape == (30, 45, 3)
    assert load_image("chelsea", size=(16, 8), channels=1).shape == (16, 8, 1)
    with pytest.raises(ValueError, match="neither a file nor a scikit-image image.*brick"):
        load_image("no_such_image")


def test_files_and_arrays(tmp_path):
    pixels = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    path = str(tmp_path / "x.png")
    tf.io.write_file(path, tf.io.encode_png(pixels))
    np.testing.assert_allclose(load_image(path), pixels / 255.0, atol=1e-7)
    np.testing.assert_allclose(load_image(pixels), pixels / 255.0, atol=1e-7)
    rgba = np.concatenate([pixels, np.full((4, 6, 1), 255, np.uint8)], axis=-1)
    assert load_image(rgba).shape == (4, 6, 3)
    with pytest.raises(ValueError, match="an image must be"):
        load_image(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="channels must be None, 1 or 3"):
        load_image(pixels, channels=2)
