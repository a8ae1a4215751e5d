"""Clustering scores, clustering of codes, PCA baseline and anomaly ROC AUC."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
import sklearn.datasets

from tfxlearn import evaluation as ev

# --- Scores against the labels ---------------------------------------------------------


def brute_force_matching_accuracy(labels, clusters) -> float:
    """max over injective cluster -> class maps of the fraction of matches (small cases)."""
    classes, ids = np.unique(labels), np.unique(clusters)
    best = 0
    if len(ids) <= len(classes):
        for chosen in itertools.permutations(classes, len(ids)):
            mapping = dict(zip(ids, chosen))
            best = max(best, sum(mapping[c] == y for c, y in zip(clusters, labels)))
    else:
        for chosen in itertools.permutations(ids, len(classes)):
            mapping = dict(zip(chosen, classes))
            best = max(best, sum(mapping.get(c) == y for c, y in zip(clusters, labels)))
    return best / len(labels)


def test_purity_nmi_and_matching_on_hand_made_labels():
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    clusters = np.array([5, 5, 7, 7, 7, 7, 9, 9, 9, 5])
    # Cluster 5 = {0, 0, 2}: majority 2; cluster 7 = {0, 1, 1, 1}: 3; cluster 9 = {2, 2, 2}: 3.
    assert ev.cluster_purity(labels, clusters) == pytest.approx(8 / 10)
    assert ev.best_matching_accuracy(labels, clusters) == pytest.approx(8 / 10)
    assert ev.best_cluster_to_class(labels, clusters) == {5: 0, 7: 1, 9: 2}
    assert 0.0 < ev.normalized_mutual_information(labels, clusters) < 1.0


def test_permuted_cluster_ids_score_perfectly():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 6, 300)
    permutation = np.array([13, 2, 40, 7, 0, 21])  # arbitrary ids, not 0..k-1
    clusters = permutation[labels]
    assert ev.best_matching_accuracy(labels, clusters) == 1.0
    assert ev.cluster_purity(labels, clusters) == 1.0
    assert ev.normalized_mutual_information(labels, clusters) == pytest.approx(1.0)


def test_uninformative_clusters():
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    one_cluster = np.zeros(8, np.int64)
    assert ev.normalized_mutual_information(labels, one_cluster) == pytest.approx(0.0)
    assert ev.cluster_purity(labels, one_cluster) == 0.5
    independent = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    assert ev.normalized_mutual_information(labels, independent) == pytest.approx(0.0, abs=1e-12)
    assert ev.best_matching_accuracy(labels, independent) == 0.5


@pytest.mark.parametrize("num_clusters", [2, 4, 6])
def test_best_matching_accuracy_matches_brute_force(num_clusters):
    rng = np.random.default_rng(num_clusters)
    for _ in range(5):
        labels = rng.integers(0, 4, 40)
        clusters = rng.integers(0, num_clusters, 40)
        want = brute_force_matching_accuracy(labels, clusters)
        assert ev.best_matching_accuracy(labels, clusters) == pytest.approx(want)


def test_cluster_counts_differ_from_class_counts():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    split = np.array([0, 0, 1, 1, 2, 2, 2, 2])  # class 0 split over two clusters
    assert ev.cluster_purity(labels, split) == 1.0  # purity ignores the split
    assert ev.best_matching_accuracy(labels, split) == 0.75  # one half of class 0 is unmatched
    assert len(ev.best_cluster_to_class(labels, split)) == 2
    merged = np.zeros(8, np.int64)  # fewer clusters than classes
    assert ev.best_matching_accuracy(labels, merged) == 0.5


def test_score_bad_inputs():
    with pytest.raises(ValueError, match="one entry per example, got 3 and 2"):
        ev.cluster_purity([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="clusters must hold integer ids"):
        ev.best_matching_accuracy([0, 1], [0.0, 1.0])
    with pytest.raises(ValueError, match="labels must be a 1-D array"):
        ev.normalized_mutual_information(np.zeros((2, 2), int), np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="empty"):
        ev.cluster_purity(np.array([], int), np.array([], int))


# --- Clustering codes ------------------------------------------------------------------


def blobs(seed: int, n: int = 300):
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 5.0]])
    x, y = sklearn.datasets.make_blobs(n, centers=centers, cluster_std=0.7, random_state=seed)
    return x.astype(np.float32), y


@pytest.mark.parametrize(
    "method, covariance_type", [("kmeans", "full"), ("gmm", "full"), ("gmm", "diag")]
)
def test_cluster_codes_recovers_separated_blobs(method, covariance_type):
    train_x, _ = blobs(0)
    test_x, test_y = blobs(1, 120)
    result = ev.cluster_codes(
        train_x, test_x, test_y, 3, method=method, covariance_type=covariance_type, seed=0
    )
    assert result["accuracy"] == 1.0 and result["purity"] == 1.0
    assert result["nmi"] == pytest.approx(1.0)
    assert result["clusters_used"] == 3 and result["num_clusters"] == 3
    assert result["method"] == ("kmeans" if method == "kmeans" else f"gmm/{covariance_type}")
    again = ev.cluster_codes(
        train_x, test_x, test_y, 3, method=method, covariance_type=covariance_type, seed=0
    )
    assert again == result


def test_cluster_codes_bad_inputs():
    x, y = blobs(0, 30)
    with pytest.raises(ValueError, match="method must be one of"):
        ev.cluster_codes(x, x, y, 3, method="dbscan")
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        ev.cluster_codes(x, x, y, 3, method="gmm", covariance_type="banded")
    with pytest.raises(ValueError, match="num_clusters must be a positive int"):
        ev.cluster_codes(x, x, y, 0)
    with pytest.raises(ValueError, match="more than the 30 training codes"):
        ev.cluster_codes(x, x, y, 31)
    with pytest.raises(ValueError, match="differ in size: 3 vs 2"):
        ev.cluster_codes(x, x[:, :2], y, 3)
    with pytest.raises(ValueError, match="one label per test code"):
        ev.cluster_codes(x, x, y[:-1], 3)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="train_codes contains NaN"):
        ev.cluster_codes(bad, x, y, 3)


def test_pca_codes_linear_baseline():
    rng = np.random.default_rng(0)
    # Images on a 2-D subspace of 4x4 pixel space: 2 components capture them exactly.
    basis = rng.normal(size=(2, 16))
    train = (rng.normal(size=(100, 2)) @ basis).reshape(100, 4, 4, 1) * 0.05 + 0.5
    test = (rng.normal(size=(20, 2)) @ basis).reshape(20, 4, 4, 1) * 0.05 + 0.5
    train_codes, test_codes = ev.pca_codes(train, test, 2)
    assert train_codes.shape == (100, 2) and test_codes.shape == (20, 2)
    assert train_codes.dtype == np.float32
    np.testing.assert_allclose(train_codes.mean(axis=0), 0.0, atol=1e-5)
    # Distances are preserved: the projection loses nothing on this subspace.
    flat = test.reshape(20, -1)
    np.testing.assert_allclose(
        np.linalg.norm(test_codes[0] - test_codes[1]),
        np.linalg.norm(flat[0] - flat[1]),
        rtol=1e-4,
    )
    as_uint8 = (np.arange(5 * 16).reshape(5, 4, 4, 1) * 3).astype(np.uint8)
    np.testing.assert_allclose(
        ev.pca_codes(as_uint8, as_uint8, 2)[1],
        ev.pca_codes(as_uint8 / 255.0, as_uint8 / 255.0, 2)[1],
        atol=1e-5,
    )
    with pytest.raises(ValueError, match=r"dim must be an int in \[1, 16\]"):
        ev.pca_codes(train, test, 17)
    with pytest.raises(ValueError, match="differ in shape"):
        ev.pca_codes(train, test.reshape(20, 16), 2)


@pytest.fixture(scope="module")
def digits(tfds_dir) -> ev.EvalData:
    return ev.EvalData("digits", data_dir=tfds_dir)


def test_clustering_protocols_on_digits(digits):
    """k-means / GMM on PCA codes and on an encoder's codes find most of the digit classes."""
    (train_x, _), (test_x, test_y) = digits.train, digits.test
    train_codes, test_codes = ev.pca_codes(train_x, test_x, 16)
    kmeans = ev.cluster_codes(train_codes, test_codes, test_y, 10, method="kmeans")
    gmm = ev.cluster_codes(train_codes, test_codes, test_y, 10, method="gmm", n_init=1)
    shuffled = np.random.default_rng(0).permutation(test_y)
    chance = ev.cluster_codes(train_codes, test_codes, shuffled, 10)
    for result in (kmeans, gmm):  # measured: NMI 0.79 / 0.82, accuracy 0.82 / 0.84
        assert result["nmi"] > 0.6 and result["accuracy"] > 0.6
        assert result["nmi"] > chance["nmi"] + 0.5
    pixels = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten()], name="pixels")
    protocol = ev.cluster_encoder(pixels, digits, method="kmeans")
    assert protocol["num_clusters"] == 10 and protocol["nmi"] > 0.6


# --- Anomaly detection -----------------------------------------------------------------


def test_anomaly_auc_cases():
    is_anomaly = np.array([False, False, False, True, True])
    assert ev.anomaly_auc([0.1, 0.2, 0.3, 0.8, 0.9], is_anomaly) == 1.0
    assert ev.anomaly_auc([0.9, 0.8, 0.7, 0.1, 0.2], is_anomaly) == 0.0
    assert ev.anomaly_auc(np.ones(5), is_anomaly) == 0.5  # ties count half
    # 2 anomalies x 3 normals = 6 pairs; anomaly 0.35 beats 0.1 and 0.3 but not 0.4: 5/6.
    assert ev.anomaly_auc([0.1, 0.4, 0.3, 0.35, 0.9], [0, 0, 0, 1, 1]) == pytest.approx(5 / 6)
    rng = np.random.default_rng(0)
    assert abs(ev.anomaly_auc(rng.normal(size=4000), rng.random(4000) < 0.3) - 0.5) < 0.03


def test_anomaly_auc_bad_inputs():
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        ev.anomaly_auc([0.1, 0.2, 0.3], [True, False])
    with pytest.raises(ValueError, match="both anomalies and normal examples, got 0"):
        ev.anomaly_auc([0.1, 0.2], [False, False])
    with pytest.raises(ValueError, match="finite"):
        ev.anomaly_auc([0.1, np.nan], [False, True])
    with pytest.raises(ValueError, match="booleans or 0 / 1"):
        ev.anomaly_auc([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="1-D"):
        ev.anomaly_auc(np.zeros((2, 2)), [0, 1])


def test_held_out_class_split():
    images = np.arange(6 * 4).reshape(6, 2, 2, 1)
    labels = np.array([0, 1, 2, 1, 0, 1])
    normal, is_anomaly = ev.held_out_class_split(images, labels, 1)
    np.testing.assert_array_equal(is_anomaly, [False, True, False, True, False, True])
    np.testing.assert_array_equal(normal, images[[0, 2, 4]])
    with pytest.raises(ValueError, match="held_out_class 7 does not occur"):
        ev.held_out_class_split(images, labels, 7)
    with pytest.raises(ValueError, match="only class"):
        ev.held_out_class_split(images[:1], labels[:1], 0)
    with pytest.raises(ValueError, match="one label per image"):
        ev.held_out_class_split(images, labels[:3], 1)


def test_reconstruction_errors():
    images = np.random.default_rng(0).integers(0, 256, (7, 4, 4, 1)).astype(np.uint8)
    floats = images.astype(np.float64) / 255.0
    identity = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Identity()])
    np.testing.assert_allclose(ev.reconstruction_errors(identity, images, batch_size=3), 0.0)
    zeros = ev.reconstruction_errors(lambda x: np.zeros(x.shape), images, batch_size=2)
    np.testing.assert_allclose(zeros, (floats**2).reshape(7, -1).mean(axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="reconstructions have shape"):
        ev.reconstruction_errors(lambda x: np.zeros([len(x), 16]), images)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        ev.reconstruction_errors(identity, images, batch_size=0)


def test_held_out_class_anomaly_auc_with_a_linear_autoencoder(digits):
    """PCA fitted without digit 0 (a linear autoencoder) reconstructs 0s worst."""
    (train_x, train_y), (test_x, test_y) = digits.train, digits.test
    normal, _ = ev.held_out_class_split(train_x, train_y, 0)
    flat = normal.reshape(len(normal), -1).astype(np.float64) / 255.0
    mean = flat.mean(axis=0)
    components = np.linalg.svd(flat - mean, full_matrices=False)[2][:8]

    def reconstruct(batch):
        x = np.asarray(batch, np.float64).reshape(len(batch), -1) - mean
        return ((x @ components.T) @ components + mean).reshape(batch.shape)

    result = ev.held_out_class_anomaly_auc(reconstruct, test_x, test_y, 0)
    assert result["anomalies"] == int(np.sum(test_y == 0)) and result["held_out_class"] == 0
    assert result["anomalies"] + result["normal"] == len(test_y)
    assert result["auc"] > 0.8  # measured 0.95
    assert result["mean_error_anomaly"] > result["mean_error_normal"]
