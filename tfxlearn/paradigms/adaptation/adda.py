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

The players and the step are `tfxlearn.paradigms.base_feature_adaptation.
FeatureAdversary`'s (shared with CyCADA's feature-level stage).

Serving signature: `images` -> `logits` (the source classifier on target-encoder
features), `embedding` (target-encoder features).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.paradigms.base_feature_adaptation import FeatureAdversary
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("adda")
class ADDA(FeatureAdversary):
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
        self.setup_feature_adversary(
            source_encoder,
            num_classes,
            head,
            target_encoder,
            discriminator,
            discriminator_hidden,
            mapping_loss,
        )
        # Every part is built above; Keras's fit would otherwise try to build the model
        # by calling it on a batch's x, here a (source, target) pair.
        self.built = True

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
        history = self.fit_classifier(
            self.source_encoder,
            self.head,
            data,
            stage="pretrain_source",
            epochs=epochs,
            optimizer=optimizer,
            steps_per_epoch=steps_per_epoch,
            verbose=verbose,
            **fit_kwargs,
        )
        self.init_target_encoder()
        return history

    # ------------------------------------------------------------------ contract

    def get_config(self):
        return {**super().get_config(), **self.feature_adversary_config()}
