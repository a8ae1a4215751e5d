"""Generative adversarial networks (Goodfellow et al., "Generative Adversarial
Nets", NIPS 2014), with the DCGAN architecture of `tfxlearn.nets` (Radford,
Metz & Chintala, ICLR 2016).

A generator G maps noise z ~ N(0, I) to images; a discriminator D gives each
image a real/fake logit l (D(x) = sigmoid(l)). Each step first updates D on a
batch of real images and a batch of generated ones (binary cross-entropy),
then G against the updated D. G's objective is either the paper's minimax one,
minimise log(1 - D(G(z))), or the non-saturating one the paper recommends in
practice, maximise log D(G(z)) (`tfxlearn.losses.generator_loss_values`; D's
loss is `tfxlearn.losses.discriminator_loss_values`).
"""

from __future__ import annotations

import copy

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import BatchMean, discriminator_loss_values
from tfxlearn.losses.gan_generator import GENERATOR_LOSSES, generator_loss_values
from tfxlearn.paradigms.base import check_images, global_batch_noise
from tfxlearn.paradigms.base_adversarial import AdversarialParadigm, latent_dim_of
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("gan")
class GAN(AdversarialParadigm):
    """An unconditional GAN; the discriminator body doubles as the `encoder`.

    Args:
        generator: a Keras model from latent vectors [batch, latent_dim] to
            images (e.g. `tfxlearn.nets.dcgan_generator`).
        discriminator: a Keras model from images to features [batch, d] (e.g.
            `tfxlearn.nets.dcgan_discriminator`); a linear real/fake head is
            added on top. It is the `encoder` the evaluation probes (DCGAN used
            its discriminator's features for classification).
        generator_loss: "non_saturating" (default) or "minimax".
        head: the real/fake head (features -> 1 logit); a Dense(1) if omitted.
        seed: seed of the latent noise of the training steps.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        generator_loss: str = "non_saturating",
        head: keras.Model | None = None,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        for name, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{name} must be a keras.Model, got {type(net).__name__}")
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"generator_loss must be one of {GENERATOR_LOSSES}, got {generator_loss!r}"
            )
        self.latent_dim = latent_dim_of(generator)
        if tuple(generator.output_shape[1:]) != tuple(discriminator.input_shape[1:]):
            raise ValueError(
                f"generator output shape {generator.output_shape[1:]} must equal the "
                f"discriminator input shape {discriminator.input_shape[1:]}"
            )
        self.set_generator(generator)
        self.discriminator = discriminator
        self.generator_loss = generator_loss
        self.head = (
            head
            if head is not None
            else keras.Sequential([keras.layers.Dense(1, name="real_fake")], name="head")
        )
        self.batch_mean = BatchMean()
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.real_score_tracker = keras.metrics.Mean(name="real_score")
        self.fake_score_tracker = keras.metrics.Mean(name="fake_score")

    # ------------------------------------------------------------------ parts

    @property
    def encoder(self) -> keras.Model:
        return self.discriminator

    def discriminate(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Real/fake logits [batch]."""
        return tf.reshape(self.head(self.discriminator(images, training=training)), [-1])

    def call(self, images, training=False):
        """The discriminator's real/fake logits [batch] for a batch of images."""
        check_images(images, self.image_shape)
        return self.discriminate(images, training=training)

    def progress_images(self, count: int = 64) -> np.ndarray:
        """A fixed set of samples for per-epoch grids (`ProgressImages`): the same latent
        vectors (seeded by the paradigm's `seed`) every call, so the grids show training."""
        return self.sample(count, seed=self.seed)

    # ------------------------------------------------------------------ steps

    def player_variables(self, role):
        if role == "generator":
            return self.generator.trainable_weights
        return self.discriminator.trainable_weights + self.head.trainable_weights

    def _noise(self, images, stream):
        return global_batch_noise(self.next_seed(stream), tf.shape(images)[0], (self.latent_dim,))

    def train_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_images(images, self.image_shape)
        # Discriminator step. Real and generated images go through D as two batches
        # (as in DCGAN): with batch norm, a mixed batch would normalize the fakes with
        # statistics of reals, while the generator step shows D a batch of fakes alone,
        # so G would be trained against a verdict D was never trained to give.
        fake = self.generator(self._noise(images, 0), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(images, training=True)
            fake_logits = self.discriminate(fake, training=True)
            d_values = discriminator_loss_values(real_logits, fake_logits)
            d_loss = self.batch_mean(d_values)
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        # Generator step against the updated discriminator.
        with tf.GradientTape() as tape:
            g_logits = self.discriminate(
                self.generator(self._noise(images, 1), training=True), training=True
            )
            g_values = generator_loss_values(g_logits, self.generator_loss)
            g_loss = self.batch_mean(g_values)
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        return self._track(d_values, g_values, real_logits, fake_logits)

    def test_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_images(images, self.image_shape)
        fake = self.generate(self._noise(images, 2))
        real_logits = self.discriminate(images)
        fake_logits = self.discriminate(fake)
        d_values = discriminator_loss_values(real_logits, fake_logits)
        g_values = generator_loss_values(fake_logits, self.generator_loss)
        return self._track(d_values, g_values, real_logits, fake_logits)

    def _track(self, d_values, g_values, real_logits, fake_logits):
        self.d_loss_tracker.update_state(d_values)
        self.g_loss_tracker.update_state(g_values)
        self.loss_tracker.update_state(d_values + g_values)
        self.real_score_tracker.update_state(tf.sigmoid(real_logits))
        self.fake_score_tracker.update_state(tf.sigmoid(fake_logits))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.real_score_tracker,
            self.fake_score_tracker,
        ]

    # ------------------------------------------------------------------ contract

    def serving_input_specs(self):
        return {"latent": tf.TensorSpec((None, self.latent_dim), tf.float32, name="latent")}

    def serving_outputs(self, latent):
        return {"images": self.generate(latent)}

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "head": keras.saving.serialize_keras_object(self.head),
            "generator_loss": self.generator_loss,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        for key in ("generator", "discriminator", "head"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def interpolate(start: np.ndarray, end: np.ndarray, steps: int = 8, spherical: bool = True):
    """Latent vectors from `start` to `end` ([latent_dim] each), `steps` of them.

    Spherical interpolation (slerp) keeps the norm typical of Gaussian noise
    (White, "Sampling Generative Networks", 2016); `spherical=False` is linear.
    """
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(
            f"start and end must be vectors of one shape, got {start.shape}, {end.shape}"
        )
    if int(steps) < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    t = np.linspace(0.0, 1.0, int(steps))[:, None]
    if not spherical:
        return ((1 - t) * start + t * end).astype(np.float32)
    cos = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end) + 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * start + t * end).astype(np.float32)
    return ((np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)).astype(
        np.float32
    )


def vector_arithmetic(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """DCGAN's latent arithmetic: mean(a) - mean(b) + mean(c), each [n, latent_dim]
    (Radford et al. average a few vectors per concept, e.g. smiling woman - neutral
    woman + neutral man)."""
    a, b, c = (np.atleast_2d(np.asarray(x, np.float32)) for x in (a, b, c))
    if not a.shape[1] == b.shape[1] == c.shape[1]:
        raise ValueError(f"a, b, c must share latent_dim, got {a.shape}, {b.shape}, {c.shape}")
    return a.mean(0) - b.mean(0) + c.mean(0)
