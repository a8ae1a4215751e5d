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

Batches are `(images_a, images_b)`, float32 [n, H, W, C] in [0, 1], as many of
each domain (`tfxlearn.data.unpaired.unpaired_batches`; in a pipeline the
`unpaired_domains` pretext op). The two need not be related: each a is paired
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
import numpy as np
import tensorflow as tf

from tfxlearn.losses import (
    BatchMean,
    l1_distance_values,
    least_squares_discriminator_values,
    least_squares_generator_values,
)
from tfxlearn.nets import ImageHistory
from tfxlearn.paradigms.base import (
    batched_numpy,
    check_images,
    net_image_shape,
    non_negative,
    unpaired_pair,
)
from tfxlearn.paradigms.base_adversarial import AdversarialParadigm
from tfxlearn.registry import PARADIGMS

BATCH_HINT = (
    "CycleGAN trains on (images_a, images_b) batches of equal size "
    "(tfxlearn.data.unpaired.unpaired_batches, or the `unpaired_domains` pretext op)"
)
DIRECTIONS = ("a_to_b", "b_to_a")


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("cycle_gan")
class CycleGAN(AdversarialParadigm):
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
    roles = ("generator", "discriminator")

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
        nets = {
            "generator_ab": generator_ab,
            "generator_ba": generator_ba,
            "discriminator_a": discriminator_a,
            "discriminator_b": discriminator_b,
        }
        for name, net in nets.items():
            if not isinstance(net, keras.Model):
                raise TypeError(f"{name} must be a keras.Model, got {type(net).__name__}")
        shape_a = net_image_shape(generator_ab, "input", "generator_ab")
        shape_b = net_image_shape(generator_ab, "output", "generator_ab")
        expected = {
            ("generator_ba", "input"): shape_b,
            ("generator_ba", "output"): shape_a,
            ("discriminator_a", "input"): shape_a,
            ("discriminator_b", "input"): shape_b,
        }
        for (name, which), want in expected.items():
            got = net_image_shape(nets[name], which, name)
            if got != want:
                raise ValueError(
                    f"{name} {which} shape {got} does not match the domains: generator_ab maps "
                    f"A {shape_a} to B {shape_b}, so {name} must have {which} shape {want}"
                )
        self.cycle_weight = non_negative(cycle_weight, "cycle_weight")
        self.identity_weight = non_negative(identity_weight, "identity_weight")
        if self.identity_weight and shape_a != shape_b:
            raise ValueError(
                f"identity_weight={identity_weight} feeds B images {shape_b} to generator_ab, "
                f"which takes A images {shape_a}: use identity_weight=0 for domains of "
                "different shapes"
            )
        self.shape_a, self.shape_b = shape_a, shape_b
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.history_a = ImageHistory(history_size, history_probability, name="history_a")
        self.history_b = ImageHistory(history_size, history_probability, name="history_b")
        self.history_a.build((None, *shape_a))
        self.history_b.build((None, *shape_b))
        self.history_size = self.history_a.size
        self.history_probability = self.history_a.probability
        self.batch_mean = BatchMean()
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in (
                "loss",
                "g_loss",
                "d_loss",
                "adversarial_loss",
                "cycle_l1",
                "identity_l1",
                "d_a_loss",
                "d_b_loss",
            )
        }
        # Every part is built; Keras's fit would otherwise build the model by calling
        # it on a batch's x, here an (A, B) pair.
        self.built = True

    # ------------------------------------------------------------------ forward

    @property
    def image_shape(self) -> tuple:
        """Per-example shape of domain A's images (the input of `call` and serving)."""
        return self.shape_a

    def call(self, images, training=False):
        """G(images): images of domain A [batch, H, W, C] in [0, 1] translated to B."""
        check_images(images, self.shape_a)
        return self.generator_ab(images, training=training)

    def _generators(self, direction: str) -> tuple[keras.Model, keras.Model, tuple]:
        if direction == "a_to_b":
            return self.generator_ab, self.generator_ba, self.shape_a
        if direction == "b_to_a":
            return self.generator_ba, self.generator_ab, self.shape_b
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")

    def translate(self, images, direction: str = "a_to_b", batch_size: int = 500) -> np.ndarray:
        """Translated images (NumPy float32) of images (uint8 or float in [0, 1]) of the
        direction's source domain: G(a) for "a_to_b", F(b) for "b_to_a"."""
        forward, _, shape = self._generators(direction)
        check_images(np.asarray(images)[:1], shape)
        return batched_numpy(lambda x: forward(x, training=False), images, batch_size)

    def reconstruct(self, images, direction: str = "a_to_b", batch_size: int = 500) -> np.ndarray:
        """The images after a round trip: F(G(a)) for "a_to_b", G(F(b)) for "b_to_a"."""
        forward, backward, shape = self._generators(direction)
        check_images(np.asarray(images)[:1], shape)
        return batched_numpy(
            lambda x: backward(forward(x, training=False), training=False), images, batch_size
        )

    def generate(self, latent, training=False, average=True):
        raise TypeError("CycleGAN translates images (translate()); it has no latent input")

    def sample(self, count, seed=0, batch_size=500, average=True):
        raise TypeError("CycleGAN translates images (translate()); it does not sample")

    # ------------------------------------------------------------------ losses

    def _unpack(self, data):
        a, b = unpaired_pair(data, BATCH_HINT)
        check_images(a, self.shape_a, "images_a")
        check_images(b, self.shape_b, "images_b")
        a, b = tf.cast(a, tf.float32), tf.cast(b, tf.float32)
        if a.shape[0] is not None and b.shape[0] is not None and a.shape[0] != b.shape[0]:
            raise ValueError(
                f"images_a and images_b must be batches of one size, got {a.shape[0]} and "
                f"{b.shape[0]} ({BATCH_HINT})"
            )
        return a, b

    def generator_terms(self, a, b, training: bool = False) -> dict:
        """The generators' per-pair terms [batch] and the fakes: `adversarial`, `cycle`
        (|F(G(a)) - a| + |G(F(b)) - b|), `identity`, `total` (L_G), `fake_a` = F(b),
        `fake_b` = G(a)."""
        fake_b = self.generator_ab(a, training=training)
        fake_a = self.generator_ba(b, training=training)
        cycle = l1_distance_values(a, self.generator_ba(fake_b, training=training))
        cycle += l1_distance_values(b, self.generator_ab(fake_a, training=training))
        adversarial = least_squares_generator_values(
            self.discriminator_b(fake_b, training=training)
        ) + least_squares_generator_values(self.discriminator_a(fake_a, training=training))
        total = adversarial + self.cycle_weight * cycle
        identity = tf.zeros_like(cycle)
        if self.identity_weight:
            identity = l1_distance_values(b, self.generator_ab(b, training=training))
            identity += l1_distance_values(a, self.generator_ba(a, training=training))
            total += self.identity_weight * identity
        return {
            "adversarial": adversarial,
            "cycle": cycle,
            "identity": identity,
            "total": total,
            "fake_a": fake_a,
            "fake_b": fake_b,
        }

    def discriminator_terms(self, a, b, fake_a, fake_b, training: bool = False) -> dict:
        """Per-pair least-squares losses of D_A (real a vs fake_a) and D_B (real b vs fake_b)."""
        return {
            "d_a": least_squares_discriminator_values(
                self.discriminator_a(a, training=training),
                self.discriminator_a(fake_a, training=training),
            ),
            "d_b": least_squares_discriminator_values(
                self.discriminator_b(b, training=training),
                self.discriminator_b(fake_b, training=training),
            ),
        }

    # ------------------------------------------------------------------ steps

    def player_variables(self, role):
        if role == "generator":
            return self.generator_ab.trainable_weights + self.generator_ba.trainable_weights
        return self.discriminator_a.trainable_weights + self.discriminator_b.trainable_weights

    def train_step(self, data):
        a, b = self._unpack(data)
        with tf.GradientTape() as tape:
            g_terms = self.generator_terms(a, b, training=True)
            g_loss = self.batch_mean(g_terms["total"])
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        # The discriminators see this pass's fakes through the histories.
        fake_a = self.history_a(g_terms["fake_a"], seed=self.next_seed(0))
        fake_b = self.history_b(g_terms["fake_b"], seed=self.next_seed(1))
        with tf.GradientTape() as tape:
            d_terms = self.discriminator_terms(a, b, fake_a, fake_b, training=True)
            d_loss = self.batch_mean(d_terms["d_a"] + d_terms["d_b"])
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        return self._track(g_terms, d_terms)

    def test_step(self, data):
        a, b = self._unpack(data)
        g_terms = self.generator_terms(a, b)
        d_terms = self.discriminator_terms(a, b, g_terms["fake_a"], g_terms["fake_b"])
        return self._track(g_terms, d_terms)

    def _track(self, g_terms, d_terms):
        d_values = d_terms["d_a"] + d_terms["d_b"]
        values = {
            "loss": g_terms["total"] + d_values,
            "g_loss": g_terms["total"],
            "d_loss": d_values,
            "adversarial_loss": g_terms["adversarial"],
            # Mean absolute error per pixel of one round trip (the two directions' mean).
            "cycle_l1": 0.5 * g_terms["cycle"],
            "identity_l1": 0.5 * g_terms["identity"],
            "d_a_loss": d_terms["d_a"],
            "d_b_loss": d_terms["d_b"],
        }
        return self.track_terms(values)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.shape_a)
        return {"translated": self.generator_ab(images, training=False)}

    def serving_signatures(self) -> dict:
        """`a_to_b` and `b_to_a`: `images` of the source domain -> `translated`."""
        return {
            "a_to_b": (
                {"images": tf.TensorSpec((None, *self.shape_a), tf.float32)},
                lambda images: {"translated": self.generator_ab(images, training=False)},
            ),
            "b_to_a": (
                {"images": tf.TensorSpec((None, *self.shape_b), tf.float32)},
                lambda images: {"translated": self.generator_ba(images, training=False)},
            ),
        }

    def get_config(self):
        config = {
            **super().get_config(),
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "history_size": self.history_size,
            "history_probability": self.history_probability,
        }
        config.pop("generator_ema", None)
        return config
