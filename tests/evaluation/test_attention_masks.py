"""Mask scores of attention maps: pooled IoU against closed forms, the mean-colour
baseline, the threshold choice, and the masks read from textured_digits."""

import numpy as np
import pytest

from tfxlearn.evaluation import attention_masks


def test_mask_iou_is_pooled_intersection_over_union():
    truth = np.zeros((2, 4, 4, 1), bool)
    truth[0, :2] = True  # 8 pixels
    predicted = np.zeros_like(truth)
    predicted[0, :1] = True  # 4 inside
    predicted[1, 3] = True  # 4 outside
    assert attention_masks.mask_iou(predicted, truth) == pytest.approx(4 / 12)
    assert attention_masks.mask_iou(truth, truth) == 1.0
    assert attention_masks.mask_iou(np.zeros_like(truth), np.zeros_like(truth)) == 1.0
    with pytest.raises(ValueError, match="shapes differ"):
        attention_masks.mask_iou(truth[..., 0], truth)


def test_mean_colour_distance_and_best_threshold_find_an_inverted_square():
    images = np.full((1, 6, 6, 3), 0.2, np.float32)
    images[0, 1:3, 1:3] = 0.8  # the "digit": 4 of 36 pixels
    truth = np.zeros((1, 6, 6, 1), bool)
    truth[0, 1:3, 1:3] = True
    scores = attention_masks.mean_colour_distance(images)
    mean = (32 * 0.2 + 4 * 0.8) / 36
    np.testing.assert_allclose(scores[0, 0, 0, 0], abs(0.2 - mean), rtol=1e-5)
    np.testing.assert_allclose(scores[0, 1, 1, 0], abs(0.8 - mean), rtol=1e-5)
    threshold, table = attention_masks.best_threshold(scores, truth)
    assert table[threshold] == 1.0 and abs(0.2 - mean) < threshold < abs(0.8 - mean)
    assert table[0.05] < 1.0  # everything above 0.05: the whole image


def test_masked_images_of_textured_digits():
    images, masks = attention_masks.masked_images("textured_digits/tiny", "test", max_images=5)
    assert images.shape == (5, 28, 28, 3) and masks.shape == (5, 28, 28, 1)
    assert images.dtype == np.float32 and images.min() >= 0.0 and images.max() <= 1.0
    assert masks.dtype == bool and masks.any()
    with pytest.raises(ValueError, match="no 'mask' feature"):
        attention_masks.masked_images("digits", "test", max_images=2)
