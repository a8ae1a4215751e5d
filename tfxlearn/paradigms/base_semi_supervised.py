"""Shared parts of the semi-supervised paradigms (SGAN, the latent classifier):
batches mix a few labelled examples with many unlabelled ones
(`tfxlearn.pretext.semi_supervised`, label -1 = unlabelled). Label checks, the
cross-entropy of the labelled examples only, and NumPy helpers; the means over
the labelled examples of the global batch are `tfxlearn.distribute.subset_mean`.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.pretext.semi_supervised import UNLABELLED


def supervised_loss_values(labels: tf.Tensor, class_logits: tf.Tensor) -> tf.Tensor:
    """Per-example cross-entropy -log softmax(l)_y; 0 for unlabelled examples (label -1)."""
    labels = tf.cast(labels, tf.int32)
    labelled = labels >= 0
    values = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.maximum(labels, 0), logits=class_logits
    )
    return tf.where(labelled, values, tf.zeros_like(values))


def check_labels(labels, num_classes: int, batch: int | None = None) -> tf.Tensor:
    """int32 labels [batch] checked to be class ids 0..K-1 or -1 (unlabelled).

    Eagerly a `ValueError`; inside a traced function `tf.debugging` assertions
    (an `InvalidArgumentError` with the same message when a step runs).
    """
    labels = tf.convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise ValueError(
            f"labels must be integer class ids (-1 = unlabelled), got dtype {labels.dtype.name}"
        )
    if labels.shape.rank != 1:
        raise ValueError(f"labels must be a vector [batch], got shape {labels.shape}")
    if batch is not None and labels.shape[0] is not None and labels.shape[0] != batch:
        raise ValueError(f"labels must have one id per image ({batch}), got {labels.shape[0]}")
    labels = tf.cast(labels, tf.int32)
    message = (
        f"label ids outside the class count: labels must be in 0..{int(num_classes) - 1} "
        f"(num_classes={int(num_classes)}) or {UNLABELLED} (unlabelled)"
    )
    if tf.executing_eagerly():
        values = labels.numpy()
        bad = values[(values < UNLABELLED) | (values >= int(num_classes))]
        if bad.size:
            raise ValueError(f"{message}; got {sorted(set(bad.tolist()))[:5]}")
        return labels
    checks = [
        tf.debugging.assert_greater_equal(labels, UNLABELLED, message=message),
        tf.debugging.assert_less(labels, int(num_classes), message=message),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(labels)
