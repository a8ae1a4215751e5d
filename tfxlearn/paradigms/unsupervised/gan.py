"""Generative adversarial networks (Goodfellow et al., "Generative Adversarial
Nets", NIPS 2014), with the DCGAN architecture of `tfxlearn.nets` (Radford,
Metz & Chintala, ICLR 2016).

A generator G maps noise z ~ N(0, I) to images; a discriminator D gives each
image a real/fake logit l (D(x) = sigmoid(l)). Each step first updates D on a
batch of real images and a batch of generated ones (binary cross-entropy),
then G against the updated D. G's objective is either the paper's minimax one,
minimise log(1 - D(G(z))), or the non-saturating one the paper recommends in
practice, maximise log D(G(z)) (`tfxlearn.losses.generator_loss_values`; D's
loss is `tfxlearn.losses.discriminator_loss_values`). The model and its steps
are `tfxlearn.paradigms.base_gan.GANBase`, shared with the conditional GAN and
InfoGAN.
"""

from __future__ import annotations

import keras
import numpy as np

from tfxlearn.paradigms.base_gan import GANBase
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("gan")
class GAN(GANBase):
    """An unconditional GAN; the discriminator body doubles as the `encoder`.

    Args: those of `GANBase` (generator, discriminator, generator_loss, head,
    seed; `generator_ema` of `AdversarialParadigm`).
    """


def interpolate(start: np.ndarray, end: np.ndarray, steps: int = 8, spherical: bool = True):
    """Latent vectors from `start` to `end` ([latent_dim] each), `steps` of them.

    Spherical interpolation (slerp) keeps the norm typical of Gaussian noise
    (White, "Sampling Generative Networks", 2016); `spherical=False` is linear.
    """
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(
            f"start and end must be vectors of one shape, got {start.shape}, {end.shape}"
        )
    if int(steps) < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    t = np.linspace(0.0, 1.0, int(steps))[:, None]
    if not spherical:
        return ((1 - t) * start + t * end).astype(np.float32)
    cos = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end) + 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * start + t * end).astype(np.float32)
    return ((np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)).astype(
        np.float32
    )


def vector_arithmetic(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """DCGAN's latent arithmetic: mean(a) - mean(b) + mean(c), each [n, latent_dim]
    (Radford et al. average a few vectors per concept, e.g. smiling woman - neutral
    woman + neutral man)."""
    a, b, c = (np.atleast_2d(np.asarray(x, np.float32)) for x in (a, b, c))
    if not a.shape[1] == b.shape[1] == c.shape[1]:
        raise ValueError(f"a, b, c must share latent_dim, got {a.shape}, {b.shape}, {c.shape}")
    return a.mean(0) - b.mean(0) + c.mean(0)
