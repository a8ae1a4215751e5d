"""The bases of the image-translation paradigms (docs/architecture.md section 5):
`TranslationParadigm` (a GAN whose generator maps images to images: named loss
trackers, no latent sampling) and `CycleTranslation`, the two-generator,
two-discriminator cycle step of CycleGAN (Zhu, Park, Isola & Efros, ICCV 2017)
that CycleGAN and CyCADA's pixel-level stage share.

`CycleTranslation` trains G: A -> B (`generator_ab`), F: B -> A (`generator_ba`)
and the discriminators D_A, D_B on `(images_a, images_b)` batches. The
generators minimise, per pair (a, b) of the batch, with the least-squares GAN
losses (`tfxlearn.losses.least_squares_gan`),

    L_G = (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2                      adversarial
        + lambda_cyc (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)              cycle
        + lambda_id  (|G(b) - b|_1 + |F(a) - a|_1)                    identity
        + sum_k w_k extra_k(a, b, G(a), F(b))                         (subclasses)

and the discriminators 1/2 [(D(real) - 1)^2 + D(fake)^2] for each domain, the
fakes drawn from a history of generated images (`tfxlearn.nets.ImageHistory`).
Each step updates both generators with one optimizer ("generator") on L_G, then
both discriminators with the other ("discriminator"), on the fakes of the same
forward pass passed through the histories. A subclass adds terms to L_G by
overriding `extra_generator_terms` (CyCADA's semantic consistency) and naming
them in `extra_terms`; each is tracked as `<name>_loss`.
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

CYCLE_BATCH_HINT = (
    "CycleGAN trains on (images_a, images_b) batches of equal size "
    "(tfxlearn.data.unpaired.unpaired_batches, or the `unpaired_domains` pretext op)"
)
DIRECTIONS = ("a_to_b", "b_to_a")


class TranslationParadigm(AdversarialParadigm):
    """A GAN whose generator translates images: its losses are tracked by name
    (`make_trackers`, `track_terms`), and it has no latent input to sample from.
    `display_name` names the paradigm in the errors of `generate` / `sample`."""

    display_name = "this paradigm"

    def make_trackers(self, names) -> None:
        """One `Mean` tracker per name, listed by `metrics` in this order."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def generate(self, latent, training=False, average=True):
        raise TypeError(
            f"{self.display_name} translates images (translate()); it has no latent input"
        )

    def sample(self, count, seed=0, batch_size=500, average=True):
        raise TypeError(f"{self.display_name} translates images (translate()); it does not sample")


class CycleTranslation(TranslationParadigm):
    """The cycle step of CycleGAN (see the module docstring). Subclasses call
    `setup_cycle` with the four networks and CycleGAN's weights (documented in
    `tfxlearn.paradigms.CycleGAN`: cycle_weight, identity_weight, history_size,
    history_probability)."""

    display_name = "CycleGAN"
    roles = ("generator", "discriminator")
    #: Names of the subclass's extra generator terms (`extra_generator_terms`).
    extra_terms: tuple[str, ...] = ()
    batch_hint = CYCLE_BATCH_HINT

    @property
    def image_shape(self) -> tuple:
        """Per-example shape of domain A's images (the input of `call` and serving)."""
        return self.shape_a

    def call(self, images, training=False):
        """The A -> B translation (`generator_ab`, for the attention-guided model the
        blended one) of images of domain A [batch, H, W, C] in [0, 1]."""
        check_images(images, self.shape_a)
        return self.generator_ab(images, training=training)

    def setup_cycle(
        self,
        generator_ab: keras.Model,
        generator_ba: keras.Model,
        discriminator_a: keras.Model,
        discriminator_b: keras.Model,
        cycle_weight: float = 10.0,
        identity_weight: float = 5.0,
        history_size: int = 50,
        history_probability: float = 0.5,
        names: dict | None = None,
    ) -> None:
        """Checks and keeps the four networks (`names` renames them in the errors,
        e.g. {"generator_ab": "generator_st"}), the weights and the histories."""
        names = {
            key: (names or {}).get(key, key)
            for key in ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
        }
        nets = {
            "generator_ab": generator_ab,
            "generator_ba": generator_ba,
            "discriminator_a": discriminator_a,
            "discriminator_b": discriminator_b,
        }
        for key, net in nets.items():
            if not isinstance(net, keras.Model):
                raise TypeError(f"{names[key]} must be a keras.Model, got {type(net).__name__}")
        g_ab = names["generator_ab"]
        shape_a = net_image_shape(generator_ab, "input", g_ab)
        shape_b = net_image_shape(generator_ab, "output", g_ab)
        expected = {
            ("generator_ba", "input"): shape_b,
            ("generator_ba", "output"): shape_a,
            ("discriminator_a", "input"): shape_a,
            ("discriminator_b", "input"): shape_b,
        }
        for (key, which), want in expected.items():
            name = names[key]
            got = net_image_shape(nets[key], which, name)
            if got != want:
                raise ValueError(
                    f"{name} {which} shape {got} does not match the domains: {g_ab} maps "
                    f"A {shape_a} to B {shape_b}, so {name} must have {which} shape {want}"
                )
        self.cycle_weight = non_negative(cycle_weight, "cycle_weight")
        self.identity_weight = non_negative(identity_weight, "identity_weight")
        if self.identity_weight and shape_a != shape_b:
            raise ValueError(
                f"identity_weight={identity_weight} feeds B images {shape_b} to {g_ab}, "
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
        self.make_trackers(
            (
                "loss",
                "g_loss",
                "d_loss",
                "adversarial_loss",
                "cycle_l1",
                "identity_l1",
                *(f"{name}_loss" for name in self.extra_terms),
                "d_a_loss",
                "d_b_loss",
            )
        )
        # Every part is built; Keras's fit would otherwise build the model by calling
        # it on a batch's x, here an (A, B) pair.
        self.built = True

    # ------------------------------------------------------------------ forward

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

    # ------------------------------------------------------------------ losses

    def unpack_pair(self, data):
        """`(a, b)` float32 batches of one size from an `(images_a, images_b)` batch."""
        a, b = unpaired_pair(data, self.batch_hint)
        check_images(a, self.shape_a, "images_a")
        check_images(b, self.shape_b, "images_b")
        a, b = tf.cast(a, tf.float32), tf.cast(b, tf.float32)
        if a.shape[0] is not None and b.shape[0] is not None and a.shape[0] != b.shape[0]:
            raise ValueError(
                f"images_a and images_b must be batches of one size, got {a.shape[0]} and "
                f"{b.shape[0]} ({self.batch_hint})"
            )
        return a, b

    def extra_generator_terms(self, a, b, fake_a, fake_b, training: bool = False) -> dict:
        """name -> (weight, per-pair values [batch]) of the subclass's extra terms of
        L_G (one per name of `extra_terms`)."""
        return {}

    def generator_terms(self, a, b, training: bool = False) -> dict:
        """The generators' per-pair terms [batch] and the fakes: `adversarial`, `cycle`
        (|F(G(a)) - a| + |G(F(b)) - b|), `identity`, the `extra_terms`, `total` (L_G),
        `fake_a` = F(b), `fake_b` = G(a)."""
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
        terms = {"adversarial": adversarial, "cycle": cycle, "identity": identity}
        for name, (weight, values) in self.extra_generator_terms(
            a, b, fake_a, fake_b, training
        ).items():
            terms[name] = values
            if weight:
                total += weight * values
        return {**terms, "total": total, "fake_a": fake_a, "fake_b": fake_b}

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
        a, b = self.unpack_pair(data)
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
        return self.track_cycle(g_terms, d_terms)

    def test_step(self, data):
        a, b = self.unpack_pair(data)
        g_terms = self.generator_terms(a, b)
        d_terms = self.discriminator_terms(a, b, g_terms["fake_a"], g_terms["fake_b"])
        return self.track_cycle(g_terms, d_terms)

    def track_cycle(self, g_terms, d_terms):
        d_values = d_terms["d_a"] + d_terms["d_b"]
        values = {
            "loss": g_terms["total"] + d_values,
            "g_loss": g_terms["total"],
            "d_loss": d_values,
            "adversarial_loss": g_terms["adversarial"],
            # Mean absolute error per pixel of one round trip (the two directions' mean).
            "cycle_l1": 0.5 * g_terms["cycle"],
            "identity_l1": 0.5 * g_terms["identity"],
            **{f"{name}_loss": g_terms[name] for name in self.extra_terms},
            "d_a_loss": d_terms["d_a"],
            "d_b_loss": d_terms["d_b"],
        }
        return self.track_terms(values)

    # ------------------------------------------------------------------ contract

    def cycle_signatures(self, names: tuple[str, str] = DIRECTIONS) -> dict:
        """Two serving signatures named `names`: `images` of A -> `translated` G(images),
        `images` of B -> `translated` F(images)."""
        return {
            names[0]: (
                {"images": tf.TensorSpec((None, *self.shape_a), tf.float32)},
                lambda images: {"translated": self.generator_ab(images, training=False)},
            ),
            names[1]: (
                {"images": tf.TensorSpec((None, *self.shape_b), tf.float32)},
                lambda images: {"translated": self.generator_ba(images, training=False)},
            ),
        }

    def cycle_config(self) -> dict:
        return {
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "history_size": self.history_size,
            "history_probability": self.history_probability,
        }
