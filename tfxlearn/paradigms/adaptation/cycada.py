"""CyCADA: cycle-consistent adversarial domain adaptation, pixel-level (a
CycleGAN whose translations keep what a source classifier sees) followed by
feature-level (ADDA on the translated source images).

Hoffman, Tzeng, Park, Zhu, Isola, Saenko, Efros & Darrell, "CyCADA:
Cycle-Consistent Adversarial Domain Adaptation", ICML 2018.

The stages, as the paper trains them on digits (section 4.1: "we train the
pixel-level and feature-level adaptation stagewise"):

1. `pretrain_source`: the source classifier f_S = semantic_head(semantic_encoder(x))
   on labelled source images (cross-entropy); frozen from then on.
2. `adapt_pixels`: a CycleGAN between the source S and the target T, G_ST
   (`generator_st`), G_TS (`generator_ts`), D_S, D_T, least-squares GAN, cycle
   (and optional identity) losses (`tfxlearn.paradigms.base_translation.
   CycleTranslation`, the step CycleGAN uses), plus the semantic-consistency
   loss of eq. 4 (`tfxlearn.losses.semantic_consistency`):

       L_sem = CE(f_S(G_ST(x_s)), argmax f_S(x_s)) + CE(f_S(G_TS(x_t)), argmax f_S(x_t))

   weighted by `semantic_weight`; f_S runs in inference mode and is in no
   player's variables, so it is not changed.
3. `train_on_translated`: the task classifier f_T = head(source_encoder(.)),
   started from f_S's weights, trained on G_ST(x_s) with the source labels
   (G_ST frozen); the target encoder then starts as a copy of its encoder.
4. `fit` (this model's `train_step`): ADDA on the translated source images
   (`tfxlearn.paradigms.base_feature_adaptation.FeatureAdversary`): a feature
   discriminator tells source_encoder(G_ST(x_s)) (frozen) from
   target_encoder(x_t); the target encoder learns to fool it (inverted-label
   loss). The adapted classifier is head(target_encoder(x)).

`pixel_stages(data, source={...}, pixel={...}, translated={...})` runs stages
1-3 in order (in a pipeline: `train.first_stage`, as ADDA's source pretraining),
each dict holding that stage's `epochs`, `optimizer` (or `generator_optimizer`
and `discriminator_optimizer` for the pixel stage) and other `fit` arguments.

Batches of every stage are `((source_images, target_images), source_labels)`
(`tfxlearn.paradigms.base_adaptation`), both domains scaled to [0, 1] alike;
the two domains must have one image shape (the generators translate between
them and f_S reads both).

Serving signatures: `serving_default`: `images` -> `logits`, `embedding` (the
adapted classifier and the target encoder's features); `translate`: source
`images` -> `translated` (G_ST); `translate_back`: target `images` ->
`translated` (G_TS).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.losses import semantic_consistency_values
from tfxlearn.nets import classifier_head
from tfxlearn.paradigms.base import batched_numpy, check_images, net_image_shape, non_negative
from tfxlearn.paradigms.base_adaptation import DOMAIN_BATCH_HINT
from tfxlearn.paradigms.base_feature_adaptation import FeatureAdversary, copy_of
from tfxlearn.paradigms.base_translation import CycleTranslation
from tfxlearn.registry import PARADIGMS

GENERATOR_NAMES = {
    "generator_ab": "generator_st",
    "generator_ba": "generator_ts",
    "discriminator_a": "discriminator_s",
    "discriminator_b": "discriminator_t",
}


class SemanticCycle(CycleTranslation):
    """CyCADA's pixel-level stage: the CycleGAN step (source = A, target = B) plus
    `semantic_weight` x L_sem from the frozen classifier `semantic_head(
    semantic_encoder(.))` (see the module docstring). Built and fitted by `CyCADA`."""

    display_name = "CyCADA's pixel stage"
    extra_terms = ("semantic",)
    batch_hint = (
        "CyCADA's pixel stage trains on (source_images, target_images) batches of equal size "
        f"or {DOMAIN_BATCH_HINT}"
    )

    def __init__(
        self,
        nets: dict,
        semantic_encoder: keras.Model,
        semantic_head: keras.Model,
        semantic_weight: float,
        cycle_weight: float,
        identity_weight: float,
        history_size: int,
        history_probability: float,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.semantic_encoder = semantic_encoder
        self.semantic_head = semantic_head
        self.semantic_weight = semantic_weight
        self.setup_cycle(
            nets["generator_st"],
            nets["generator_ts"],
            nets["discriminator_s"],
            nets["discriminator_t"],
            cycle_weight=cycle_weight,
            identity_weight=identity_weight,
            history_size=history_size,
            history_probability=history_probability,
            names=GENERATOR_NAMES,
        )

    def classify(self, images):
        """f_S's logits (frozen: inference mode)."""
        return self.semantic_head(self.semantic_encoder(images, training=False), training=False)

    def extra_generator_terms(self, a, b, fake_a, fake_b, training=False):
        semantic = semantic_consistency_values(self.classify(a), self.classify(fake_b))
        semantic += semantic_consistency_values(self.classify(b), self.classify(fake_a))
        return {"semantic": (self.semantic_weight, semantic)}


def _image_pairs(data) -> tf.data.Dataset:
    """`(source, target)` float batches of domain batches (or of (source, target) pairs)."""
    if not isinstance(data, tf.data.Dataset):
        raise TypeError(
            f"adapt_pixels: data must be a tf.data.Dataset of {DOMAIN_BATCH_HINT}, got "
            f"{type(data).__name__}"
        )
    spec = data.element_spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], tuple):
        data = data.map(lambda pair, labels: pair)
    elif not (isinstance(spec, tuple) and len(spec) == 2):
        raise ValueError(f"adapt_pixels: data must yield {DOMAIN_BATCH_HINT}, got {spec}")
    return data.map(lambda s, t: (to_float_images(s), to_float_images(t)))


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("cycada")
class CyCADA(FeatureAdversary):
    """CyCADA (Hoffman et al., ICML 2018); see the module docstring.

    Args:
        source_encoder: images -> features [batch, d] of the task classifier f_T
            (e.g. `tfxlearn.nets.conv_encoder()`), trained on translated source
            images, frozen during the adversarial `fit`.
        generator_st: G_ST, source images -> target-like images of the same shape
            (e.g. `tfxlearn.nets.resnet_generator`).
        generator_ts: G_TS, target images -> source-like images.
        discriminator_s: D_S, images -> raw scores (one, or a PatchGAN map).
        discriminator_t: D_T, images -> raw scores.
        num_classes: K, the number of classes of the source labels.
        head: f_T's classifier, features -> K logits; a linear head if omitted.
        target_encoder: the adapted encoder; a copy of `source_encoder` if omitted.
        discriminator: the feature discriminator, features -> one logit;
            `tfxlearn.nets.domain_classifier(discriminator_hidden)` if omitted.
        semantic_encoder, semantic_head: f_S, the source classifier of the semantic
            loss; a copy of `source_encoder` and a linear head if omitted.
        discriminator_hidden: hidden widths of the default feature discriminator.
        mapping_loss: the target encoder's loss, "inverted_label" or "minimax".
        semantic_weight: weight of L_sem in the generators' loss (the paper: 1).
        cycle_weight: lambda_cyc (CycleGAN's 10).
        identity_weight: lambda_id (0 by default: the semantic loss keeps the
            content; the identity term costs two more generator passes a step).
        history_size, history_probability: the image histories of D_S and D_T.
        seed: seed of the histories' draws.
    """

    paradigm_name = "CyCADA"
    sub_models = (
        "source_encoder",
        "generator_st",
        "generator_ts",
        "discriminator_s",
        "discriminator_t",
        "head",
        "target_encoder",
        "discriminator",
        "semantic_encoder",
        "semantic_head",
    )

    def __init__(
        self,
        source_encoder: keras.Model,
        generator_st: keras.Model,
        generator_ts: keras.Model,
        discriminator_s: keras.Model,
        discriminator_t: keras.Model,
        num_classes: int = 10,
        head: keras.Model | None = None,
        target_encoder: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        semantic_encoder: keras.Model | None = None,
        semantic_head: keras.Model | None = None,
        discriminator_hidden: tuple = (500, 500),
        mapping_loss: str = "inverted_label",
        semantic_weight: float = 1.0,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.0,
        history_size: int = 50,
        history_probability: float = 0.5,
        seed: int = 0,
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
        self.semantic_weight = non_negative(semantic_weight, "semantic_weight")
        self.seed = int(seed)
        shape = tuple(self.image_shape)
        if semantic_encoder is None:
            semantic_encoder = copy_of(source_encoder, "CyCADA", "semantic_encoder")
        elif not isinstance(semantic_encoder, keras.Model):
            raise TypeError(
                f"semantic_encoder must be a keras.Model, got {type(semantic_encoder).__name__}"
            )
        got = net_image_shape(semantic_encoder, "input", "semantic_encoder")
        if got != shape:
            raise ValueError(
                f"semantic_encoder must take the source encoder's images {shape}, got {got}"
            )
        features = int(semantic_encoder.output_shape[-1])
        if semantic_head is None:
            semantic_head = classifier_head(self.num_classes, name="semantic_head")
        if not semantic_head.built:
            semantic_head.build((None, features))
        out = tuple(semantic_head.compute_output_shape((None, features)))
        if out[-1] != self.num_classes:
            raise ValueError(
                f"semantic_head must give num_classes logits ({self.num_classes}), got {out}"
            )
        self.semantic_encoder, self.semantic_head = semantic_encoder, semantic_head
        nets = {
            "generator_st": generator_st,
            "generator_ts": generator_ts,
            "discriminator_s": discriminator_s,
            "discriminator_t": discriminator_t,
        }
        if isinstance(generator_st, keras.Model):
            for which in ("input", "output"):
                got = net_image_shape(generator_st, which, "generator_st")
                if got != shape:
                    raise ValueError(
                        f"generator_st {which} shape {got} must be the encoders' image shape "
                        f"{shape}: CyCADA translates between domains of one image size and "
                        "channel count (resize both, e.g. the domain_adaptation op's "
                        "`image_size`)"
                    )
        self.pixel_stage = SemanticCycle(
            nets,
            semantic_encoder,
            semantic_head,
            self.semantic_weight,
            cycle_weight=cycle_weight,
            identity_weight=identity_weight,
            history_size=history_size,
            history_probability=history_probability,
            seed=self.seed,
            name="pixel_stage",
        )
        self.generator_st, self.generator_ts = generator_st, generator_ts
        self.discriminator_s, self.discriminator_t = discriminator_s, discriminator_t
        # Every part is built above; Keras's fit would otherwise try to build the model
        # by calling it on a batch's x, here a (source, target) pair.
        self.built = True

    # ------------------------------------------------------------------ stages 1-3

    def pretrain_source(self, data: tf.data.Dataset, **fit_args) -> keras.callbacks.History:
        """Stage 1: trains f_S = semantic_head(semantic_encoder(x)) on the source labels
        (`fit_args`: epochs, optimizer, steps_per_epoch, verbose, Keras `fit`
        arguments); f_T and the target encoder start as copies of it when their
        architectures match (so the model is then the source-only classifier)."""
        history = self.fit_classifier(
            self.semantic_encoder, self.semantic_head, data, stage="pretrain_source", **fit_args
        )
        self._copy_semantic_classifier()
        return history

    def _copy_semantic_classifier(self) -> None:
        for target, source in (
            (self.source_encoder, self.semantic_encoder),
            (self.head, self.semantic_head),
            (self.target_encoder, self.semantic_encoder),
        ):
            if [w.shape for w in target.weights] == [w.shape for w in source.weights]:
                target.set_weights(source.get_weights())

    def adapt_pixels(
        self,
        data: tf.data.Dataset,
        *,
        epochs: int = 1,
        generator_optimizer=None,
        discriminator_optimizer=None,
        steps_per_epoch: int | None = None,
        verbose=0,
        **fit_kwargs,
    ) -> keras.callbacks.History:
        """Stage 2: the CycleGAN with the semantic-consistency loss (`SemanticCycle`),
        each player with its own optimizer (default Adam 2e-4, beta_1 0.5).

        Returns:
            The pixel stage's `History` (loss, g_loss, d_loss, adversarial_loss,
            cycle_l1, identity_l1, semantic_loss, d_a_loss = D_S's, d_b_loss = D_T's).
        """
        pairs = _image_pairs(data)
        with self.distribute_strategy.scope():
            self.pixel_stage.compile(
                generator_optimizer=generator_optimizer,
                discriminator_optimizer=discriminator_optimizer,
            )
        return self.pixel_stage.fit(
            pairs, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose, **fit_kwargs
        )

    def train_on_translated(self, data: tf.data.Dataset, **fit_args) -> keras.callbacks.History:
        """Stage 3: trains f_T = head(source_encoder(G_ST(x))) on the translated source
        images with their labels (G_ST frozen; `fit_args` as `pretrain_source`), then
        starts the target encoder from its encoder."""
        history = self.fit_classifier(
            self.source_encoder,
            self.head,
            data,
            stage="train_on_translated",
            before=self.generator_st,
            **fit_args,
        )
        self.init_target_encoder()
        return history

    def pixel_stages(
        self,
        data: tf.data.Dataset,
        source: dict | None = None,
        pixel: dict | None = None,
        translated: dict | None = None,
        callbacks: list | None = None,
    ) -> dict:
        """Stages 1-3 on the same batches, each dict the arguments of
        `pretrain_source`, `adapt_pixels`, `train_on_translated`; `callbacks`
        (e.g. the pipeline's `EpochOrder`, so each epoch gets its own data order)
        go to each stage's `fit`, before a stage's own. Returns their histories'
        logs by stage name."""

        def args(stage: dict | None) -> dict:
            stage = dict(stage or {})
            stage["callbacks"] = [*(callbacks or []), *stage.get("callbacks", [])]
            return stage

        return {
            "source": self.pretrain_source(data, **args(source)).history,
            "pixel": self.adapt_pixels(data, **args(pixel)).history,
            "translated": self.train_on_translated(data, **args(translated)).history,
        }

    # ------------------------------------------------------------------ stage 4

    def source_features(self, source, training=False):
        """Features of the translated source images G_ST(x_s) (translator and
        encoder frozen: inference mode)."""
        del training
        translated = self.generator_st(source, training=False)
        return self.source_encoder(translated, training=False)

    # ------------------------------------------------------------------ forward

    def translate(self, images, direction: str = "a_to_b", batch_size: int = 500) -> np.ndarray:
        """G_ST(images) of source images ("a_to_b"), G_TS(images) of target ones
        ("b_to_a"), as NumPy float32."""
        return self.pixel_stage.translate(images, direction, batch_size)

    def semantic_logits(self, images, batch_size: int = 500) -> np.ndarray:
        """f_S's logits [n, K] (NumPy) of images (uint8 or float)."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(self.pixel_stage.classify, images, batch_size)

    # ------------------------------------------------------------------ contract

    def serving_signatures(self) -> dict:
        """`translate` (source `images` -> `translated`, G_ST) and `translate_back`
        (target `images` -> `translated`, G_TS)."""
        return self.pixel_stage.cycle_signatures(("translate", "translate_back"))

    def get_config(self):
        return {
            **super().get_config(),
            **self.feature_adversary_config(),
            **self.pixel_stage.cycle_config(),
            "semantic_weight": self.semantic_weight,
            "seed": self.seed,
        }
