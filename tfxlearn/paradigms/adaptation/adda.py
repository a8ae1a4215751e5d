"""Adversarial discriminative domain adaptation (ADDA): a source encoder and
classifier trained on the labelled source, then a separate target encoder trained
against a domain discriminator until its target features pass for source
features; the source classifier is reused on them.

Tzeng, Hoffman, Saenko & Darrell, "Adversarial Discriminative Domain
Adaptation", CVPR 2017.

    stage 1 (`pretrain_source`): images_s -> M_s -> C -> logits, cross-entropy on the
        source labels; then M_t := M_s (the target encoder starts from it).
    stage 2 (`fit`): M_s, C frozen;
        discriminator  D: min  -log D(M_s(x_s)) - log(1 - D(M_t(x_t)))
        target encoder M_t: min -log D(M_t(x_t))      (the inverted-label loss)
    adapted classifier: C(M_t(x)).

D's logit says "source" (the GAN's real images are the source features, the
fakes the target features), so D's loss is
`tfxlearn.losses.discriminator_loss_values(source_logits, target_logits)` and
M_t's is the GAN generator's non-saturating loss
`tfxlearn.losses.generator_loss_values(target_logits)`, which is the paper's
inverted-label loss (target features labelled "source"); `mapping_loss="minimax"`
gives the paper's other option, the minimax loss -(-log(1 - D(M_t(x_t)))).
Each step updates D, then M_t against the updated D (as DCGAN does), each
with its own optimizer (`compile(target_encoder_optimizer=...,
discriminator_optimizer=...)`; default Adam 2e-4, beta_1 0.5, the paper's
settings). The source encoder and the classifier are in neither player's
variables and run in inference mode: stage 2 leaves them unchanged.

The two stages, for a `model.fit` user:

    model = ADDA(source_encoder=conv_encoder(...), num_classes=10)
    model.pretrain_source(source_batches, epochs=..., optimizer=...)  # stage 1
    model.compile(target_encoder_optimizer=..., discriminator_optimizer=...)
    model.fit(domain_batches, epochs=...)                              # stage 2

`pretrain_source` fits a plain Keras classifier `head(source_encoder(x))` (its
own `fit`: callbacks, validation data and strategies as usual) and then copies
the source encoder into the target encoder (`init_target_encoder`). A source
encoder trained elsewhere may be given instead: the target encoder starts as a
copy of the one given at construction. In a pipeline the first stage is
`train.first_stage` (`tfxlearn.training.FirstStage`, run at the start of `fit`).

Batches of stage 2 are `((source_images, target_images), source_labels)`
(`tfxlearn.paradigms.base_adaptation`; the labels are not used by the
adversarial phase, and source and target are scaled to [0, 1] alike - a
domain scaled differently makes the features differ for a reason no encoder
should learn, and adaptation collapses to chance). The source and target
encoders run on their own domain's batch: with batch norm each domain is
normalised by its own statistics, as in the paper's separate encoders.

Serving signature: `images` -> `logits` (the source classifier on target-encoder
features), `embedding` (target-encoder features).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.losses import BatchMean, discriminator_loss_values, generator_loss_values
from tfxlearn.nets import classifier_head, domain_classifier
from tfxlearn.paradigms.base import check_num_classes
from tfxlearn.paradigms.base_adaptation import (
    DOMAIN_BATCH_HINT,
    AdaptedClassifier,
    unpack_domain_batch,
)
from tfxlearn.paradigms.base_adversarial import TwoPlayerParadigm
from tfxlearn.registry import PARADIGMS

#: mapping_loss -> the generator loss of `tfxlearn.losses.gan_generator`.
MAPPING_LOSSES = {"inverted_label": "non_saturating", "minimax": "minimax"}


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("adda")
class ADDA(AdaptedClassifier, TwoPlayerParadigm):
    """Adversarial discriminative domain adaptation (Tzeng et al., CVPR 2017).

    Args:
        source_encoder: images -> features [batch, d] (e.g.
            `tfxlearn.nets.conv_encoder()`); trained by `pretrain_source`, frozen
            during the adversarial `fit`.
        num_classes: K, the number of classes of the source labels.
        head: the classifier, features -> K logits; a linear head if omitted.
        target_encoder: the encoder adapted to the target; if omitted, a copy
            (`keras.models.clone_model`) of `source_encoder` with its weights.
        discriminator: features -> one logit ("source");
            `tfxlearn.nets.domain_classifier(discriminator_hidden)` if omitted.
        discriminator_hidden: hidden widths of the default discriminator (the
            paper's: 500, 500).
        mapping_loss: the target encoder's loss, "inverted_label" (-log D(M_t(x_t)),
            the paper's choice) or "minimax" (log(1 - D(M_t(x_t)))).
    """

    roles = ("target_encoder", "discriminator")
    sub_models = ("source_encoder", "head", "target_encoder", "discriminator")

    def __init__(
        self,
        source_encoder: keras.Model,
        num_classes: int = 10,
        head: keras.Model | None = None,
        target_encoder: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        discriminator_hidden: tuple = (500, 500),
        mapping_loss: str = "inverted_label",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(source_encoder, keras.Model):
            raise TypeError(
                f"source_encoder must be a keras.Model, got {type(source_encoder).__name__}"
            )
        self.num_classes = check_num_classes(num_classes)
        if mapping_loss not in MAPPING_LOSSES:
            raise ValueError(
                f"mapping_loss must be one of {sorted(MAPPING_LOSSES)}, got {mapping_loss!r}"
            )
        feature_shape = tuple(source_encoder.output_shape)
        if len(feature_shape) != 2 or feature_shape[-1] is None:
            raise ValueError(
                f"source_encoder must map images to feature vectors [batch, d], got {feature_shape}"
            )
        features = int(feature_shape[-1])
        self.mapping_loss = mapping_loss
        self.discriminator_hidden = tuple(int(h) for h in discriminator_hidden)
        self.source_encoder = source_encoder
        self.head = head if head is not None else classifier_head(self.num_classes)
        if target_encoder is None:
            target_encoder = _copy_of(source_encoder)
        elif not isinstance(target_encoder, keras.Model):
            raise TypeError(
                f"target_encoder must be a keras.Model, got {type(target_encoder).__name__}"
            )
        for name, a, b in (
            ("input", source_encoder.input_shape, target_encoder.input_shape),
            ("output", source_encoder.output_shape, target_encoder.output_shape),
        ):
            if tuple(a) != tuple(b):
                raise ValueError(
                    f"target_encoder must have the source encoder's {name} shape {a}, got {b}"
                )
        self.target_encoder = target_encoder
        self.discriminator = (
            discriminator
            if discriminator is not None
            else domain_classifier(self.discriminator_hidden, name="discriminator")
        )
        for net, want, what in (
            (self.head, self.num_classes, "num_classes logits"),
            (self.discriminator, 1, "one domain logit"),
        ):
            if not net.built:
                net.build((None, features))
            shape = tuple(net.compute_output_shape((None, features)))
            if shape[-1] != want:
                raise ValueError(f"{net.name} must give {what} ({want}), got output {shape}")
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.mapping_tracker = keras.metrics.Mean(name="mapping_loss")
        self.domain_accuracy_tracker = keras.metrics.BinaryAccuracy(
            name="domain_accuracy", threshold=0.0
        )
        # Every part is built above; Keras's fit would otherwise try to build the model
        # by calling it on a batch's x, here a (source, target) pair.
        self.built = True

    @property
    def encoder(self) -> keras.Model:
        """The adapted (target) encoder: the representation kept and served."""
        return self.target_encoder

    # ------------------------------------------------------------------ stage 1

    def pretrain_source(
        self,
        data: tf.data.Dataset,
        *,
        epochs: int = 1,
        optimizer="adam",
        steps_per_epoch: int | None = None,
        verbose=0,
        **fit_kwargs,
    ) -> keras.callbacks.History:
        """Stage 1: trains `head(source_encoder(x))` with cross-entropy on the source
        labels, then starts the target encoder from the trained source encoder.

        Args:
            data: batches `(source_images, source_labels)`, or the stage-2 batches
                `((source_images, target_images), source_labels)` (the target half
                is dropped); images uint8 in [0, 255] or float in [0, 1].
            epochs, steps_per_epoch, verbose, fit_kwargs: passed to Keras's `fit`.
            optimizer: a Keras optimizer, its name or its config.

        Returns:
            The source classifier's `History` (loss, accuracy).
        """
        if not isinstance(data, tf.data.Dataset):
            raise TypeError(
                f"pretrain_source: data must be a tf.data.Dataset of (images, labels) or "
                f"{DOMAIN_BATCH_HINT}, got {type(data).__name__}"
            )
        spec = data.element_spec
        if not (isinstance(spec, tuple) and len(spec) == 2):
            raise ValueError(
                f"pretrain_source: data must yield (source_images, source_labels) or "
                f"{DOMAIN_BATCH_HINT}, got elements {spec}"
            )
        if isinstance(spec[0], tuple):
            data = data.map(lambda pair, labels: (pair[0], labels))
        images_spec = data.element_spec[0]
        if images_spec.shape.rank != 4 or tuple(images_spec.shape[1:]) != self.image_shape:
            raise ValueError(
                f"pretrain_source: source images must be batches [batch, "
                f"{', '.join(map(str, self.image_shape))}], got {images_spec.shape}"
            )
        data = data.map(lambda images, labels: (to_float_images(images), labels))
        with self.distribute_strategy.scope():
            images = keras.Input(self.image_shape, name="images")
            classifier = keras.Model(
                images, self.head(self.source_encoder(images)), name="source_classifier"
            )
            classifier.compile(
                optimizer=keras.optimizers.get(optimizer),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            )
        history = classifier.fit(
            data, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose, **fit_kwargs
        )
        self.init_target_encoder()
        return history

    def init_target_encoder(self) -> None:
        """Sets the target encoder's weights to the source encoder's (the paper's
        initialisation of M_t)."""
        self.target_encoder.set_weights(self.source_encoder.get_weights())

    # ------------------------------------------------------------------ stage 2

    def player_variables(self, role):
        if role == "target_encoder":
            return self.target_encoder.trainable_weights
        return self.discriminator.trainable_weights

    def _unpack(self, data):
        return unpack_domain_batch(data, self.image_shape, self.num_classes, "ADDA")

    def _logits(self, features, training):
        return tf.reshape(self.discriminator(features, training=training), [-1])

    def train_step(self, data):
        source, target, _ = self._unpack(data)
        source_features = self.source_encoder(source, training=False)  # frozen
        with tf.GradientTape() as tape:
            source_logits = self._logits(source_features, True)
            target_logits = self._logits(self.target_encoder(target, training=True), True)
            d_values = discriminator_loss_values(source_logits, target_logits)
            d_loss = self.batch_mean(d_values)
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        # The target encoder against the updated discriminator.
        with tf.GradientTape() as tape:
            mapped_logits = self._logits(self.target_encoder(target, training=True), True)
            m_values = generator_loss_values(mapped_logits, MAPPING_LOSSES[self.mapping_loss])
            m_loss = self.batch_mean(m_values)
        self.update("target_encoder", tape, m_loss, self.player_variables("target_encoder"))
        return self._track(d_values, m_values, source_logits, target_logits)

    def test_step(self, data):
        source, target, _ = self._unpack(data)
        source_logits = self._logits(self.source_encoder(source, training=False), False)
        target_logits = self._logits(self.target_encoder(target, training=False), False)
        d_values = discriminator_loss_values(source_logits, target_logits)
        m_values = generator_loss_values(target_logits, MAPPING_LOSSES[self.mapping_loss])
        return self._track(d_values, m_values, source_logits, target_logits)

    def _track(self, d_values, m_values, source_logits, target_logits):
        # Per-example values: the Mean metrics average them over the global batch.
        self.loss_tracker.update_state(d_values + m_values)
        self.d_loss_tracker.update_state(d_values)
        self.mapping_tracker.update_state(m_values)
        self.domain_accuracy_tracker.update_state(
            tf.concat([tf.ones_like(source_logits), tf.zeros_like(target_logits)], 0),
            tf.concat([source_logits, target_logits], 0),
        )
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.d_loss_tracker,
            self.mapping_tracker,
            self.domain_accuracy_tracker,
        ]

    # ------------------------------------------------------------------ contract

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "discriminator_hidden": list(self.discriminator_hidden),
            "mapping_loss": self.mapping_loss,
        }


def _copy_of(encoder: keras.Model) -> keras.Model:
    """A new encoder of `encoder`'s architecture with its weights."""
    try:
        copy = keras.models.clone_model(encoder)
    except Exception as error:  # noqa: BLE001 - re-raised with the argument named
        raise ValueError(
            "ADDA copies source_encoder into the target encoder with keras.models.clone_model: "
            f"give a Functional or Sequential model (or pass target_encoder=): {error}"
        ) from error
    if not copy.built:
        copy.build(encoder.input_shape)
    copy.set_weights(encoder.get_weights())
    return copy
