"""Weighted k-nearest-neighbour classification with cosine similarity.

Wu, Xiong, Yu & Lin, "Unsupervised Feature Learning via Non-Parametric Instance
Discrimination", CVPR 2018: features are L2-normalised, the k training examples
most similar to a test example vote for their class with weight
exp(similarity / temperature), and the class with the largest total wins. No
parameters are trained, so it probes the representation's local geometry.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import split_features


def _l2_normalize(x: np.ndarray) -> tf.Tensor:
    return tf.math.l2_normalize(tf.convert_to_tensor(np.asarray(x), tf.float32), axis=1)


def knn_predict(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    test_features: np.ndarray,
    *,
    num_classes: int | None = None,
    k: int = 20,
    temperature: float = 0.07,
    chunk_size: int = 512,
) -> np.ndarray:
    """Weighted cosine kNN predictions (Wu et al., CVPR 2018).

    Test examples are processed `chunk_size` at a time (a [chunk, n_train]
    similarity matrix, then `tf.math.top_k`), so 10,000 x 60,000 needs about
    120 MB at a time with the default 512. Each of the k nearest training
    examples votes for its label with weight exp(cosine similarity /
    temperature); ties between classes go to the smaller label, ties between
    neighbours to the earlier training example.

    Args:
        train_features: [n_train, d] features of the labelled examples.
        train_labels: [n_train] int labels in [0, num_classes).
        test_features: [n_test, d] features to classify.
        num_classes: number of classes; `max(train_labels) + 1` if None.
        k: neighbours that vote, 1 <= k <= n_train.
        temperature: softness of the vote weights, > 0.
        chunk_size: test examples per similarity block.

    Returns:
        int64 [n_test] predicted labels.

    Raises:
        ValueError: `k`, `temperature` or `chunk_size` out of range, or
            mismatched shapes.
    """
    train_labels = np.asarray(train_labels, np.int64)
    train_features = np.asarray(train_features)
    test_features = np.asarray(test_features)
    n_train = len(train_labels)
    if train_features.ndim != 2 or test_features.ndim != 2:
        raise ValueError(
            f"features must be 2-D [n, d], got train {train_features.shape} and "
            f"test {test_features.shape}"
        )
    if train_features.shape[0] != n_train:
        raise ValueError(
            f"train_features has {train_features.shape[0]} rows but train_labels has {n_train}"
        )
    if train_features.shape[1] != test_features.shape[1]:
        raise ValueError(
            f"train and test features differ in size: {train_features.shape[1]} vs "
            f"{test_features.shape[1]}"
        )
    if isinstance(k, bool) or int(k) != k or not 1 <= k <= n_train:
        raise ValueError(f"k must be an int in [1, {n_train}] (the training set size), got {k!r}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if num_classes is None:
        num_classes = int(train_labels.max()) + 1
    if train_labels.min() < 0 or train_labels.max() >= num_classes:
        raise ValueError(f"train_labels must lie in [0, {num_classes}), got a label outside")

    train = _l2_normalize(train_features)
    labels = tf.constant(train_labels)
    k, inv_t = int(k), 1.0 / float(temperature)

    def classify(queries: tf.Tensor) -> tf.Tensor:
        similarity = tf.matmul(tf.math.l2_normalize(queries, axis=1), train, transpose_b=True)
        top_similarity, top_index = tf.math.top_k(similarity, k=k)
        # exp((s - s_max) / T): the same argmax as exp(s / T), without overflow at small T.
        weights = tf.exp((top_similarity - top_similarity[:, :1]) * inv_t)
        votes = tf.reduce_sum(
            tf.one_hot(tf.gather(labels, top_index), num_classes) * weights[..., None], axis=1
        )
        return tf.argmax(votes, axis=1)

    queries = tf.convert_to_tensor(test_features, tf.float32)
    predictions = [
        classify(queries[start : start + int(chunk_size)]).numpy()
        for start in range(0, test_features.shape[0], int(chunk_size))
    ]
    if not predictions:
        return np.zeros([0], np.int64)
    return np.concatenate(predictions).astype(np.int64)


def knn(
    encoder: keras.Model,
    data: EvalData,
    *,
    k: int = 20,
    temperature: float = 0.07,
    chunk_size: int = 512,
    batch_size: int = 512,
) -> dict:
    """Test accuracy of weighted cosine kNN on frozen features (Wu et al., CVPR 2018).

    The training split is the memory bank; each test example is classified by
    its `k` most cosine-similar training examples (see `knn_predict`).

    Args:
        encoder: the frozen representation (a single-input Keras model).
        data: the labelled dataset.
        k: neighbours that vote (Wu et al. use 200 on ImageNet; 20 suits
            10-class datasets).
        temperature: vote weight exp(similarity / temperature); 0.07 as Wu et al.
        chunk_size: test examples per similarity block.
        batch_size: batch size of the feature extraction.

    Returns:
        `{"accuracy": test accuracy}`.

    Raises:
        ValueError: `k` <= 0 or larger than the training split, `temperature` <= 0.
    """
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    train_x, train_y = split_features(encoder, data, "train", batch_size)
    test_x, test_y = split_features(encoder, data, "test", batch_size)
    predictions = knn_predict(
        train_x,
        train_y,
        test_x,
        num_classes=data.num_classes,
        k=k,
        temperature=temperature,
        chunk_size=chunk_size,
    )
    return {"accuracy": float(np.mean(predictions == test_y))}
