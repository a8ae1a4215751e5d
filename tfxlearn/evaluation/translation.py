"""Quality of an image-to-image translation: unpaired (CycleGAN) from a source
domain A to a labelled target domain B, and paired (pix2pix) from inputs (e.g.
edge maps) to their labelled targets.

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

A paired translation (`paired_translation_scores`) also has the true target of
every input, so it is scored against it directly (pix2pix, Isola et al., CVPR
2017, section 4): the mean absolute pixel error (L1) and the structural
similarity (SSIM, Wang et al., IEEE TIP 2004; `tf.image.ssim`) of each output
to its target, the Fréchet distance of the outputs to the real test images,
and the classifier's accuracy on the outputs (with the targets' labels) against
its accuracy on the real targets (the paper's "FCN score" idea, a classifier in
place of a segmenter). `model_protocols.paired_translation` runs it on a
trained pix2pix with Canny edges of the dataset's test split as inputs.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

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


def ssim_values(images: np.ndarray, targets: np.ndarray, batch_size: int = 1_000) -> np.ndarray:
    """Per-image SSIM (`tf.image.ssim`, max_val 1, Gaussian window 11 / 1.5 as in Wang
    et al., shrunk to the image for images smaller than 11 pixels) of float images
    in [0, 1]."""
    images, targets = np.asarray(images, np.float32), np.asarray(targets, np.float32)
    if images.shape != targets.shape or images.ndim != 4:
        raise ValueError(
            f"images and targets must be batches [n, H, W, C] of one shape, got {images.shape} "
            f"and {targets.shape}"
        )
    size = min(11, *images.shape[1:3])
    out = [
        tf.image.ssim(images[i : i + batch_size], targets[i : i + batch_size], 1.0, size).numpy()
        for i in range(0, len(images), int(batch_size))
    ]
    return np.concatenate(out)


def paired_translation_scores(
    translate,
    classifier: SampleQualityClassifier,
    inputs: np.ndarray,
    targets: tuple[np.ndarray, np.ndarray],
    target_train: np.ndarray | None = None,
) -> dict:
    """The paired scores of the module docstring.

    Args:
        translate: float inputs [n, H, W, C_in] -> translated images (NumPy).
        classifier: the targets' dataset's `SampleQualityClassifier`.
        inputs: float inputs in [0, 1] (e.g. edge maps of the targets).
        targets: (float target images [n, H, W, C] in [0, 1], their labels [n]),
            row i the true output of input i; also the Fréchet reference.
        target_train: real training images for the real floor (optional).

    Returns:
        `{"l1", "ssim", "target_accuracy" (the classifier on the real targets),
        "translated_accuracy", "accuracy_ratio" (translated / target), "fd_translated",
        "fd_inputs" (the untranslated inputs' distance, a ceiling),
        "fd_real_floor" (if target_train), "images"}`.
    """
    images, labels = targets
    images = np.asarray(images, np.float32)
    translated = np.clip(np.asarray(translate(inputs), np.float32), 0.0, 1.0)
    if translated.shape != images.shape:
        raise ValueError(
            f"translate gave images of shape {translated.shape}, the targets are {images.shape}"
        )
    reference = classifier.features(images)
    out = {
        "l1": float(np.mean(np.abs(translated - images))),
        "ssim": float(np.mean(ssim_values(translated, images))),
        "target_accuracy": _accuracy(classifier, images, labels),
        "translated_accuracy": _accuracy(classifier, translated, labels),
        "fd_translated": frechet_distance(classifier.features(translated), reference),
        "images": int(len(images)),
    }
    if np.asarray(inputs).shape[-1] == images.shape[-1]:
        out["fd_inputs"] = frechet_distance(classifier.features(np.asarray(inputs)), reference)
    out["accuracy_ratio"] = out["translated_accuracy"] / max(out["target_accuracy"], 1e-12)
    if target_train is not None:
        train = tfx_data.to_float_images(target_train[: len(images)]).numpy()
        out["fd_real_floor"] = frechet_distance(classifier.features(train), reference)
    return out
