import keras
import numpy as np
import pytest

from tfxlearn.evaluation import (
    EvalData,
    compare,
    equal_error_rate,
    one_shot_accuracy,
    roc_auc,
    verification,
    verification_pairs,
)


def test_roc_auc_closed_forms():
    same = np.array([1, 1, 0, 0], bool)
    assert roc_auc([0.1, 0.2, 0.8, 0.9], same) == 1.0
    assert roc_auc([0.8, 0.9, 0.1, 0.2], same) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], same) == 0.5
    # One of four (same, other) orderings is wrong: 3/4.
    assert roc_auc([0.1, 0.6, 0.5, 0.9], same) == 0.75


def test_equal_error_rate_closed_forms():
    same = np.array([1, 1, 1, 0, 0, 0], bool)
    # Threshold in [0.5, 0.6): one false accept of 3, one false reject of 3.
    assert equal_error_rate([0.1, 0.2, 0.6, 0.5, 0.7, 0.9], same) == pytest.approx(1 / 3)
    assert equal_error_rate([0.1, 0.2, 0.3, 0.5, 0.7, 0.9], same) == 0.0
    assert equal_error_rate([0.5, 0.7, 0.9, 0.1, 0.2, 0.3], same) == 1.0


def test_equal_error_rate_matches_a_threshold_sweep():
    rng = np.random.default_rng(0)
    same = np.arange(1000) < 500
    d = np.where(same, rng.normal(1.0, 0.5, 1000), rng.normal(2.0, 0.5, 1000))
    best = min((abs(np.mean(d[~same] <= t) - np.mean(d[same] > t)), t) for t in np.sort(d))[1]
    brute = (np.mean(d[~same] <= best) + np.mean(d[same] > best)) / 2
    assert equal_error_rate(d, same) == pytest.approx(brute, abs=0.005)
    # Two unit-variance Gaussians 2 sd apart: EER = Phi(-1) ~ 0.159.
    assert equal_error_rate(d, same) == pytest.approx(0.159, abs=0.03)


def test_verification_pairs():
    labels = np.repeat(np.arange(4), 10)
    index, same = verification_pairs(labels, 200, seed=3)
    assert index.shape == (200, 2) and same.sum() == 100
    assert (index[:, 0] != index[:, 1]).all()
    np.testing.assert_array_equal(labels[index[:, 0]] == labels[index[:, 1]], same)
    again, _ = verification_pairs(labels, 200, seed=3)
    np.testing.assert_array_equal(index, again)
    with pytest.raises(ValueError, match="2 classes"):
        verification_pairs(np.zeros(5, int), 10)


def test_one_shot_accuracy():
    labels = np.repeat(np.arange(6), 20)
    clustered = np.eye(6)[labels] + 0.01 * np.random.default_rng(0).normal(size=(120, 6))
    assert one_shot_accuracy(clustered, labels, ways=5, episodes=300) == 1.0
    noise = np.random.default_rng(1).normal(size=(120, 8))
    assert one_shot_accuracy(noise, labels, ways=5, episodes=4000) == pytest.approx(0.2, abs=0.03)
    with pytest.raises(ValueError, match="5 classes"):
        one_shot_accuracy(clustered[:40], labels[:40], ways=5)


def _pixel_data():
    """Class c lights pixel c: the flattened pixels separate the classes."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(8), 12)
    images = (rng.uniform(0, 20, size=(96, 4, 4, 1))).astype(np.uint8)
    images[np.arange(96), labels // 4, labels % 4, 0] = 255
    return EvalData.from_arrays((images, labels), (images, labels), name="pixels")


def test_verification_protocol_on_held_out_classes():
    data = _pixel_data()
    inputs = keras.Input((4, 4, 1))
    pixels = keras.Model(inputs, keras.layers.Flatten()(inputs))
    result = verification(pixels, data, classes=[3, 4, 5, 6, 7], pairs=400, episodes=300)
    assert result["images"] == 60 and result["ways"] == 5
    assert result["roc_auc"] == 1.0 and result["eer"] == 0.0
    assert result["accuracy"] == result["one_shot_accuracy"] == 1.0
    # Registered as an encoder protocol.
    table = compare({"pixels": pixels}, data, {"verification": {"classes": [4, 5, 6, 7, 3]}})
    assert table["pixels"]["verification"]["roc_auc"] == 1.0
    with pytest.raises(ValueError, match=r"classes \[9\]"):
        verification(pixels, data, classes=[3, 9])
