"""Small shared bases of the paradigms.

`Paradigm` holds the contract every paradigm keeps (docs/architecture.md section 5): the
part worth keeping is exposed as `encoder`, and `serving_outputs(images)` names
what the exported `serving_default` signature returns. `GeneratedLabelClassifier`
is the common shape of many pretext tasks: an encoder and a head trained to
predict a label that the tf.data pipeline generated.
"""

from __future__ import annotations

import copy

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.distribute import MultiWorkerFit
from tfxlearn.nets import classifier_head


def check_images(images: tf.Tensor, expected_shape: tuple, argument: str = "images") -> None:
    """Raises a clear error when a batch does not match the encoder's input shape."""
    shape = tuple(images.shape)
    if len(shape) != len(expected_shape) + 1:
        raise ValueError(
            f"{argument} must be a batch of rank {len(expected_shape) + 1} "
            f"[batch, {', '.join(map(str, expected_shape))}], got shape {shape}"
        )
    for got, want in zip(shape[1:], expected_shape):
        if got is not None and want is not None and got != want:
            what = "channel count" if want == expected_shape[-1] and got == shape[-1] else "shape"
            raise ValueError(
                f"{argument} {what} does not match the encoder: got per-example shape "
                f"{shape[1:]}, the encoder takes {expected_shape}"
            )


class Paradigm(MultiWorkerFit, keras.Model):
    """Base of every tfxlearn paradigm (a Keras subclassed model).

    `MultiWorkerFit` makes `fit` work under MultiWorkerMirroredStrategy.
    """

    def compile(self, optimizer="rmsprop", loss=None, **kwargs):
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} computes its own loss; do not pass `loss` to compile()"
            )
        super().compile(optimizer=optimizer, **kwargs)

    @property
    def image_shape(self) -> tuple:
        """Per-example input shape (height, width, channels) of the encoder."""
        return tuple(self.encoder.input_shape[1:])

    def evaluation_encoder(self, input_shape: tuple, **options) -> keras.Model:
        """The model whose frozen features the evaluation protocols (linear probe,
        kNN, fine-tuning) measure, for evaluation inputs of per-example shape
        `input_shape` (e.g. images (28, 28, 1), clips (16, 32, 32, 1), waveforms
        (16000,)). `options`: the pipeline config's `evaluation.encoder_options`.

        Default: `self.encoder` (None if the paradigm has none). Paradigms whose
        encoder takes something else than the evaluation input (a frame encoder
        evaluated on clips, an image + an audio encoder) return a plain Keras
        model of that input: the baselines clone it (random init) and train a
        clone end to end (all labels).
        """
        if options:
            raise ValueError(
                f"{type(self).__name__}.evaluation_encoder takes no options, got {sorted(options)}"
            )
        return getattr(self, "encoder", None)

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        """Named inputs of the exported `serving_default` signature (batch first);
        `serving_outputs` is called with them as keyword arguments."""
        return {"images": tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")}

    def serving_outputs(self, images: tf.Tensor) -> dict:
        """Named outputs of the exported `serving_default` signature."""
        return {"embedding": self.encoder(images, training=False)}


class GeneratedLabelClassifier(Paradigm):
    """Encoder + head trained with cross-entropy on pipeline-generated labels.

    Args:
        encoder: a Keras model mapping images to a feature vector.
        num_classes: number of generated label values.
        head: a Keras model mapping features to `num_classes` logits; a linear
            head if omitted.
    """

    def __init__(
        self, encoder: keras.Model, num_classes: int, head: keras.Model | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.encoder = encoder
        self.num_classes = int(num_classes)
        self.head = head if head is not None else classifier_head(self.num_classes)
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    def call(self, images, training=False):
        check_images(images, self.image_shape)
        return self.head(self.encoder(images, training=training), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} needs (images, labels) batches; wrap the dataset "
                "with its pretext op (e.g. tfxlearn.pretext.rotation)"
            )
        loss = self.loss_fn(y, y_pred, sample_weight)
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.accuracy_tracker.update_state(y, y_pred, sample_weight)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def serving_outputs(self, images):
        embedding = self.encoder(images, training=False)
        return {"embedding": embedding, "logits": self.head(embedding, training=False)}

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "head": keras.saving.serialize_keras_object(self.head),
            "num_classes": self.num_classes,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes the nested dicts
        for key in ("encoder", "head"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


class EncoderFeaturesServing:
    """Serving for a classifier whose head does not take single images (it takes
    patch sets, frame tuples, ...): `serving_outputs(images)` gives the shared
    encoder's `embedding` of each image only."""

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        return {"embedding": self.encoder(images, training=False)}


class PatchSetClassifier(EncoderFeaturesServing, GeneratedLabelClassifier):
    """N patches of an image -> one shared encoder each -> fused head -> label.

    The common shape of the patch-based pretext tasks (relative patch location,
    jigsaw puzzles): a *siamese* encoder (the same weights) embeds each of the
    `num_patches` patches of an example, the features are concatenated in slot
    order and an MLP head predicts the generated label. Because the encoder is
    shared and position-agnostic (e.g. `conv_encoder(input_shape=(None, None, C))`
    with global pooling), the same weights encode whole images at evaluation:
    `serving_outputs(images)` returns their `embedding` only (the head takes
    patch sets, not images).

    Args:
        encoder: a Keras model mapping a batch of patches [n, h, w, C] to features.
        num_patches: patches per example (inputs are [batch, num_patches, h, w, C]).
        num_classes: number of generated label values.
        hidden: width of the head's hidden layer (0: a linear head).
        head: a model mapping the concatenated features [batch, num_patches *
            features] to `num_classes` logits; built from `hidden` if omitted.
    """

    def __init__(
        self,
        encoder: keras.Model,
        num_patches: int,
        num_classes: int,
        hidden: int = 0,
        head: keras.Model | None = None,
        **kwargs,
    ):
        if int(num_patches) < 1:
            raise ValueError(f"num_patches must be >= 1, got {num_patches}")
        if int(hidden) < 0:
            raise ValueError(f"hidden must be >= 0, got {hidden}")
        if head is None:
            head = classifier_head(int(num_classes), hidden=int(hidden))
        super().__init__(encoder=encoder, num_classes=num_classes, head=head, **kwargs)
        self.num_patches = int(num_patches)
        self.hidden = int(hidden)

    def check_patches(self, patches: tf.Tensor, argument: str = "patches") -> None:
        """Clear errors for inputs that are not [batch, num_patches, h, w, C]."""
        shape = tuple(patches.shape)
        channels = self.image_shape[-1]
        if len(shape) != 5:
            raise ValueError(
                f"{type(self).__name__} takes {argument} of rank 5 [batch, {self.num_patches} "
                f"(patch count), height, width, {channels}], got shape {shape}"
            )
        if shape[1] is not None and shape[1] != self.num_patches:
            raise ValueError(
                f"{type(self).__name__}: {argument} patch count must be {self.num_patches} "
                f"(axis 1), got shape {shape}"
            )
        if shape[-1] is not None and channels is not None and shape[-1] != channels:
            raise ValueError(
                f"{argument} channel count does not match the encoder: got {shape[-1]} "
                f"channels (shape {shape}), the encoder takes {channels}"
            )
        check_images(patches[:, 0], self.image_shape, argument)

    def encode_patches(self, patches: tf.Tensor, training=False) -> tf.Tensor:
        """[batch, N, h, w, C] -> concatenated features [batch, N * features].

        All N * batch patches go through the encoder as one batch, so batch
        norm sees every slot's patches together (no per-slot statistics that
        could tell slots apart)."""
        shape = tf.shape(patches)
        flat = tf.reshape(patches, tf.concat([[-1], shape[2:]], axis=0))
        features = self.encoder(flat, training=training)
        return tf.reshape(features, [shape[0], self.num_patches * features.shape[-1]])

    def call(self, patches, training=False):
        self.check_patches(patches)
        return self.head(self.encode_patches(patches, training=training), training=training)

    def get_config(self):
        return {**super().get_config(), "num_patches": self.num_patches, "hidden": self.hidden}


def global_batch_noise(
    seed: tf.Tensor, local_batch: tf.Tensor, shape: tuple, distribution: str = "normal"
) -> tf.Tensor:
    """Stateless noise for this replica's share of the global batch.

    The noise of the whole global batch is drawn from `seed` and each replica
    keeps its own rows (replica order = global batch order), so one device and
    N replicas give every global position the same draw - the same latent
    vectors, hence the same losses and updates (the contract's parity test).
    Latent vectors are small; drawing N times as many costs nothing.

    Args:
        seed: a stateless seed, int [2].
        local_batch: examples on this replica.
        shape: per-example shape of the noise.
        distribution: "normal" (standard Gaussian) or "uniform" ([0, 1)).
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    replica = context.replica_id_in_sync_group if context is not None else 0
    local_batch = tf.cast(local_batch, tf.int32)
    full_shape = tf.concat([[local_batch * replicas], tf.constant(shape, tf.int32)], axis=0)
    if distribution == "normal":
        noise = tf.random.stateless_normal(full_shape, seed)
    elif distribution == "uniform":
        noise = tf.random.stateless_uniform(full_shape, seed)
    else:
        raise ValueError(f"distribution must be 'normal' or 'uniform', got {distribution!r}")
    start = tf.cast(replica, tf.int32) * local_batch
    return noise[start : start + local_batch]


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

    def _symbolic_build(self, *args, **kwargs):
        if getattr(self, "compiled", False) and self.built:
            self.build_optimizers()
        super()._symbolic_build(*args, **kwargs)
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
