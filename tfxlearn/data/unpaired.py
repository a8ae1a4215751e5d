"""(images of A, images of B) batches of two unlabelled domains in tf.data, for
unpaired image-to-image translation (CycleGAN: Zhu et al., ICCV 2017).

The same construction as `tfxlearn.data.domains.domain_pairs` without labels:

    (images_a, images_b)     float32 [b, H, W, C] in [0, 1] each

- One pass over domain B, in batches of `batch_size` (the rest dropped), is one
  epoch; domain A is read into memory once and cycled endlessly, each pass in a
  stateless permutation drawn from (seed, pass number).
- Every feature but the image is dropped from both domains: no label reaches a
  model, nothing pairs an A image with a B image of the same class.
- Both domains must have the same image shape: `load_unpaired(...,
  image_size=)` resizes both (bilinear, 1 <-> 3 channels); without it,
  different shapes are refused, naming that option.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data.domains import _image_spec
from tfxlearn.data.images import to_float_images


def _check_same_shape(spec_a, spec_b) -> None:
    if spec_a.shape != spec_b.shape:
        raise ValueError(
            f"unpaired_batches: domain A images {tuple(spec_a.shape)} and domain B images "
            f"{tuple(spec_b.shape)} differ in size or channel count; resize both to one "
            "shape (load_unpaired(..., image_size=(height, width, channels)), in a pipeline "
            "the op's `image_size` argument)"
        )


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
    _check_same_shape(spec_a, spec_b)
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
