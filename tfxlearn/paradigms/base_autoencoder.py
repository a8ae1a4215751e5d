"""The shared shape of the autoencoder family (autoencoder, denoising, sparse,
VAE): an encoder to a small code and a decoder back to the image, trained to
reconstruct the input.

The conv `encoder` (pooled features) is followed by a Dense bottleneck of
`latent_dim` units - the code - and a decoder from the code back to pixel
logits; the reconstruction is sigmoid(logits), in [0, 1] like the images. The
reconstruction loss of each image is the mean over its pixels of either the
binary cross-entropy with the image as target ("bce", the Bernoulli
likelihood of images in [0, 1]; its minimum for grey pixels is their entropy,
not 0) or the squared error of the reconstruction ("mse").

Used as a pretext task, `encoder` is what the linear probe and kNN evaluate
(the pooled conv features, below the bottleneck); `encode` gives the codes
(for clustering), `reconstruction_error` per-image anomaly scores.

The family shares one training step (`AutoencoderBase.train_step`): the denoising
autoencoder corrupts its input with noise drawn from the step's stateless seed
and the sparse autoencoder's penalty needs the code's mean activation over the
whole global batch, neither of which `compute_loss` sees. The step follows the
one Keras runs for `compute_loss` paradigms: per-example loss values reduced by
`tfxlearn.losses.BatchMean` (Keras scales the mean for the strategy), the
model's regularization losses added, `optimizer.scale_loss`, `apply_gradients`.

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1]) ->
`embedding` (the encoder's pooled features), `code` (the bottleneck) and
`reconstruction` (in [0, 1]).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.losses import BatchMean
from tfxlearn.nets import dcgan_generator
from tfxlearn.paradigms.base import Paradigm, batched_numpy, check_images

RECONSTRUCTION_LOSSES = ("bce", "mse")


def reconstruction_loss_values(
    images: tf.Tensor, logits: tf.Tensor, kind: str = "bce", reduce: str = "mean"
) -> tf.Tensor:
    """Per-example reconstruction loss of decoder `logits` against clean `images`.

    Args:
        images: targets, float [batch, H, W, C] in [0, 1].
        logits: decoder outputs before the sigmoid, same shape.
        kind: "bce" (sigmoid cross-entropy with the pixels as Bernoulli
            targets, computed from the logits, so finite for any logit) or
            "mse" (squared error of sigmoid(logits)).
        reduce: "mean" over the pixels of each image (autoencoders: per-pixel
            units) or "sum" (the VAE: nats per image).

    Returns:
        float [batch].
    """
    images = tf.cast(images, logits.dtype)
    if kind == "bce":
        per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=logits)
    elif kind == "mse":
        per_pixel = tf.square(tf.sigmoid(logits) - images)
    else:
        raise ValueError(
            f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}, got {kind!r}"
        )
    axes = list(range(1, per_pixel.shape.rank))
    if reduce == "mean":
        return tf.reduce_mean(per_pixel, axis=axes)
    if reduce == "sum":
        return tf.reduce_sum(per_pixel, axis=axes)
    raise ValueError(f"reduce must be 'mean' or 'sum', got {reduce!r}")


def _nested_layers(model: keras.Model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _nested_layers(layer)


def encoder_norm(encoder: keras.Model) -> str:
    """The `norm` of `tfxlearn.nets` factories matching the encoder's batch norm:
    "sync_batch" if any of its BatchNormalization layers is synchronized (then
    a default decoder must be too, for the 2-replica parity), "batch" if it
    has batch norm, else "none"."""
    layers = [
        layer
        for layer in _nested_layers(encoder)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if any(layer.synchronized for layer in layers):
        return "sync_batch"
    return "batch" if layers else "none"


def check_encoder(encoder: keras.Model, paradigm: str) -> tuple[tuple, int]:
    """(image shape, feature size) of an encoder mapping fixed-shape images to vectors."""
    if not isinstance(encoder, keras.Model):
        raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
    try:
        image_shape = tuple(encoder.input_shape[1:])
        feature_shape = tuple(encoder.output_shape)
    except (AttributeError, ValueError):
        raise ValueError(
            f"{paradigm} needs a built encoder (e.g. a functional model from "
            "tfxlearn.nets.conv_encoder)"
        ) from None
    if len(image_shape) != 3 or any(d is None for d in image_shape):
        raise ValueError(
            f"{paradigm} needs an encoder with a fixed input shape (height, width, channels) "
            f"to decode back to, got {image_shape}"
        )
    if len(feature_shape) != 2 or feature_shape[-1] is None:
        raise ValueError(
            f"encoder must map images to pooled feature vectors [batch, dim] (e.g. "
            f"conv_encoder with pooling='avg'), got output shape {feature_shape}"
        )
    return tuple(int(d) for d in image_shape), int(feature_shape[-1])


def check_latent_dim(latent_dim) -> int:
    if isinstance(latent_dim, bool) or int(latent_dim) != latent_dim or int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be a positive int (the code size), got {latent_dim!r}")
    return int(latent_dim)


def build_decoder(
    decoder: keras.Model | None,
    latent_dim: int,
    image_shape: tuple,
    widths: Sequence[int],
    norm: str,
) -> keras.Model:
    """The given decoder (checked) or a DCGAN-style one from codes to pixel logits."""
    if decoder is None:
        return dcgan_generator(
            latent_dim,
            image_shape,
            widths=widths,
            norm=norm,
            output_activation=None,
            name="decoder",
        )
    if not isinstance(decoder, keras.Model):
        raise TypeError(f"decoder must be a keras.Model, got {type(decoder).__name__}")
    if tuple(decoder.input_shape) != (None, latent_dim):
        raise ValueError(
            f"decoder must take codes [batch, {latent_dim}] (latent_dim), got input shape "
            f"{decoder.input_shape}"
        )
    if tuple(decoder.output_shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"decoder output shape {decoder.output_shape[1:]} must equal the encoder's image "
            f"shape {image_shape}"
        )
    return decoder


class AutoencoderBase(Paradigm):
    """Images -> encoder -> Dense code -> decoder -> images, and the family's step.

    Args:
        encoder: a Keras model from fixed-shape images [batch, H, W, C] to
            pooled features [batch, d] (e.g. `tfxlearn.nets.conv_encoder`);
            the representation the linear probe and kNN evaluate.
        latent_dim: size of the bottleneck code (a Dense layer on the features).
        decoder: a model from codes [batch, latent_dim] to pixel *logits*
            [batch, H, W, C] (no final activation); by default
            `tfxlearn.nets.dcgan_generator(latent_dim, (H, W, C), decoder_widths,
            output_activation=None)` with the encoder's kind of batch norm.
        decoder_widths: channels of the default decoder (H and W must be
            divisible by 2 ** len(decoder_widths)).
        reconstruction_loss: "bce" (binary cross-entropy, the default) or
            "mse", each averaged over the pixels of an image.
        code_activation: activation of the bottleneck (None: linear codes).
    """

    sub_models = ("encoder", "decoder")

    code_layer_name = "code"

    def __init__(
        self,
        encoder: keras.Model,
        latent_dim: int = 32,
        decoder: keras.Model | None = None,
        decoder_widths: Sequence[int] = (64, 32),
        reconstruction_loss: str = "bce",
        code_activation: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        image_shape, feature_dim = check_encoder(encoder, name)
        self.latent_dim = check_latent_dim(latent_dim)
        if reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}, got "
                f"{reconstruction_loss!r}"
            )
        self.encoder = encoder
        self.decoder_widths = tuple(int(w) for w in decoder_widths)
        self.decoder = build_decoder(
            decoder, self.latent_dim, image_shape, self.decoder_widths, encoder_norm(encoder)
        )
        self.reconstruction_loss = reconstruction_loss
        self.code_activation = code_activation
        self.bottleneck = keras.layers.Dense(
            self.latent_dim, activation=code_activation, name=self.code_layer_name
        )
        self.bottleneck.build((None, feature_dim))
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")

    # ------------------------------------------------------------------ forward

    def codes(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Bottleneck codes [batch, latent_dim] of a float image batch."""
        return self.bottleneck(self.encoder(images, training=training))

    def decode(self, codes: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Reconstructions in [0, 1] of codes [batch, latent_dim]."""
        return tf.sigmoid(self.decoder(codes, training=training))

    def call(self, images, training=False):
        """Reconstructions in [0, 1] of a batch of images."""
        check_images(images, self.image_shape)
        return self.decode(self.codes(images, training=training), training=training)

    def corrupt(self, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """The encoder's input in training: the images themselves (see the denoising one)."""
        del seed
        return images

    def loss_terms(self, images: tf.Tensor, seed: tf.Tensor, training: bool = False) -> dict:
        """Per-example loss values {"loss", "reconstruction", ...} [batch] of one batch.

        The encoder sees `corrupt(images, seed)`; the target is always the clean
        `images`.
        """
        codes = self.codes(self.corrupt(images, seed), training=training)
        logits = self.decoder(codes, training=training)
        return self.code_loss_terms(images, codes, logits)

    def code_loss_terms(self, images: tf.Tensor, codes: tf.Tensor, logits: tf.Tensor) -> dict:
        """`loss_terms` given the batch's codes and decoder logits."""
        del codes
        reconstruction = reconstruction_loss_values(images, logits, self.reconstruction_loss)
        return {"loss": reconstruction, "reconstruction": reconstruction}

    # ------------------------------------------------------------------ steps

    def _images(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        images = to_float_images(tf.convert_to_tensor(images))
        check_images(images, self.image_shape)
        return images

    def train_step(self, data):
        images = self._images(data)
        variables = self.trainable_weights
        with tf.GradientTape() as tape:
            terms = self.loss_terms(images, self.step_seed(0), training=True)
            loss = self.batch_mean(terms["loss"])  # Keras scales it for the strategy
            if self.losses:  # regularization losses, scaled by Keras
                loss = loss + super().compute_loss(x=images, training=True)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self.track_terms(terms)

    def test_step(self, data):
        images = self._images(data)
        return self.track_terms(self.loss_terms(images, self.step_seed(1), training=False))

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker]

    # ------------------------------------------------------------------ NumPy helpers

    def encode(self, images, batch_size: int = 512) -> np.ndarray:
        """Codes [n, latent_dim] of images (uint8 in [0, 255] or float in [0, 1])."""
        return batched_numpy(lambda x: self.codes(self._checked(x)), images, batch_size)

    def reconstruct(self, images, batch_size: int = 512) -> np.ndarray:
        """Reconstructions [n, H, W, C] in [0, 1] of images (uint8 or float in [0, 1])."""
        return batched_numpy(lambda x: self(x, training=False), images, batch_size)

    def reconstruction_error(self, images, batch_size: int = 512) -> np.ndarray:
        """Per-image mean squared error of the reconstruction, float64 [n] (an anomaly
        score; the same measure as `tfxlearn.evaluation.reconstruction_errors`)."""

        def errors(x):
            squared = tf.square(
                tf.cast(self(x, training=False), tf.float64) - tf.cast(x, tf.float64)
            )
            return tf.reduce_mean(squared, axis=[1, 2, 3])

        return batched_numpy(errors, images, batch_size)

    def reconstructions_png(
        self, images, path: str, *, count: int = 10, title: str | None = None
    ) -> str:
        """A PNG of the first `count` images above their reconstructions. Returns `path`."""
        from tfxlearn import viz  # plotting only when asked

        images = batched_numpy(lambda x: x, np.asarray(images)[: int(count)], int(count))
        return viz.image_rows(
            self.reconstruction_rows(images), path, title=title or f"{type(self).__name__}"
        )

    def reconstruction_rows(self, images: np.ndarray) -> dict:
        """Rows of `reconstructions_png`: {"input": images, "reconstruction": ...}."""
        return {"input": images, "reconstruction": self.reconstruct(images)}

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's paradigm figures: test images above their reconstructions."""
        del labels, class_names
        path = os.path.join(plot_dir, "reconstructions.png")
        title = f"{type(self).__name__}: test images and reconstructions"
        return {"reconstructions": self.reconstructions_png(images, path, title=title)}

    def _checked(self, images):
        check_images(images, self.image_shape)
        return images

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        embedding = self.encoder(images, training=False)
        codes = self.bottleneck(embedding)
        return {"embedding": embedding, "code": codes, "reconstruction": self.decode(codes)}

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "decoder_widths": list(self.decoder_widths),
            **self.own_arguments(
                reconstruction_loss=self.reconstruction_loss, code_activation=self.code_activation
            ),
        }
