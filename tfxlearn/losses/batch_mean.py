"""Keras's batch reduction for per-example loss values computed elsewhere.

Custom training steps often compute per-example losses in pieces (a GAN's
real and fake terms, a VAE's reconstruction and KL) and track each piece in a
metric. `BatchMean()(values)` reduces such values the way every
`keras.losses.Loss` does - the mean over this replica's batch, scaled by
Keras for the tf.distribute strategy - so gradients summed over replicas are
those of the global-batch mean, without dividing by the replica count by hand.
"""

from __future__ import annotations

import keras
import tensorflow as tf


class BatchMean(keras.losses.Loss):
    """`BatchMean()(values)`: the strategy-aware mean of per-example loss values [batch, ...]."""

    def __init__(self, name: str = "batch_mean", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return y_pred

    def __call__(self, values, sample_weight=None):
        values = tf.convert_to_tensor(values)
        return super().__call__(tf.zeros_like(values), values, sample_weight=sample_weight)
