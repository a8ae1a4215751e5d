"""CycleGAN: unpaired image-to-image translation between two domains A and B.

Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", ICCV 2017.

Two generators G: A -> B (`generator_ab`) and F: B -> A (`generator_ba`), two
discriminators D_B (real B vs G(a)) and D_A (real A vs F(b)). With the
least-squares GAN losses (section 4; `tfxlearn.losses.least_squares_gan`) the
generators minimise, per pair (a, b) of the batch,

    L_G = (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2                      adversarial
        + lambda_cyc (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)              cycle (eq. 2)
        + lambda_id  (|G(b) - b|_1 + |F(a) - a|_1)                    identity (5.2)

(means over patch scores and pixels; `tfxlearn.losses.cycle_consistency`), and
the discriminators minimise 1/2 [(D(real) - 1)^2 + D(fake)^2] for each domain,
the fakes drawn from a history of generated images (Shrivastava et al., CVPR
2017; `tfxlearn.nets.ImageHistory`, 50 images, half of the time a past one).
The paper's lambda_cyc = 10 and lambda_id = 0.5 lambda_cyc = 5 are the
defaults; Adam at 2e-4, beta_1 0.5 (the base's default optimizers). Each step
updates both generators with one optimizer ("generator") on L_G, then both
discriminators with the other ("discriminator"), on the fakes of the same
forward pass passed through the histories, as the authors' code does.

The step is `tfxlearn.paradigms.base_translation.CycleTranslation`'s (shared
with CyCADA's pixel-level stage). Batches are `(images_a, images_b)`, float32
[n, H, W, C] in [0, 1], as many of each domain
(`tfxlearn.data.unpaired.unpaired_batches`; in a pipeline the `unpaired_domains`
pretext op). The two need not be related: each a is paired
with the b of its row only to share one loss value per row, which `BatchMean`
averages over the global batch (Keras scales it for the strategy), so one
device and N replicas compute the same losses. Instance normalization (the
default in `tfxlearn.nets.resnet_generator` / `patchgan_discriminator`)
normalises each image alone, so no batch statistics cross replicas either.
Regularization losses of the sub-networks are not added to the players' losses.

The images A and B may differ in shape (the generators then convert: G maps
A's shape to B's) only without the identity term (`identity_weight=0`), which
feeds B images to G.

Serving signatures: `serving_default` and `a_to_b` take `images` of domain A
and return `translated` (G(images)); `b_to_a` takes `images` of domain B and
returns `translated` (F(images)). `serving_uint8` / `serving_bytes` are the
pixel forms of `serving_default` (A -> B).
"""

from __future__ import annotations

import keras

from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_translation import CycleTranslation
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("cycle_gan")
class CycleGAN(CycleTranslation):
    """CycleGAN (Zhu et al., ICCV 2017); see the module docstring.

    Args:
        generator_ab: G, images of A -> images of B (e.g.
            `tfxlearn.nets.resnet_generator`).
        generator_ba: F, images of B -> images of A.
        discriminator_a: D_A, images of A -> raw scores (one, or a PatchGAN map,
            e.g. `tfxlearn.nets.patchgan_discriminator`).
        discriminator_b: D_B, images of B -> raw scores.
        cycle_weight: lambda_cyc (the paper: 10).
        identity_weight: lambda_id (the paper: 0.5 lambda_cyc = 5; 0 turns the
            identity term off).
        history_size: generated images kept per domain for the discriminators
            (the paper: 50; 0: the latest fakes only).
        history_probability: chance that a fake is swapped for a past one once the
            history is full (the paper: 0.5).
        seed: seed of the history's draws.
    """

    sub_models = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
    derived_arguments = ("generator_ema",)

    def __init__(
        self,
        generator_ab: keras.Model,
        generator_ba: keras.Model,
        discriminator_a: keras.Model,
        discriminator_b: keras.Model,
        cycle_weight: float = 10.0,
        identity_weight: float = 5.0,
        history_size: int = 50,
        history_probability: float = 0.5,
        seed: int = 0,
        **kwargs,
    ):
        kwargs.pop("generator_ema", None)  # no weight average of the generators here
        super().__init__(seed=seed, **kwargs)
        self.setup_cycle(
            generator_ab,
            generator_ba,
            discriminator_a,
            discriminator_b,
            cycle_weight=cycle_weight,
            identity_weight=identity_weight,
            history_size=history_size,
            history_probability=history_probability,
        )

    def serving_outputs(self, images):
        check_images(images, self.shape_a)
        return {"translated": self.generator_ab(images, training=False)}

    def serving_signatures(self) -> dict:
        """`a_to_b` and `b_to_a`: `images` of the source domain -> `translated`."""
        return self.cycle_signatures()

    def get_config(self):
        config = {**super().get_config(), **self.cycle_config()}
        config.pop("generator_ema", None)
        return config
