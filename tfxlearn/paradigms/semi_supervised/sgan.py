"""Semi-supervised GAN (Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen,
"Improved Techniques for Training GANs", NIPS 2016, section 5).

The discriminator is a K-class classifier: features f(x) (e.g. the body of
`tfxlearn.nets.dcgan_discriminator`) and a linear head giving class logits
l_1..l_K. Generated images form a (K+1)-th class whose logit is fixed at 0
(the paper's over-parameterisation remark), so with Z(x) = sum_k exp(l_k(x))

    p(real | x) = D(x) = Z(x) / (Z(x) + 1) = sigmoid(log Z(x)),
    log Z(x) = logsumexp_k l_k(x),

and p(y | x, real) = softmax(l)_y is the classifier. The discriminator loss is

    L_D = L_supervised + w * L_unsupervised,
    L_supervised   = -E_{(x, y) labelled} log softmax(l(x))_y
    L_unsupervised = -E_{x unlabelled} log D(x) - E_z log(1 - D(G(z)))
                   = E softplus(-logsumexp l(x)) + E softplus(logsumexp l(G(z))),

all written with logsumexp and softplus, so no exp of a raw logit is ever
taken: finite for any logit (D(x) is 1 at logits of +1e4 and the losses
1e4 - log K at -1e4). w = 0.5 by default, the weight of the authors' released
code (github.com/openai/improved-gan: each unsupervised term halved); w = 1 is
the paper's equation. The generator is trained with feature matching (section
3.1, the paper's semi-supervised setting): minimise ||E f(x) - E f(G(z))||^2 on
the discriminator's features; the non-saturating loss -log D(G(z)) =
softplus(-logsumexp l(G(z))) is available as `generator_loss="non_saturating"`.
The paper finds feature matching gives the better classifier (and worse-looking
samples than minibatch discrimination).

Batches mix labelled and unlabelled examples (`tfxlearn.pretext.semi_supervised`:
images with labels, -1 = unlabelled, the labelled examples at the front of each
batch). Each step updates D on the batch and as many generated images, then G
against the updated D.

Distribution (tf.distribute). A global batch's labelled examples sit at its
front, so the replicas get different numbers of them (often one replica none).
A per-replica mean scaled by 1 / replicas (Keras's reduction) would then weight
the labelled examples of different replicas differently and differ from the
one-device loss. Means over a subset (labelled examples, unlabelled examples)
are therefore normalised by the subset's *global* size, all-reduced across the
replicas (`tfxlearn.distribute.subset_mean`); feature matching compares
*global* feature means (`tfxlearn.distribute.global_mean`).
docs/architecture.md section 5 allows such explicit cross-replica work when a
loss needs it; everything else goes through Keras's reduction
(`tfxlearn.losses.BatchMean`).

Serving signature: `images` -> `logits` (K class logits), `probabilities`
(softmax over the K classes), `real_probability` (D(x)) and `embedding` (the
discriminator's features) - the trained classifier is the useful part; the
generator is the `generator` attribute (export it with
`tfxlearn.export.export_saved_model(model.generator, ...)`, input `latent`).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.distribute import global_mean, global_value, subset_mean
from tfxlearn.paradigms.base import (
    batched_numpy,
    check_images,
    check_num_classes,
)
from tfxlearn.paradigms.base_adversarial import DiscriminatorBodyParadigm
from tfxlearn.paradigms.base_semi_supervised import (
    check_labels,
    supervised_loss_values,
)
from tfxlearn.pretext.semi_supervised import UNLABELLED
from tfxlearn.registry import PARADIGMS

GENERATOR_LOSSES = ("feature_matching", "non_saturating")


# ----------------------------------------------------------------------------- functions


def real_fake_logits(class_logits: tf.Tensor) -> tf.Tensor:
    """logit(D(x)) = log Z(x) = logsumexp_k l_k(x), [batch] from class logits [batch, K]."""
    return tf.reduce_logsumexp(class_logits, axis=-1)


def real_probability(class_logits: tf.Tensor) -> tf.Tensor:
    """D(x) = Z(x) / (Z(x) + 1) = sigmoid(logsumexp_k l_k(x)), [batch]; finite for any logits."""
    return tf.sigmoid(real_fake_logits(class_logits))


def real_loss_values(class_logits: tf.Tensor) -> tf.Tensor:
    """-log D(x) = softplus(-logsumexp l) per example (real images)."""
    return tf.nn.softplus(-real_fake_logits(class_logits))


def fake_loss_values(class_logits: tf.Tensor) -> tf.Tensor:
    """-log(1 - D(G(z))) = softplus(logsumexp l) per example (generated images)."""
    return tf.nn.softplus(real_fake_logits(class_logits))


def feature_matching_loss(real_features: tf.Tensor, fake_features: tf.Tensor) -> tf.Tensor:
    """||mean f(x) - mean f(G(z))||^2 over one batch of real and one of generated features."""
    difference = tf.reduce_mean(real_features, 0) - tf.reduce_mean(fake_features, 0)
    return tf.reduce_sum(tf.square(difference))


def split_batch(data, num_classes: int, image_shape: tuple) -> tuple[tf.Tensor, tf.Tensor]:
    """(images, labels) of a training batch: (images, labels) with -1 = unlabelled, or
    images alone (all unlabelled)."""
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    if isinstance(images, dict):
        raise ValueError(f"expected (images, labels) batches, got a dict with keys {list(images)}")
    images = tf.convert_to_tensor(images)
    check_images(images, image_shape)
    if labels is None:
        labels = tf.fill(tf.shape(images)[:1], tf.constant(UNLABELLED, tf.int32))
    return images, check_labels(labels, num_classes, batch=images.shape[0])


# ----------------------------------------------------------------------------- paradigm


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("sgan")
class SGAN(DiscriminatorBodyParadigm):
    """Semi-supervised GAN: a K-class discriminator whose real/fake output is
    Z / (Z + 1), trained on mixed labelled/unlabelled batches.

    Args:
        generator: a Keras model from latent vectors [batch, latent_dim] to
            images (e.g. `tfxlearn.nets.dcgan_generator`).
        discriminator: a Keras model from images to features [batch, d] (e.g.
            `tfxlearn.nets.dcgan_discriminator`): the features feature matching
            compares and the `encoder` the evaluation probes. Prefer a
            per-example normalization ("layer" or "none") and dropout: batch
            norm would mix real and generated statistics into the moving
            averages the classifier uses at test time.
        num_classes: K, the number of real classes.
        generator_loss: "feature_matching" (default, the paper's
            semi-supervised setting) or "non_saturating".
        unsupervised_weight: w in L_D = L_supervised + w * L_unsupervised (0.5:
            the authors' code; 1: the paper's equation).
        head: features -> K class logits; a Dense(K) if omitted.
        seed: seed of the latent noise of the training steps.
    """

    progress_count = 36

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        num_classes: int,
        generator_loss: str = "feature_matching",
        unsupervised_weight: float = 0.5,
        head: keras.Model | None = None,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.num_classes = check_num_classes(num_classes)
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"generator_loss must be one of {GENERATOR_LOSSES}, got {generator_loss!r}"
            )
        if not float(unsupervised_weight) >= 0.0:
            raise ValueError(f"unsupervised_weight must be >= 0, got {unsupervised_weight}")
        self.set_players(
            generator,
            discriminator,
            head,
            lambda: keras.Sequential(
                [keras.layers.Dense(self.num_classes, name="class_logits")], name="head"
            ),
        )
        feature_shape = tuple(discriminator.output_shape)
        if len(feature_shape) != 2 or feature_shape[-1] is None:
            raise ValueError(
                "discriminator must map images to feature vectors [batch, d] (the class "
                f"head goes on top), got output shape {feature_shape}"
            )
        self.generator_loss = generator_loss
        self.unsupervised_weight = float(unsupervised_weight)
        if not self.head.built:
            self.head.build((None, int(feature_shape[-1])))
        head_shape = tuple(self.head.compute_output_shape((None, int(feature_shape[-1]))))
        if head_shape[-1] != self.num_classes:
            raise ValueError(
                f"head must give num_classes={self.num_classes} logits, got output shape "
                f"{head_shape}"
            )
        self.supervised_tracker = keras.metrics.Mean(name="supervised_loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    # ------------------------------------------------------------------ parts

    def class_logits(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        """K class logits [batch, K]."""
        return self.head(self.discriminator(images, training=training), training=training)

    def call(self, images, training=False):
        """The discriminator's K class logits [batch, K] for a batch of images."""
        check_images(images, self.image_shape)
        return self.class_logits(images, training=training)

    def classify(self, images, batch_size: int = 500) -> np.ndarray:
        """Class logits [n, K] (NumPy) of images (uint8 in [0, 255] or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(lambda x: self.class_logits(x, training=False), images, batch_size)

    # ------------------------------------------------------------------ losses

    def _discriminator_loss(self, images, labels, fake, training):
        """(this replica's share of L_D, real class logits, fake class logits)."""
        batch = tf.shape(images)[0]
        logits = self.class_logits(tf.concat([images, fake], 0), training=training)
        real_logits, fake_logits = logits[:batch], logits[batch:]
        labelled = labels >= 0
        supervised = subset_mean(supervised_loss_values(labels, real_logits), labelled)
        unsupervised = subset_mean(
            real_loss_values(real_logits), tf.logical_not(labelled)
        ) + self.batch_mean(fake_loss_values(fake_logits))
        share = supervised + self.unsupervised_weight * unsupervised
        return share, real_logits, fake_logits

    def _generator_loss(self, images, labels, fake, training):
        """(the loss to differentiate, its global value)."""
        if self.generator_loss == "non_saturating":
            values = real_loss_values(self.class_logits(fake, training=training))
            share = self.batch_mean(values)
            return share, global_value(share)
        batch = tf.shape(images)[0]
        features = self.discriminator(tf.concat([images, fake], 0), training=training)
        # Real statistics from the unlabelled examples (a sample of the whole split;
        # the labelled ones are a few cycled images), as the authors' code does.
        real_mean = global_mean(tf.stop_gradient(features[:batch]), labels < 0)
        fake_mean = global_mean(features[batch:])
        loss = tf.reduce_sum(tf.square(real_mean - fake_mean))
        # The value is already global and equal on every replica; its gradient on
        # each replica only flows through the replica's own generated images, so
        # the optimizer's sum over replicas is the one-device gradient.
        return loss, loss

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        images, labels = split_batch(data, self.num_classes, self.image_shape)
        # Discriminator step: labelled + unlabelled real images and generated ones.
        fake = self.generator(self.latent_noise(images, 0), training=True)
        with tf.GradientTape() as tape:
            d_share, real_logits, fake_logits = self._discriminator_loss(
                images, labels, fake, training=True
            )
        self.update("discriminator", tape, d_share, self.player_variables("discriminator"))
        # Generator step against the updated discriminator.
        with tf.GradientTape() as tape:
            fake = self.generator(self.latent_noise(images, 1), training=True)
            g_loss, g_value = self._generator_loss(images, labels, fake, training=True)
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        return self._track(labels, real_logits, fake_logits, global_value(d_share), g_value)

    def test_step(self, data):
        images, labels = split_batch(data, self.num_classes, self.image_shape)
        fake = self.generator(self.latent_noise(images, 2), training=False)
        d_share, real_logits, fake_logits = self._discriminator_loss(
            images, labels, fake, training=False
        )
        _, g_value = self._generator_loss(images, labels, fake, training=False)
        return self._track(labels, real_logits, fake_logits, global_value(d_share), g_value)

    def _track(self, labels, real_logits, fake_logits, d_loss, g_loss):
        labelled = tf.cast(labels >= 0, tf.float32)
        self.loss_tracker.update_state(d_loss + g_loss)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.supervised_tracker.update_state(
            supervised_loss_values(labels, real_logits), sample_weight=labelled
        )
        self.accuracy_tracker.update_state(
            tf.maximum(labels, 0), real_logits, sample_weight=labelled
        )
        self.real_score_tracker.update_state(real_probability(real_logits))
        self.fake_score_tracker.update_state(real_probability(fake_logits))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.supervised_tracker,
            self.accuracy_tracker,
            self.real_score_tracker,
            self.fake_score_tracker,
        ]

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        embedding = self.discriminator(images, training=False)
        logits = self.head(embedding, training=False)
        return {
            "logits": logits,
            "probabilities": tf.nn.softmax(logits, axis=-1),
            "real_probability": real_probability(logits),
            "embedding": embedding,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "generator_loss": self.generator_loss,
            "unsupervised_weight": self.unsupervised_weight,
        }
