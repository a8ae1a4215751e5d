"""Anomaly detection by reconstruction error, scored by ROC AUC.

An autoencoder trained without one class scores every test image by its
reconstruction error; that held-out class is the anomaly
(`held_out_class_split`, `reconstruction_errors`, `anomaly_auc`,
`held_out_class_anomaly_auc`).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import sklearn.metrics
import tensorflow as tf

from tfxlearn import data as tfx_data


def anomaly_auc(scores, is_anomaly) -> float:
    """Area under the ROC curve of anomaly `scores` (higher = more anomalous).

    `sklearn.metrics.roc_auc_score`: the probability that a random anomaly
    scores higher than a random normal example (ties count half). 1 is a
    perfect detector, 0.5 chance, 0 perfectly inverted.

    Args:
        scores: [n] finite anomaly scores.
        is_anomaly: [n] booleans (or 0 / 1).

    Returns:
        ROC AUC in [0, 1].

    Raises:
        ValueError: different lengths, not 1-D, non-finite scores, labels other
            than 0 / 1, or only one of the two classes present.
    """
    scores = np.asarray(scores)
    is_anomaly = np.asarray(is_anomaly)
    if scores.ndim != 1 or is_anomaly.ndim != 1:
        raise ValueError(
            f"scores and is_anomaly must be 1-D, got shapes {scores.shape} and {is_anomaly.shape}"
        )
    if len(scores) != len(is_anomaly):
        raise ValueError(
            f"scores and is_anomaly must have the same length, got {len(scores)} and "
            f"{len(is_anomaly)}"
        )
    if not np.issubdtype(scores.dtype, np.number) or not np.isfinite(scores).all():
        raise ValueError("scores must be finite numbers")
    if is_anomaly.dtype != bool:
        if not np.isin(is_anomaly, (0, 1)).all():
            raise ValueError("is_anomaly must hold booleans or 0 / 1")
        is_anomaly = is_anomaly.astype(bool)
    anomalies = int(is_anomaly.sum())
    if anomalies == 0 or anomalies == len(is_anomaly):
        raise ValueError(
            f"is_anomaly must mark both anomalies and normal examples, got {anomalies} "
            f"anomalies among {len(is_anomaly)}"
        )
    return float(sklearn.metrics.roc_auc_score(is_anomaly, scores.astype(np.float64)))


def held_out_class_split(images, labels, held_out_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Splits a labelled set into the normal examples and the anomaly mask of one class.

    The held-out-class protocol: a model is trained on the training split
    without `held_out_class` (the first output on the training split) and
    scores the whole test split, where that class is the anomaly (the second
    output on the test split).

    Args:
        images: [n, ...] examples.
        labels: [n] int labels.
        held_out_class: the class treated as anomalous.

    Returns:
        `(normal_images, is_anomaly)`: `images[labels != held_out_class]` and
        the boolean mask [n] of `labels == held_out_class`.

    Raises:
        ValueError: mismatched lengths, or `held_out_class` absent from
            `labels` or the only class present.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"labels must be 1-D with one label per image ({len(images)}), got shape {labels.shape}"
        )
    is_anomaly = labels == held_out_class
    if not is_anomaly.any():
        raise ValueError(f"held_out_class {held_out_class!r} does not occur in labels")
    if is_anomaly.all():
        raise ValueError(f"held_out_class {held_out_class!r} is the only class in labels")
    return images[~is_anomaly], is_anomaly


def reconstruction_errors(
    reconstruct: Callable | keras.Model, images, *, batch_size: int = 512
) -> np.ndarray:
    """Mean squared reconstruction error of each image (its anomaly score).

    Args:
        reconstruct: a Keras model or a function mapping a float32 batch
            [b, H, W, C] in [0, 1] to reconstructions of the same shape (a
            Keras model is called with `training=False`).
        images: [n, H, W, C] images, uint8 in [0, 255] or float in [0, 1].
        batch_size: images per call.

    Returns:
        float64 [n]: mean over pixels of (reconstruction - image)^2.

    Raises:
        ValueError: no images, `batch_size` < 1, or reconstructions of another shape.
    """
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError(f"images must be a non-empty array [n, ...], got shape {images.shape}")
    errors = []
    for start in range(0, len(images), int(batch_size)):
        batch = tfx_data.to_float_images(tf.convert_to_tensor(images[start : start + batch_size]))
        if isinstance(reconstruct, keras.Model):
            output = reconstruct(batch, training=False)
        else:
            output = reconstruct(batch)
        output = np.asarray(output, np.float64)
        if output.shape != tuple(batch.shape):
            raise ValueError(
                f"reconstructions have shape {output.shape}, but the images batch is "
                f"{tuple(batch.shape)}"
            )
        squared = (output - batch.numpy().astype(np.float64)) ** 2
        errors.append(squared.reshape(len(squared), -1).mean(axis=1))
    return np.concatenate(errors)


def held_out_class_anomaly_auc(
    reconstruct: Callable | keras.Model,
    test_images,
    test_labels,
    held_out_class: int,
    *,
    batch_size: int = 512,
) -> dict:
    """ROC AUC of reconstruction-error anomaly scores for a class the model never saw.

    The model (e.g. an autoencoder trained on the first output of
    `held_out_class_split` on the training split) reconstructs every test
    image; its mean squared error is the anomaly score and the held-out
    class the anomaly (Japkowicz, Myers & Gluck, "A Novelty Detection
    Approach to Classification", IJCAI 1995).

    Returns:
        `{"auc", "held_out_class", "anomalies", "normal", "mean_error_anomaly",
        "mean_error_normal"}`.

    Raises:
        ValueError: as `held_out_class_split`, `reconstruction_errors` and `anomaly_auc`.
    """
    _, is_anomaly = held_out_class_split(test_images, test_labels, held_out_class)
    scores = reconstruction_errors(reconstruct, test_images, batch_size=batch_size)
    return {
        "auc": anomaly_auc(scores, is_anomaly),
        "held_out_class": int(held_out_class),
        "anomalies": int(is_anomaly.sum()),
        "normal": int((~is_anomaly).sum()),
        "mean_error_anomaly": float(scores[is_anomaly].mean()),
        "mean_error_normal": float(scores[~is_anomaly].mean()),
    }
