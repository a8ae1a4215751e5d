"""Helpers shared by the pretext ops: element unpacking, validation, per-batch seeds."""

from __future__ import annotations

import tensorflow as tf


def images_of(element, image_key: str = "image") -> tf.Tensor:
    """The images of a dataset element: a dict (TFDS), a tuple (images first) or a tensor."""
    if isinstance(element, dict):
        if image_key not in element:
            raise ValueError(
                f"dataset elements are dicts without the image key {image_key!r} "
                f"(keys: {sorted(element)}); pass image_key="
            )
        return element[image_key]
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def image_spec_of(ds: tf.data.Dataset, image_key: str = "image") -> tf.TensorSpec:
    return images_of(ds.element_spec, image_key)


def require_image_batch(spec: tf.TensorSpec, op: str, argument: str = "ds") -> None:
    """Raises a clear error unless `spec` describes a batch [batch, height, width, channels]."""
    rank = spec.shape.rank
    if rank == 3:
        raise ValueError(
            f"{op}: {argument} yields single images of shape {spec.shape}; pretext ops are "
            "vectorized and expect batches [batch, height, width, channels] - call "
            f"{argument}.batch(n) first"
        )
    if rank != 4:
        raise ValueError(
            f"{op}: {argument} must yield image batches of rank 4 [batch, height, width, "
            f"channels], got shape {spec.shape}"
        )
    if not (spec.dtype.is_floating or spec.dtype.is_integer):
        raise ValueError(f"{op}: images must be numeric, got dtype {spec.dtype.name}")


def image_batches_spec(ds, op: str, image_key: str = "image") -> tf.TensorSpec:
    """The image spec of a pretext op's input, after checking that `ds` is a
    tf.data.Dataset of image batches (clear errors naming `op`)."""
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{op}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = image_spec_of(ds, image_key)
    require_image_batch(spec, op)
    return spec


def text_batches_spec(ds, op: str, text_key: str = "text") -> tf.TensorSpec:
    """The text spec of a text pretext op's input, after checking that `ds` is a
    tf.data.Dataset of string batches [batch] (clear errors naming `op`)."""
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{op}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = images_of(ds.element_spec, text_key)
    if spec.dtype != tf.string or spec.shape.rank != 1:
        hint = " - call ds.batch(n) first" if spec.shape.rank == 0 else ""
        raise ValueError(
            f"{op}: ds must yield batches of strings [batch], got {spec.dtype.name} "
            f"of shape {spec.shape}{hint}"
        )
    return spec


def check_range(op: str, name: str, value, low: float, high: float | None = None):
    """`value` as a (min, max) float pair with low <= min <= max (<= high), else a
    ValueError naming the op and the argument."""
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: {name} must be a pair (min, max), got {value!r}") from None
    if not (low <= a <= b) or (high is not None and b > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{op}: {name} must satisfy min <= max within {bound}, got {value!r}")
    return a, b


def batch_seeds(ds: tf.data.Dataset, seed: int) -> tf.data.Dataset:
    """Pairs each element with a stateless seed [seed, batch_index] (same seed -> same labels)."""
    return ds.enumerate().map(
        lambda i, element: (tf.stack([tf.constant(seed, tf.int64), i]), element),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


def map_batches(ds: tf.data.Dataset, seed: int, make) -> tf.data.Dataset:
    """`ds.map(make(batch_seed, element))` in order, where batch i gets the stateless
    seed [seed, i] (`batch_seeds`): the tf.data side of every seeded pretext op."""
    return batch_seeds(ds, seed).map(make, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def regroup(ds: tf.data.Dataset, size: int) -> tf.data.Dataset:
    """Batches of exactly `size` rows from batches of any size (the rest of each
    batch is carried over; the last partial batch is dropped).

    Like `Dataset.rebatch(size, drop_remainder=True)`, but made of `scan` and
    `unbatch` over whole groups, which tf.distribute's own rebatching of a
    dataset handles (it rewrites `rebatch` with variable input sizes wrongly).
    """
    empty = tf.nest.map_structure(
        lambda spec: tf.zeros([0, *spec.shape[1:]], spec.dtype), ds.element_spec
    )

    def step(carry, batch):
        joined = tf.nest.map_structure(lambda a, b: tf.concat([a, b], axis=0), carry, batch)
        rows = tf.shape(tf.nest.flatten(joined)[0])[0]
        full = rows // size * size
        groups = tf.nest.map_structure(
            lambda x: tf.reshape(x[:full], tf.concat([[full // size, size], tf.shape(x)[1:]], 0)),
            joined,
        )
        rest = tf.nest.map_structure(lambda x: x[full:], joined)
        return rest, groups

    return ds.scan(empty, step).unbatch()
