"""The translation scores (evaluation/translation.py) on cases with known answers:
an identity "translation" changes nothing, a translation onto the target's own
images reaches the real floor; a paired translation that returns the targets scores
L1 0, SSIM 1, distance 0 and the targets' own accuracy."""

import keras
import numpy as np

from tfxlearn.evaluation.sample_quality_classifier import (
    ENCODER_NAME,
    HEAD_NAME,
    SampleQualityClassifier,
)
from tfxlearn.evaluation.translation import (
    paired_translation_scores,
    ssim_values,
    translation_scores,
)
from tfxlearn.nets import conv_encoder


def _classifier():
    keras.utils.set_random_seed(0)
    encoder = conv_encoder((8, 8, 1), widths=(4, 8), name=ENCODER_NAME)
    images = keras.Input((8, 8, 1))
    logits = keras.Sequential([keras.layers.Dense(3)], name=HEAD_NAME)(encoder(images))
    return SampleQualityClassifier(keras.Model(images, logits), test_accuracy=0.8)


def _images(seed, n=40):
    return np.random.default_rng(seed).random((n, 8, 8, 1)).astype(np.float32)


def test_identity_translation_changes_nothing():
    classifier = _classifier()
    source = (_images(0), np.arange(40) % 3)
    scores = translation_scores(lambda x: x, lambda x: x, classifier, source, _images(1))
    assert scores["fd_translated"] == scores["fd_untranslated"] and scores["fd_ratio"] == 1.0
    assert scores["translated_accuracy"] == scores["untranslated_accuracy"]
    assert scores["cycle_l1"] == 0.0
    assert scores["accuracy_ratio"] == scores["translated_accuracy"] / 0.8
    assert scores["source_images"] == 40 and scores["target_images"] == 40


def test_translating_onto_the_target_images_gives_distance_zero_and_their_labels():
    classifier = _classifier()
    target = _images(2)
    labels = np.argmax(classifier.probabilities(target), axis=1)
    source = (_images(3), labels)
    scores = translation_scores(
        lambda x: target, lambda x: 1.0 - x, classifier, source, target, target_train=target
    )
    assert abs(scores["fd_translated"]) < 1e-6 and scores["fd_ratio"] < 1e-6
    assert scores["translated_accuracy"] == 1.0 and scores["fd_real_floor"] < 1e-6
    np.testing.assert_allclose(scores["cycle_l1"], np.abs(1 - 2 * source[0]).mean(), rtol=1e-6)


def test_ssim_is_one_for_equal_images_and_lower_for_noise():
    images = _images(4, 5)
    np.testing.assert_allclose(ssim_values(images, images), 1.0, rtol=1e-5)
    noisy = np.clip(images + np.random.default_rng(5).normal(0, 0.3, images.shape), 0, 1)
    assert np.all(ssim_values(noisy.astype(np.float32), images) < 0.9)


def test_paired_translation_onto_the_targets_is_perfect():
    classifier = _classifier()
    target = _images(6)
    labels = np.argmax(classifier.probabilities(target), axis=1)
    edges = (target > 0.5).astype(np.float32)
    scores = paired_translation_scores(lambda x: target, classifier, edges, (target, labels))
    assert scores["l1"] == 0.0 and abs(scores["ssim"] - 1.0) < 1e-5
    assert abs(scores["fd_translated"]) < 1e-6 and scores["fd_inputs"] > 0
    assert scores["translated_accuracy"] == scores["target_accuracy"] == 1.0
    blurred = paired_translation_scores(lambda x: x, classifier, edges, (target, labels))
    np.testing.assert_allclose(blurred["l1"], np.abs(edges - target).mean(), rtol=1e-6)
    assert blurred["ssim"] < 1.0 and blurred["fd_translated"] == blurred["fd_inputs"]
