"""Scores of a clustering against the labels.

Clusters found without labels are scored by purity, normalized mutual
information and the accuracy under the best one-to-one cluster-to-class
matching (the "unsupervised clustering accuracy" of Xie, Girshick & Farhadi,
"Unsupervised Deep Embedding for Clustering Analysis", ICML 2016, also how
InfoGAN's categorical code is scored).

    best_matching_accuracy(labels, clusters)
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import sklearn.metrics


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
