"""pix2pix: paired image-to-image translation with a conditional GAN.

Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional
Adversarial Networks", CVPR 2017.

A generator G maps an input image x (e.g. an edge map) to an output image
(e.g. the photo it was drawn from); a conditional discriminator D sees the
input and an output concatenated along the channels and scores each patch
(PatchGAN, section 3.2.2) real (the true y) or fake (G(x)). With D's raw
scores l as logits (`tfxlearn.losses.gan_discriminator` / `gan_generator`) the
players minimise, per pair (x, y) of the batch,

    L_G = adversarial_weight * softplus(-l(x, G(x)))                    cGAN (eq. 1), non-saturating
        + l1_weight * |y - G(x)|_1                                      L1 (eq. 3)
    L_D = 1/2 [softplus(-l(x, y)) + softplus(l(x, G(x)))]               "divide by 2" (sec. 3.3)

(means over the patch scores and pixels). The paper's lambda = 100 is
`l1_weight`; `adversarial_weight=0` is its "L1 alone" ablation (table 1), in
which the discriminator is not trained and no gradient flows through it (it
could not change G; its loss is still reported). As in the paper, the only
noise is dropout in the generator (`unet_generator(dropout=)`), the fakes of
the generator's step are the discriminator's (no history), Adam at 2e-4,
beta_1 0.5 (the base's default optimizers). The generator is a U-Net
(`tfxlearn.nets.unet_generator`, section 3.2.1), the discriminator a PatchGAN
(`tfxlearn.nets.patchgan_discriminator`) whose input has the channels of x and
y; at 28x28 its default widths give a 7x7 map of patch scores
(`patch_scores`).

Batches are `(inputs, targets)`, float32 [n, H, W, C_in] and [n, H, W, C_out]
in [0, 1], paired row by row (in a pipeline the `edge_pairs` pretext op). Each
row's loss values are averaged over the global batch by `BatchMean` (Keras
scales it for the strategy) and instance normalization is per image, so one
device and N replicas compute the same losses. Regularization losses of the
sub-networks are not added.

Serving signature: `serving_default` takes `images` (inputs, e.g. edge maps)
and returns `translated` (G(images)); `serving_uint8` / `serving_bytes` are its
pixel forms.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import (
    BatchMean,
    discriminator_loss_values,
    generator_loss_values,
    l1_distance_values,
)
from tfxlearn.paradigms.base import batched_numpy, check_images, net_image_shape, non_negative
from tfxlearn.paradigms.base_translation import TranslationParadigm
from tfxlearn.registry import PARADIGMS

BATCH_HINT = (
    "pix2pix trains on (inputs, targets) batches of paired images (e.g. the `edge_pairs` "
    "pretext op: (edges, images))"
)


def _patch_mean(values: tf.Tensor) -> tf.Tensor:
    """Per-example mean of per-patch values [batch, h, w, 1] (or [batch])."""
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("pix2pix")
class Pix2Pix(TranslationParadigm):
    """pix2pix (Isola et al., CVPR 2017); see the module docstring.

    Args:
        generator: G, inputs [batch, H, W, C_in] -> outputs [batch, H, W, C_out]
            (e.g. `tfxlearn.nets.unet_generator(output_channels=C_out)`).
        discriminator: D, inputs and outputs concatenated [batch, H, W, C_in +
            C_out] -> raw scores (one per patch, e.g.
            `tfxlearn.nets.patchgan_discriminator`, or one per image).
        adversarial_weight: weight of the cGAN term (1 in the paper; 0: L1 alone).
        l1_weight: lambda, weight of the L1 term (the paper: 100).
        seed: unused by the steps (no noise input); kept for the base's config.
        generator_ema: optional weight average of G (see `AdversarialParadigm`).
    """

    display_name = "pix2pix"
    sub_models = ("generator", "discriminator")
    roles = ("generator", "discriminator")

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        adversarial_weight: float = 1.0,
        l1_weight: float = 100.0,
        seed: int = 0,
        generator_ema: float | None = None,
        **kwargs,
    ):
        super().__init__(seed=seed, generator_ema=generator_ema, **kwargs)
        for name, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{name} must be a keras.Model, got {type(net).__name__}")
        self.input_image_shape = net_image_shape(generator, "input", "generator")
        self.output_image_shape = net_image_shape(generator, "output", "generator")
        (h, w, c_in), (h_out, w_out, c_out) = self.input_image_shape, self.output_image_shape
        if (h, w) != (h_out, w_out):
            raise ValueError(
                f"generator must keep the image size: it maps {self.input_image_shape} to "
                f"{self.output_image_shape}"
            )
        want = (h, w, c_in + c_out)
        got = net_image_shape(discriminator, "input", "discriminator")
        if got != want:
            raise ValueError(
                f"discriminator input shape {got} must be the generator's input and output "
                f"concatenated along the channels: {want}"
            )
        self.adversarial_weight = non_negative(adversarial_weight, "adversarial_weight")
        self.l1_weight = non_negative(l1_weight, "l1_weight")
        if not self.adversarial_weight and not self.l1_weight:
            raise ValueError("adversarial_weight and l1_weight cannot both be 0: nothing to learn")
        self.set_generator(generator)
        self.discriminator = discriminator
        self.batch_mean = BatchMean()
        self.make_trackers(
            ("loss", "g_loss", "d_loss", "adversarial_loss", "l1", "real_score", "fake_score")
        )
        # Every part is built; Keras's fit would otherwise build the model on a batch's x.
        self.built = True

    # ------------------------------------------------------------------ forward

    @property
    def image_shape(self) -> tuple:
        """Per-example shape of the inputs (the input of `call` and serving)."""
        return self.input_image_shape

    def call(self, images, training=False):
        """G(images): inputs [batch, H, W, C_in] in [0, 1] translated to outputs."""
        check_images(images, self.input_image_shape)
        return self.sampling_generator(training)(images, training=training)

    def translate(self, images, batch_size: int = 500) -> np.ndarray:
        """Translated images (NumPy float32) of inputs (uint8 or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.input_image_shape)
        net = self.sampling_generator()
        return batched_numpy(lambda x: net(x, training=False), images, batch_size)

    def patch_scores(self, inputs, outputs, training: bool = False) -> tf.Tensor:
        """D's raw scores of (inputs, outputs) pairs: [batch, h', w', 1] for a PatchGAN."""
        return self.discriminator(tf.concat([inputs, outputs], axis=-1), training=training)

    # ------------------------------------------------------------------ losses

    def _unpack(self, data):
        if isinstance(data, tuple | list) and len(data) == 1:
            data = data[0]
        if not (isinstance(data, tuple | list) and len(data) == 2):
            raise ValueError(f"{BATCH_HINT}; got {type(data).__name__}")
        x, y = (tf.convert_to_tensor(t) for t in data)
        check_images(x, self.input_image_shape, "inputs")
        check_images(y, self.output_image_shape, "targets")
        if x.shape[0] is not None and y.shape[0] is not None and x.shape[0] != y.shape[0]:
            raise ValueError(
                f"inputs and targets must be batches of one size, got {x.shape[0]} and "
                f"{y.shape[0]} ({BATCH_HINT})"
            )
        return tf.cast(x, tf.float32), tf.cast(y, tf.float32)

    def generator_terms(self, x, y, training: bool = False) -> dict:
        """Per-pair terms [batch]: `adversarial` (non-saturating, mean over patches),
        `l1` (mean |y - G(x)|), `total` (L_G), `fake_scores` (D's patch scores of
        G(x)), and the fakes `fake`."""
        fake = self.generator(x, training=training)
        # L1 alone: the adversarial term is only reported, so no gradient flows through D.
        judged = fake if self.adversarial_weight else tf.stop_gradient(fake)
        fake_scores = self.patch_scores(x, judged, training=training)
        adversarial = _patch_mean(
            tf.reshape(generator_loss_values(fake_scores), tf.shape(fake_scores))
        )
        l1 = l1_distance_values(y, fake)
        total = self.adversarial_weight * adversarial + self.l1_weight * l1
        return {
            "adversarial": adversarial,
            "l1": l1,
            "total": total,
            "fake_scores": fake_scores,
            "fake": fake,
        }

    def discriminator_terms(self, x, y, fake, training: bool = False) -> dict:
        """Per-pair D loss 1/2 [softplus(-l(x, y)) + softplus(l(x, fake))] (mean over
        patches) and the mean real / fake scores."""
        real_scores = self.patch_scores(x, y, training=training)
        fake_scores = self.patch_scores(x, fake, training=training)
        values = discriminator_loss_values(real_scores, fake_scores)
        return {
            "d": 0.5 * _patch_mean(tf.reshape(values, tf.shape(real_scores))),
            "real_score": _patch_mean(real_scores),
            "fake_score": _patch_mean(fake_scores),
        }

    # ------------------------------------------------------------------ steps

    def player_variables(self, role):
        if role == "generator":
            return self.generator.trainable_weights
        return self.discriminator.trainable_weights

    def train_step(self, data):
        x, y = self._unpack(data)
        with tf.GradientTape() as tape:
            g_terms = self.generator_terms(x, y, training=True)
            g_loss = self.batch_mean(g_terms["total"])
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        fake = tf.stop_gradient(g_terms["fake"])
        if self.adversarial_weight:
            with tf.GradientTape() as tape:
                d_terms = self.discriminator_terms(x, y, fake, training=True)
                d_loss = self.batch_mean(d_terms["d"])
            self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        else:  # L1 alone: D cannot change G, so it is not trained (its loss is reported)
            d_terms = self.discriminator_terms(x, y, fake)
        return self._track(g_terms, d_terms)

    def test_step(self, data):
        x, y = self._unpack(data)
        g_terms = self.generator_terms(x, y)
        return self._track(g_terms, self.discriminator_terms(x, y, g_terms["fake"]))

    def _track(self, g_terms, d_terms):
        values = {
            "loss": g_terms["total"] + d_terms["d"],
            "g_loss": g_terms["total"],
            "d_loss": d_terms["d"],
            "adversarial_loss": g_terms["adversarial"],
            "l1": g_terms["l1"],
            "real_score": d_terms["real_score"],
            "fake_score": d_terms["fake_score"],
        }
        return self.track_terms(values)

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.input_image_shape)
        return {"translated": self.sampling_generator()(images, training=False)}

    def get_config(self):
        return {
            **super().get_config(),
            "adversarial_weight": self.adversarial_weight,
            "l1_weight": self.l1_weight,
        }
