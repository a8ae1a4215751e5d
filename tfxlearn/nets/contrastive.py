"""Parts of momentum-contrast learners (He, Fan, Wu, Xie & Girshick, "Momentum
Contrast for Unsupervised Visual Representation Learning", CVPR 2020; MoCo v2,
Chen, Fan, Girshick & He, arXiv:2003.04297), usable by any model that compares
queries with keys:

- `projection_head`: MoCo v2's MLP from features to the contrastive embedding.
- `KeyQueue`: a memory bank, the FIFO queue of the last `size` keys (the
  negatives), filled with the keys of the whole global batch on every replica.
- `momentum_copy` / `momentum_update`: a key encoder that follows the query
  encoder as an exponential moving average, key <- m * key + (1 - m) * query.
- `bn_groups_of` / `shuffled_bn_groups` / `encode_in_groups`: shuffled batch
  norm. Each batch-norm layer normalizes a batch with that batch's own
  statistics, so a positive key computed from the same batch as its query would
  carry the same "batch signature" and could be found by statistics instead of
  content. The paper shuffles the keys across GPUs; here every global batch is
  split into G groups that run through the encoder separately: sample i of the
  global batch is in query group `i mod G` and in key group `(i mod G + i div G)
  mod G`. Every key group draws equally from every query group (B/G^2 samples
  of each), so the statistics that normalize a positive key share only ~1/G of
  their samples with its query's - deterministic and defined on the *global*
  position, so one device and N replicas compute identical groups.

The queue and the momentum encoder are written with
`tfxlearn.distribute.assign_on_replicas`: every replica writes its own copy
with values that are identical on all replicas, so the copies stay equal.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import keras
import tensorflow as tf

from tfxlearn.distribute import assign_on_replicas, global_batch_positions


def projection_head(hidden_dim: int, projection_dim: int, name: str = "head") -> keras.Model:
    """MoCo v2's projection head: Dense(hidden_dim) -> ReLU -> Dense(projection_dim)."""
    return keras.Sequential(
        [
            keras.layers.Dense(hidden_dim, activation="relu", name=f"{name}_hidden"),
            keras.layers.Dense(projection_dim, name=f"{name}_projection"),
        ],
        name=name,
    )


# ----------------------------------------------------------------------------- memory bank


@keras.saving.register_keras_serializable(package="tfxlearn")
class KeyQueue(keras.layers.Layer):
    """A memory bank: a FIFO queue (ring buffer) of the last `size` keys of width `dim`.

    Starts as random unit vectors. `enqueue(keys)` writes the keys of the whole
    global batch (all-gathered across replicas, in replica order) over the oldest
    rows; `layer(queries)` gives the similarities [batch, size] (dot products) of
    queries [batch, dim] with every queued key. Not trained by gradients.

    Args:
        size: number of keys kept (K); a global batch must not exceed it.
        dim: width of the keys.
    """

    def __init__(self, size: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        if int(size) < 1 or int(dim) < 1:
            raise ValueError(f"size and dim must be >= 1, got {size}, {dim}")
        self.size, self.dim = int(size), int(dim)
        self.queue = self.add_weight(
            shape=(self.size, self.dim),
            initializer=lambda shape, dtype: tf.math.l2_normalize(
                keras.random.normal(shape, dtype=dtype), axis=1
            ),
            trainable=False,
            autocast=False,
            name="queue",
        )
        self.pointer = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False, name="queue_pointer"
        )
        self.built = True

    def call(self, queries):
        return tf.matmul(queries, tf.convert_to_tensor(self.queue), transpose_b=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def enqueue(self, keys: tf.Tensor) -> None:
        """Writes the global batch's keys [batch, dim] over the oldest rows."""
        # Each replica enqueues the keys of the whole global batch (replica order =
        # global batch order), so every copy of the queue holds the same keys.
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            keys = context.all_gather(keys, axis=0)
        batch = tf.shape(keys)[0]
        tf.debugging.assert_less_equal(
            batch,
            self.size,
            message=f"{self.name}: the global batch must not exceed the queue size {self.size}",
        )
        pointer = tf.cast(tf.convert_to_tensor(self.pointer), tf.int32)
        rows = (pointer + tf.range(batch)) % self.size
        queue = tf.tensor_scatter_nd_update(
            tf.convert_to_tensor(self.queue), rows[:, None], tf.cast(keys, self.queue.dtype)
        )
        new_pointer = tf.cast((pointer + batch) % self.size, tf.int64)
        assign_on_replicas([self.queue, self.pointer], [queue, new_pointer])

    def get_config(self):
        return {**super().get_config(), "size": self.size, "dim": self.dim}


# ----------------------------------------------------------------------------- momentum


def momentum_copy(model: keras.Model, name: str) -> keras.Model:
    """A same-architecture copy of `model` with the same weights, excluded from training."""
    config = keras.saving.serialize_keras_object(model)
    config = copy.deepcopy(config)
    if isinstance(config.get("config"), dict) and "name" in config["config"]:
        config["config"]["name"] = name
    clone = keras.saving.deserialize_keras_object(config)
    clone.set_weights(model.get_weights())
    # Variable-level (not layer-level) freezing: the layers stay "trainable", so
    # batch norm keeps using batch statistics in training mode, as the paper's key
    # encoder does, while no optimizer or gradient ever sees these weights.
    for variable in clone.weights:
        variable.trainable = False
    return clone


def momentum_update(pairs: Sequence[tuple[keras.Model, keras.Model]], momentum: float) -> None:
    """copy <- m * copy + (1 - m) * model for every trainable weight of each
    (model, momentum copy) pair; the copy's other weights (batch-norm moving
    statistics) are its own, as in MoCo's code. Written on every replica."""
    weights = [
        (k, q)
        for model, key_model in pairs
        for k, q in zip(key_model.weights, model.weights)
        if q.trainable
    ]
    m = float(momentum)
    assign_on_replicas(
        [k for k, _ in weights],
        [m * tf.convert_to_tensor(k) + (1.0 - m) * tf.convert_to_tensor(q) for k, q in weights],
    )


# ----------------------------------------------------------------------------- shuffled BN


def bn_groups_of(global_index: tf.Tensor, groups: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(query group, key group) of each global batch position (see the module docstring)."""
    query = global_index % groups
    return query, (query + global_index // groups) % groups


def shuffled_bn_groups(batch: tf.Tensor, groups: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(query group, key group) of this replica's `batch` examples."""
    return bn_groups_of(global_batch_positions(batch), groups)


def encode_in_groups(model, images, groups: int, assignment: tf.Tensor, training):
    """model(images) with batch statistics computed separately per group
    (`assignment`: the group of each example, int32 [batch])."""
    if groups == 1:
        return model(images, training=training)
    positions = tf.dynamic_partition(tf.range(tf.shape(images)[0]), assignment, groups)
    parts = tf.dynamic_partition(images, assignment, groups)
    return tf.dynamic_stitch(positions, [model(p, training=training) for p in parts])
