"""Choosing the tf.distribute strategy."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import tensorflow as tf


def visible_devices() -> list[str]:
    """Logical GPUs if there are any, else every logical CPU."""
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    return [d.name for d in devices]


def default_strategy(devices: Sequence[str] | None = None) -> tf.distribute.MirroredStrategy:
    """MirroredStrategy over the given devices, else over all visible ones.

    On a CPU-only machine TensorFlow shows one CPU device (unless it was split
    into logical devices, as the tests do), so this is a one-replica strategy
    that runs the same code path as a multi-GPU one.

    One instance per device set is shared by the whole process: separate
    MirroredStrategy objects over the same devices hand out colliding
    collective-op keys, and their all-reduces then abort with a shape mismatch.
    """
    return _mirrored(tuple(devices or visible_devices()))


@functools.cache
def _mirrored(devices: tuple[str, ...]) -> tf.distribute.MirroredStrategy:
    return tf.distribute.MirroredStrategy(list(devices))


def check_global_batch(batch_size: int, strategy: tf.distribute.Strategy) -> None:
    """Every replica needs at least one example of each global batch."""
    replicas = strategy.num_replicas_in_sync
    if batch_size < replicas:
        raise ValueError(
            f"the global batch holds {batch_size} example(s) but the strategy has {replicas} "
            f"replicas; every replica needs at least one: use a batch size >= {replicas}"
        )
