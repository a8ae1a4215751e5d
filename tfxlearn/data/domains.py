"""(source, target) batches for domain adaptation in tf.data.

Unsupervised domain adaptation trains on labelled examples of a source domain and
unlabelled examples of a target domain at the same time (Ganin & Lempitsky, ICML
2015: each SGD batch holds half source, half target). `domain_pairs` builds those
batches from two unbatched datasets:

    ((source_images, target_images), source_labels)
     float32 [b, H, W, C] in [0, 1] x2,  int32 [b]

- One pass over the target dataset, in batches of `batch_size` (the rest
  dropped), is one epoch; the target's labels, if it has any, are dropped
  before batching, so they never reach a model.
- The source is read into memory once and cycled endlessly, each pass in a
  stateless permutation drawn from (seed, pass number): the batches depend only
  on `seed` and the target's order, not on TensorFlow's global seed nor on how
  often the dataset was iterated (each iteration restarts at pass 0).
- Both domains must have the same image shape: `load_pair(..., image_size=)`
  resizes both (bilinear, 1 <-> 3 channels; e.g. scikit-learn's 8x8 `digits` to
  `font_digits`' 28x28); without it, different shapes are refused.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data.images import to_float_images


def _source_arrays(ds: tf.data.Dataset, image_key: str, label_key: str):
    batches = list(ds.map(lambda e: (e[image_key], e[label_key])).batch(4096).as_numpy_iterator())
    if not batches:
        raise ValueError("domain_pairs: the source dataset is empty")
    images = np.concatenate([b[0] for b in batches])
    labels = np.concatenate([b[1] for b in batches]).astype(np.int32)
    return images, labels


def _image_spec(ds, image_key: str, role: str) -> tf.TensorSpec:
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"domain_pairs: {role} must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = ds.element_spec
    if not isinstance(spec, dict) or image_key not in spec:
        raise ValueError(
            f"domain_pairs: {role} must yield dicts with an {image_key!r} feature, got {spec}"
        )
    if spec[image_key].shape.rank != 3:
        raise ValueError(
            f"domain_pairs: {role} must yield single (unbatched) images [height, width, "
            f"channels], got image shape {spec[image_key].shape}"
        )
    return spec[image_key]


def domain_pairs(
    source: tf.data.Dataset,
    target: tf.data.Dataset,
    *,
    batch_size: int,
    seed: int = 0,
    image_key: str = "image",
    label_key: str = "label",
) -> tf.data.Dataset:
    """Batches `((source_images, target_images), source_labels)`; see the module doc.

    Args:
        source: unbatched dicts with `image_key` and `label_key` (labelled domain).
        target: unbatched dicts with `image_key` (other keys are dropped).
        batch_size: examples of *each* domain per batch.
        seed: seed of the source's per-pass permutations.

    Raises:
        ValueError: the datasets are batched, lack a key, or their image shapes
            differ (naming `image_size`, the option that resizes them).
    """
    source_spec = _image_spec(source, image_key, "source")
    target_spec = _image_spec(target, image_key, "target")
    if label_key not in source.element_spec:
        raise ValueError(
            f"domain_pairs: the source must be labelled (feature {label_key!r}), got "
            f"{sorted(source.element_spec)}"
        )
    if source_spec.shape != target_spec.shape:
        raise ValueError(
            f"domain_pairs: source images {tuple(source_spec.shape)} and target images "
            f"{tuple(target_spec.shape)} differ in size or channel count; resize both to one "
            "shape (load_pair(..., image_size=(height, width, channels)), in a pipeline the "
            "op's `image_size` argument)"
        )
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"domain_pairs: batch_size must be >= 1, got {batch_size}")
    images, labels = _source_arrays(source, image_key, label_key)
    n_source = len(labels)
    if n_source < batch_size:
        raise ValueError(
            f"domain_pairs: the source has {n_source} examples, fewer than batch_size={batch_size}"
        )
    source_images, source_labels = tf.constant(images), tf.constant(labels)
    pass_seed = int(seed) % (2**31 - 1)

    def permutation(pass_number):
        seed_pair = tf.stack([tf.constant(pass_seed, tf.int64), pass_number])
        order = tf.random.experimental.stateless_shuffle(tf.range(n_source), seed=seed_pair)
        return tf.data.Dataset.from_tensor_slices(order)

    def gather(rows):
        return to_float_images(tf.gather(source_images, rows)), tf.gather(source_labels, rows)

    source_batches = (
        tf.data.Dataset.counter()
        .flat_map(permutation)
        .batch(batch_size, drop_remainder=True)
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    )
    target_batches = (
        target.map(lambda e: e[image_key])
        .batch(batch_size, drop_remainder=True)
        .map(to_float_images, num_parallel_calls=tf.data.AUTOTUNE)
    )
    count = int(target.cardinality())
    if count < 0:  # unknown (a filter): count once
        count = int(target.reduce(np.int64(0), lambda n, _: n + 1))
    steps = count // batch_size
    if steps < 1:
        raise ValueError(
            f"domain_pairs: the target has {count} examples, fewer than batch_size={batch_size}"
        )
    # The source stream is endless: state the epoch's length (one pass over the
    # target), which Keras needs for correct metrics and progress.
    return (
        tf.data.Dataset.zip(source_batches, target_batches)
        .map(lambda s, t: ((s[0], t), s[1]))
        .apply(tf.data.experimental.assert_cardinality(steps))
    )


def load_pair(
    source: str,
    target: str,
    *,
    batch_size: int,
    source_split: str = "train",
    target_split: str = "train",
    image_size=None,
    seed: int = 0,
    max_source: int | None = None,
    data_dir: str | None = None,
) -> tf.data.Dataset:
    """`domain_pairs` of two TFDS datasets by name, e.g.
    `load_pair("font_digits", "digits", batch_size=64, image_size=(28, 28, 1))`.

    The target split is read in stored order (shuffle it yourself for training:
    pass your own datasets to `domain_pairs`); `max_source` keeps the first
    examples of the source split.
    """
    from tfxlearn.data import load  # the package's load (split guard, offline names)

    src = load(source, source_split, data_dir=data_dir, image_size=image_size)
    if max_source:
        src = src.take(int(max_source))
    tgt = load(target, target_split, data_dir=data_dir, image_size=image_size)
    return domain_pairs(src, tgt, batch_size=batch_size, seed=seed)
