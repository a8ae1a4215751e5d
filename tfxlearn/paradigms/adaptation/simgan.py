"""SimGAN: a refiner that makes synthetic images look real, trained against a local
(patch-wise) discriminator, while a self-regularization term keeps each refined
image close to its synthetic input (so its annotation, e.g. the digit's label,
still holds).

Shrivastava, Pfister, Tuzel, Susskind, Wang & Webb, "Learning from Simulated and
Unsupervised Images through Adversarial Training", CVPR 2017.

A refiner R (images -> images of the same shape, e.g.
`tfxlearn.nets.resnet_generator(downsamples=0)`: the paper's refiner is a
full-resolution ResNet) and a discriminator D whose output is a map of logits,
one per local patch (e.g. `tfxlearn.nets.patchgan_discriminator`), each saying
"real". Per synthetic image x and real image y (the paper's eqs. 1-4, with the
patch sums written as means and D's logit pointing to "real" instead of
"refined"):

    refiner        L_R = mean_patches softplus(-D_j(R(x)))          local adversarial
                       + lambda |R(x) - x|_1 (mean over pixels)      self-regularization
    discriminator  L_D = mean_patches [softplus(-D_j(y)) + softplus(D_j(h))]

with h drawn from a history of refined images (section 2.3; the paradigm's
`tfxlearn.nets.ImageHistory`: once full, each fake the discriminator sees is a
past refined image with probability `history_probability`, the paper's half of
the batch). The patch logits go through `tfxlearn.losses.gan_discriminator` /
`gan_generator` (the log losses of the paper's cross-entropy) and the L1 term
through `tfxlearn.losses.cycle_consistency.l1_distance_values`. Each step updates
R `refiner_steps` times (the paper's K_g = 2 for its eye images; 1 by default
here) on the same batch, then D once (K_d = 1), each player with its own
optimizer (`compile(refiner_optimizer=..., discriminator_optimizer=...)`;
default Adam 2e-4, beta_1 0.5).

The users' most frequent complaint about SimGAN implementations is a refiner that
returns its input unchanged (the self-regularization wins, or D gives no
gradient). The step therefore tracks the two numbers that show it:
`mean_change` (mean per-pixel |R(x) - x|, 0 for an identity refiner) and
`realism` (D's mean probability of "real" on the refined images);
`benchmarks/quality_adaptation.py --methods simgan` reports both on test images,
with an independent real-vs-synthetic classifier's realism as well.

Batches are `(synthetic_images, real_images)`, float32 [n, H, W, C] in [0, 1],
as many of each (`tfxlearn.data.unpaired.unpaired_batches`, synthetic as domain
A; in a pipeline the `unpaired_domains` pretext op). The two domains must have
one image shape (the L1 term compares R(x) with x and D sees both): different
sizes or channel counts are refused, naming the resize option
(`image_size`). Each (x, y) row gives one loss value and `BatchMean` averages
over the global batch (Keras scales it for the strategy); with instance norm
or no norm, one device and N replicas compute the same losses.

Serving signature: `images` (synthetic) -> `refined`.

Family: adaptation, not dual - SimGAN has one direction and its purpose is
training a model for the real domain on refined, still-labelled synthetic
images (the benchmark's font -> handwritten digits adaptation).
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
from tfxlearn.nets import ImageHistory
from tfxlearn.paradigms.base import batched_numpy, check_images, net_image_shape, unpaired_pair
from tfxlearn.paradigms.base_adversarial import TwoPlayerParadigm
from tfxlearn.registry import PARADIGMS

BATCH_HINT = (
    "SimGAN trains on (synthetic_images, real_images) batches of equal size "
    "(tfxlearn.data.unpaired.unpaired_batches with the synthetic domain as A, or the "
    "`unpaired_domains` pretext op)"
)
RESIZE_HINT = (
    "resize both domains to one shape (load_unpaired(..., image_size=(height, width, "
    "channels)), in a pipeline the unpaired_domains op's `image_size`)"
)


def _patch_mean(values: tf.Tensor, batch: tf.Tensor) -> tf.Tensor:
    """[batch] means of per-patch loss values (flattened by the loss functions)."""
    return tf.reduce_mean(tf.reshape(values, [batch, -1]), axis=1)


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("simgan")
class SimGAN(TwoPlayerParadigm):
    """SimGAN (Shrivastava et al., CVPR 2017); see the module docstring.

    Args:
        refiner: R, synthetic images -> refined images of the same shape.
        discriminator: D, images -> logits ("real"), one or a map of patch logits.
        self_regularization: lambda, the weight of the per-pixel L1 term (0 turns it
            off; large values make R the identity).
        refiner_steps: K_g, refiner updates per step (on the same batch).
        history_size: refined images kept for D (0: the latest only).
        history_probability: chance that a fake is swapped for a past one once the
            history is full (the paper: half of D's fakes come from the history).
        seed: seed of the history's draws.
    """

    roles = ("refiner", "discriminator")
    sub_models = ("refiner", "discriminator")

    def __init__(
        self,
        refiner: keras.Model,
        discriminator: keras.Model,
        self_regularization: float = 1.0,
        refiner_steps: int = 1,
        history_size: int = 256,
        history_probability: float = 0.5,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, net in (("refiner", refiner), ("discriminator", discriminator)):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{name} must be a keras.Model, got {type(net).__name__}")
        shape = net_image_shape(refiner, "input", "refiner")
        out = net_image_shape(refiner, "output", "refiner")
        if out != shape:
            raise ValueError(
                f"refiner must map images to images of the same shape (the self-regularization "
                f"compares R(x) with x), got input {shape} and output {out}"
            )
        d_shape = net_image_shape(discriminator, "input", "discriminator")
        if d_shape != shape:
            raise ValueError(
                f"discriminator input shape {d_shape} must be the refiner's image shape {shape}"
            )
        value = self_regularization
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0.0:
            raise ValueError(f"self_regularization must be a number >= 0, got {value!r}")
        if (
            isinstance(refiner_steps, bool)
            or int(refiner_steps) != refiner_steps
            or (int(refiner_steps) < 1)
        ):
            raise ValueError(f"refiner_steps must be an int >= 1, got {refiner_steps!r}")
        self.self_regularization = float(value)
        self.refiner_steps = int(refiner_steps)
        self.seed = int(seed)
        self.shape = shape
        self.refiner, self.discriminator = refiner, discriminator
        self.image_history = ImageHistory(history_size, history_probability, name="image_history")
        self.image_history.build((None, *shape))
        self.history_size = self.image_history.size
        self.history_probability = self.image_history.probability
        self.batch_mean = BatchMean()
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in (
                "loss",
                "r_loss",
                "d_loss",
                "adversarial_loss",
                "mean_change",
                "realism",
                "real_score",
            )
        }
        # Every part is built; Keras's fit would otherwise build the model by calling
        # it on a batch's x, here a (synthetic, real) pair.
        self.built = True

    # ------------------------------------------------------------------ forward

    @property
    def image_shape(self) -> tuple:
        return self.shape

    def call(self, images, training=False):
        """R(images): synthetic images [batch, H, W, C] in [0, 1], refined."""
        check_images(images, self.shape)
        return self.refiner(images, training=training)

    def refine(self, images, batch_size: int = 500) -> np.ndarray:
        """Refined images (NumPy float32) of synthetic images (uint8 or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.shape)
        return batched_numpy(lambda x: self.refiner(x, training=False), images, batch_size)

    def realism(self, images, batch_size: int = 500) -> np.ndarray:
        """D's probability of "real" per image [n] (the mean over its patches)."""
        check_images(np.asarray(images)[:1], self.shape)

        def score(x):
            logits = self.discriminator(x, training=False)
            return tf.reduce_mean(tf.reshape(tf.sigmoid(logits), [tf.shape(x)[0], -1]), axis=1)

        return batched_numpy(score, images, batch_size)

    # ------------------------------------------------------------------ losses

    def _unpack(self, data):
        synthetic, real = unpaired_pair(data, BATCH_HINT)
        got_s, got_r = tuple(synthetic.shape[1:]), tuple(real.shape[1:])
        if len(got_s) == len(got_r) and any(
            a is not None and b is not None and a != b for a, b in zip(got_s, got_r)
        ):
            raise ValueError(
                f"synthetic_images {got_s} and real_images {got_r} differ in size or channel "
                f"count; {RESIZE_HINT}"
            )
        check_images(synthetic, self.shape, "synthetic_images")
        check_images(real, self.shape, "real_images")
        synthetic, real = tf.cast(synthetic, tf.float32), tf.cast(real, tf.float32)
        n_s, n_r = synthetic.shape[0], real.shape[0]
        if n_s is not None and n_r is not None and n_s != n_r:
            raise ValueError(
                f"synthetic_images and real_images must be batches of one size, got {n_s} and "
                f"{n_r} ({BATCH_HINT})"
            )
        return synthetic, real

    def refiner_terms(self, synthetic, training: bool = False) -> dict:
        """The refiner's per-image terms [batch] and its output: `adversarial` (mean
        patch -log D(R(x))), `change` (mean per-pixel |R(x) - x|), `total` (L_R),
        `realism` (mean patch D(R(x))), `refined`."""
        batch = tf.shape(synthetic)[0]
        refined = self.refiner(synthetic, training=training)
        logits = self.discriminator(refined, training=training)
        adversarial = _patch_mean(generator_loss_values(logits), batch)
        change = l1_distance_values(synthetic, refined)
        realism = tf.reduce_mean(tf.reshape(tf.sigmoid(logits), [batch, -1]), axis=1)
        return {
            "adversarial": adversarial,
            "change": change,
            "total": adversarial + self.self_regularization * change,
            "realism": realism,
            "refined": refined,
        }

    def discriminator_terms(self, real, fake, training: bool = False) -> dict:
        """D's per-pair loss [batch] (mean over patches) on real images and fakes, and
        its mean patch probability of "real" on the real images (`real_score`)."""
        batch = tf.shape(real)[0]
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        return {
            "d": _patch_mean(discriminator_loss_values(real_logits, fake_logits), batch),
            "real_score": tf.reduce_mean(tf.reshape(tf.sigmoid(real_logits), [batch, -1]), axis=1),
        }

    # ------------------------------------------------------------------ steps

    def player_variables(self, role):
        if role == "refiner":
            return self.refiner.trainable_weights
        return self.discriminator.trainable_weights

    def next_seed(self, stream: int = 0) -> tf.Tensor:
        """A stateless seed of this step: (seed, t * 16 + stream), t the refiner
        optimizer's iteration count (the same on every replica)."""
        step = tf.cast(tf.convert_to_tensor(self.refiner_optimizer.iterations), tf.int64)
        return tf.stack([tf.constant(self.seed, tf.int64), step * 16 + int(stream)])

    def train_step(self, data):
        synthetic, real = self._unpack(data)
        for _ in range(self.refiner_steps):
            with tf.GradientTape() as tape:
                r_terms = self.refiner_terms(synthetic, training=True)
                r_loss = self.batch_mean(r_terms["total"])
            self.update("refiner", tape, r_loss, self.player_variables("refiner"))
        # D sees this pass's refined images through the history.
        fake = self.image_history(r_terms["refined"], seed=self.next_seed(0))
        with tf.GradientTape() as tape:
            d_terms = self.discriminator_terms(real, fake, training=True)
            d_loss = self.batch_mean(d_terms["d"])
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        return self._track(r_terms, d_terms)

    def test_step(self, data):
        synthetic, real = self._unpack(data)
        r_terms = self.refiner_terms(synthetic)
        return self._track(r_terms, self.discriminator_terms(real, r_terms["refined"]))

    def _track(self, r_terms, d_terms):
        values = {
            "loss": r_terms["total"] + d_terms["d"],
            "r_loss": r_terms["total"],
            "d_loss": d_terms["d"],
            "adversarial_loss": r_terms["adversarial"],
            "mean_change": r_terms["change"],
            "realism": r_terms["realism"],
            "real_score": d_terms["real_score"],
        }
        return self.track_terms(values)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.shape)
        return {"refined": self.refiner(images, training=False)}

    def get_config(self):
        return {
            **super().get_config(),
            "self_regularization": self.self_regularization,
            "refiner_steps": self.refiner_steps,
            "history_size": self.history_size,
            "history_probability": self.history_probability,
            "seed": self.seed,
        }
