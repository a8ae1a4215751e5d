"""The base of the two-player paradigms (GANs): a generator and a discriminator,
each with its own optimizer (docs/architecture.md section 5)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import BatchMean
from tfxlearn.paradigms.base import Paradigm, global_batch_noise


def latent_dim_of(generator: keras.Model) -> int:
    shape = generator.input_shape
    if not isinstance(shape, tuple) or len(shape) != 2 or shape[1] is None:
        raise ValueError(
            f"generator must take one latent vector input [batch, latent_dim], got input shape "
            f"{shape}"
        )
    return int(shape[1])


class AdversarialParadigm(Paradigm):
    """Base of the two-player paradigms (GANs): a generator and a discriminator,
    each with its own optimizer (docs/architecture.md section 5).

    Subclasses override `train_step` and `test_step` and update each player
    with `self.update(role, tape, loss, variables)`; losses go through Keras
    `Loss` objects so they are scaled for the strategy. `compile` takes
    `generator_optimizer` and `discriminator_optimizer` (default: Adam at
    2e-4, beta_1 0.5, DCGAN's setting); `model.optimizer` is the generator's,
    so its `iterations` counts steps. `next_seed(stream)` gives per-step
    stateless seeds for latent noise, the same on every replica. Subclasses set
    `self.generator` and `self.latent_dim` (see `latent_dim_of`) and inherit
    `generate(latent)` and `sample(count, seed)`.

    With `generator_ema`, the images the model hands out (`generate`, `sample`,
    the per-epoch grids, the SavedModel) come from an exponential moving average
    of the generator's weights (Yazici et al., "The unusual effectiveness of
    averaging in GAN training", ICLR 2019), updated after every generator step;
    the training steps use the generator itself. Subclasses install the
    generator with `set_generator`.

    Args:
        seed: seed of the latent noise drawn in the steps.
        generator_ema: decay of the weight average in (0, 1), e.g. 0.999, or None
            (default) for no average. The decay is min(generator_ema,
            (1 + t) / (10 + t)) at generator step t, so short runs are not
            dominated by the initial weights. Batch-norm statistics are copied,
            not averaged.
    """

    roles = ("generator", "discriminator")

    def __init__(self, seed: int = 0, generator_ema: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = int(seed)
        if generator_ema is not None:
            if isinstance(generator_ema, bool) or not 0.0 < float(generator_ema) < 1.0:
                raise ValueError(
                    f"generator_ema must be a decay in (0, 1) (e.g. 0.999) or None, "
                    f"got {generator_ema!r}"
                )
            generator_ema = float(generator_ema)
        self.generator_ema = generator_ema
        self.generator_average = None

    def set_generator(self, generator: keras.Model) -> None:
        """Installs the trained generator and, with `generator_ema`, its weight average
        (a copy of the same architecture starting from the same weights)."""
        self.generator = generator
        if self.generator_ema is None:
            return
        try:
            average = keras.models.clone_model(generator)
        except Exception as error:  # noqa: BLE001 - re-raised with the argument named
            raise ValueError(
                "generator_ema needs a generator that keras.models.clone_model can copy "
                f"(a Functional or Sequential model, or one with get_config): {error}"
            ) from error
        if not average.built:
            average.build(generator.input_shape)
        if [w.shape for w in average.weights] != [w.shape for w in generator.weights]:
            raise ValueError("generator_ema: the copied generator's weights do not match")
        average.set_weights(generator.get_weights())
        average.trainable = False
        self.generator_average = average

    def sampling_generator(self, training: bool = False, average: bool = True) -> keras.Model:
        """The network that makes images: the generator while training (or with
        `average=False`), its weight average (if `generator_ema` is set) otherwise."""
        if training or not average or self.generator_average is None:
            return self.generator
        return self.generator_average

    def _update_generator_average(self) -> None:
        step = tf.cast(tf.convert_to_tensor(self.generator_optimizer.iterations), tf.float32)
        decay = tf.minimum(self.generator_ema, (1.0 + step) / (10.0 + step))
        average, live = self.generator_average, self.generator
        trainable = {id(w) for w in live.trainable_weights}
        for mean, weight in zip(average.weights, live.weights):
            if id(weight) in trainable:
                mean.assign(decay * mean + (1.0 - decay) * tf.cast(weight, mean.dtype))
            else:
                mean.assign(weight)

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss=None,
        optimizer=None,
        **kwargs,
    ):
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} computes its own loss; do not pass `loss` to compile()"
            )
        if optimizer is not None:
            raise ValueError(
                f"{type(self).__name__} trains two players: pass generator_optimizer= and "
                "discriminator_optimizer= to compile() instead of optimizer="
            )
        optimizers = {}
        for role, value in (
            ("generator", generator_optimizer),
            ("discriminator", discriminator_optimizer),
        ):
            if value is None:
                value = keras.optimizers.Adam(2e-4, beta_1=0.5)
            optimizers[role] = keras.optimizers.get(value)
        if optimizers["generator"] is optimizers["discriminator"]:
            raise ValueError(
                "generator_optimizer and discriminator_optimizer must be two optimizer "
                "objects (each keeps state for its own player's variables)"
            )
        keras.Model.compile(self, optimizer=optimizers["generator"], **kwargs)
        self.generator_optimizer = optimizers["generator"]
        self.discriminator_optimizer = optimizers["discriminator"]
        self._compile_kwargs = dict(kwargs)

    def get_compile_config(self):
        if not getattr(self, "compiled", False) or not hasattr(self, "generator_optimizer"):
            return {}
        return {
            "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(
                self.discriminator_optimizer
            ),
        }

    def compile_from_config(self, config):
        self.compile(
            **{key: keras.saving.deserialize_keras_object(value) for key, value in config.items()}
        )
        if self.built:
            self.build_optimizers()

    def player_variables(self, role: str) -> list:
        """Trainable variables updated by `role`'s optimizer."""
        raise NotImplementedError(f"{type(self).__name__} must define player_variables(role)")

    def build_optimizers(self) -> None:
        """Creates both optimizers' slots for their players' variables (Keras only
        builds `model.optimizer`, on all variables, by itself)."""
        for role in self.roles:
            optimizer = getattr(self, f"{role}_optimizer")
            if not optimizer.built:
                optimizer.build(self.player_variables(role))

    def wrap_build(self, build):
        # Keras's symbolic build on the first batch (tfxlearn.keras_private.TrainerHooks)
        # builds `model.optimizer` only: build both players' optimizers around it.
        if getattr(self, "compiled", False) and self.built:
            self.build_optimizers()
        super().wrap_build(build)
        if getattr(self, "compiled", False):
            self.build_optimizers()

    def update(self, role: str, tape: tf.GradientTape, loss: tf.Tensor, variables: list) -> None:
        """One optimizer step of `role` on `loss` (already scaled by Keras for the strategy)."""
        optimizer = getattr(self, f"{role}_optimizer")
        gradients = tape.gradient(optimizer.scale_loss(loss), variables)
        optimizer.apply_gradients(zip(gradients, variables))
        if role == "generator" and self.generator_average is not None:
            self._update_generator_average()

    def next_seed(self, stream: int = 0) -> tf.Tensor:
        """A stateless seed for this step's noise: (seed, step * 16 + stream); the step
        is the generator optimizer's iteration count, identical on every replica."""
        step = tf.cast(tf.convert_to_tensor(self.generator_optimizer.iterations), tf.int64)
        return tf.stack([tf.constant(self.seed, tf.int64), step * 16 + int(stream)])

    def generate(
        self, latent: tf.Tensor, training: bool = False, average: bool = True
    ) -> tf.Tensor:
        """Images for latent vectors [batch, latent_dim]; `average=False` uses the
        trained generator even when a weight average is kept (`generator_ema`)."""
        latent = tf.convert_to_tensor(latent, tf.float32)
        if latent.shape.rank != 2 or (
            latent.shape[-1] is not None and latent.shape[-1] != self.latent_dim
        ):
            raise ValueError(
                f"latent must be [batch, {self.latent_dim}] (latent_dim), got shape {latent.shape}"
            )
        return self.sampling_generator(training, average)(latent, training=training)

    def sample(
        self, count: int, seed: int = 0, batch_size: int = 500, average: bool = True
    ) -> np.ndarray:
        """`count` generated images (NumPy, float32 in the generator's range), z ~ N(0, I);
        `average` as in `generate`."""
        if int(count) < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        batch_size = int(batch_size)
        latent = tf.random.stateless_normal([int(count), self.latent_dim], [int(seed), 7])
        return np.concatenate(
            [
                self.generate(latent[i : i + batch_size], average=average).numpy()
                for i in range(0, int(count), batch_size)
            ]
        )

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "generator_ema": self.generator_ema}


class DiscriminatorBodyParadigm(AdversarialParadigm):
    """A generator from latent vectors and a discriminator body (images -> features)
    with a head on top, the body doubling as the `encoder`: the shared part of the
    GANs (`base_gan.GANBase`) and the semi-supervised GAN.

    Subclasses call `set_players(generator, discriminator, head, default_head)` in
    their constructor; `progress_count` is the size of the progress grid.
    """

    sub_models = ("generator", "discriminator", "head")
    progress_count = 64
    #: The sub-models the discriminator's optimizer trains (subclasses add theirs).
    discriminator_parts = ("discriminator", "head")

    def set_players(self, generator, discriminator, head, default_head) -> None:
        """Checks and keeps the players (`head`, or `default_head()`, goes on the body)
        and makes the trackers of the game: loss, d_loss, g_loss, real_score, fake_score."""
        for name, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{name} must be a keras.Model, got {type(net).__name__}")
        self.latent_dim = latent_dim_of(generator)
        if tuple(generator.output_shape[1:]) != tuple(discriminator.input_shape[1:]):
            raise ValueError(
                f"generator output shape {generator.output_shape[1:]} must equal the "
                f"discriminator input shape {discriminator.input_shape[1:]}"
            )
        self.set_generator(generator)
        self.discriminator = discriminator
        self.head = head if head is not None else default_head()
        # The game's trackers (the subclass's `metrics` lists them in its order).
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.real_score_tracker = keras.metrics.Mean(name="real_score")
        self.fake_score_tracker = keras.metrics.Mean(name="fake_score")

    @property
    def encoder(self) -> keras.Model:
        return self.discriminator

    def progress_images(self, count: int | None = None) -> np.ndarray:
        """A fixed set of samples for per-epoch grids (`ProgressImages`): the same latent
        vectors (seeded by the paradigm's `seed`) every call, so the grids show training."""
        return self.sample(self.progress_count if count is None else count, seed=self.seed)

    def player_variables(self, role):
        if role == "generator":
            return self.generator.trainable_weights
        parts = (getattr(self, part) for part in self.discriminator_parts)
        return [weight for part in parts for weight in part.trainable_weights]

    def latent_noise(self, images, stream):
        """Latent vectors for this replica's share of the global batch of `images`."""
        return global_batch_noise(self.next_seed(stream), tf.shape(images)[0], (self.latent_dim,))
