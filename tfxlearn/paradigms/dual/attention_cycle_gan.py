"""Attention-guided CycleGAN: unpaired translation that changes only where an
attention network says, leaving the rest of the image as it was.

Mejjati, Richardt, Tompkin, Cosker & Kim, "Unsupervised Attention-guided
Image-to-Image Translation", NeurIPS 2018.

CycleGAN (Zhu et al., ICCV 2017) with, per direction, an attention network
A_s: A -> [0, 1]^{H x W} (`attention_ab`) and A_t: B -> [0, 1] (`attention_ba`)
next to the generators F_s: A -> B (`generator_ab`) and F_t: B -> A
(`generator_ba`). The translation of an image a of A is (the paper's eq. 1)

    a' = A_s(a) * F_s(a) + (1 - A_s(a)) * a

and of b of B, b' = A_t(b) * F_t(b) + (1 - A_t(b)) * b: where the attention is 0
the pixel passes through unchanged, so the generator only has to paint the
foreground and the background of the input survives (`tfxlearn.nets.
attention_blend` builds the blended model of each direction). The attention
networks have no loss of their own: they are trained through the blended
translations by the same losses as the generators, the least-squares GAN terms
on the blended fakes, the cycle term (a'' = the blended B -> A translation of
a', |a'' - a|_1 and back) and, if `identity_weight` > 0, the identity term of
the blended translations:

    L_G = (D_B(a') - 1)^2 + (D_A(b') - 1)^2 + lambda_cyc (|a'' - a|_1 + |b'' - b|_1)
        + lambda_id (|blend_ab(b) - b|_1 + |blend_ba(a) - a|_1)

The discriminators as CycleGAN's, on histories of blended fakes. The step is
`tfxlearn.paradigms.base_translation.CycleTranslation`'s on the blended models,
so everything said of CycleGAN's step holds (one loss value per pair, averaged
by `BatchMean` over the global batch; instance norm; 1 and N replicas equal).

The paper's identity term is off (lambda_id = 0 by default here too) and
lambda_cyc = 10. Not built: the paper's second stage (after 30 epochs the
attention is thresholded at 0.1 and frozen, and the discriminators see only the
attended regions, s_new = t_new * A(t_new)).

Serving signatures: `serving_default` and `a_to_b` take `images` of A and
return `translated` (a') and `attention` (A_s(a), [batch, H, W, 1]); `b_to_a`
takes `images` of B and returns `translated` (b') and `attention` (A_t(b)).
`serving_uint8` / `serving_bytes` are the pixel forms of `serving_default`.
Both domains must have one image shape (the blend adds the input to the
generator's output).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.nets.attention_translation import attention_blend
from tfxlearn.paradigms.base import batched_numpy, check_images
from tfxlearn.paradigms.base_translation import CycleTranslation
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("attention_cycle_gan")
class AttentionCycleGAN(CycleTranslation):
    """Attention-guided CycleGAN (Mejjati et al., NeurIPS 2018); see the module
    docstring.

    Args:
        generator_ab: F_s, images of A -> images of B of the same shape (e.g.
            `tfxlearn.nets.resnet_generator`).
        generator_ba: F_t, images of B -> images of A.
        attention_ab: A_s, images of A -> [batch, H, W, 1] in [0, 1] (e.g.
            `tfxlearn.nets.attention_network`).
        attention_ba: A_t, images of B -> [batch, H, W, 1] in [0, 1].
        discriminator_a: D_A, images of A -> raw scores (e.g.
            `tfxlearn.nets.patchgan_discriminator`).
        discriminator_b: D_B, images of B -> raw scores.
        cycle_weight: lambda_cyc (the paper: 10).
        identity_weight: lambda_id on the blended translations (the paper: 0).
        history_size: fakes kept per domain for the discriminators (50).
        history_probability: chance a fake is swapped for a past one (0.5).
        seed: seed of the histories' draws.
    """

    display_name = "AttentionCycleGAN"
    sub_models = (
        "generator_ab",
        "generator_ba",
        "attention_ab",
        "attention_ba",
        "discriminator_a",
        "discriminator_b",
    )
    derived_arguments = ("generator_ema",)

    def __init__(
        self,
        generator_ab: keras.Model,
        generator_ba: keras.Model,
        attention_ab: keras.Model,
        attention_ba: keras.Model,
        discriminator_a: keras.Model,
        discriminator_b: keras.Model,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.0,
        history_size: int = 50,
        history_probability: float = 0.5,
        seed: int = 0,
        **kwargs,
    ):
        kwargs.pop("generator_ema", None)  # no weight average of the generators here
        super().__init__(seed=seed, **kwargs)
        for key, net in (
            ("generator_ab", generator_ab),
            ("generator_ba", generator_ba),
            ("attention_ab", attention_ab),
            ("attention_ba", attention_ba),
        ):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{key} must be a keras.Model, got {type(net).__name__}")
        self.translator_ab, self.translator_ba = generator_ab, generator_ba
        self.attention_ab, self.attention_ba = attention_ab, attention_ba
        blends = {}
        for direction, generator, attention in (
            ("ab", generator_ab, attention_ab),
            ("ba", generator_ba, attention_ba),
        ):
            try:
                blends[direction] = attention_blend(generator, attention, f"blend_{direction}")
            except ValueError as error:
                raise ValueError(
                    f"generator_{direction} / attention_{direction}: {error} (the "
                    "attention-guided translation is A(x) * G(x) + (1 - A(x)) * x)"
                ) from None
        # CycleTranslation's step runs on the blended translations.
        self.setup_cycle(
            blends["ab"],
            blends["ba"],
            discriminator_a,
            discriminator_b,
            cycle_weight=cycle_weight,
            identity_weight=identity_weight,
            history_size=history_size,
            history_probability=history_probability,
        )

    def attention(self, images, direction: str = "a_to_b", batch_size: int = 500) -> np.ndarray:
        """The attention map (NumPy float32 [n, H, W, 1] in [0, 1]) of images of the
        direction's source domain: A_s(a) for "a_to_b", A_t(b) for "b_to_a"."""
        self._generators(direction)  # checks the direction
        net = self.attention_ab if direction == "a_to_b" else self.attention_ba
        shape = self.shape_a if direction == "a_to_b" else self.shape_b
        check_images(np.asarray(images)[:1], shape)
        return batched_numpy(lambda x: net(x, training=False), images, batch_size)

    def serving_outputs(self, images):
        check_images(images, self.shape_a)
        return {
            "translated": self.generator_ab(images, training=False),
            "attention": self.attention_ab(images, training=False),
        }

    def serving_signatures(self) -> dict:
        """`a_to_b` and `b_to_a`: `images` of the source domain -> `translated`, `attention`."""
        return {
            "a_to_b": (
                {"images": self._spec(self.shape_a)},
                lambda images: {
                    "translated": self.generator_ab(images, training=False),
                    "attention": self.attention_ab(images, training=False),
                },
            ),
            "b_to_a": (
                {"images": self._spec(self.shape_b)},
                lambda images: {
                    "translated": self.generator_ba(images, training=False),
                    "attention": self.attention_ba(images, training=False),
                },
            ),
        }

    @staticmethod
    def _spec(shape):
        return tf.TensorSpec((None, *shape), tf.float32)

    def get_config(self):
        config = {**super().get_config(), **self.cycle_config()}
        config.pop("generator_ema", None)
        # The constructor's generators are the raw F_s, F_t (self.generator_ab / _ba
        # are the blended models the cycle step runs on).
        config["generator_ab"] = keras.saving.serialize_keras_object(self.translator_ab)
        config["generator_ba"] = keras.saving.serialize_keras_object(self.translator_ba)
        return config
