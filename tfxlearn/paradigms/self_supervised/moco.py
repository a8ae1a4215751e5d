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

The parts are `tfxlearn.nets.contrastive`'s: the projection head
(`projection_head`), the queue (`KeyQueue`, the `key_queue` layer), the
momentum encoders (`momentum_copy`, `momentum_update`) and shuffled batch norm.

Shuffling batch norm (paper, section 3.3). Each batch-norm layer normalizes a
batch with that batch's own statistics, so the positive key, computed from the
same batch as its query, would carry the same "batch signature" and the model
could find it by statistics instead of content (the paper sees the pretext
accuracy jump and the representation degrade). The paper shuffles the keys
across GPUs, so a query and its key are normalized with different samples'
statistics. Here the same happens inside the model, independent of the devices:
every global batch is split into `bn_groups` groups that run through the
encoders separately (`tfxlearn.nets.contrastive.bn_groups_of`), what a random
shuffle over G devices gives in expectation, but deterministic and defined on
the *global* position, so one device and N replicas compute identical groups
(with `norm="sync_batch"` identical numbers).

Distribution (tf.distribute.MirroredStrategy). Keys of *all* replicas are
gathered (`ReplicaContext.all_gather`, in replica order = global batch order) and
enqueued on every replica, so the queue holds the same keys as a one-device run
of the same global batch. The queue, its pointer and the key encoder are
updated with the pattern Keras's own optimizer uses for its weights
(`tfxlearn.distribute.assign_on_replicas`): every replica writes its own copy
with values computed from mirrored weights and gathered keys, which are
identical on all replicas, so the copies stay equal without extra communication.

Serving signature: `images` -> `embedding` (encoder features), `projection`
(the L2-normalized query vector of the contrastive task).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.losses import InfoNCE, info_nce
from tfxlearn.nets.contrastive import (
    KeyQueue,
    encode_in_groups,
    momentum_copy,
    momentum_update,
    projection_head,
    shuffled_bn_groups,
)
from tfxlearn.paradigms.base import Paradigm, built_head, check_images, feature_dim_of
from tfxlearn.registry import PARADIGMS


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
    sub_models = ("encoder", "head")
    mixed_precision = True

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
        feature_dim = feature_dim_of(encoder)
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
        self.head = built_head(
            head,
            feature_dim,
            lambda: projection_head(self.hidden_dim or feature_dim, self.projection_dim),
        )
        embedding_dim = self.head.compute_output_shape((None, feature_dim))[-1]
        self.key_encoder = momentum_copy(self.encoder, "key_encoder")
        self.key_head = momentum_copy(self.head, "key_head")
        self.key_queue = KeyQueue(self.queue_size, int(embedding_dim), name="key_queue")
        self.loss_fn = InfoNCE(self.temperature)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # Pretext accuracy: how often the positive key beats all K queued negatives.
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def queue(self):
        """The queued keys [queue_size, embedding dim] (the `key_queue` layer's)."""
        return self.key_queue.queue

    @property
    def queue_pointer(self):
        """Row of the queue the next key goes to."""
        return self.key_queue.pointer

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
            assignment = shuffled_bn_groups(batch, self.bn_groups)[group]
            features = encode_in_groups(encoder, images, self.bn_groups, assignment, training)
        else:
            features = encoder(images, training=training)
        # Similarities, queue and loss in float32 also under a mixed dtype policy.
        embeddings = tf.cast(head(features, training=training), tf.float32)
        return tf.math.l2_normalize(embeddings, axis=1)

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
        return tf.concat([positive, self.key_queue(queries)], axis=1)

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
        momentum_update(
            [(self.encoder, self.key_encoder), (self.head, self.key_head)], self.momentum
        )
        self.key_queue.enqueue(keys)
        return self._track(labels, similarities)

    def test_step(self, data):
        """The contrastive loss in inference mode against the current queue (no updates)."""
        queries, key_views = self._views(data)
        keys = self.encode_keys(key_views, training=False)
        similarities = self._similarities(self(queries, training=False), keys)
        labels = tf.zeros(tf.shape(similarities)[:1], tf.int32)
        return self._track(labels, similarities)

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
            "projection_dim": self.projection_dim,
            "hidden_dim": self.hidden_dim,
            "queue_size": self.queue_size,
            "temperature": self.temperature,
            "momentum": self.momentum,
            "bn_groups": self.bn_groups,
        }
