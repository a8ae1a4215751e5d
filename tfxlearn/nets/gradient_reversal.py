"""Gradient reversal, its weight schedule and the domain classifier of
domain-adversarial training.

Ganin & Lempitsky, "Unsupervised Domain Adaptation by Backpropagation", ICML 2015:

- the gradient reversal layer R_lambda is the identity in the forward pass and
  multiplies the gradient by -lambda in the backward pass (dR/dx = -lambda I), so
  the feature extractor below it *maximises* the domain classifier's loss while
  the classifier above it minimises it;
- lambda grows from 0 to 1 over training, lambda_p = 2 / (1 + exp(-gamma p)) - 1
  with p the training progress in [0, 1] and gamma = 10 (section 5.2.2), which
  suppresses the noisy domain signal early on;
- the domain classifier is a small MLP on the features, here with one logit
  (source = 0, target = 1) for a sigmoid cross-entropy.

The paper's annealed learning rate mu_p = mu_0 / (1 + alpha p)^beta is
`tfxlearn.training.schedules.AnnealedLearningRate`. Used by `dann` and by any
model that needs a representation blind to some attribute (Edwards & Storkey,
ICLR 2016).
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _check_weight(value, argument: str = "lambda_") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{argument} must be a number >= 0, got {value!r}")
    if not float(value) >= 0.0:
        raise ValueError(f"{argument} must be >= 0 (a reversal weight), got {value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="tfxlearn")
class GradientReversal(keras.layers.Layer):
    """Identity forward, gradient times -lambda backward (Ganin & Lempitsky, 2015).

    Args:
        lambda_: the reversal weight (>= 0) used when `call` is given none;
            settable afterwards (`layer.lambda_ = 0.5`).

    `call(inputs, lambda_=None)`: `lambda_` may be a scalar tensor (e.g. the
    schedule's value at the current step), which then overrides the attribute
    for that call; it receives no gradient.
    """

    def __init__(self, lambda_: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.lambda_ = lambda_
        self.built = True  # no weights: nothing to build (Keras's fit checks every layer)

    @property
    def lambda_(self) -> float:
        return self._lambda

    @lambda_.setter
    def lambda_(self, value) -> None:
        self._lambda = _check_weight(value)

    def call(self, inputs, lambda_=None):
        weight = self._lambda if lambda_ is None else lambda_
        if lambda_ is not None and not tf.is_tensor(lambda_):
            weight = _check_weight(lambda_)
        return _reverse(inputs, tf.cast(weight, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "lambda_": self._lambda}


@tf.custom_gradient
def _reverse(x, weight):
    def grad(dy):
        return -weight * dy, tf.zeros_like(weight)

    return tf.identity(x), grad


def reversal_schedule(progress, gamma: float = 10.0):
    """lambda_p = 2 / (1 + exp(-gamma p)) - 1, the paper's reversal weight at training
    progress p in [0, 1] (clipped): 0 at p = 0, ~0.987 at p = 0.5, -> 1.

    Works on Python numbers (returns a float) and tensors (returns float32)."""
    if float(gamma) <= 0:
        raise ValueError(f"gamma must be > 0, got {gamma}")
    if tf.is_tensor(progress):
        p = tf.clip_by_value(tf.cast(progress, tf.float32), 0.0, 1.0)
        return 2.0 / (1.0 + tf.exp(-float(gamma) * p)) - 1.0
    import math

    p = min(max(float(progress), 0.0), 1.0)
    return 2.0 / (1.0 + math.exp(-float(gamma) * p)) - 1.0


def domain_classifier(hidden: tuple = (100, 100), name: str = "domain_classifier") -> keras.Model:
    """The domain classifier head: ReLU Dense layers of widths `hidden`, then one
    logit (source = 0, target = 1). The paper's MNIST -> MNIST-M head is 100 -> 1
    (its SVHN head 1024 -> 1024 -> 1)."""
    if any(int(h) < 1 for h in hidden):
        raise ValueError(f"hidden widths must be >= 1, got {hidden}")
    layers = [
        keras.layers.Dense(int(h), activation="relu", name=f"{name}_hidden{i}")
        for i, h in enumerate(hidden)
    ]
    return keras.Sequential([*layers, keras.layers.Dense(1, name=f"{name}_logit")], name=name)
