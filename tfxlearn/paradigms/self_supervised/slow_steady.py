"""Slow and steady features (Goroshin, Bruna, Tompson, Eigen & LeCun,
"Unsupervised Learning of Spatiotemporally Coherent Metrics", ICCV 2015;
Jayaraman & Grauman, "Slow and Steady Feature Analysis: Higher Order Temporal
Coherence in Video", CVPR 2016).

A frame encoder (+ an optional linear embedding) maps each frame of a tuple
(t, t+1, t+2, far) from `tfxlearn.pretext.slow_steady` to z. Two contrastive
terms, in the squared-distance form of Hadsell, Chopra & LeCun (CVPR 2006)
that both papers use:

- slowness (`SlownessLoss`): consecutive frames close, the far frame at least
  a margin away:  1/2 (|z_t - z_t+1|^2 + |z_t+1 - z_t+2|^2) + max(0, m - |z_t - z_far|)^2;
- steadiness (`SteadinessLoss`, Jayaraman & Grauman's second-order term): the
  embedding moves at a steady velocity over a true triplet, and a triplet that
  ends on the far frame is not steady:
  |(z_t+2 - z_t+1) - (z_t+1 - z_t)|^2 + max(0, m' - |(z_far - z_t+1) - (z_t+1 - z_t)|)^2.

loss = slowness_weight * slowness + steadiness_weight * steadiness. Both are
`keras.losses.Loss` subclasses: Keras averages them over the batch and scales
them for the tf.distribute strategy.

Evaluation: `evaluation_encoder((T, H, W, C))` is `tfxlearn.nets.clip_encoder`
over the frame encoder (features of evenly spaced frames, concatenated in time
order). Serving signature: `images` (float32 frames [batch, H, W, C]) ->
`embedding` (the encoder's features) and `slow_embedding` (z).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets import clip_encoder
from tfxlearn.paradigms.base import Paradigm, check_images
from tfxlearn.registry import PARADIGMS

TUPLE = 4  # frames per tuple: t, t+1, t+2, far


def _check_margin(name: str, value) -> float:
    if isinstance(value, bool) or not float(value) > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def _squared_norm(x: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.square(x), axis=-1)


def _norm(x: tf.Tensor) -> tf.Tensor:
    # sqrt with a floor: finite gradient when two embeddings coincide.
    return tf.sqrt(tf.maximum(_squared_norm(x), 1e-12))


def _check_tuples(embeddings: tf.Tensor) -> tf.Tensor:
    embeddings = tf.convert_to_tensor(embeddings)
    if embeddings.shape.rank != 3 or (
        embeddings.shape[1] is not None and embeddings.shape[1] != TUPLE
    ):
        raise ValueError(
            "embeddings must be [batch, 4 (t, t+1, t+2, far), dim], got shape "
            f"{tuple(embeddings.shape)}"
        )
    return embeddings


@keras.saving.register_keras_serializable(package="tfxlearn")
class SlownessLoss(keras.losses.Loss):
    """Contrastive slowness per tuple: 1/2 (|z0 - z1|^2 + |z1 - z2|^2) +
    max(0, margin - |z0 - z3|)^2 for embeddings [batch, 4, dim] of (t, t+1,
    t+2, far). `y_true` is ignored (pass None)."""

    def __init__(self, margin: float = 1.0, name: str = "slowness", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = _check_margin("margin", margin)

    def call(self, y_true, y_pred):
        z = _check_tuples(y_pred)
        near = 0.5 * (_squared_norm(z[:, 0] - z[:, 1]) + _squared_norm(z[:, 1] - z[:, 2]))
        far = tf.square(tf.nn.relu(self.margin - _norm(z[:, 0] - z[:, 3])))
        return near + far

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = _check_tuples(y_pred)
        if y_true is None:
            y_true = tf.zeros_like(y_pred[:, 0, 0])
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="tfxlearn")
class SteadinessLoss(SlownessLoss):
    """Contrastive second-order steadiness per tuple (Jayaraman & Grauman 2016):
    |(z2 - z1) - (z1 - z0)|^2 + max(0, margin - |(z3 - z1) - (z1 - z0)|)^2 for
    embeddings [batch, 4, dim] of (t, t+1, t+2, far)."""

    def __init__(self, margin: float = 1.0, name: str = "steadiness", **kwargs):
        super().__init__(margin=margin, name=name, **kwargs)

    def call(self, y_true, y_pred):
        z = _check_tuples(y_pred)
        velocity = z[:, 1] - z[:, 0]
        steady = _squared_norm(z[:, 2] - z[:, 1] - velocity)
        unsteady = tf.square(tf.nn.relu(self.margin - _norm(z[:, 3] - z[:, 1] - velocity)))
        return steady + unsteady


@PARADIGMS.register("slow_steady")
@keras.saving.register_keras_serializable(package="tfxlearn")
class SlowSteady(Paradigm):
    """Frame embeddings that change slowly and steadily in time.

    Args:
        encoder: a frame encoder [batch, H, W, C] -> features (its features are
            what the evaluation reads).
        embedding_dim: width of a linear embedding on the features on which the
            losses act (0: the losses act on the features themselves).
        slowness_weight, steadiness_weight: weights of the two terms (>= 0,
            not both 0).
        slowness_margin, steadiness_margin: the contrastive margins.
        embedding: the embedding model features -> z (built from
            `embedding_dim` if omitted).

    Inputs of `call`: float frame tuples [batch, 4, H, W, C] (t, t+1, t+2, far);
    returns the embeddings z [batch, 4, dim].
    """

    pretext = "slow_steady"
    sub_models = ("encoder", "embedding")

    def __init__(
        self,
        encoder: keras.Model,
        embedding_dim: int = 64,
        slowness_weight: float = 1.0,
        steadiness_weight: float = 1.0,
        slowness_margin: float = 1.0,
        steadiness_margin: float = 1.0,
        embedding: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        if len(encoder.input_shape) != 4:
            raise ValueError(
                f"SlowSteady needs a frame encoder [batch, H, W, C] -> features, got input "
                f"shape {encoder.input_shape}"
            )
        if isinstance(embedding_dim, bool) or int(embedding_dim) < 0:
            raise ValueError(f"embedding_dim must be an int >= 0, got {embedding_dim!r}")
        weights = []
        for name, value in (
            ("slowness_weight", slowness_weight),
            ("steadiness_weight", steadiness_weight),
        ):
            if isinstance(value, bool) or not float(value) >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
            weights.append(float(value))
        if not any(weights):
            raise ValueError("slowness_weight and steadiness_weight cannot both be 0")
        self.encoder = encoder
        self.embedding_dim = int(embedding_dim)
        if embedding is None and self.embedding_dim:
            embedding = keras.Sequential(
                [keras.layers.Dense(self.embedding_dim, name="embedding_dense")],
                name="embedding",
            )
        self.embedding = embedding
        self.slowness_weight, self.steadiness_weight = weights
        self.slowness_loss = SlownessLoss(slowness_margin)
        self.steadiness_loss = SteadinessLoss(steadiness_margin)
        self.slowness_margin = self.slowness_loss.margin
        self.steadiness_margin = self.steadiness_loss.margin
        self.slowness_tracker = keras.metrics.Mean(name="slowness")
        self.steadiness_tracker = keras.metrics.Mean(name="steadiness")

    def embed(self, frames: tf.Tensor, training=False) -> tf.Tensor:
        """Frames [batch, H, W, C] -> z [batch, dim]."""
        features = self.encoder(frames, training=training)
        return features if self.embedding is None else self.embedding(features, training=training)

    def call(self, tuples, training=False):
        tuples = tf.convert_to_tensor(tuples)
        shape = tuple(tuples.shape)
        if len(shape) != 5 or (shape[1] is not None and shape[1] != TUPLE):
            raise ValueError(
                f"SlowSteady takes frame tuples of rank 5 [batch, 4 (t, t+1, t+2, far), "
                f"{', '.join(map(str, self.image_shape))}], got shape {shape}"
            )
        check_images(tuples[:, 0], self.image_shape, "tuples")
        # All 4 * batch frames in one encoder batch: batch norm sees every slot together.
        flat = tf.reshape(tuples, tf.concat([[-1], tf.shape(tuples)[2:]], axis=0))
        z = self.embed(flat, training=training)
        return tf.reshape(z, [-1, TUPLE, z.shape[-1]])

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y_pred is None or y_pred.shape.rank != 3:
            raise ValueError(
                "SlowSteady needs batches of frame tuples [batch, 4, H, W, C]; wrap the clip "
                "dataset with tfxlearn.pretext.slow_steady"
            )
        # Keras Loss objects: mean over this replica's batch, scaled for the strategy.
        slowness = self.slowness_loss(None, y_pred, sample_weight)
        steadiness = self.steadiness_loss(None, y_pred, sample_weight)
        self.slowness_tracker.update_state(self.slowness_loss.call(None, y_pred))
        self.steadiness_tracker.update_state(self.steadiness_loss.call(None, y_pred))
        loss = self.slowness_weight * slowness + self.steadiness_weight * steadiness
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def evaluation_encoder(self, input_shape: tuple, **options) -> keras.Model:
        """`tfxlearn.nets.clip_encoder(encoder, frames=input_shape[0], **options)`
        (options: `sample_frames`)."""
        input_shape = tuple(input_shape)
        if len(input_shape) != 4:
            raise ValueError(
                f"SlowSteady evaluates clips: input_shape must be (frames, H, W, C), got "
                f"{input_shape}"
            )
        return clip_encoder(self.encoder, frames=input_shape[0], **options)

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        return {
            "embedding": self.encoder(images, training=False),
            "slow_embedding": self.embed(images, training=False),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "embedding_dim": self.embedding_dim,
            "slowness_weight": self.slowness_weight,
            "steadiness_weight": self.steadiness_weight,
            "slowness_margin": self.slowness_margin,
            "steadiness_margin": self.steadiness_margin,
        }
