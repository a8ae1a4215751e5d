"""Adversarial training (Madry, Makelov, Schmidt, Tsipras & Vladu, "Towards Deep
Learning Models Resistant to Adversarial Attacks", ICLR 2018).

The classifier minimises the loss of the worst example inside the L-inf ball of
radius `eps` around each training image, the inner maximisation approximated
by PGD with a random start (`tfxlearn.attacks`): min_theta E max_{|d| <= eps}
L(f(x + d), y). With `clean_weight` w > 0 the loss is (1 - w) L(x_adv) + w L(x),
the mixed objective of Goodfellow, Shlens & Szegedy (ICLR 2015, w = 0.5 there,
with FGSM examples: `steps=1, step_size=eps, random_start=False`).
`attack="none"` trains the same classifier on clean images only: the standard
baseline, by the same code.

The step is custom because the examples are made inside it, from the current
weights: the attack sees the model in inference mode (batch norm with its
moving statistics, so it treats the examples of a batch independently and
updates nothing), then one gradient step in training mode on the adversarial
batch. The random start is drawn for the whole global batch from a per-step
stateless seed (`global_batch_noise`, `step_seed`), so one device and N
replicas attack and update identically.

Metrics: `loss` (the training objective), `accuracy` (clean images, inference
mode) and `adversarial_accuracy` (the attacked images the step trained on; in
`evaluate`, the same attack against the evaluated images).

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1]) -> `logits`
(class logits) and `embedding` (the encoder's features).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn import attacks
from tfxlearn.data import to_float_images
from tfxlearn.losses import BatchMean
from tfxlearn.paradigms.base import (
    Paradigm,
    batched_numpy,
    check_images,
    global_batch_noise,
)
from tfxlearn.paradigms.base_classifier import GeneratedLabelClassifier
from tfxlearn.registry import PARADIGMS

TRAINING_ATTACKS = ("pgd", "none")
PIXEL_RANGE = (0.0, 1.0)


@PARADIGMS.register("adversarial_training")
@keras.saving.register_keras_serializable(package="tfxlearn")
class AdversarialTraining(GeneratedLabelClassifier):
    """A classifier trained on PGD adversarial examples of its own training images.

    Args:
        encoder: a Keras model mapping images [batch, H, W, C] in [0, 1] to features.
        num_classes: number of classes.
        head: a model mapping features to `num_classes` logits; linear if omitted.
        attack: "pgd" (adversarial training) or "none" (standard training).
        eps: L-inf radius of the training attack, > 0.
        steps: PGD steps per training example (1 with `step_size=eps` and
            `random_start=False` is FGSM).
        step_size: size of each PGD step; default 2.5 * eps / steps.
        random_start: start PGD at a uniform point of the eps-ball.
        clean_weight: weight w in [0, 1) of the clean images' loss (0: Madry et al.).
        seed: seed of the random starts.
    """

    def __init__(
        self,
        encoder: keras.Model,
        num_classes: int = 10,
        head: keras.Model | None = None,
        attack: str = "pgd",
        eps: float = 0.1,
        steps: int = 7,
        step_size: float | None = None,
        random_start: bool = True,
        clean_weight: float = 0.0,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(encoder=encoder, num_classes=num_classes, head=head, **kwargs)
        if attack not in TRAINING_ATTACKS:
            raise ValueError(f"attack must be one of {TRAINING_ATTACKS}, got {attack!r}")
        self.attack = attack
        self.eps = attacks.check_eps(eps, PIXEL_RANGE)
        self.steps = attacks.check_steps(steps)
        self.step_size = None if step_size is None else attacks.check_step_size(step_size, 0, 1)
        self.random_start = bool(random_start)
        if isinstance(clean_weight, bool) or not 0.0 <= float(clean_weight) < 1.0:
            raise ValueError(f"clean_weight must be in [0, 1), got {clean_weight!r}")
        if attack == "none" and float(clean_weight) > 0:
            raise ValueError(
                'clean_weight > 0 needs an attack (attack="none" trains on clean images)'
            )
        self.clean_weight = float(clean_weight)
        self.seed = int(seed)
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.adversarial_accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(
            name="adversarial_accuracy"
        )

    @property
    def effective_step_size(self) -> float:
        """The PGD step size used: `step_size`, or 2.5 * eps / steps."""
        return attacks.check_step_size(self.step_size, self.eps, self.steps)

    # ------------------------------------------------------------------ attack

    def adversarial_examples(self, images: tf.Tensor, labels: tf.Tensor, seed) -> tf.Tensor:
        """PGD examples of `images` against the current weights (inference mode);
        the images themselves with `attack="none"`."""
        if self.attack == "none":
            return images
        start = None
        if self.random_start:
            noise = global_batch_noise(seed, tf.shape(images)[0], self.image_shape, "uniform")
            start = (2.0 * noise - 1.0) * self.eps
        return attacks.signed_gradient_steps(
            lambda x: self(x, training=False),
            images,
            labels,
            eps=self.eps,
            steps=self.steps,
            step_size=self.effective_step_size,
            start=start,
            clip=PIXEL_RANGE,
        )

    # ------------------------------------------------------------------ steps

    def _labelled(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                f"{type(self).__name__} needs (images, labels) batches; wrap the dataset "
                "with tfxlearn.pretext.class_labels"
            )
        images = to_float_images(tf.convert_to_tensor(data[0]))
        check_images(images, self.image_shape)
        labels = tf.convert_to_tensor(data[1])
        if not labels.dtype.is_integer or labels.shape.rank != 1:
            raise ValueError(
                f"labels must be integer class ids [batch], got {labels.dtype.name} {labels.shape}"
            )
        return images, tf.cast(labels, tf.int32)

    def _loss_values(self, images, adversarial, labels, training):
        """Per-example objective values and the adversarial logits."""
        if self.clean_weight > 0:
            logits = self(tf.concat([adversarial, images], axis=0), training=training)
            adversarial_logits, clean_logits = tf.split(logits, 2, axis=0)
            values = (1.0 - self.clean_weight) * attacks.loss_values(
                adversarial_logits, labels
            ) + self.clean_weight * attacks.loss_values(clean_logits, labels)
        else:
            adversarial_logits = self(adversarial, training=training)
            values = attacks.loss_values(adversarial_logits, labels)
        return values, adversarial_logits

    def train_step(self, data):
        images, labels = self._labelled(data)
        adversarial = self.adversarial_examples(images, labels, self.step_seed(0))
        clean_logits = self(images, training=False)  # the clean-accuracy metric only
        variables = self.trainable_weights
        with tf.GradientTape() as tape:
            values, adversarial_logits = self._loss_values(images, adversarial, labels, True)
            loss = self.batch_mean(values)  # Keras scales it for the strategy
            if self.losses:  # regularization losses, scaled by Keras
                loss = loss + Paradigm.compute_loss(self, x=images, training=True)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._track(values, labels, clean_logits, adversarial_logits)

    def test_step(self, data):
        images, labels = self._labelled(data)
        adversarial = self.adversarial_examples(images, labels, self.step_seed(1))
        values, adversarial_logits = self._loss_values(images, adversarial, labels, False)
        clean_logits = self(images, training=False)
        return self._track(values, labels, clean_logits, adversarial_logits)

    def _track(self, values, labels, clean_logits, adversarial_logits):
        # Per-example values: the metrics average them over the global batch.
        self.loss_tracker.update_state(values)
        self.accuracy_tracker.update_state(labels, clean_logits)
        self.adversarial_accuracy_tracker.update_state(labels, adversarial_logits)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker, self.adversarial_accuracy_tracker]

    # ------------------------------------------------------------------ helpers

    def classify(self, images, batch_size: int = 500) -> np.ndarray:
        """Class logits [n, K] (NumPy) of images (uint8 in [0, 255] or float in [0, 1])."""
        check_images(np.asarray(images)[:1], self.image_shape)
        return batched_numpy(lambda x: self(x, training=False), images, batch_size)

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's figure: test images, their PGD examples at the training
        radius and the perturbations, with the predicted classes."""
        import os

        from tfxlearn import viz  # plotting only when asked

        images = np.asarray(images, np.float32)[:10]
        labels = np.asarray(labels)[: len(images)]
        eps = self.eps
        adversarial = attacks.pgd(self, images, labels, eps, steps=max(self.steps, 20), seed=0)
        clean = np.argmax(self.classify(images), axis=-1)
        attacked = np.argmax(self.classify(np.asarray(adversarial)), axis=-1)

        def name(k):
            return class_names[k] if class_names is not None else str(k)

        path = os.path.join(plot_dir, "adversarial_examples.png")
        viz.image_rows(
            {
                "clean": images,
                f"PGD eps={eps:g}": np.asarray(adversarial),
                "perturbation": attacks.perturbation_image(adversarial, images, eps),
            },
            path,
            title=(
                f"{type(self).__name__} ({self.attack}): test images, their PGD examples "
                "(captions: predicted class)"
            ),
            captions={
                "clean": [name(k) for k in clean],
                f"PGD eps={eps:g}": [name(k) for k in attacked],
            },
        )
        return {"adversarial_examples": path}

    def get_config(self):
        return {
            **super().get_config(),
            "attack": self.attack,
            "eps": self.eps,
            "steps": self.steps,
            "step_size": self.step_size,
            "random_start": self.random_start,
            "clean_weight": self.clean_weight,
            "seed": self.seed,
        }
