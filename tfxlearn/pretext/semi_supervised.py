"""Labelled and unlabelled examples mixed in every batch (semi-supervised training).

A few labelled examples - `labelled_per_class` of each class, the class-balanced
subset that `tfxlearn.data.balanced_subset` draws with the same seed, i.e.
the very examples the low-shot baseline trains on - are cycled (reshuffled on
each pass) to fill a fixed share of every batch; the rest of each batch comes
from the whole training split with its labels hidden (-1), as in the
semi-supervised GAN of Salimans et al. (NIPS 2016), whose every step sees a
labelled and an unlabelled batch. The labelled share being fixed keeps the
supervised signal steady however rare labels are.

The labelled examples are read into memory once (they are few) and each pass
over them follows a stateless permutation drawn from (seed, pass number), so
the batches depend only on `seed` and the order of `ds` - not on TensorFlow's
global seed nor on how often the dataset was iterated (a `Dataset.shuffle`
would reshuffle differently on every iteration, e.g. between a one-device and
a distributed run of the same epoch, or after resuming). Every iteration of
the returned dataset (every epoch) restarts the labelled stream at pass 0.

Shortcut guarded against: none is generated; the labels of unlabelled examples
never reach the model (they are replaced by -1 before batching).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import balanced_subset, to_float_images
from tfxlearn.registry import PRETEXT_OPS

UNLABELLED = -1
"""Label of the examples whose label is hidden."""


def _labels_by_index(ds: tf.data.Dataset, index_key: str, label_key: str) -> np.ndarray:
    """One pass over `ds`: label of each example index (indices 0..n-1)."""
    pairs = ds.map(lambda e: (e[index_key], e[label_key])).batch(8192)
    index, labels = [], []
    for i, y in pairs.as_numpy_iterator():
        index.append(i)
        labels.append(y)
    if not index:
        raise ValueError("semi_supervised: the dataset is empty")
    index, labels = np.concatenate(index), np.concatenate(labels)
    by_index = np.full(int(index.max()) + 1, -2, np.int64)
    by_index[index] = labels
    return by_index


def _examples_by_index(
    ds: tf.data.Dataset, chosen: np.ndarray, image_key: str, label_key: str, index_key: str
) -> tuple[np.ndarray, np.ndarray]:
    """One pass over `ds`: (images, labels) of the examples whose index is in
    `chosen`, in the order of `chosen`."""
    chosen_t = tf.constant(chosen, tf.int64)
    kept = ds.filter(
        lambda e: tf.reduce_any(tf.equal(tf.cast(e[index_key], tf.int64), chosen_t))
    ).map(lambda e: (tf.cast(e[index_key], tf.int64), e[image_key], e[label_key]))
    index, images, labels = [], [], []
    for i, x, y in kept.batch(1024).as_numpy_iterator():
        index.append(i)
        images.append(x)
        labels.append(y)
    index = np.concatenate(index)
    position = {int(i): k for k, i in enumerate(index)}
    order = [position[int(i)] for i in chosen]
    return np.concatenate(images)[order], np.concatenate(labels)[order]


@PRETEXT_OPS.register("semi_supervised")
def semi_supervised(
    ds: tf.data.Dataset,
    *,
    batch_size: int,
    num_classes: int,
    labelled_per_class: int = 10,
    labelled_fraction: float = 0.5,
    seed: int = 0,
    image_key: str = "image",
    label_key: str = "label",
    index_key: str = "index",
) -> tf.data.Dataset:
    """Mixed batches of (float32 images in [0, 1], int32 labels, -1 = unlabelled).

    Unlike the other pretext ops this one takes the *unbatched* examples and
    batches them itself (`semi_supervised.batches_itself`), since the labelled
    share of each batch comes from a separate, cycled stream.

    Args:
        ds: unbatched dataset of dicts with `image_key`, `label_key` and
            `index_key` (the example's position in the split, as the pipeline's
            ExampleGen gives it with `dataset.pretext_labels`). Its order may be
            shuffled; the labelled subset is defined on `index`.
        batch_size: examples per batch.
        num_classes: classes 0 .. num_classes - 1.
        labelled_per_class: labelled examples kept per class.
        labelled_fraction: share of each batch taken from the labelled subset,
            in (0, 1); at least one example.
        seed: seed of the labelled subset (`balanced_subset`) and of its reshuffles.
        image_key, label_key, index_key: keys of the dict elements.

    Returns:
        A dataset of (images [batch_size, h, w, c] float32, labels [batch_size]
        int32) - the labelled examples first in each batch; one pass over `ds`
        in unlabelled batches (the rest dropped) is one epoch.
    """
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"semi_supervised: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = ds.element_spec
    if not isinstance(spec, dict) or not {image_key, label_key, index_key} <= set(spec):
        raise ValueError(
            f"semi_supervised: ds must yield unbatched dicts with keys {image_key!r}, "
            f"{label_key!r} and {index_key!r} (in a pipeline: dataset.pretext_labels = True); "
            f"got {spec}"
        )
    if spec[image_key].shape.rank != 3:
        raise ValueError(
            f"semi_supervised: ds must yield single images [height, width, channels] (it "
            f"batches itself), got image shape {spec[image_key].shape}"
        )
    if int(num_classes) < 2:
        raise ValueError(f"semi_supervised: num_classes must be >= 2, got {num_classes}")
    if not 0.0 < float(labelled_fraction) < 1.0:
        raise ValueError(
            f"semi_supervised: labelled_fraction must be in (0, 1), got {labelled_fraction}"
        )
    batch_size = int(batch_size)
    labelled_batch = max(1, int(round(float(labelled_fraction) * batch_size)))
    if batch_size < 2 or labelled_batch >= batch_size:
        raise ValueError(
            f"semi_supervised: batch_size={batch_size} with labelled_fraction="
            f"{labelled_fraction} leaves no room for unlabelled examples"
        )
    by_index = _labels_by_index(ds, index_key, label_key)
    present = by_index[by_index != -2]
    bad = present[(present < 0) | (present >= int(num_classes))]
    if bad.size:
        raise ValueError(
            f"semi_supervised: label ids outside the class count: found {sorted(set(bad))[:5]} "
            f"with num_classes={num_classes} (labels must be in 0..{int(num_classes) - 1})"
        )
    # Indices of missing examples get label -2: never chosen by balanced_subset.
    chosen = balanced_subset(by_index, int(labelled_per_class), int(num_classes), seed=seed)
    n_labelled = len(chosen)
    labelled_images, labelled_labels = _examples_by_index(
        ds, chosen, image_key, label_key, index_key
    )
    labelled_images = tf.constant(labelled_images)
    labelled_labels = tf.constant(labelled_labels.astype(np.int32))
    pass_seed = int(seed) % (2**31 - 1)

    def permutation(pass_number):
        # Stateless: the p-th pass over the labelled examples is the same in every run.
        seed_pair = tf.stack([tf.constant(pass_seed, tf.int64), pass_number])
        order = tf.random.experimental.stateless_shuffle(tf.range(n_labelled), seed=seed_pair)
        return tf.data.Dataset.from_tensor_slices(order)

    def gather(rows):
        return to_float_images(tf.gather(labelled_images, rows)), tf.gather(labelled_labels, rows)

    labelled = (
        tf.data.Dataset.counter()
        .flat_map(permutation)
        .batch(labelled_batch, drop_remainder=True)
        .map(gather)
    )

    unlabelled_batch = batch_size - labelled_batch

    def hidden(batch):  # vectorized: one map per batch
        labels = tf.fill([unlabelled_batch], tf.constant(UNLABELLED, tf.int32))
        return to_float_images(batch[image_key]), labels

    unlabelled = ds.batch(unlabelled_batch, drop_remainder=True).map(
        hidden, num_parallel_calls=tf.data.AUTOTUNE
    )

    def merge(lab, unlab):
        return tf.concat([lab[0], unlab[0]], 0), tf.concat([lab[1], unlab[1]], 0)

    # The labelled stream is endless, so tf.data cannot infer the length of the zip;
    # state it (one pass over ds). With an unknown length, `fit` reported wrong
    # metric values (measured on one 8-example batch: a Mean tracker's count
    # doubled for one or both replicas, nondeterministically; also on one device).
    batches = (by_index != -2).sum() // unlabelled_batch
    return (
        tf.data.Dataset.zip(labelled, unlabelled)
        .map(merge)
        .apply(tf.data.experimental.assert_cardinality(int(batches)))
    )


semi_supervised.batches_itself = True
