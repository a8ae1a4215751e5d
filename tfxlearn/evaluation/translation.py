"""Quality of an unpaired image-to-image translation (CycleGAN) from a source
domain A to a labelled target domain B.

Three questions, each answered in the feature space tfxlearn already uses for
generated images (`sample_quality_classifier`: a small conv classifier trained
on the target domain's training split, its penultimate layer the space of the
Fréchet distance, Heusel et al., NIPS 2017):

- **Labels preserved.** The target classifier's accuracy on translated source
  test images (with the source labels) against its accuracy on real target test
  images; a translation that keeps the digit keeps the accuracy (CycleGAN's
  "FCN score" idea, Zhu et al., ICCV 2017, section 5.1.1, with a classifier
  instead of a segmenter). The untranslated source images give the
  no-translation baseline.
- **Looks like the target.** The Fréchet distance of translated source images to
  real target test images, against that of the untranslated source images, and
  the real floor (target training vs test images).
- **Invertible.** The cycle L1: mean absolute pixel difference between source
  images and their round trip A -> B -> A.

    scores = translation_scores(translate, reconstruct, classifier,
                                (source_images, source_labels), target_test_images)

`model_protocols.translation` is the pipeline's protocol on a trained CycleGAN.
"""

from __future__ import annotations

import numpy as np

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.frechet import frechet_distance
from tfxlearn.evaluation.sample_quality_classifier import SampleQualityClassifier


def source_arrays(
    source: str,
    split: str,
    image_size,
    *,
    max_images: int | None = None,
    data_dir: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The source domain's `split` as float images in [0, 1] and labels."""
    ds = tfx_data.load(source, split, data_dir=data_dir, image_size=image_size)
    if max_images:
        ds = ds.take(int(max_images))
    images, labels = tfx_data.as_arrays(ds)
    return tfx_data.to_float_images(images).numpy(), np.asarray(labels)


def _accuracy(classifier: SampleQualityClassifier, images, labels) -> float:
    return float(np.mean(np.argmax(classifier.probabilities(images), axis=1) == labels))


def translation_scores(
    translate,
    reconstruct,
    classifier: SampleQualityClassifier,
    source: tuple[np.ndarray, np.ndarray],
    target_test: np.ndarray,
    target_train: np.ndarray | None = None,
) -> dict:
    """The scores of the module docstring for given arrays.

    Args:
        translate: float images of A [n, H, W, C] -> translated images (NumPy).
        reconstruct: float images of A -> their round trips A -> B -> A.
        classifier: the target domain's `SampleQualityClassifier`.
        source: (float images [n, H, W, C] in [0, 1], labels [n]) of A.
        target_test: real target images (uint8 or float), the reference.
        target_train: real target training images for the floor (optional).

    Returns:
        `{"target_accuracy", "translated_accuracy", "untranslated_accuracy",
        "accuracy_ratio" (translated / target), "fd_translated", "fd_untranslated",
        "fd_ratio" (translated / untranslated), "fd_real_floor" (if target_train),
        "cycle_l1", "source_images", "target_images"}`.
    """
    images, labels = source
    translated = np.clip(np.asarray(translate(images), np.float32), 0.0, 1.0)
    round_trip = np.asarray(reconstruct(images), np.float32)
    target_features = classifier.features(target_test)
    fd_translated = frechet_distance(classifier.features(translated), target_features)
    fd_untranslated = frechet_distance(classifier.features(images), target_features)
    out = {
        "target_accuracy": float(classifier.test_accuracy),
        "translated_accuracy": _accuracy(classifier, translated, labels),
        "untranslated_accuracy": _accuracy(classifier, images, labels),
        "fd_translated": fd_translated,
        "fd_untranslated": fd_untranslated,
        "fd_ratio": fd_translated / max(fd_untranslated, 1e-12),
        "cycle_l1": float(np.mean(np.abs(round_trip - images))),
        "source_images": int(len(images)),
        "target_images": int(len(target_test)),
    }
    out["accuracy_ratio"] = out["translated_accuracy"] / max(out["target_accuracy"], 1e-12)
    if target_train is not None:
        out["fd_real_floor"] = frechet_distance(
            classifier.features(target_train[: len(target_test)]), target_features
        )
    return out
