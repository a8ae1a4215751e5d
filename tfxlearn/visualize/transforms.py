"""Random transformations applied to the image at each optimization step.

Olah et al. (Distill 2017, "Feature Visualization", "transformation
robustness") show that asking the image to excite the network also after small
random jitter, scaling and rotation removes most of the high-frequency patterns
that plain gradient ascent finds. Each transform here is a callable
`(images [n, H, W, C], seed [2] int32) -> images` of the same shape, random
through stateless ops only, so a run is a function of its seed; gradients flow
to the input images.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tensorflow as tf


def _check_nonneg(value, argument: str) -> float:
    if value < 0:
        raise ValueError(f"{argument} must be >= 0, got {value}")
    return float(value)


class Jitter:
    """Shifts the whole batch by up to `pixels` in each direction (reflected border)."""

    def __init__(self, pixels: int = 2):
        self.pixels = int(_check_nonneg(pixels, "jitter pixels"))

    def __call__(self, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        d = self.pixels
        if d == 0:
            return images
        padded = tf.pad(images, [[0, 0], [d, d], [d, d], [0, 0]], mode="REFLECT")
        return tf.image.stateless_random_crop(padded, tf.shape(images), seed=seed)

    def __repr__(self):
        return f"Jitter({self.pixels})"


class _Affine:
    """Per-image rotation by an angle in [-degrees, degrees] and scaling by a factor
    in [low, high] about the centre (bilinear, reflected border)."""

    def __init__(self, degrees: float = 0.0, scale: tuple[float, float] = (1.0, 1.0)):
        self.degrees = _check_nonneg(degrees, "rotate degrees")
        low, high = (float(s) for s in scale)
        if not 0 < low <= high:
            raise ValueError(f"scale must be (low, high) with 0 < low <= high, got {scale}")
        self.scale = (low, high)

    def __call__(self, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        n = tf.shape(images)[0]
        h = tf.cast(tf.shape(images)[1], tf.float32)
        w = tf.cast(tf.shape(images)[2], tf.float32)
        seeds = tf.random.experimental.stateless_split(seed, 2)
        limit = self.degrees * math.pi / 180.0
        angle = tf.random.stateless_uniform([n], seeds[0], -limit, limit)
        low, high = self.scale
        factor = tf.random.stateless_uniform([n], seeds[1], low, high)
        # Output pixel (x, y) samples the input at centre + R(-angle) (p - centre) / factor.
        cos, sin = tf.cos(angle) / factor, tf.sin(angle) / factor
        cx, cy = (w - 1) / 2, (h - 1) / 2
        a0, a1 = cos, sin
        b0, b1 = -sin, cos
        a2 = cx - a0 * cx - a1 * cy
        b2 = cy - b0 * cx - b1 * cy
        zeros = tf.zeros_like(angle)
        matrix = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=images,
            transforms=matrix,
            output_shape=tf.shape(images)[1:3],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="REFLECT",
        )


class Rotate(_Affine):
    """Rotates each image by a random angle in [-degrees, degrees]."""

    def __init__(self, degrees: float = 5.0):
        super().__init__(degrees=degrees)

    def __repr__(self):
        return f"Rotate({self.degrees:g})"


class Scale(_Affine):
    """Scales each image about its centre by a random factor in [low, high]."""

    def __init__(self, low: float = 0.95, high: float = 1.05):
        super().__init__(scale=(low, high))

    def __repr__(self):
        return f"Scale({self.scale[0]:g}, {self.scale[1]:g})"


class Blur:
    """A 3x3 binomial blur (weights 1-2-1) mixed in with weight `strength` in [0, 1]."""

    def __init__(self, strength: float = 0.5):
        if not 0 <= strength <= 1:
            raise ValueError(f"blur strength must be in [0, 1], got {strength}")
        self.strength = float(strength)

    def __call__(self, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        channels = images.shape[-1]
        k = tf.constant([1.0, 2.0, 1.0]) / 4.0
        kernel = tf.tile((k[:, None] * k[None, :])[:, :, None, None], [1, 1, channels, 1])
        padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
        blurred = tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")
        return (1 - self.strength) * images + self.strength * blurred

    def __repr__(self):
        return f"Blur({self.strength:g})"


def standard(image_size: int) -> list:
    """The default robustness transforms for images of side `image_size`: jitter by
    about 1/14 of the side (2 pixels at 28), scaling by 0.95-1.05, rotation by up to
    5 degrees, then a finer jitter (after Olah et al.'s pad-jitter-scale-rotate-jitter)."""
    d = max(1, round(image_size / 14))
    return [Jitter(d), Scale(0.95, 1.05), Rotate(5.0), Jitter(max(1, d // 2))]


def compose(transforms: Sequence, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Applies `transforms` in order, each with its own seed split from `seed`."""
    if not transforms:
        return images
    seeds = tf.random.experimental.stateless_split(seed, len(transforms))
    for i, transform in enumerate(transforms):
        images = transform(images, seeds[i])
    return images
