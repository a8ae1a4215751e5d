"""Sample quality of generative models: Fréchet distance and class entropy.

The issue's protocol (docs/architecture.md section 9): a classifier that tfxlearn trains
on the same dataset (`train_sample_quality_classifier`, its test accuracy
reported) maps images to its penultimate-layer features and class
probabilities; generated images are compared with real test images by the
Fréchet distance between Gaussians fitted to the two feature sets (Heusel et
al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", NIPS 2017 — the FID, here in our own classifier's features
instead of Inception's), and their diversity by the entropy of the mean
predicted class distribution (at most log K). `real_floor` gives the same
numbers between real training and real test images: the value a perfect
generator would reach with the same number of samples. The distance and the
entropy are in `frechet`, the classifier in `sample_quality_classifier`; this
module is the protocol.

    data = EvalData("fashion_mnist")
    classifier = load_or_train_sample_quality_classifier(data, "runs/sample_quality")
    floor = real_floor(classifier, data, samples=10_000)
    result = sample_quality(generated_images, classifier, data.test[0])
"""

from __future__ import annotations

import math

import numpy as np

from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.frechet import class_entropy, frechet_distance
from tfxlearn.evaluation.sample_quality_classifier import (
    SampleQualityClassifier,
    check_sample_images,
)


def sample_quality(
    images,
    classifier: SampleQualityClassifier,
    reference_images,
    *,
    batch_size: int = 512,
) -> dict:
    """Fréchet distance and class entropy of `images` against real `reference_images`.

    Both sets go through `classifier` (penultimate-layer features and softmax
    probabilities); the issue's protocol uses 10,000 generated images and the
    10,000 test images.

    Args:
        images: [n, H, W, C] samples (n >= 2), uint8 in [0, 255] or float in [0, 1].
        classifier: the `SampleQualityClassifier` of the dataset.
        reference_images: [m, H, W, C] real images (m >= 2), same conventions.
        batch_size: images per forward pass.

    Returns:
        `{"frechet_distance", "class_entropy" (of `images`, nats), "max_entropy"
        (log K), "samples" (n), "reference_samples" (m),
        "reference_class_entropy"}`.

    Raises:
        ValueError: wrong shapes or value ranges, or fewer than 2 images in a set.
    """
    if not isinstance(classifier, SampleQualityClassifier):
        raise TypeError(
            f"classifier must be a SampleQualityClassifier, got {type(classifier).__name__}"
        )
    images = check_sample_images(images, classifier.input_shape, "images")
    reference_images = check_sample_images(
        reference_images, classifier.input_shape, "reference_images"
    )
    for array, name in ((images, "images"), (reference_images, "reference_images")):
        if len(array) < 2:
            raise ValueError(f"{name} has {len(array)} image(s): need at least 2")
    features, probabilities = classifier.features_and_probabilities(images, batch_size)
    reference, reference_probabilities = classifier.features_and_probabilities(
        reference_images, batch_size
    )
    return {
        "frechet_distance": frechet_distance(features, reference),
        "class_entropy": class_entropy(probabilities),
        "max_entropy": math.log(classifier.num_classes),
        "samples": int(len(images)),
        "reference_samples": int(len(reference_images)),
        "reference_class_entropy": class_entropy(reference_probabilities),
    }


def real_floor(
    classifier: SampleQualityClassifier,
    data: EvalData,
    samples: int = 10_000,
    *,
    seed: int = 0,
    batch_size: int = 512,
) -> dict:
    """`sample_quality` of real training images against real test images: the floor.

    What a generator that reproduced the data distribution exactly would
    score with the same numbers of samples (the Fréchet distance of finite
    samples is not 0). `min(samples, training split size)` training images are
    drawn without replacement with `seed`; the first `min(samples, test split
    size)` test images are the reference, as for generated images.

    Args:
        classifier: the `SampleQualityClassifier` of the dataset.
        data: the dataset.
        samples: images from each split (>= 2).
        seed: seed of the draw of training images.
        batch_size: images per forward pass.

    Returns:
        The `sample_quality` dict (train images in the "samples" role).

    Raises:
        ValueError: `samples` < 2.
    """
    if isinstance(samples, bool) or int(samples) != samples or samples < 2:
        raise ValueError(f"samples must be an int >= 2, got {samples!r}")
    train_images = data.train[0]
    test_images = data.test[0]
    chosen = np.random.default_rng(seed).choice(
        len(train_images), min(int(samples), len(train_images)), replace=False
    )
    return sample_quality(
        train_images[np.sort(chosen)],
        classifier,
        test_images[: int(samples)],
        batch_size=batch_size,
    )
