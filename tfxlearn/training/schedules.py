"""Learning-rate schedules of the paradigms' papers that Keras does not ship.

`AnnealedLearningRate`: mu_p = mu_0 / (1 + alpha p)^beta, p = step / total_steps
clipped to [0, 1]; alpha = 10, beta = 0.75, mu_0 = 0.01 in Ganin & Lempitsky,
"Unsupervised Domain Adaptation by Backpropagation", ICML 2015 (section 5.2.2),
with SGD and momentum 0.9. A pipeline names it in its optimizer config:
`{"class_name": "SGD", "config": {"learning_rate": {"class_name":
"tfxlearn>AnnealedLearningRate", "config": {...}}, "momentum": 0.9}}`.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfxlearn")
class AnnealedLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """mu_0 / (1 + alpha p)^beta with p = min(step / total_steps, 1)."""

    def __init__(self, initial: float, total_steps: int, alpha: float = 10.0, beta: float = 0.75):
        if not float(initial) > 0:
            raise ValueError(f"initial must be > 0, got {initial}")
        if isinstance(total_steps, bool) or int(total_steps) != total_steps or total_steps < 1:
            raise ValueError(f"total_steps must be an int >= 1, got {total_steps!r}")
        if float(alpha) < 0 or float(beta) < 0:
            raise ValueError(f"alpha and beta must be >= 0, got {alpha}, {beta}")
        self.initial = float(initial)
        self.total_steps = int(total_steps)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def __call__(self, step):
        p = tf.minimum(tf.cast(step, tf.float32) / float(self.total_steps), 1.0)
        return self.initial / tf.pow(1.0 + self.alpha * p, self.beta)

    def get_config(self):
        return {
            "initial": self.initial,
            "total_steps": self.total_steps,
            "alpha": self.alpha,
            "beta": self.beta,
        }
