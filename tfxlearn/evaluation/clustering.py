"""Unsupervised structure on learned codes: clustering scores and anomaly detection.

Clusters found without labels are scored against the labels by purity,
normalized mutual information and the accuracy under the best one-to-one
cluster-to-class matching (the "unsupervised clustering accuracy" of Xie,
Girshick & Farhadi, "Unsupervised Deep Embedding for Clustering Analysis",
ICML 2016, also how InfoGAN's categorical code is scored). Codes are clustered
by k-means (Lloyd, 1982; k-means++ seeding, Arthur & Vassilvitskii, 2007) or a
Gaussian mixture fitted by EM (Dempster, Laird & Rubin, 1977); PCA on the
pixels (`pca_codes`) is the linear baseline. Anomalies are scored by ROC AUC,
e.g. with an autoencoder's reconstruction error on a class it never saw
(`held_out_class_split`, `reconstruction_errors`, `anomaly_auc`).

    train_codes = extract_features(encoder, data.train[0])
    test_codes = extract_features(encoder, data.test[0])
    cluster_codes(train_codes, test_codes, data.test[1], 10, method="gmm")
    cluster_codes(*pca_codes(data.train[0], data.test[0], 32), data.test[1], 10)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import keras
import numpy as np
import scipy.optimize
import sklearn.cluster
import sklearn.decomposition
import sklearn.exceptions
import sklearn.metrics
import sklearn.mixture
import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import split_features

METHODS = ("kmeans", "gmm")
COVARIANCE_TYPES = ("full", "diag", "tied", "spherical")


# --- Scores of a clustering against the labels -----------------------------------------


def _check_assignments(labels, clusters) -> tuple[np.ndarray, np.ndarray]:
    labels, clusters = np.asarray(labels), np.asarray(clusters)
    for array, name in ((labels, "labels"), (clusters, "clusters")):
        if array.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of ids, got shape {array.shape}")
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{name} must hold integer ids, got dtype {array.dtype}")
    if len(labels) != len(clusters):
        raise ValueError(
            f"labels and clusters must have one entry per example, got {len(labels)} and "
            f"{len(clusters)}"
        )
    if len(labels) == 0:
        raise ValueError("labels and clusters are empty")
    return labels, clusters


def _contingency(labels: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Counts [number of distinct labels, number of distinct clusters]."""
    return sklearn.metrics.cluster.contingency_matrix(labels, clusters)


def cluster_purity(labels, clusters) -> float:
    """Fraction of examples whose class is the majority class of their cluster.

    Purity = (1/n) sum over clusters of max over classes |cluster ∩ class|
    (Manning, Raghavan & Schütze, "Introduction to Information Retrieval",
    2008, 16.3). It rewards many small clusters (n singleton clusters have
    purity 1), so report it with `normalized_mutual_information` and
    `best_matching_accuracy` at a fixed number of clusters.

    Args:
        labels: int class of each example [n].
        clusters: int cluster id of each example [n] (any ids, not necessarily 0..k-1).

    Returns:
        Purity in (0, 1].

    Raises:
        ValueError: not 1-D integer arrays of one non-zero length.
    """
    labels, clusters = _check_assignments(labels, clusters)
    return float(_contingency(labels, clusters).max(axis=0).sum() / len(labels))


def normalized_mutual_information(labels, clusters) -> float:
    """Mutual information of classes and clusters over the arithmetic mean of their entropies.

    `sklearn.metrics.normalized_mutual_info_score` with its default
    (arithmetic) normalisation (Strehl & Ghosh, JMLR 2002, used by Xie et
    al., ICML 2016): 1 for the same partition up to renaming, 0 for
    independent ones; invariant to permutations of the ids.

    Returns:
        NMI in [0, 1].

    Raises:
        ValueError: as `cluster_purity`.
    """
    labels, clusters = _check_assignments(labels, clusters)
    return float(sklearn.metrics.normalized_mutual_info_score(labels, clusters))


def _matching(labels: np.ndarray, clusters: np.ndarray):
    """Class ids, cluster ids, counts [classes, clusters] and the Hungarian matching."""
    class_ids, label_index = np.unique(labels, return_inverse=True)
    cluster_ids, cluster_index = np.unique(clusters, return_inverse=True)
    counts = np.zeros([len(class_ids), len(cluster_ids)], np.int64)
    np.add.at(counts, (label_index, cluster_index), 1)
    rows, cols = scipy.optimize.linear_sum_assignment(counts, maximize=True)
    return class_ids, cluster_ids, counts, rows, cols


def best_cluster_to_class(labels, clusters) -> dict[int, int]:
    """The one-to-one cluster -> class assignment that classifies most examples correctly.

    The Hungarian algorithm (Kuhn, 1955; `scipy.optimize.linear_sum_assignment`)
    on the contingency table. With more clusters than classes, only as many
    clusters as there are classes are matched (the ones that win the most
    examples) and the other clusters are left out of the mapping; with fewer
    clusters than classes, some classes get no cluster.

    Returns:
        `{cluster id: class id}` for the matched clusters.

    Raises:
        ValueError: as `cluster_purity`.
    """
    labels, clusters = _check_assignments(labels, clusters)
    class_ids, cluster_ids, _, rows, cols = _matching(labels, clusters)
    return {int(cluster_ids[c]): int(class_ids[r]) for r, c in zip(rows, cols)}


def best_matching_accuracy(labels, clusters) -> float:
    """Accuracy under the best one-to-one matching of cluster ids to classes.

    The unsupervised clustering accuracy of Xie et al. (ICML 2016):
    max over one-to-one maps m of (1/n) sum_i [m(cluster_i) == label_i],
    found by the Hungarian algorithm (`best_cluster_to_class`). When the
    numbers differ, the min(#clusters, #classes) best pairs are matched and
    every example of an unmatched cluster (more clusters than classes) or of
    an unmatched class (fewer clusters than classes) counts as wrong.

    Returns:
        Accuracy in (0, 1]; 1.0 for the same partition with renamed ids.

    Raises:
        ValueError: as `cluster_purity`.
    """
    labels, clusters = _check_assignments(labels, clusters)
    _, _, counts, rows, cols = _matching(labels, clusters)
    return float(counts[rows, cols].sum() / len(labels))


# --- Clustering codes ------------------------------------------------------------------


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


# --- Anomaly detection -----------------------------------------------------------------


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
