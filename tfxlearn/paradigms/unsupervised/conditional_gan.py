"""Conditional GAN (Mirza & Osindero, "Conditional Generative Adversarial Nets",
arXiv:1411.1784, 2014): both players see the class y.

Generator: y enters as a one-hot vector concatenated to the noise, [z, onehot(y)],
as in the paper (the DCGAN generator's first dense projection turns it into a
learned per-class offset of the 7x7 map).

Discriminator: the *projection discriminator* (Miyato & Koyama, "cGANs with
Projection Discriminator", ICLR 2018),

    logit(x, y) = head(phi(x)) + <embed(y), phi(x)>,

with phi the discriminator body (`tfxlearn.nets.dcgan_discriminator`), head a
Dense(1) and embed a learned [num_classes, features] table. Chosen over the
paper's concatenation of y to D's input (one-hot maps stacked on the image
channels) because (1) the body stays a function of the image alone, so it is
still the `encoder` the linear probe and kNN evaluate on plain images, and it
is the same network as the unconditional GAN's; (2) the projection is the
form implied by a log-linear model of p(y | x), and Miyato & Koyama report
better class-conditional samples with it than with input concatenation.

Generated images in each step get the labels of the real batch they are paired
with, i.e. y ~ p_data(y), the marginal the conditional model is trained for
(and no extra randomness, so 1-device and N-replica runs stay equal). Label
ids outside [0, num_classes) raise a ValueError when given eagerly
(`sample`, `generate`, `model((images, labels))`); inside compiled steps and
the exported signature, a `tf.debugging` assertion fails with the same message
(tf.one_hot would silently map them to an all-zero vector).

Serving signature: `latent` [batch, latent_dim] float32 noise and `labels`
[batch] int32 class ids -> `images`.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import discriminator_loss_values, generator_loss_values
from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_gan import GANBase, check_class_ids
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("conditional_gan")
class ConditionalGAN(GANBase):
    """A class-conditional GAN: one-hot labels into G, a projection discriminator.

    The generator's input size must be latent_dim + num_classes with latent_dim
    >= 1 (e.g. `tfxlearn.nets.dcgan_generator(64 + 10, ...)` for 64-d noise and
    10 classes); `latent_dim` of the paradigm is the noise size. Training data
    are (images, int labels) batches (`tfxlearn.pretext.class_labels`).

    Args:
        generator: a Keras model from [batch, latent_dim + num_classes] to images.
        discriminator: a Keras model from images to features [batch, d] (the
            label-free body phi; the `encoder`).
        num_classes: number of classes (>= 2).
        generator_loss: "non_saturating" (default) or "minimax".
        head: the unconditional real/fake head (features -> 1 logit); a Dense(1)
            if omitted.
        embedding: the projection's class embedding (ids -> [d] vectors); a
            `keras.layers.Embedding(num_classes, d)` if omitted.
        seed: seed of the noise of the training steps.
    """

    sub_models = (*GANBase.sub_models, "embedding")
    discriminator_parts = (*GANBase.discriminator_parts, "embedding")

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        num_classes: int,
        generator_loss: str = "non_saturating",
        head: keras.Model | None = None,
        embedding: keras.layers.Layer | None = None,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(
            generator, discriminator, generator_loss=generator_loss, head=head, seed=seed, **kwargs
        )
        if isinstance(num_classes, bool) or int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.num_classes = int(num_classes)
        generator_input = self.latent_dim
        self.latent_dim = generator_input - self.num_classes
        if self.latent_dim < 1:
            raise ValueError(
                f"the generator takes {generator_input} inputs, which leaves latent_dim = "
                f"{generator_input} - num_classes ({self.num_classes}) = {self.latent_dim} "
                "for the noise; it needs at least 1 (build the generator with latent_dim = "
                "noise size + num_classes)"
            )
        features = discriminator.output_shape[-1]
        self.embedding = (
            embedding
            if embedding is not None
            else keras.layers.Embedding(self.num_classes, features, name="projection")
        )
        if not self.embedding.built:
            self.embedding.build((None,))
        got = tuple(self.embedding.compute_output_shape((None,)))
        if got[-1] != features:
            raise ValueError(
                f"embedding must map class ids to vectors of the discriminator's feature "
                f"size {features}, got output shape {got}"
            )
        if not self.head.built:
            self.head.build((None, features))
        # Every variable exists now. Marked built so that nothing needs to build the
        # model by calling it on images alone (call() takes (images, labels)).
        self.built = True

    # ------------------------------------------------------------------ parts

    def discriminate(self, images, labels, training: bool = False) -> tf.Tensor:
        """Projection logits [batch]: head(phi(x)) + <embed(y), phi(x)>."""
        features = self.discriminator(images, training=training)
        projection = tf.reduce_sum(self.embedding(labels) * features, axis=-1)
        return tf.reshape(self.head(features, training=training), [-1]) + projection

    def _pair(self, inputs):
        if isinstance(inputs, dict):
            inputs = (inputs.get("images"), inputs.get("labels"))
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError(
                f"{type(self).__name__} takes (images, labels): a pair of a [batch, "
                f"{', '.join(map(str, self.image_shape))}] image batch and [batch] int class ids"
            )
        images, labels = inputs
        if labels is None:
            raise ValueError(f"{type(self).__name__} takes (images, labels); labels are missing")
        images = tf.convert_to_tensor(images, tf.float32)
        check_images(images, self.image_shape)
        labels = check_class_ids(labels, self.num_classes)
        _same_batch(images, labels, "images", "labels")
        return images, labels

    def call(self, inputs, training=False):
        """The discriminator's real/fake logits [batch] for (images, labels)."""
        images, labels = self._pair(inputs)
        return self.discriminate(images, labels, training=training)

    def generate(
        self, latent, labels=None, training: bool = False, average: bool = True
    ) -> tf.Tensor:
        """Images for noise [batch, latent_dim] and class ids [batch]; `average=False`
        uses the trained generator even when a weight average is kept."""
        latent = tf.convert_to_tensor(latent, tf.float32)
        if latent.shape.rank != 2 or latent.shape[-1] not in (None, self.latent_dim):
            raise ValueError(
                f"latent must be [batch, {self.latent_dim}] (latent_dim), got shape {latent.shape}"
            )
        if labels is None:
            raise ValueError(f"{type(self).__name__}.generate needs labels [batch] (class ids)")
        labels = check_class_ids(labels, self.num_classes)
        _same_batch(latent, labels, "latent", "labels")
        onehot = tf.one_hot(labels, self.num_classes, dtype=tf.float32)
        return self.sampling_generator(training, average)(
            tf.concat([latent, onehot], axis=-1), training=training
        )

    def sample(
        self,
        count: int,
        seed: int = 0,
        labels=None,
        batch_size: int = 500,
        average: bool = True,
    ) -> np.ndarray:
        """`count` generated images, z ~ N(0, I); `labels` [count] class ids (default:
        balanced, 0, 1, ..., K-1, 0, 1, ...); `average` as in `generate`."""
        count = int(count)
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        if labels is None:
            labels = np.arange(count) % self.num_classes
        labels = check_class_ids(np.asarray(labels), self.num_classes).numpy()
        if len(labels) != count:
            raise ValueError(f"labels must hold count={count} class ids, got {len(labels)}")
        latent = tf.random.stateless_normal([count, self.latent_dim], [int(seed), 7])
        return np.concatenate(
            [
                self.generate(
                    latent[i : i + batch_size], labels[i : i + batch_size], average=average
                ).numpy()
                for i in range(0, count, batch_size)
            ]
        )

    def progress_images(self, count: int | None = None) -> np.ndarray:
        """Fixed images for per-epoch grids: count // K noise vectors (seeded by `seed`),
        each drawn with every class in turn. Default: as many full groups of K as fit
        in 64 images."""
        k = self.num_classes
        groups = max(1, (64 if count is None else int(count)) // k)
        noise = tf.random.stateless_normal([groups, self.latent_dim], [self.seed, 11])
        return self.generate(
            tf.repeat(noise, k, axis=0), tf.tile(tf.range(k, dtype=tf.int32), [groups])
        ).numpy()

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's paradigm figure: one row of samples per class, the same 10
        noise vectors in every row (a column keeps its "style")."""
        from tfxlearn import viz  # plotting is imported only when used

        columns = 10
        noise = tf.random.stateless_normal([columns, self.latent_dim], [self.seed, 17])
        rows = {}
        for k in range(self.num_classes):
            name = class_names[k] if class_names is not None else f"class {k}"
            rows[name] = self.generate(noise, tf.fill([columns], k)).numpy()
        path = os.path.join(plot_dir, "class_samples.png")
        return {
            "class_samples": viz.image_rows(
                rows, path, title="conditional samples: a row per class, fixed noise per column"
            )
        }

    # ------------------------------------------------------------------ steps

    def _batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError(
                f"{type(self).__name__} trains on (images, labels) batches; wrap the dataset "
                "with tfxlearn.pretext.class_labels (in a pipeline: pretext 'class_labels' "
                "and dataset.pretext_labels = True)"
            )
        return self._pair((data[0], data[1]))

    def train_step(self, data):
        images, labels = self._batch(data)
        # Discriminator step; each generated image is labelled like its real partner.
        # Real and generated images go through D as separate batches, as in the
        # generator step (see GANBase.train_step: batch-norm statistics).
        fake = self.generate(self.latent_noise(images, 0), labels, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(images, labels, training=True)
            fake_logits = self.discriminate(fake, labels, training=True)
            d_values = discriminator_loss_values(real_logits, fake_logits)
            d_loss = self.batch_mean(d_values)
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        with tf.GradientTape() as tape:
            g_logits = self.discriminate(
                self.generate(self.latent_noise(images, 1), labels, training=True),
                labels,
                training=True,
            )
            g_values = generator_loss_values(g_logits, self.generator_loss)
            g_loss = self.batch_mean(g_values)
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        return self._track(d_values, g_values, real_logits, fake_logits)

    def test_step(self, data):
        images, labels = self._batch(data)
        fake = self.generate(self.latent_noise(images, 2), labels)
        real_logits = self.discriminate(images, labels)
        fake_logits = self.discriminate(fake, labels)
        d_values = discriminator_loss_values(real_logits, fake_logits)
        g_values = generator_loss_values(fake_logits, self.generator_loss)
        return self._track(d_values, g_values, real_logits, fake_logits)

    # ------------------------------------------------------------------ contract

    def serving_input_specs(self):
        return {
            "latent": tf.TensorSpec((None, self.latent_dim), tf.float32, name="latent"),
            "labels": tf.TensorSpec((None,), tf.int32, name="labels"),
        }

    def serving_outputs(self, latent, labels):
        return {"images": self.generate(latent, labels)}

    @property
    def _default_save_signature(self):
        # Keras traces this when a SavedModel tracks the model, giving every call()
        # input its float `input_dtype`; the labels of (images, labels) are int32.
        @tf.function(
            input_signature=[
                (
                    tf.TensorSpec((None, *self.image_shape), tf.float32),
                    tf.TensorSpec((None,), tf.int32),
                )
            ]
        )
        def serving_default(inputs):
            return self(inputs)

        return serving_default

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
        }


def _same_batch(a: tf.Tensor, b: tf.Tensor, name_a: str, name_b: str) -> None:
    if a.shape[0] is not None and b.shape[0] is not None and a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} and {name_b} must have one entry per example, got batch sizes "
            f"{a.shape[0]} and {b.shape[0]}"
        )
