"""The triplet loss with semi-hard negatives mined inside the batch (Schroff,
Kalenichenko & Philbin, "FaceNet: A Unified Embedding for Face Recognition and
Clustering", CVPR 2015, eq. 2 and section 3.2):

    L(a, p, n) = max(0, ||f(a) - f(p)||^2 - ||f(a) - f(n)||^2 + alpha)

for an anchor a, a positive p of the same class and a negative n of another
class; alpha is the margin (the paper uses 0.2 with L2-normalized embeddings).

Mining. Every (anchor, positive) pair of the batch is used (the paper: "we use
all anchor-positive pairs in a mini-batch"). Its negative is *semi-hard*:
among the batch's negatives farther from the anchor than the positive
(d(a, n) > d(a, p)), the closest one - the hardest negative that does not yet
violate the ordering, so its loss is positive only while it lies within the
margin. Hardest negatives (d(a, n) < d(a, p)) are avoided, as the paper found
they lead to collapsed models early in training. When an anchor-positive pair
has no semi-hard negative (every negative is closer than the positive), the
farthest negative of the batch is used instead, the same fallback as
TensorFlow Addons' `triplet_semihard_loss`.

The value of an anchor is the mean of its pairs' hinge terms (0 for an anchor
with no positive or no negative in the batch); the loss is the mean over
anchors. `semi_hard_triplet_values` also takes anchors that are a subset of
the candidates (one replica's rows of an all-gathered global batch), so a
model under a `tf.distribute` strategy mines over the whole global batch.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def squared_distances(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """[n, m] squared Euclidean distances between the rows of x [n, d] and y [m, d]."""
    squared = (
        tf.reduce_sum(tf.square(x), axis=1)[:, None]
        + tf.reduce_sum(tf.square(y), axis=1)[None, :]
        - 2.0 * tf.matmul(x, y, transpose_b=True)
    )
    return tf.maximum(squared, 0.0)


def semi_hard_triplet_values(
    anchors: tf.Tensor,
    anchor_labels: tf.Tensor,
    candidates: tf.Tensor,
    candidate_labels: tf.Tensor,
    anchor_positions: tf.Tensor | None = None,
    margin: float = 0.2,
) -> tf.Tensor:
    """Per-anchor semi-hard triplet loss (see the module docstring).

    Args:
        anchors: float [a, d] embeddings.
        anchor_labels: int [a] classes of the anchors.
        candidates: float [n, d] embeddings the positives and negatives are taken from.
        candidate_labels: int [n] their classes.
        anchor_positions: int [a], the row of each anchor among the candidates
            (it is not its own positive); None when the anchors are not
            among the candidates.
        margin: alpha >= 0.

    Returns:
        float [a]: the mean hinge term over each anchor's positives.
    """
    anchors = tf.convert_to_tensor(anchors)
    candidates = tf.cast(candidates, anchors.dtype)
    distances = squared_distances(anchors, candidates)  # [a, n]
    same = tf.equal(
        tf.cast(anchor_labels, tf.int64)[:, None], tf.cast(candidate_labels, tf.int64)[None, :]
    )
    negative = tf.logical_not(same)
    positive = same
    if anchor_positions is not None:
        n = tf.shape(candidates)[0]
        itself = tf.equal(tf.cast(anchor_positions, tf.int32)[:, None], tf.range(n)[None, :])
        positive = tf.logical_and(same, tf.logical_not(itself))
    d_ap = distances[:, :, None]  # [a, p, 1]
    d_an = distances[:, None, :]  # [a, 1, n]
    farther = tf.logical_and(negative[:, None, :], d_an > d_ap)  # [a, p, n]
    inf = tf.constant(float("inf"), distances.dtype)
    semi_hard = tf.reduce_min(tf.where(farther, d_an, inf), axis=2)  # [a, p]
    farthest = tf.reduce_max(tf.where(negative, distances, -inf), axis=1, keepdims=True)
    chosen = tf.where(tf.reduce_any(farther, axis=2), semi_hard, farthest)
    valid = tf.logical_and(positive, tf.reduce_any(negative, axis=1, keepdims=True))
    hinge = tf.where(valid, tf.nn.relu(distances - chosen + margin), tf.zeros_like(distances))
    count = tf.reduce_sum(tf.cast(valid, distances.dtype), axis=1)
    return tf.reduce_sum(hinge, axis=1) / tf.maximum(count, 1.0)


@keras.saving.register_keras_serializable(package="tfxlearn")
class TripletLoss(keras.losses.Loss):
    """Semi-hard triplet loss of a batch: `y_true` int classes [batch], `y_pred`
    embeddings [batch, dim]; every row is an anchor, the batch its candidates.

    Args:
        margin: alpha >= 0 (FaceNet 0.2 for unit-norm embeddings).
        reduction, name, dtype: as for any `keras.losses.Loss`.
    """

    def __init__(
        self,
        margin: float = 0.2,
        reduction: str = "sum_over_batch_size",
        name: str = "triplet",
        dtype=None,
    ):
        if not float(margin) >= 0:
            raise ValueError(f"TripletLoss: margin must be >= 0, got {margin!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = float(margin)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) != 2:
            raise ValueError(
                f"TripletLoss: y_pred must be embeddings [batch, dim], got shape {y_pred.shape}"
            )
        labels = tf.reshape(y_true, [-1])
        positions = tf.range(tf.shape(y_pred)[0])
        return semi_hard_triplet_values(y_pred, labels, y_pred, labels, positions, self.margin)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}
