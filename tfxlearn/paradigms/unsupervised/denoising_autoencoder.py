"""Denoising autoencoder (Vincent, Larochelle, Bengio & Manzagol, "Extracting and
Composing Robust Features with Denoising Autoencoders", ICML 2008).

The encoder sees a corrupted image x~ and the decoder must reconstruct the
*clean* x, so the code has to capture the dependencies between pixels rather
than copy them. Corruptions:

- "masking" (the ICML 2008 paper's): for each image a fixed number
  round(level * d) of its d components (pixels x channels), chosen at random,
  are forced to 0.
- "gaussian": additive isotropic Gaussian noise, x~ = x + level * eps,
  eps ~ N(0, I), not clipped (Vincent et al., "Stacked Denoising
  Autoencoders", JMLR 2010).
- "salt_and_pepper" (JMLR 2010): a fixed number round(level * d) of
  components, chosen at random, set to 0 or 1 with probability 1/2 each.

The noise comes from the training step's stateless seed and is drawn for the
whole global batch (`tfxlearn.paradigms.base.global_batch_noise`), so one
device and N replicas corrupt every image identically. Evaluation (`encoder`,
`encode`, `reconstruct`, serving) uses clean images; `test_step` reports the
training objective (corrupted input, clean target) with a fixed seed.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.paradigms.base import global_batch_noise
from tfxlearn.paradigms.base_autoencoder import AutoencoderBase
from tfxlearn.registry import PARADIGMS

NOISES = ("masking", "gaussian", "salt_and_pepper")


def check_noise(noise: str, level: float) -> float:
    """The validated noise level (a fraction of components, or a standard deviation)."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
    level = float(level)
    if not np.isfinite(level):
        raise ValueError(f"noise_level must be finite, got {level}")
    if noise == "gaussian" and level < 0:
        raise ValueError(f"noise_level (the Gaussian standard deviation) must be >= 0, got {level}")
    if noise != "gaussian" and not 0.0 <= level < 1.0:
        raise ValueError(
            f"noise_level (the fraction of components {noise} corrupts) must be in [0, 1), "
            f"got {level}"
        )
    return level


def corrupt(images: tf.Tensor, noise: str, level: float, seed: tf.Tensor) -> tf.Tensor:
    """Corrupts a batch of images [batch, H, W, C] (see the module docstring).

    Args:
        images: float images in [0, 1].
        noise: "masking", "gaussian" or "salt_and_pepper".
        level: fraction of corrupted components (masking, salt and pepper) or
            standard deviation (gaussian).
        seed: stateless seed, int [2]; the noise of the global batch is drawn
            from it and each replica keeps its rows.

    Returns:
        The corrupted images, same shape and dtype.
    """
    level = check_noise(noise, level)
    images = tf.convert_to_tensor(images)
    shape = tuple(int(d) for d in images.shape[1:])
    batch = tf.shape(images)[0]
    if noise == "gaussian":
        eps = global_batch_noise(seed, batch, shape, "normal")
        return images + tf.cast(level, images.dtype) * tf.cast(eps, images.dtype)
    size = int(np.prod(shape))
    count = int(round(level * size))
    if count == 0:
        return images
    uniform = global_batch_noise(seed, batch, (2, size), "uniform")
    choice, coin = uniform[:, 0], uniform[:, 1]
    # The `count` components with the smallest draws are corrupted.
    threshold = -tf.math.top_k(-choice, k=count).values[:, -1:]
    chosen = tf.reshape(choice <= threshold, tf.shape(images))
    if noise == "masking":
        replacement = tf.zeros_like(images)
    else:
        replacement = tf.cast(tf.reshape(coin < 0.5, tf.shape(images)), images.dtype)
    return tf.where(chosen, replacement, images)


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("denoising_autoencoder")
class DenoisingAutoencoder(AutoencoderBase):
    """An autoencoder reconstructing clean images from corrupted ones.

    Args:
        encoder: as `AutoencoderBase`, which also takes (as keywords) latent_dim,
            decoder, decoder_widths, reconstruction_loss and code_activation.
        noise: "masking" (default), "gaussian" or "salt_and_pepper".
        noise_level: fraction of components corrupted by masking / salt and
            pepper, in [0, 1) (default 0.25, among the levels of Vincent et
            al.), or the standard deviation of the Gaussian noise (>= 0).
        seed: seed of the corruption noise of the training steps.
    """

    def __init__(
        self,
        encoder: keras.Model,
        noise: str = "masking",
        noise_level: float = 0.25,
        seed: int = 0,
        **kwargs,
    ):
        level = check_noise(noise, noise_level)
        super().__init__(encoder=encoder, **kwargs)
        self.noise = noise
        self.noise_level = level
        self.seed = int(seed)

    def corrupt(self, images, seed):
        return corrupt(images, self.noise, self.noise_level, seed)

    def reconstruction_rows(self, images):
        corrupted = self.corrupt(tf.convert_to_tensor(images), tf.constant([self.seed, 0])).numpy()
        return {
            "input": images,
            "corrupted": corrupted,
            "reconstruction": self.reconstruct(corrupted),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "noise": self.noise,
            "noise_level": self.noise_level,
            "seed": self.seed,
        }
