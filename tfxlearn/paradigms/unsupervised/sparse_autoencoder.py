"""Sparse autoencoder: reconstruction plus an activity penalty driving the mean
activation of each code unit toward a small target rate rho (Ng, "Sparse
autoencoder", CS294A lecture notes, 2011; Lee, Ekanadham & Ng, "Sparse deep
belief net model for visual area V2", NIPS 2008).

With rho_hat_j the mean activation of code unit j over the batch:

- "kl" (Ng's form, sigmoid codes in (0, 1) read as firing rates):
  penalty = weight * sum_j KL(rho || rho_hat_j), the KL divergence between
  Bernoulli variables with means rho and rho_hat_j,
  rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 - rho_hat_j)).
- "l1" (ReLU codes): penalty = weight * sum_j |rho_hat_j - rho|. With
  rho = 0 this is the classic L1 activity penalty weight * mean_i sum_j
  |h_ij| (ReLU codes are non-negative), which drives activations to 0.

The total loss of an image is its reconstruction loss (as `AutoencoderBase`) plus
the penalty of its batch. rho_hat is the mean over the *global* batch: under a
tf.distribute strategy the per-replica sums are all-reduced (the all-reduce
is differentiable, its gradient is the all-reduce of the gradients), so one
device and N replicas compute the same penalty and the same gradients; the
penalty enters the loss as a per-example value reduced by Keras like the
reconstruction term, so its gradient is counted once.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.paradigms.base_autoencoder import AutoencoderBase
from tfxlearn.registry import PARADIGMS

SPARSITIES = ("kl", "l1")
_EPSILON = 1e-6


def kl_sparsity(rho: float, rho_hat: tf.Tensor) -> tf.Tensor:
    """KL(rho || rho_hat) of Bernoulli means, elementwise (rho_hat clipped to
    [1e-6, 1 - 1e-6] so the penalty stays finite for saturated units)."""
    rho_hat = tf.clip_by_value(tf.convert_to_tensor(rho_hat), _EPSILON, 1.0 - _EPSILON)
    rho = tf.cast(rho, rho_hat.dtype)
    return rho * tf.math.log(rho / rho_hat) + (1.0 - rho) * tf.math.log(
        (1.0 - rho) / (1.0 - rho_hat)
    )


def global_mean_activation(codes: tf.Tensor) -> tf.Tensor:
    """Mean of `codes` [batch, units] over the global batch, [units].

    Under a strategy with several replicas the sums and counts of every
    replica are all-reduced, so each replica gets the global-batch mean."""
    total = tf.reduce_sum(codes, axis=0)
    count = tf.cast(tf.shape(codes)[0], codes.dtype)
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        total, count = context.all_reduce(tf.distribute.ReduceOp.SUM, [total, count])
    return total / count


def sparsity_penalty(codes: tf.Tensor, rho: float, kind: str = "kl") -> tf.Tensor:
    """The unweighted penalty (a scalar) of a batch of codes [batch, units]."""
    rho_hat = global_mean_activation(codes)
    if kind == "kl":
        return tf.reduce_sum(kl_sparsity(rho, rho_hat))
    if kind == "l1":
        return tf.reduce_sum(tf.abs(rho_hat - tf.cast(rho, rho_hat.dtype)))
    raise ValueError(f"sparsity must be one of {SPARSITIES}, got {kind!r}")


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("sparse_autoencoder")
class SparseAutoencoder(AutoencoderBase):
    """An autoencoder whose code units are pushed to a mean activation rho.

    Args:
        encoder: as `AutoencoderBase`, which also takes (as keywords) latent_dim,
            decoder, decoder_widths and reconstruction_loss.
        sparsity: "kl" (default; sigmoid codes) or "l1" (ReLU codes).
        rho: target mean activation, in (0, 1) ("l1" also takes 0: the plain
            L1 activity penalty).
        sparsity_weight: weight of the penalty (>= 0), relative to the
            reconstruction loss averaged over pixels.
        code_activation: "sigmoid" for "kl" (required: KL needs codes in
            (0, 1)), "relu" by default for "l1".
    """

    def __init__(
        self,
        encoder: keras.Model,
        sparsity: str = "kl",
        rho: float = 0.05,
        sparsity_weight: float = 0.01,
        code_activation: str | None = None,
        **kwargs,
    ):
        if sparsity not in SPARSITIES:
            raise ValueError(f"sparsity must be one of {SPARSITIES}, got {sparsity!r}")
        rho, sparsity_weight = float(rho), float(sparsity_weight)
        low_ok = sparsity == "l1" and rho == 0.0
        if not (0.0 < rho < 1.0 or low_ok) or not np.isfinite(rho):
            allowed = "[0, 1)" if sparsity == "l1" else "(0, 1)"
            raise ValueError(f"rho (the target mean activation) must be in {allowed}, got {rho}")
        if not sparsity_weight >= 0.0 or not np.isfinite(sparsity_weight):
            raise ValueError(f"sparsity_weight must be a finite number >= 0, got {sparsity_weight}")
        if code_activation is None:
            code_activation = "sigmoid" if sparsity == "kl" else "relu"
        if sparsity == "kl" and code_activation != "sigmoid":
            raise ValueError(
                "sparsity='kl' reads codes as firing rates in (0, 1): code_activation must be "
                f"'sigmoid', got {code_activation!r}"
            )
        super().__init__(encoder=encoder, code_activation=code_activation, **kwargs)
        self.sparsity = sparsity
        self.rho = rho
        self.sparsity_weight = sparsity_weight
        self.sparsity_tracker = keras.metrics.Mean(name="sparsity")
        self.mean_activation_tracker = keras.metrics.Mean(name="mean_activation")

    def code_loss_terms(self, images, codes, logits):
        terms = super().code_loss_terms(images, codes, logits)
        penalty = sparsity_penalty(codes, self.rho, self.sparsity)
        ones = tf.ones_like(terms["reconstruction"])
        terms["sparsity"] = penalty * ones
        terms["loss"] = terms["reconstruction"] + self.sparsity_weight * terms["sparsity"]
        terms["mean_activation"] = tf.reduce_mean(codes, axis=1)
        return terms

    @property
    def metrics(self):
        return super().metrics + [self.sparsity_tracker, self.mean_activation_tracker]

    def get_config(self):
        return {
            **super().get_config(),
            "sparsity": self.sparsity,
            "rho": self.rho,
            "sparsity_weight": self.sparsity_weight,
        }
