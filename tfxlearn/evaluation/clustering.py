"""Clustering learned codes without labels, scored against the labels.

Codes are clustered by k-means (Lloyd, 1982; k-means++ seeding, Arthur &
Vassilvitskii, 2007) or a Gaussian mixture fitted by EM (Dempster, Laird &
Rubin, 1977); PCA on the pixels (`pca_codes`) is the linear baseline. The test
assignment is scored by `cluster_scores` (purity, NMI, best-matching accuracy).

    train_codes = extract_features(encoder, data.train[0])
    test_codes = extract_features(encoder, data.test[0])
    cluster_codes(train_codes, test_codes, data.test[1], 10, method="gmm")
    cluster_codes(*pca_codes(data.train[0], data.test[0], 32), data.test[1], 10)
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import sklearn.cluster
import sklearn.decomposition
import sklearn.exceptions
import sklearn.mixture

from tfxlearn.evaluation.cluster_scores import (
    best_matching_accuracy,
    cluster_purity,
    normalized_mutual_information,
)
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import split_features

METHODS = ("kmeans", "gmm")
COVARIANCE_TYPES = ("full", "diag", "tied", "spherical")


def _check_codes(codes, argument: str) -> np.ndarray:
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[0] == 0 or codes.shape[1] == 0:
        raise ValueError(f"{argument} must be a non-empty 2-D array [n, d], got {codes.shape}")
    if not np.issubdtype(codes.dtype, np.number):
        raise ValueError(f"{argument} must be numeric, got dtype {codes.dtype}")
    codes = codes.astype(np.float64)
    if not np.isfinite(codes).all():
        raise ValueError(f"{argument} contains NaN or infinite values")
    return codes


def fit_clusters(
    train_codes,
    num_clusters: int,
    *,
    method: str = "kmeans",
    covariance_type: str = "full",
    n_init: int = 10,
    seed: int = 0,
    max_iter: int = 300,
):
    """A fitted scikit-learn clustering model (`KMeans` or `GaussianMixture`) of the codes.

    Args:
        train_codes: [n, d] codes to fit on (n >= num_clusters).
        num_clusters: number of clusters / mixture components, >= 1.
        method: "kmeans" (k-means++ seeding, Lloyd iterations) or "gmm" (a
            Gaussian mixture fitted by EM, initialised by k-means).
        covariance_type: for "gmm": "full", "diag", "tied" or "spherical".
        n_init: restarts; the best objective (inertia / likelihood) is kept.
        seed: `random_state` of the seeding.
        max_iter: iteration cap of each run.

    Returns:
        The fitted estimator; `.predict(codes)` assigns clusters.

    Raises:
        ValueError: unknown `method` / `covariance_type`, or arguments out of range.
    """
    codes = _check_codes(train_codes, "train_codes")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}"
        )
    for value, name in ((num_clusters, "num_clusters"), (n_init, "n_init"), (max_iter, "max_iter")):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if num_clusters > len(codes):
        raise ValueError(
            f"num_clusters={num_clusters} is more than the {len(codes)} training codes"
        )
    if method == "kmeans":
        model = sklearn.cluster.KMeans(
            n_clusters=int(num_clusters),
            n_init=int(n_init),
            max_iter=int(max_iter),
            random_state=int(seed),
        )
    else:
        model = sklearn.mixture.GaussianMixture(
            n_components=int(num_clusters),
            covariance_type=covariance_type,
            n_init=int(n_init),
            max_iter=int(max_iter),
            random_state=int(seed),
        )
    with warnings.catch_warnings():
        # Duplicate points or too few iterations: the fit is still usable and scored.
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        model.fit(codes)
    return model


def cluster_codes(
    train_codes,
    test_codes,
    test_labels,
    num_clusters: int,
    *,
    method: str = "kmeans",
    covariance_type: str = "full",
    n_init: int | None = None,
    seed: int = 0,
) -> dict:
    """Clusters fitted on training codes, scored on test codes against the test labels.

    `fit_clusters` on `train_codes` (no labels), then each test code is
    assigned to its nearest centre (k-means) or most probable component
    (mixture) and the test assignment is scored with `cluster_purity`,
    `normalized_mutual_information` and `best_matching_accuracy`. Codes are
    clustered as they are (no standardisation), so scale differences between
    dimensions count.

    Args:
        train_codes: [n_train, d] codes of the training split.
        test_codes: [n_test, d] codes of the test split.
        test_labels: [n_test] int labels of the test split.
        num_clusters: number of clusters (usually the number of classes).
        method: "kmeans" or "gmm".
        covariance_type: for "gmm": "full", "diag", "tied" or "spherical".
        n_init: restarts (default 10 for k-means, 3 for the mixture).
        seed: seed of the initialisation.

    Returns:
        `{"purity", "nmi", "accuracy" (best matching), "method", "num_clusters",
        "clusters_used" (distinct clusters among the test assignments)}`.

    Raises:
        ValueError: mismatched shapes, non-finite codes, or bad arguments.
    """
    train = _check_codes(train_codes, "train_codes")
    test = _check_codes(test_codes, "test_codes")
    if train.shape[1] != test.shape[1]:
        raise ValueError(
            f"train_codes and test_codes differ in size: {train.shape[1]} vs {test.shape[1]}"
        )
    test_labels = np.asarray(test_labels)
    if test_labels.shape != (len(test),):
        raise ValueError(
            f"test_labels must have one label per test code ({len(test)}), got shape "
            f"{test_labels.shape}"
        )
    if n_init is None:
        n_init = 10 if method == "kmeans" else 3
    model = fit_clusters(
        train,
        num_clusters,
        method=method,
        covariance_type=covariance_type,
        n_init=n_init,
        seed=seed,
    )
    clusters = np.asarray(model.predict(test), np.int64)
    return {
        "purity": cluster_purity(test_labels, clusters),
        "nmi": normalized_mutual_information(test_labels, clusters),
        "accuracy": best_matching_accuracy(test_labels, clusters),
        "method": method if method == "kmeans" else f"gmm/{covariance_type}",
        "num_clusters": int(num_clusters),
        "clusters_used": int(len(np.unique(clusters))),
    }


def _flat_pixels(images, argument: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError(f"{argument} must be a non-empty array [n, ...], got {images.shape}")
    flat = images.reshape(len(images), -1)
    if images.dtype == np.uint8:
        return flat.astype(np.float32) / 255.0
    return _check_codes(flat, argument).astype(np.float32)


def pca_codes(
    train_images, test_images, dim: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The linear baseline: PCA of the flattened pixels, fitted on the training images.

    uint8 images are scaled to [0, 1] first. `sklearn.decomposition.PCA`
    (centred, not whitened; randomized SVD seeded with `seed` when scikit-learn
    chooses it), so the codes of an autoencoder with a `dim`-sized bottleneck
    can be compared with the best linear `dim`-dimensional code.

    Args:
        train_images: [n_train, ...] images the components are fitted on.
        test_images: [n_test, ...] images with the same per-example shape.
        dim: number of components, 1 <= dim <= min(n_train, pixels).
        seed: seed of the randomized SVD.

    Returns:
        `(train_codes [n_train, dim], test_codes [n_test, dim])`, float32.

    Raises:
        ValueError: mismatched shapes or `dim` out of range.
    """
    train = _flat_pixels(train_images, "train_images")
    test = _flat_pixels(test_images, "test_images")
    if np.asarray(train_images).shape[1:] != np.asarray(test_images).shape[1:]:
        raise ValueError(
            f"train_images and test_images differ in shape: {np.asarray(train_images).shape[1:]} "
            f"vs {np.asarray(test_images).shape[1:]}"
        )
    limit = min(train.shape)
    if isinstance(dim, bool) or int(dim) != dim or not 1 <= dim <= limit:
        raise ValueError(f"dim must be an int in [1, {limit}], got {dim!r}")
    pca = sklearn.decomposition.PCA(n_components=int(dim), random_state=int(seed))
    train_codes = pca.fit_transform(train)
    return train_codes.astype(np.float32), pca.transform(test).astype(np.float32)


def cluster_encoder(
    encoder: keras.Model,
    data: EvalData,
    *,
    num_clusters: int | None = None,
    method: str = "kmeans",
    covariance_type: str = "full",
    n_init: int | None = None,
    seed: int = 0,
    batch_size: int = 512,
) -> dict:
    """Clustering protocol on an encoder's frozen codes (same signature as `linear_probe`).

    The codes of the training split (`extract_features`, shared inside
    `feature_cache`) are clustered without labels and the test split's
    assignments are scored (`cluster_codes`).

    Args:
        encoder: the frozen representation (a single-input Keras model).
        data: the labelled dataset.
        num_clusters: number of clusters; the number of classes if None.
        method: "kmeans" or "gmm".
        covariance_type: for "gmm".
        n_init: restarts (see `cluster_codes`).
        seed: seed of the initialisation.
        batch_size: batch size of the feature extraction.

    Returns:
        The `cluster_codes` dict ("accuracy" is the best-matching accuracy).
    """
    train_x, _ = split_features(encoder, data, "train", batch_size)
    test_x, test_y = split_features(encoder, data, "test", batch_size)
    return cluster_codes(
        train_x,
        test_x,
        test_y,
        data.num_classes if num_clusters is None else num_clusters,
        method=method,
        covariance_type=covariance_type,
        n_init=n_init,
        seed=seed,
    )
