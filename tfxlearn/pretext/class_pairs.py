"""Pairs of images labelled similar / dissimilar by their classes, for Siamese
networks trained with the contrastive loss (Bromley et al., "Signature
Verification using a Siamese Time Delay Neural Network", NIPS 1993; Hadsell,
Chopra & LeCun, "Dimensionality Reduction by Learning an Invariant Mapping",
CVPR 2006).

Every image of a batch is the first member of one pair; its partner is drawn
from the same batch: of the same class (another image, never itself) at even
batch positions, of another class at odd positions, uniformly among the
candidates (stateless, seeded per batch). The pair's label is 1 when the two
classes agree, 0 otherwise (`tfxlearn.losses.ContrastiveLoss`'s convention).
All pairs of a batch are drawn at once from one [batch, batch] matrix of
random scores masked to the allowed partners - no per-example loop.

Shortcuts guarded against:
- Identity pairs. An image is never its own positive partner (a pair of two
  identical images has distance 0 whatever the encoder); a class with a
  single image in the batch gets a dissimilar partner instead (label 0).
- Unbalanced labels. Random partners would be mostly dissimilar (9 of 10 for
  ten balanced classes) and the encoder could learn to push everything apart;
  alternating positions give half similar pairs, and since the halves
  interleave, each replica's share of a global batch is balanced too. A batch
  of a single class can only give similar pairs.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import image_batches_spec, images_of, map_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS


def labelled_batches_spec(ds, op: str, image_key: str, label_key: str) -> None:
    """Checks that `ds` yields batches of images with integer class labels."""
    spec = ds.element_spec if isinstance(ds, tf.data.Dataset) else None
    image_batches_spec(ds, op, image_key)
    if isinstance(spec, dict):
        if label_key not in spec:
            raise ValueError(
                f"{op}: dataset elements have no {label_key!r} key (keys: {sorted(spec)}); "
                "in a pipeline set dataset.pretext_labels = True"
            )
        labels = spec[label_key]
    elif isinstance(spec, tuple) and len(spec) >= 2:
        labels = spec[1]
    else:
        raise ValueError(f"{op}: ds must yield dicts with class labels or (images, labels) tuples")
    if labels.shape.rank != 1 or not labels.dtype.is_integer:
        raise ValueError(
            f"{op}: labels must be integer classes [batch], got {labels.dtype.name} "
            f"of shape {labels.shape}"
        )


def images_and_labels(element, image_key: str, label_key: str) -> tuple[tf.Tensor, tf.Tensor]:
    """(float32 images in [0, 1], int32 labels) of a batched element."""
    labels = element[label_key] if isinstance(element, dict) else element[1]
    return to_float_images(images_of(element, image_key)), tf.cast(labels, tf.int32)


def map_labelled_batches(
    ds: tf.data.Dataset, seed: int, op: str, image_key: str, label_key: str, make
) -> tf.data.Dataset:
    """Checks `ds` (`labelled_batches_spec`), then maps each batch to
    `make(float images, int32 labels, int32 stateless seed [seed, batch index])`."""
    labelled_batches_spec(ds, op, image_key, label_key)

    def make_batch(batch_seed, element):
        images, labels = images_and_labels(element, image_key, label_key)
        return make(images, labels, tf.cast(batch_seed, tf.int32))

    return map_batches(ds, seed, make_batch)


def class_partners(labels: tf.Tensor, want_same: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """For each example, the index of a partner in the same batch.

    Args:
        labels: int [batch] classes.
        want_same: bool [batch], whether example i's partner should share its class.
        seed: int [2] stateless seed.

    Returns:
        int32 [batch]: a uniformly drawn other example of the same class where
        `want_same` (else of another class), falling back to the other kind
        when the batch has no candidate of the wanted kind, and to the example
        itself only when the batch has a single example.
    """
    batch = tf.shape(labels)[0]
    same = tf.equal(labels[:, None], labels[None, :])
    other = tf.logical_not(tf.eye(batch, dtype=tf.bool))
    same_other = tf.logical_and(same, other)
    different = tf.logical_not(same)
    want = tf.where(want_same[:, None], same_other, different)
    fallback = tf.where(want_same[:, None], different, same_other)
    allowed = tf.where(tf.reduce_any(want, axis=1, keepdims=True), want, fallback)
    scores = tf.random.stateless_uniform([batch, batch], tf.cast(seed, tf.int32))
    scores = tf.where(allowed, scores, -1.0)
    chosen = tf.argmax(scores, axis=1, output_type=tf.int32)
    return tf.where(tf.reduce_any(allowed, axis=1), chosen, tf.range(batch))


def make_pairs(
    images: tf.Tensor, labels: tf.Tensor, seed: tf.Tensor
) -> tuple[tuple[tf.Tensor, tf.Tensor], tf.Tensor]:
    """((images, partners), similar) for one batch: partners of the same class at even
    positions, of another class at odd ones; `similar` float32 1 / 0."""
    labels = tf.cast(labels, tf.int32)
    want_same = tf.equal(tf.range(tf.shape(labels)[0]) % 2, 0)
    partner = class_partners(labels, want_same, seed)
    similar = tf.cast(tf.equal(labels, tf.gather(labels, partner)), tf.float32)
    return (images, tf.gather(images, partner)), similar


@PRETEXT_OPS.register("class_pairs")
def class_pairs(
    ds: tf.data.Dataset, *, seed: int = 0, image_key: str = "image", label_key: str = "label"
) -> tf.data.Dataset:
    """Turns labelled image batches into balanced similar / dissimilar pairs.

    Args:
        ds: batched dataset of dicts holding `image_key` and `label_key` (in a
            pipeline: `dataset.pretext_labels = True`) or (images, labels) tuples,
            images [batch, height, width, channels] uint8 or float in [0, 1].
        seed: the partners of batch i are drawn from the stateless seed [seed, i].
        image_key, label_key: keys of dict elements.

    Returns:
        A dataset of `((first, second), similar)`: two float32 image batches in
        [0, 1] and float32 [batch] labels, 1 for a pair of one class.
    """
    return map_labelled_batches(ds, seed, "class_pairs", image_key, label_key, make_pairs)


@PRETEXT_PLOTS.register("class_pairs")
def plot(batch, path: str, *, title: str | None = None, model=None, pairs: int = 16) -> str:
    """Pairs side by side, captioned same / diff (and, with a Siamese `model`, the
    distance of their embeddings)."""
    from tfxlearn import viz  # plotting only

    (first, second), similar = batch
    first, second = (np.asarray(t, np.float32)[:pairs] for t in (first, second))
    similar = np.asarray(similar)[:pairs]
    sides = np.concatenate([first, np.ones_like(first[:, :, :2]), second], axis=2)
    labels = ["same" if s else "diff" for s in similar]
    if model is not None:
        d = np.linalg.norm(np.asarray(model(first)) - np.asarray(model(second)), axis=1)
        labels = [f"{label} d={v:.2f}" for label, v in zip(labels, d)]
    return viz.image_grid(sides, labels, path, columns=4, title=title or "pairs")
