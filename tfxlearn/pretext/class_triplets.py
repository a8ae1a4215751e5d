"""Triplets (anchor, positive, negative) drawn from class labels, for Siamese
networks trained with the triplet loss (Schroff, Kalenichenko & Philbin,
"FaceNet: A Unified Embedding for Face Recognition and Clustering", CVPR 2015).

Every image of a batch is an anchor; its positive is another image of its
class and its negative an image of another class, both drawn uniformly from
the same batch (stateless, seeded per batch; one [batch, batch] matrix of
random scores per draw, no per-example loop). The op returns the three image
batches and their classes: the triplet loss of `tfxlearn.paradigms.get(
"siamese")` does not stop at the drawn negative but mines a semi-hard one
among all the batch's embeddings of other classes, so the drawn triplets
guarantee that every anchor has a positive and at least one negative.

Shortcuts guarded against:
- Identity positives. An anchor is never its own positive (distance 0 for any
  encoder); only an anchor whose class has no other image in the batch gets
  itself, which costs the loss nothing to satisfy and carries no signal.
- Missing negatives. The drawn negative is of another class whenever the batch
  holds one, so mining always has a candidate.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.pretext.class_pairs import class_partners, map_labelled_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS


def make_triplets(images: tf.Tensor, labels: tf.Tensor, seed: tf.Tensor):
    """((anchors, positives, negatives), classes int32 [batch, 3]) for one batch."""
    labels = tf.cast(labels, tf.int32)
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int32), 2)
    batch = tf.shape(labels)[0]
    positive = class_partners(labels, tf.ones([batch], tf.bool), seeds[0])
    same = tf.equal(labels, tf.gather(labels, positive))
    positive = tf.where(same, positive, tf.range(batch))  # no other image of the class
    negative = class_partners(labels, tf.zeros([batch], tf.bool), seeds[1])
    classes = tf.stack([labels, tf.gather(labels, positive), tf.gather(labels, negative)], 1)
    return (images, tf.gather(images, positive), tf.gather(images, negative)), classes


@PRETEXT_OPS.register("class_triplets")
def class_triplets(
    ds: tf.data.Dataset, *, seed: int = 0, image_key: str = "image", label_key: str = "label"
) -> tf.data.Dataset:
    """Turns labelled image batches into (anchor, positive, negative) triplets.

    Args:
        ds: batched dataset of dicts holding `image_key` and `label_key` (in a
            pipeline: `dataset.pretext_labels = True`) or (images, labels) tuples,
            images [batch, height, width, channels] uint8 or float in [0, 1].
        seed: the triplets of batch i are drawn from the stateless seed [seed, i].
        image_key, label_key: keys of dict elements.

    Returns:
        A dataset of `((anchors, positives, negatives), classes)`: three float32
        image batches in [0, 1] and int32 [batch, 3], the class of each member.
    """
    return map_labelled_batches(ds, seed, "class_triplets", image_key, label_key, make_triplets)


@PRETEXT_PLOTS.register("class_triplets")
def plot(batch, path: str, *, title: str | None = None, model=None, triplets: int = 12) -> str:
    """Anchor | positive | negative side by side, captioned with their classes."""
    from tfxlearn import viz  # plotting only

    members, classes = batch
    a, p, n = (np.asarray(t, np.float32)[:triplets] for t in members)
    classes = np.asarray(classes)[:triplets]
    gap = np.ones_like(a[:, :, :2])
    sides = np.concatenate([a, gap, p, gap, n], axis=2)
    labels = [f"{c[0]} | {c[1]} | {c[2]}" for c in classes]
    return viz.image_grid(sides, labels, path, columns=4, title=title or "anchor | pos | neg")
