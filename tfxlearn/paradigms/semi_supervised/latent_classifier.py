"""Latent code and classifier learned simultaneously: an autoencoder on all images
and a classifier on the code of the labelled ones, trained jointly.

The seeds' semi-supervised recipe - learn the latent code on a large unlabelled
set and the classifier on a small labelled set at the same time - as in Ranzato
& Szummer ("Semi-supervised Learning of Compact Document Representations with
Deep Networks", ICML 2008), who train each layer's encoder/decoder and a
classifier on the code with one joint loss. Here:

    images -> encoder -> features -> code = Dense(latent_dim)(features)
    code -> decoder -> reconstruction of every image (labelled or not)
    code -> head    -> K class logits, trained on the labelled images only

    L = mean_all reconstruction(x, x_hat) + alpha * mean_labelled CE(y, logits).

The reconstruction loss per image is the mean over pixels of the binary
cross-entropy (images in [0, 1] as Bernoulli means) or of the squared error.
The classifier sits on the code (linear code, linear head: the same function
class as a linear classifier on the encoder's features, i.e. the low-shot
baseline's classifier), so the classification gradient and the reconstruction
gradient shape the same representation; the reconstruction term keeps the code
informative about every image, which regularises a classifier that otherwise
sees only the few labelled ones.

Batches mix labelled and unlabelled examples (`tfxlearn.pretext.semi_supervised`,
label -1 = unlabelled, the labelled ones at the front of each batch). One
optimizer: Keras's own train step with `compute_loss` overridden. The
classification mean is over the labelled examples of the *global* batch (their
count all-reduced across replicas, `tfxlearn.distribute.subset_mean`), since
replicas receive different numbers of labelled examples; the reconstruction
mean goes through Keras's reduction.

Serving signature: `images` -> `embedding` (encoder features), `code`,
`logits`, `probabilities`, `reconstruction`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.distribute import subset_mean
from tfxlearn.losses import BatchMean
from tfxlearn.nets import classifier_head, dcgan_generator
from tfxlearn.paradigms.base import Paradigm, batched_numpy, check_images, check_num_classes
from tfxlearn.paradigms.base_semi_supervised import (
    check_labels,
    supervised_loss_values,
)
from tfxlearn.registry import PARADIGMS

RECONSTRUCTION_LOSSES = ("bce", "mse")


def reconstruction_loss_values(images: tf.Tensor, reconstructions: tf.Tensor, kind: str = "bce"):
    """Per-image reconstruction loss [batch]: the mean over pixels of the binary
    cross-entropy ("bce", Keras's clipped form) or of the squared error ("mse")."""
    images = tf.convert_to_tensor(images, tf.float32)
    reconstructions = tf.convert_to_tensor(reconstructions, tf.float32)
    if kind == "bce":
        per_pixel = keras.losses.binary_crossentropy(images[..., None], reconstructions[..., None])
    elif kind == "mse":
        per_pixel = tf.square(images - reconstructions)
    else:
        raise ValueError(
            f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}, got {kind!r}"
        )
    return tf.reduce_mean(tf.reshape(per_pixel, [tf.shape(images)[0], -1]), axis=1)


def _decoder_norm(encoder: keras.Model) -> str:
    """The default decoder's norm: "sync_batch" if the encoder's batch norm is synchronized."""
    synced = any(
        isinstance(layer, keras.layers.BatchNormalization) and layer.synchronized
        for layer in encoder.layers
    )
    return "sync_batch" if synced else "batch"


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("latent_classifier")
class LatentClassifier(Paradigm):
    """Joint autoencoder (all images) + classifier on the code (labelled images).

    Args:
        encoder: a Keras model from images to features [batch, d] (e.g.
            `tfxlearn.nets.conv_encoder()`); the `encoder` the evaluation probes.
        num_classes: K, the number of classes.
        latent_dim: size of the code (a linear Dense layer on the features).
        alpha: weight of the classification loss.
        reconstruction_loss: "bce" (default) or "mse".
        decoder: a model from codes [batch, latent_dim] to images in [0, 1];
            `tfxlearn.nets.dcgan_generator(latent_dim, image shape,
            decoder_widths)` if omitted (batch norm synchronized like the
            encoder's).
        decoder_widths: widths of the default decoder.
        head: code -> K logits; a linear head if omitted.
    """

    sub_models = ("encoder", "decoder", "head")

    def __init__(
        self,
        encoder: keras.Model,
        num_classes: int,
        latent_dim: int = 32,
        alpha: float = 1.0,
        reconstruction_loss: str = "bce",
        decoder: keras.Model | None = None,
        decoder_widths: tuple = (64, 32),
        head: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        self.num_classes = check_num_classes(num_classes)
        if isinstance(latent_dim, bool) or int(latent_dim) != latent_dim or int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be an int >= 1, got {latent_dim!r}")
        if not float(alpha) >= 0.0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        if reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}, "
                f"got {reconstruction_loss!r}"
            )
        image_shape = tuple(encoder.input_shape[1:])
        if len(image_shape) != 3 or any(d is None for d in image_shape):
            raise ValueError(
                "LatentClassifier needs an encoder with a fixed input shape (height, width, "
                f"channels) to reconstruct, got {image_shape}"
            )
        feature_shape = tuple(encoder.output_shape)
        if len(feature_shape) != 2 or feature_shape[-1] is None:
            raise ValueError(
                f"encoder must map images to feature vectors [batch, d], got {feature_shape}"
            )
        self.encoder = encoder
        self.latent_dim = int(latent_dim)
        self.alpha = float(alpha)
        self.reconstruction_loss = reconstruction_loss
        self.decoder_widths = tuple(int(w) for w in decoder_widths)
        self.code = keras.layers.Dense(self.latent_dim, name="code")
        self.code.build((None, int(feature_shape[-1])))
        if decoder is None:
            decoder = dcgan_generator(
                self.latent_dim,
                image_shape,
                widths=self.decoder_widths,
                norm=_decoder_norm(encoder),
                name="decoder",
            )
        if tuple(decoder.input_shape[1:]) != (self.latent_dim,):
            raise ValueError(
                f"decoder must take codes [batch, {self.latent_dim}] (latent_dim), got input "
                f"shape {decoder.input_shape}"
            )
        if tuple(decoder.output_shape[1:]) != image_shape:
            raise ValueError(
                f"decoder output shape {decoder.output_shape[1:]} must equal the image shape "
                f"{image_shape}"
            )
        self.decoder = decoder
        self.head = head if head is not None else classifier_head(self.num_classes)
        if not self.head.built:
            self.head.build((None, self.latent_dim))
        head_shape = tuple(self.head.compute_output_shape((None, self.latent_dim)))
        if head_shape[-1] != self.num_classes:
            raise ValueError(
                f"head must give num_classes={self.num_classes} logits, got output shape "
                f"{head_shape}"
            )
        self.batch_mean = BatchMean()
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.classification_tracker = keras.metrics.Mean(name="classification_loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    # ------------------------------------------------------------------ forward

    def codes(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Codes [batch, latent_dim] of a batch of float images (a tensor)."""
        return self.code(self.encoder(images, training=training))

    def encode(self, images, batch_size: int = 500) -> np.ndarray:
        """Codes [n, latent_dim] (NumPy) of images (uint8 in [0, 255] or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(lambda x: self.codes(x, training=False), images, batch_size)

    def call(self, images, training=False):
        """{"logits": [batch, K], "reconstruction": images} for a batch of images."""
        check_images(images, self.image_shape)
        code = self.codes(images, training=training)
        return {
            "logits": self.head(code, training=training),
            "reconstruction": self.decoder(code, training=training),
        }

    def classify(self, images, batch_size: int = 500) -> np.ndarray:
        """Class logits [n, K] (NumPy) of images (uint8 in [0, 255] or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(lambda x: self.head(self.codes(x), training=False), images, batch_size)

    def reconstruct(self, images, batch_size: int = 500) -> np.ndarray:
        """Reconstructions (NumPy float32 in [0, 1]) of images (uint8 or float)."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(
            lambda x: self.decoder(self.codes(x), training=False), images, batch_size
        )

    def reconstruction_error(self, images, batch_size: int = 500) -> np.ndarray:
        """Per-image reconstruction loss [n] (the training loss's kind)."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(
            lambda x: reconstruction_loss_values(
                x, self.decoder(self.codes(x), training=False), self.reconstruction_loss
            ),
            images,
            batch_size,
        )

    # ------------------------------------------------------------------ loss

    def _labels(self, x, y):
        images = tf.convert_to_tensor(x)
        if y is None:  # images alone: all unlabelled
            return tf.fill(tf.shape(images)[:1], tf.constant(-1, tf.int32))
        return check_labels(y, self.num_classes, batch=images.shape[0])

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if isinstance(x, dict):
            raise ValueError(f"expected (images, labels) batches, got a dict with keys {list(x)}")
        labels = self._labels(x, y)
        reconstruction = reconstruction_loss_values(
            x, y_pred["reconstruction"], self.reconstruction_loss
        )
        # Labelled examples are unevenly spread over replicas: mean over the global
        # labelled count (subset_mean), not a per-replica mean.
        classification = subset_mean(supervised_loss_values(labels, y_pred["logits"]), labels >= 0)
        loss = self.batch_mean(reconstruction) + self.alpha * classification
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        labels = self._labels(x, y)
        labelled = tf.cast(labels >= 0, tf.float32)
        self.reconstruction_tracker.update_state(
            reconstruction_loss_values(x, y_pred["reconstruction"], self.reconstruction_loss)
        )
        self.classification_tracker.update_state(
            supervised_loss_values(labels, y_pred["logits"]), sample_weight=labelled
        )
        self.accuracy_tracker.update_state(
            tf.maximum(labels, 0), y_pred["logits"], sample_weight=labelled
        )
        return super().compute_metrics(x, y, y_pred, sample_weight)

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        embedding = self.encoder(images, training=False)
        code = self.code(embedding)
        logits = self.head(code, training=False)
        return {
            "embedding": embedding,
            "code": code,
            "logits": logits,
            "probabilities": tf.nn.softmax(logits, axis=-1),
            "reconstruction": self.decoder(code, training=False),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "latent_dim": self.latent_dim,
            "alpha": self.alpha,
            "reconstruction_loss": self.reconstruction_loss,
            "decoder_widths": list(self.decoder_widths),
        }
