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
- `unpaired_batches` / `load_unpaired` make `(images_a, images_b)` batches of two
  unlabelled domains the same way (unpaired translation, CycleGAN).
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


def _check_same_shape(spec_a, spec_b, caller: str, roles: tuple, loader: str) -> None:
    if spec_a.shape != spec_b.shape:
        raise ValueError(
            f"{caller}: {roles[0]} images {tuple(spec_a.shape)} and {roles[1]} images "
            f"{tuple(spec_b.shape)} differ in size or channel count; resize both to one "
            f"shape ({loader}(..., image_size=(height, width, channels)), in a pipeline the "
            "op's `image_size` argument)"
        )


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
    _check_same_shape(source_spec, target_spec, "domain_pairs", ("source", "target"), "load_pair")
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


def unpaired_batches(
    a: tf.data.Dataset,
    b: tf.data.Dataset,
    *,
    batch_size: int,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Batches `(images_a, images_b)` of two unlabelled domains (unpaired translation,
    e.g. CycleGAN), float32 [batch_size, H, W, C] in [0, 1] each.

    As `domain_pairs` without labels: one pass over `b` in batches of `batch_size`
    (the rest dropped) is one epoch; `a` is read into memory and cycled in stateless
    per-pass permutations of `seed`. Every feature but `image_key` is dropped from
    both, so no label reaches a model. Both domains must have one image shape
    (`load_unpaired(..., image_size=)` resizes both).

    Raises:
        ValueError: a dataset is batched or lacks `image_key`, the image shapes differ
            (naming `image_size`), or a domain has fewer than `batch_size` examples.
    """
    spec_a = _image_spec(a, image_key, "a")
    spec_b = _image_spec(b, image_key, "b")
    _check_same_shape(spec_a, spec_b, "unpaired_batches", ("domain A", "domain B"), "load_unpaired")
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"unpaired_batches: batch_size must be >= 1, got {batch_size}")
    batches = list(a.map(lambda e: e[image_key]).batch(4096).as_numpy_iterator())
    images = np.concatenate(batches) if batches else np.zeros([0])
    n_a = len(images)
    if n_a < batch_size:
        raise ValueError(
            f"unpaired_batches: domain A has {n_a} examples, fewer than batch_size={batch_size}"
        )
    a_images = tf.constant(images)
    pass_seed = int(seed) % (2**31 - 1)

    def permutation(pass_number):
        seed_pair = tf.stack([tf.constant(pass_seed, tf.int64), pass_number])
        order = tf.random.experimental.stateless_shuffle(tf.range(n_a), seed=seed_pair)
        return tf.data.Dataset.from_tensor_slices(order)

    a_batches = (
        tf.data.Dataset.counter()
        .flat_map(permutation)
        .batch(batch_size, drop_remainder=True)
        .map(lambda rows: to_float_images(tf.gather(a_images, rows)))
    )
    b_batches = (
        b.map(lambda e: e[image_key])
        .batch(batch_size, drop_remainder=True)
        .map(to_float_images, num_parallel_calls=tf.data.AUTOTUNE)
    )
    count = int(b.cardinality())
    if count < 0:  # unknown (a filter): count once
        count = int(b.reduce(np.int64(0), lambda n, _: n + 1))
    steps = count // batch_size
    if steps < 1:
        raise ValueError(
            f"unpaired_batches: domain B has {count} examples, fewer than batch_size={batch_size}"
        )
    return tf.data.Dataset.zip(a_batches, b_batches).apply(
        tf.data.experimental.assert_cardinality(steps)
    )


def load_unpaired(
    a: str,
    b: str,
    *,
    batch_size: int,
    a_split: str = "train",
    b_split: str = "train",
    image_size=None,
    seed: int = 0,
    max_a: int | None = None,
    data_dir: str | None = None,
) -> tf.data.Dataset:
    """`unpaired_batches` of two TFDS datasets by name, e.g.
    `load_unpaired("font_digits", "digits", batch_size=16, image_size=(28, 28, 1))`
    (B read in stored order; `max_a` keeps the first examples of A)."""
    from tfxlearn.data import load  # the package's load (split guard, offline names)

    first = load(a, a_split, data_dir=data_dir, image_size=image_size)
    if max_a:
        first = first.take(int(max_a))
    second = load(b, b_split, data_dir=data_dir, image_size=image_size)
    return unpaired_batches(first, second, batch_size=batch_size, seed=seed)
