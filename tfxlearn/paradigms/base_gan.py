"""The shared shape of the GANs with a real/fake discriminator (gan,
conditional_gan, infogan): a generator, a discriminator body that doubles as
the `encoder`, a real/fake head on it, DCGAN's alternating steps (D on a real
and a generated batch, then G against the updated D) with the losses of
`tfxlearn.losses.gan_generator` / `gan_discriminator`, and the class-id checks
of the class-conditional ones.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.losses import discriminator_loss_values
from tfxlearn.losses.gan_generator import GENERATOR_LOSSES, generator_loss_values
from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_adversarial import DiscriminatorBodyParadigm


def check_class_ids(ids, num_classes: int, argument: str = "labels") -> tf.Tensor:
    """Integer class ids [batch] as int32, refusing ids outside [0, num_classes).

    Eagerly (concrete values) a bad id raises ValueError naming `argument`; in a
    graph (tf.function, SavedModel) a `tf.debugging.Assert` with the same message
    fails at run time (InvalidArgumentError).
    """
    ids = tf.convert_to_tensor(ids)
    if not (ids.dtype.is_integer and ids.dtype != tf.bool):
        raise ValueError(f"{argument} must be integer class ids, got dtype {ids.dtype.name}")
    if ids.shape.rank is not None and ids.shape.rank != 1:
        raise ValueError(f"{argument} must be a vector [batch] of class ids, got shape {ids.shape}")
    ids = tf.cast(ids, tf.int32)
    message = f"{argument} must be class ids in [0, {num_classes}) (num_classes={num_classes})"
    if tf.executing_eagerly():
        values = ids.numpy()
        bad = values[(values < 0) | (values >= num_classes)]
        if bad.size:
            raise ValueError(f"{message}, got {sorted(set(bad.tolist()))[:8]}")
        return ids
    valid = tf.reduce_all((ids >= 0) & (ids < num_classes))
    with tf.control_dependencies([tf.debugging.Assert(valid, [message, "got", ids])]):
        return tf.identity(ids)


class GANBase(DiscriminatorBodyParadigm):
    """A GAN with a real/fake head on the discriminator body, which doubles as the
    `encoder`; unconditional steps (subclasses condition them).

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
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"generator_loss must be one of {GENERATOR_LOSSES}, got {generator_loss!r}"
            )
        self.set_players(
            generator,
            discriminator,
            head,
            lambda: keras.Sequential([keras.layers.Dense(1, name="real_fake")], name="head"),
        )
        self.generator_loss = generator_loss

    # ------------------------------------------------------------------ parts

    def discriminate(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Real/fake logits [batch]."""
        return tf.reshape(self.head(self.discriminator(images, training=training)), [-1])

    def call(self, images, training=False):
        """The discriminator's real/fake logits [batch] for a batch of images."""
        check_images(images, self.image_shape)
        return self.discriminate(images, training=training)

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_images(images, self.image_shape)
        # Discriminator step. Real and generated images go through D as two batches
        # (as in DCGAN): with batch norm, a mixed batch would normalize the fakes with
        # statistics of reals, while the generator step shows D a batch of fakes alone,
        # so G would be trained against a verdict D was never trained to give.
        fake = self.generator(self.latent_noise(images, 0), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(images, training=True)
            fake_logits = self.discriminate(fake, training=True)
            d_values = discriminator_loss_values(real_logits, fake_logits)
            d_loss = self.batch_mean(d_values)
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        # Generator step against the updated discriminator.
        with tf.GradientTape() as tape:
            g_logits = self.discriminate(
                self.generator(self.latent_noise(images, 1), training=True), training=True
            )
            g_values = generator_loss_values(g_logits, self.generator_loss)
            g_loss = self.batch_mean(g_values)
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        return self._track(d_values, g_values, real_logits, fake_logits)

    def test_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_images(images, self.image_shape)
        fake = self.generate(self.latent_noise(images, 2))
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
            "generator_loss": self.generator_loss,
        }
