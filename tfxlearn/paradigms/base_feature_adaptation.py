"""The feature-level adversarial adaptation of ADDA (Tzeng, Hoffman, Saenko &
Darrell, CVPR 2017), shared by ADDA and CyCADA's feature-level stage (Hoffman
et al., ICML 2018): a source encoder M_s and classifier C trained on labelled
source images, frozen; a target encoder M_t, started as a copy of M_s, trained
against a domain discriminator D until its target features pass for source
features; the adapted classifier C(M_t(x)).

    discriminator  D:   min  -log D(M_s(x_s)) - log(1 - D(M_t(x_t)))
    target encoder M_t: min  -log D(M_t(x_t))   ("inverted_label"; or "minimax":
                                                 log(1 - D(M_t(x_t))))

`FeatureAdversary` holds the players (`setup_feature_adversary`), the classifier
stage (`fit_classifier`: a plain Keras classifier `head(encoder(x))` fitted on
(images, labels) batches), and the adversarial step; a subclass says which
source images M_s sees (`source_features`: ADDA the source images themselves,
CyCADA their translations to the target domain). Each step updates D, then M_t
against the updated D, each with its own optimizer (`compile(
target_encoder_optimizer=..., discriminator_optimizer=...)`). M_s and C are in
neither player's variables and run in inference mode: the step leaves them
unchanged.
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

#: mapping_loss -> the generator loss of `tfxlearn.losses.gan_generator`.
MAPPING_LOSSES = {"inverted_label": "non_saturating", "minimax": "minimax"}


def copy_of(encoder: keras.Model, paradigm: str = "ADDA", argument: str = "target_encoder"):
    """A new model of `encoder`'s architecture with its weights."""
    try:
        copy = keras.models.clone_model(encoder)
    except Exception as error:  # noqa: BLE001 - re-raised with the argument named
        raise ValueError(
            f"{paradigm} copies source_encoder into the {argument.replace('_', ' ')} with "
            "keras.models.clone_model: give a Functional or Sequential model (or pass "
            f"{argument}=): {error}"
        ) from error
    if not copy.built:
        copy.build(encoder.input_shape)
    copy.set_weights(encoder.get_weights())
    return copy


def source_image_batches(data, image_shape: tuple, stage: str) -> tf.data.Dataset:
    """`(float source images, labels)` batches of `(images, labels)` or of domain
    batches `((source, target), labels)` (the target half dropped), checked
    against the encoder's `image_shape`."""
    if not isinstance(data, tf.data.Dataset):
        raise TypeError(
            f"{stage}: data must be a tf.data.Dataset of (images, labels) or "
            f"{DOMAIN_BATCH_HINT}, got {type(data).__name__}"
        )
    spec = data.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise ValueError(
            f"{stage}: data must yield (source_images, source_labels) or "
            f"{DOMAIN_BATCH_HINT}, got elements {spec}"
        )
    if isinstance(spec[0], tuple):
        data = data.map(lambda pair, labels: (pair[0], labels))
    images_spec = data.element_spec[0]
    if images_spec.shape.rank != 4 or tuple(images_spec.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"{stage}: source images must be batches [batch, "
            f"{', '.join(map(str, image_shape))}], got {images_spec.shape}"
        )
    return data.map(lambda images, labels: (to_float_images(images), labels))


class FeatureAdversary(AdaptedClassifier, TwoPlayerParadigm):
    """ADDA's players and step (see the module docstring); subclasses call
    `setup_feature_adversary` in their constructor."""

    roles = ("target_encoder", "discriminator")
    paradigm_name = "ADDA"

    def setup_feature_adversary(
        self,
        source_encoder: keras.Model,
        num_classes: int,
        head: keras.Model | None,
        target_encoder: keras.Model | None,
        discriminator: keras.Model | None,
        discriminator_hidden: tuple,
        mapping_loss: str,
    ) -> None:
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
            target_encoder = copy_of(source_encoder, self.paradigm_name)
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

    @property
    def encoder(self) -> keras.Model:
        """The adapted (target) encoder: the representation kept and served."""
        return self.target_encoder

    # ------------------------------------------------------------------ classifier stage

    def fit_classifier(
        self,
        encoder: keras.Model,
        head: keras.Model,
        data: tf.data.Dataset,
        *,
        stage: str,
        epochs: int = 1,
        optimizer="adam",
        steps_per_epoch: int | None = None,
        verbose=0,
        before: keras.Model | None = None,
        **fit_kwargs,
    ) -> keras.callbacks.History:
        """Fits `head(encoder(before(x)))` (`before`, e.g. a translator, frozen) with
        cross-entropy on `data`'s labels (see `source_image_batches`).

        Returns:
            The classifier's `History` (loss, accuracy).
        """
        data = source_image_batches(data, self.image_shape, stage)
        # a dataset: Keras ignores `shuffle` for it but warns on its default True
        fit_kwargs.setdefault("shuffle", False)
        trainable = before.trainable if before is not None else None
        try:
            with self.distribute_strategy.scope():
                images = keras.Input(self.image_shape, name="images")
                inputs = images
                if before is not None:
                    before.trainable = False
                    inputs = before(images, training=False)
                classifier = keras.Model(images, head(encoder(inputs)), name=f"{stage}_classifier")
                classifier.compile(
                    optimizer=keras.optimizers.get(optimizer),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                )
            return classifier.fit(
                data, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose, **fit_kwargs
            )
        finally:
            if before is not None:
                before.trainable = trainable

    def init_target_encoder(self) -> None:
        """Sets the target encoder's weights to the source encoder's (the paper's
        initialisation of M_t)."""
        self.target_encoder.set_weights(self.source_encoder.get_weights())

    # ------------------------------------------------------------------ adversarial stage

    def source_features(self, source: tf.Tensor, training: bool = False) -> tf.Tensor:
        """M_s's features of the source batch (frozen: inference mode)."""
        del training
        return self.source_encoder(source, training=False)

    def player_variables(self, role):
        if role == "target_encoder":
            return self.target_encoder.trainable_weights
        return self.discriminator.trainable_weights

    def _unpack(self, data):
        return unpack_domain_batch(data, self.image_shape, self.num_classes, self.paradigm_name)

    def _logits(self, features, training):
        return tf.reshape(self.discriminator(features, training=training), [-1])

    def train_step(self, data):
        source, target, _ = self._unpack(data)
        source_features = self.source_features(source, training=True)  # frozen
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
        source_logits = self._logits(self.source_features(source), False)
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

    def feature_adversary_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "discriminator_hidden": list(self.discriminator_hidden),
            "mapping_loss": self.mapping_loss,
        }
