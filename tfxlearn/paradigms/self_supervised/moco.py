"""Momentum contrast (He, Fan, Wu, Xie & Girshick, "Momentum Contrast for
Unsupervised Visual Representation Learning", CVPR 2020), with the MLP
projection head of "MoCo v2" (Chen, Fan, Girshick & He, arXiv:2003.04297).

A query encoder (`encoder` + `head`, trained by gradient) and a key encoder
(momentum copies of both, updated as key <- m * key + (1 - m) * query after each
step) embed two augmented views of each image (`tfxlearn.pretext.moco_views`)
into L2-normalized vectors. The query must pick its own key out of the current
keys' negatives: a queue of the K keys of the last batches. InfoNCE with
temperature t (`tfxlearn.losses.InfoNCE`) over [positive, queue...] is the loss;
then the batch's keys replace the oldest ones in the queue.

Shuffling batch norm (paper, section 3.3). Each batch-norm layer normalizes a
batch with that batch's own statistics, so the positive key, computed from the
same batch as its query, would carry the same "batch signature" and the model
could find it by statistics instead of content (the paper sees the pretext
accuracy jump and the representation degrade). The paper shuffles the keys
across GPUs, so a query and its key are normalized with different samples'
statistics. Here the same happens inside the model, independent of the devices:
every global batch is split into `bn_groups` groups that run through the
encoders separately (each gets its own statistics); sample i of the global batch
is in query group `i mod G` and in key group `(i mod G + i div G) mod G`. Every
key group draws equally from every query group (B/G^2 samples of each), so the
statistics that normalize a positive key share only ~1/G of their samples with
its query's - what a random shuffle over G devices gives in expectation, but
deterministic and defined on the *global* position, so one device and N
replicas compute identical groups (with `norm="sync_batch"` identical numbers).

Distribution (tf.distribute.MirroredStrategy). Keys of *all* replicas are
gathered (`ReplicaContext.all_gather`, in replica order = global batch order) and
enqueued on every replica, so the queue holds the same keys as a one-device run
of the same global batch. The queue, its pointer and the key encoder are
updated with the pattern Keras's own optimizer uses for its weights
(`maybe_merge_call` + `strategy.extended.update`): every replica writes its own
copy with values computed from mirrored weights and gathered keys, which are
identical on all replicas, so the copies stay equal without extra communication.

Serving signature: `images` -> `embedding` (encoder features), `projection`
(the L2-normalized query vector of the contrastive task).
"""

from __future__ import annotations

import copy

import keras
import tensorflow as tf

from tfxlearn.losses import InfoNCE, info_nce
from tfxlearn.paradigms.base import Paradigm, check_images
from tfxlearn.registry import PARADIGMS


def projection_mlp(hidden_dim: int, projection_dim: int, name: str = "head") -> keras.Model:
    """MoCo v2's projection head: Dense(hidden) -> ReLU -> Dense(projection_dim)."""
    return keras.Sequential(
        [
            keras.layers.Dense(hidden_dim, activation="relu", name=f"{name}_hidden"),
            keras.layers.Dense(projection_dim, name=f"{name}_projection"),
        ],
        name=name,
    )


def bn_groups_of(global_index: tf.Tensor, groups: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(query group, key group) of each global batch position (see the module docstring)."""
    query = global_index % groups
    return query, (query + global_index // groups) % groups


def _global_index(batch: tf.Tensor) -> tf.Tensor:
    """Positions of this replica's examples in the global batch (replica order)."""
    context = tf.distribute.get_replica_context()
    replica = context.replica_id_in_sync_group if context is not None else 0
    return tf.cast(replica, tf.int32) * batch + tf.range(batch)


def _encode_in_groups(model, images, groups, assignment, training):
    """model(images) with batch statistics computed separately per group."""
    if groups == 1:
        return model(images, training=training)
    positions = tf.dynamic_partition(tf.range(tf.shape(images)[0]), assignment, groups)
    parts = tf.dynamic_partition(images, assignment, groups)
    return tf.dynamic_stitch(positions, [model(p, training=training) for p in parts])


def _momentum_copy(model: keras.Model, name: str) -> keras.Model:
    """A same-architecture copy with the same weights, excluded from training."""
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


def _assign_replicated(variables, values) -> None:
    """variables[i] <- values[i] on every replica (values identical on all replicas).

    The same cross-replica update as Keras's TensorFlow optimizer
    (`_distributed_tf_update_step`): `extended.update` runs the assignment on each
    device with that replica's value; with no strategy it is a plain assign.
    """

    def update(distribution, values):
        for variable, value in zip(variables, values):
            distribution.extended.update(
                variable.value, lambda v, x: v.assign(x), args=(value,), group=False
            )

    tf.__internal__.distribute.interim.maybe_merge_call(
        update, tf.distribute.get_strategy(), list(values)
    )


@PARADIGMS.register("moco")
@keras.saving.register_keras_serializable(package="tfxlearn")
class MoCo(Paradigm):
    """Momentum contrast with a queue of negatives and shuffled batch-norm groups.

    Args:
        encoder: a built Keras model mapping images to a feature vector (the
            part kept; e.g. `tfxlearn.nets.conv_encoder()`).
        head: projection head on the features; if omitted, MoCo v2's MLP
            Dense(hidden_dim) -> ReLU -> Dense(projection_dim).
        projection_dim: size of the contrastive embedding (default head only).
        hidden_dim: hidden width of the default head; None = the feature size.
        queue_size: K, the number of negative keys kept (>= the global batch).
        temperature: t of InfoNCE (paper 0.07; MoCo v2 0.2).
        momentum: m of the key-encoder update m * key + (1 - m) * query
            (paper 0.999 for 200 epochs; 0.99 suits short schedules).
        bn_groups: G, the number of batch-norm groups of each global batch for
            shuffling BN (1 disables it; each replica needs >= 2G examples).
    """

    pretext = "moco_views"

    def __init__(
        self,
        encoder: keras.Model,
        head: keras.Model | None = None,
        projection_dim: int = 128,
        hidden_dim: int | None = None,
        queue_size: int = 4096,
        temperature: float = 0.2,
        momentum: float = 0.99,
        bn_groups: int = 4,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        try:
            feature_shape = tuple(encoder.output_shape)
        except (AttributeError, ValueError):
            feature_shape = ()
        if len(feature_shape) != 2 or feature_shape[-1] is None:
            raise ValueError(
                "encoder must be a built model mapping images to feature vectors [batch, dim] "
                f"(e.g. a functional model); got output shape {feature_shape or 'unknown'}"
            )
        for name, value in (("projection_dim", projection_dim), ("queue_size", queue_size)):
            if int(value) < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if hidden_dim is not None and int(hidden_dim) < 1:
            raise ValueError(f"hidden_dim must be >= 1 or None, got {hidden_dim}")
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        if not 0.0 <= float(momentum) < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if int(bn_groups) < 1:
            raise ValueError(f"bn_groups must be >= 1, got {bn_groups}")
        self.encoder = encoder
        self.projection_dim = int(projection_dim)
        self.hidden_dim = None if hidden_dim is None else int(hidden_dim)
        self.queue_size = int(queue_size)
        self.temperature = float(temperature)
        self.momentum = float(momentum)
        self.bn_groups = int(bn_groups)
        feature_dim = int(feature_shape[-1])
        self.head = head or projection_mlp(self.hidden_dim or feature_dim, self.projection_dim)
        if not self.head.built:
            self.head.build((None, feature_dim))
        embedding_dim = self.head.compute_output_shape((None, feature_dim))[-1]
        self.key_encoder = _momentum_copy(self.encoder, "key_encoder")
        self.key_head = _momentum_copy(self.head, "key_head")
        self.queue = self.add_weight(
            shape=(self.queue_size, int(embedding_dim)),
            initializer=lambda shape, dtype: tf.math.l2_normalize(
                keras.random.normal(shape, dtype=dtype), axis=1
            ),
            trainable=False,
            autocast=False,
            name="queue",
        )
        self.queue_pointer = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False, name="queue_pointer"
        )
        self.loss_fn = InfoNCE(self.temperature)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # Pretext accuracy: how often the positive key beats all K queued negatives.
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    # ------------------------------------------------------------------ forward

    def _embed(self, encoder, head, images, training, group):
        if training and self.bn_groups > 1:
            batch = tf.shape(images)[0]
            tf.debugging.assert_greater_equal(
                batch,
                2 * self.bn_groups,
                message=f"MoCo: each replica needs at least 2 * bn_groups = {2 * self.bn_groups} "
                "examples per batch (shuffling batch norm splits it into groups)",
            )
            assignment = bn_groups_of(_global_index(batch), self.bn_groups)[group]
            features = _encode_in_groups(encoder, images, self.bn_groups, assignment, training)
        else:
            features = encoder(images, training=training)
        return tf.math.l2_normalize(head(features, training=training), axis=1)

    def call(self, images, training=False):
        """The L2-normalized query embedding of `images`."""
        check_images(images, self.image_shape)
        return self._embed(self.encoder, self.head, images, training, group=0)

    def encode_keys(self, images, training=False):
        """The key encoder's L2-normalized embeddings (no gradient)."""
        check_images(images, self.image_shape, "keys")
        keys = self._embed(self.key_encoder, self.key_head, images, training, group=1)
        return tf.stop_gradient(keys)

    def _similarities(self, queries, keys):
        """[batch, 1 + K] cosine similarities: the positive first, then the queue."""
        positive = tf.reduce_sum(queries * keys, axis=1, keepdims=True)
        negatives = tf.matmul(queries, tf.convert_to_tensor(self.queue), transpose_b=True)
        return tf.concat([positive, negatives], axis=1)

    def _views(self, data):
        queries, keys, _ = keras.utils.unpack_x_y_sample_weight(data)
        if keys is None:
            raise ValueError(
                "MoCo needs (queries, keys) batches of two views per image; wrap the dataset "
                "with its pretext op tfxlearn.pretext.moco_views"
            )
        check_images(queries, self.image_shape, "queries")
        return queries, keys

    def _track(self, labels, similarities):
        # Per-example values: the Mean metric averages them over the global batch.
        self.loss_tracker.update_state(info_nce(labels, similarities, self.temperature))
        self.accuracy_tracker.update_state(labels, similarities)
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        """One gradient step on the query side, then the momentum update and the
        enqueue - both need the step's result, hence a custom train_step."""
        queries, key_views = self._views(data)
        keys = self.encode_keys(key_views, training=True)  # outside the tape: no gradient
        variables = self.encoder.trainable_weights + self.head.trainable_weights
        with tf.GradientTape() as tape:
            embeddings = self(queries, training=True)
            similarities = self._similarities(embeddings, keys)
            labels = tf.zeros(tf.shape(similarities)[:1], tf.int32)
            loss = self.loss_fn(labels, similarities)  # Keras scales it for the strategy
            if self.losses:  # regularization of the query side, scaled by Keras
                loss = loss + super().compute_loss(x=queries, training=True)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        self._momentum_update()
        self._enqueue(keys)
        return self._track(labels, similarities)

    def test_step(self, data):
        """The contrastive loss in inference mode against the current queue (no updates)."""
        queries, key_views = self._views(data)
        keys = self.encode_keys(key_views, training=False)
        similarities = self._similarities(self(queries, training=False), keys)
        labels = tf.zeros(tf.shape(similarities)[:1], tf.int32)
        return self._track(labels, similarities)

    def _momentum_update(self):
        """key <- m * key + (1 - m) * query for every trained query weight (batch-norm
        moving statistics of the key encoder are its own, as in the paper's code)."""
        pairs = [
            (k, q)
            for model, key_model in ((self.encoder, self.key_encoder), (self.head, self.key_head))
            for k, q in zip(key_model.weights, model.weights)
            if q.trainable
        ]
        m = self.momentum
        _assign_replicated(
            [k for k, _ in pairs],
            [m * tf.convert_to_tensor(k) + (1.0 - m) * tf.convert_to_tensor(q) for k, q in pairs],
        )

    def _enqueue(self, keys):
        """Writes the global batch's keys over the oldest queue rows (ring buffer)."""
        # Negatives must come from every replica's keys: each replica enqueues the
        # keys of the whole global batch (replica order = global batch order).
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            keys = context.all_gather(keys, axis=0)
        batch = tf.shape(keys)[0]
        tf.debugging.assert_less_equal(
            batch,
            self.queue_size,
            message=f"MoCo: the global batch must not exceed queue_size={self.queue_size}",
        )
        pointer = tf.cast(tf.convert_to_tensor(self.queue_pointer), tf.int32)
        rows = (pointer + tf.range(batch)) % self.queue_size
        queue = tf.tensor_scatter_nd_update(
            tf.convert_to_tensor(self.queue), rows[:, None], tf.cast(keys, self.queue.dtype)
        )
        new_pointer = tf.cast((pointer + batch) % self.queue_size, tf.int64)
        _assign_replicated([self.queue, self.queue_pointer], [queue, new_pointer])

    # ------------------------------------------------------------------ contract

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    def serving_outputs(self, images):
        return {
            "embedding": self.encoder(images, training=False),
            "projection": self(images, training=False),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "head": keras.saving.serialize_keras_object(self.head),
            "projection_dim": self.projection_dim,
            "hidden_dim": self.hidden_dim,
            "queue_size": self.queue_size,
            "temperature": self.temperature,
            "momentum": self.momentum,
            "bn_groups": self.bn_groups,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes the nested dicts
        for key in ("encoder", "head"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
