"""Siamese networks: one encoder embeds both members of a pair (Bromley, Guyon,
LeCun, Säckinger & Shah, "Signature Verification using a Siamese Time Delay
Neural Network", NIPS 1993), trained so that the distance of two embeddings
says whether the inputs are of one class. Two losses:

- `loss="contrastive"` (Hadsell, Chopra & LeCun, CVPR 2006): pairs labelled
  similar (1) / dissimilar (0) by `tfxlearn.pretext.class_pairs`; similar pairs
  are pulled together, dissimilar ones pushed at least `margin` apart
  (`tfxlearn.losses.ContrastiveLoss`, on Euclidean distances).
- `loss="triplet"` (Schroff, Kalenichenko & Philbin, CVPR 2015): triplets of
  `tfxlearn.pretext.class_triplets`; all anchor-positive pairs of the global
  batch with a semi-hard negative mined among the batch's embeddings
  (`tfxlearn.losses.TripletLoss`, on squared Euclidean distances).

Embedding: encoder -> projection head (MoCo v2's MLP,
`tfxlearn.nets.contrastive.projection_head`) -> L2 normalization (default;
`normalize=False` keeps the raw head output). On the unit sphere the margin has
a fixed scale (distances lie in [0, 2]); without it the encoder can satisfy a
margin by growing the embeddings instead of separating classes.

The classes seen in training are not the point: the embedding is meant to
verify pairs of classes it never saw (`tfxlearn.evaluation.verification`: ROC
AUC, equal error rate, one-shot N-way accuracy on held-out classes).

Distribution. Contrastive pairs are per-example terms (Keras scales the mean).
Triplet mining needs the whole global batch: each replica all-gathers the
embeddings and classes (`tfxlearn.distribute.global_batch`, differentiable) and
computes the loss of its own anchors against every candidate, so one device and
N replicas mine the same negatives and compute the same gradients.

The step embeds the members of a pair / triplet as one concatenated batch
(one batch-norm batch, one forward), hence a custom `train_step`.

Serving: `serving_default` `images -> embedding`, and `pair_score`
(`first`, `second` image batches -> `distance`, the Euclidean distance of
their embeddings; small = same class).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.distribute import global_batch, global_batch_positions
from tfxlearn.losses import BatchMean, contrastive_loss, semi_hard_triplet_values
from tfxlearn.nets.contrastive import projection_head
from tfxlearn.paradigms.base import Paradigm, built_head, check_images, feature_dim_of
from tfxlearn.registry import PARADIGMS

LOSSES = ("contrastive", "triplet")
DEFAULT_MARGINS = {"contrastive": 1.0, "triplet": 0.2}
PRETEXT_OPS = {"contrastive": "class_pairs", "triplet": "class_triplets"}


@PARADIGMS.register("siamese")
@keras.saving.register_keras_serializable(package="tfxlearn")
class Siamese(Paradigm):
    """A Siamese embedding network trained on pairs or triplets of classes.

    Args:
        encoder: a built Keras model mapping images to feature vectors [batch, dim]
            (e.g. `tfxlearn.nets.conv_encoder()`).
        head: projection head on the features; if omitted, MoCo v2's MLP
            Dense(hidden_dim) -> ReLU -> Dense(embedding_dim).
        embedding_dim: size of the embedding (default head only).
        hidden_dim: hidden width of the default head; None = the feature size.
        loss: "contrastive" (pairs of `class_pairs`) or "triplet" (triplets of
            `class_triplets`, semi-hard negatives mined in the global batch).
        margin: the loss's margin; None = 1.0 for contrastive (Euclidean
            distance), 0.2 for triplet (squared distance, FaceNet's value).
        normalize: L2-normalize the embedding (distances in [0, 2]).
    """

    sub_models = ("encoder", "head")

    def __init__(
        self,
        encoder: keras.Model,
        head: keras.Model | None = None,
        embedding_dim: int = 64,
        hidden_dim: int | None = None,
        loss: str = "contrastive",
        margin: float | None = None,
        normalize: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        feature_dim = feature_dim_of(encoder)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if int(embedding_dim) < 1:
            raise ValueError(f"embedding_dim must be >= 1, got {embedding_dim}")
        if hidden_dim is not None and int(hidden_dim) < 1:
            raise ValueError(f"hidden_dim must be >= 1 or None, got {hidden_dim}")
        margin = DEFAULT_MARGINS[loss] if margin is None else float(margin)
        if not margin > 0:
            raise ValueError(f"margin must be > 0, got {margin}")
        self.encoder = encoder
        self.embedding_dim = int(embedding_dim)
        self.hidden_dim = None if hidden_dim is None else int(hidden_dim)
        self.loss_name = loss
        self.margin = margin
        self.normalize = bool(normalize)
        self.head = built_head(
            head,
            feature_dim,
            lambda: projection_head(self.hidden_dim or feature_dim, self.embedding_dim),
        )
        self.normalizer = keras.layers.UnitNormalization(name="l2_normalize")
        self.normalizer.build(self.head.compute_output_shape((None, feature_dim)))
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # Mean Euclidean distance of the batch's same-class / other-class members.
        self.positive_tracker = keras.metrics.Mean(name="positive_distance")
        self.negative_tracker = keras.metrics.Mean(name="negative_distance")
        # Every part is built: callers need not build it on a batch, whose inputs
        # are pairs or triplets rather than the image batch `call` takes.
        self.built = True

    @property
    def pretext(self) -> str:
        """The pretext op whose batches this loss takes."""
        return PRETEXT_OPS[self.loss_name]

    # ------------------------------------------------------------------ forward

    def call(self, images, training=False):
        """The embeddings of `images` (L2-normalized unless `normalize=False`)."""
        check_images(images, self.image_shape)
        embeddings = self.head(self.encoder(images, training=training), training=training)
        return self.normalizer(embeddings) if self.normalize else embeddings

    @staticmethod
    def distance(first: tf.Tensor, second: tf.Tensor) -> tf.Tensor:
        """Euclidean distance of paired embeddings [batch] (finite gradient at 0)."""
        squared = tf.reduce_sum(tf.square(first - second), axis=-1)
        return tf.sqrt(tf.maximum(squared, 1e-12))

    def pair_score(self, first, second) -> dict:
        """`{"distance": [batch]}` between the embeddings of two image batches."""
        check_images(first, self.image_shape, "first")
        check_images(second, self.image_shape, "second")
        return {"distance": self.distance(self(first), self(second))}

    def evaluation_encoder(self, input_shape: tuple, output: str = "embedding") -> keras.Model:
        """A functional model for the encoder protocols: `output="embedding"` (encoder,
        head, normalization: what the distances are computed on) or "features"
        (the encoder alone). It shares this model's weights."""
        if output == "features":
            return self.encoder
        if output != "embedding":
            raise ValueError(f"output must be 'embedding' or 'features', got {output!r}")
        inputs = keras.Input(shape=self.image_shape, name="images")
        embeddings = self.head(self.encoder(inputs))
        if self.normalize:
            embeddings = keras.layers.UnitNormalization(name="l2_normalize")(embeddings)
        return keras.Model(inputs, embeddings, name=f"{self.name}_embedding")

    # ------------------------------------------------------------------ steps

    def _members(self, data):
        members, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        count = 2 if self.loss_name == "contrastive" else 3
        op = PRETEXT_OPS[self.loss_name]
        if not isinstance(members, (tuple, list)) or len(members) != count or labels is None:
            raise ValueError(
                f"Siamese(loss={self.loss_name!r}) trains on batches of ({count} image "
                f"batches, labels); wrap the dataset with the pretext op tfxlearn.pretext.{op}"
            )
        for i, images in enumerate(members):
            check_images(images, self.image_shape, f"member {i} of the {op} batch")
        return list(members), labels

    def _loss_values(self, members, labels, training):
        """Per-example loss values and the (distances, is-positive) of the drawn members."""
        batch = tf.shape(members[0])[0]
        embeddings = tf.split(self(tf.concat(members, 0), training=training), len(members))
        if self.loss_name == "contrastive":
            similar = tf.cast(tf.reshape(labels, [-1]), embeddings[0].dtype)
            distances = self.distance(*embeddings)
            values = contrastive_loss(similar, distances, self.margin)
            return values, distances, similar > 0.5
        classes = tf.cast(labels, tf.int32)
        flat = tf.concat(embeddings, 0)  # [3 batch]: anchors, positives, negatives
        flat_classes = tf.concat([classes[:, 0], classes[:, 1], classes[:, 2]], 0)
        values = semi_hard_triplet_values(
            flat,
            flat_classes,
            global_batch(flat),
            global_batch(flat_classes),
            global_batch_positions(3 * batch),
            self.margin,
        )
        distances = tf.concat(
            [
                self.distance(embeddings[0], embeddings[1]),
                self.distance(embeddings[0], embeddings[2]),
            ],
            0,
        )
        positive = tf.concat([tf.ones([batch], tf.bool), tf.zeros([batch], tf.bool)], 0)
        return values, distances, positive

    def _track(self, values, distances, positive):
        weight = tf.cast(positive, distances.dtype)
        self.loss_tracker.update_state(values)
        self.positive_tracker.update_state(distances, sample_weight=weight)
        self.negative_tracker.update_state(distances, sample_weight=1.0 - weight)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        members, labels = self._members(data)
        variables = self.trainable_weights
        with tf.GradientTape() as tape:
            values, distances, positive = self._loss_values(members, labels, training=True)
            loss = self.batch_mean(values)  # Keras scales it for the strategy
            if self.losses:  # weight regularization, scaled by Keras
                loss = loss + super().compute_loss(x=members[0], training=True)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._track(values, distances, positive)

    def test_step(self, data):
        members, labels = self._members(data)
        return self._track(*self._loss_values(members, labels, training=False))

    # ------------------------------------------------------------------ contract

    @property
    def metrics(self):
        return [self.loss_tracker, self.positive_tracker, self.negative_tracker]

    def serving_outputs(self, images):
        return {"embedding": self(images, training=False)}

    def serving_signatures(self) -> dict:
        """Extra exported signatures: `{name: (input specs, outputs function)}`."""
        spec = tf.TensorSpec((None, *self.image_shape), tf.float32)
        return {"pair_score": ({"first": spec, "second": spec}, self.pair_score)}

    def get_config(self):
        return {
            **super().get_config(),
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "loss": self.loss_name,
            "margin": self.margin,
            "normalize": self.normalize,
        }
