"""How an optimized image is parametrized: pixels, or a decorrelated Fourier spectrum.

Optimizing raw pixels lets high frequencies grow that excite a network without
looking like anything (Olah et al., Distill 2017, "Feature Visualization",
section "Preconditioning and Parameterization"). Their remedy, implemented by
`Fourier`, optimizes the image's 2-D Fourier coefficients scaled by
`1 / frequency ** decay`, so that gradient steps are (roughly) whitened for
natural-image statistics; for colour images the channels are also decorrelated
by a matrix square root of the colour covariance, which `color_decorrelation`
estimates from images of the model's own dataset. Both parametrizations pass the
result through a sigmoid, so images stay in (0, 1), tfxlearn's image range.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


class Pixel:
    """Each pixel is a free variable: image = sigmoid(v), v drawn N(0, `scale`)."""

    name = "pixel"

    def __init__(self, scale: float = 0.1):
        if not scale > 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.scale = float(scale)

    def initial(self, shape, seed: int) -> tf.Tensor:
        return self.scale * tf.random.stateless_normal(list(shape), seed=[int(seed), 0])

    def images(self, params: tf.Tensor) -> tf.Tensor:
        return tf.sigmoid(params)


class Fourier:
    """Olah et al.'s decorrelated parametrization: image = sigmoid(C . irfft2(s * F)),
    F free complex coefficients, s = 1 / max(f, 1 / max(H, W)) ** decay (f the
    frequency in cycles per pixel), normalized so the image's standard deviation
    starts near `scale`; C a colour decorrelation matrix (identity by default,
    `color_decorrelation(images)` for colour data).
    """

    name = "fourier"

    def __init__(self, decay: float = 1.0, scale: float = 0.1, color_matrix=None):
        if decay < 0:
            raise ValueError(f"decay must be >= 0, got {decay}")
        if not scale > 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.decay, self.scale = float(decay), float(scale)
        self.color_matrix = None if color_matrix is None else np.asarray(color_matrix, np.float32)
        if self.color_matrix is not None and (
            self.color_matrix.ndim != 2 or self.color_matrix.shape[0] != self.color_matrix.shape[1]
        ):
            raise ValueError(
                f"color_matrix must be square [channels, channels], got {self.color_matrix.shape}"
            )
        self._shape = None

    def _spectrum_scale(self, height: int, width: int) -> np.ndarray:
        fy = np.fft.fftfreq(height)[:, None]
        fx = np.fft.rfftfreq(width)[None, :]
        frequency = np.sqrt(fx * fx + fy * fy)
        scale = 1.0 / np.maximum(frequency, 1.0 / max(height, width)) ** self.decay
        # irfft2 of unit-variance coefficients has variance sum(scale^2) / (H W)^2.
        return (scale * height * width / np.sqrt(np.sum(scale**2))).astype(np.float32)

    def initial(self, shape, seed: int) -> tf.Tensor:
        n, h, w, c = (int(d) for d in shape)
        if self.color_matrix is not None and self.color_matrix.shape[0] != c:
            raise ValueError(
                f"color_matrix is {self.color_matrix.shape[0]}x{self.color_matrix.shape[0]} "
                f"but the images have {c} channels"
            )
        self._shape = (n, h, w, c)
        coefficients = [2, n, c, h, w // 2 + 1]
        return self.scale * tf.random.stateless_normal(coefficients, seed=[int(seed), 0])

    def images(self, params: tf.Tensor) -> tf.Tensor:
        if self._shape is None:
            raise RuntimeError("Fourier.images called before Fourier.initial")
        n, h, w, c = self._shape
        spectrum = tf.complex(params[0], params[1]) * tf.cast(
            self._spectrum_scale(h, w), tf.complex64
        )
        x = tf.signal.irfft2d(spectrum, fft_length=[h, w])  # [n, c, h, w]
        x = tf.transpose(x, [0, 2, 3, 1])
        if self.color_matrix is not None:
            x = tf.tensordot(x, tf.constant(self.color_matrix.T), axes=1)
        return tf.sigmoid(x)


def color_decorrelation(images) -> np.ndarray:
    """A matrix square root of the channels' covariance in `images` [n, H, W, C]
    (from its eigendecomposition), scaled so its largest column norm is 1: the
    `color_matrix` of `Fourier` for that data."""
    x = np.asarray(images, np.float64)
    if x.ndim != 4:
        raise ValueError(f"images must be [n, height, width, channels], got {x.shape}")
    pixels = x.reshape(-1, x.shape[-1])
    covariance = np.cov(pixels, rowvar=False).reshape(x.shape[-1], x.shape[-1])
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.maximum(values, 0.0))
    norm = np.max(np.linalg.norm(root, axis=0))
    return (root / (norm if norm > 0 else 1.0)).astype(np.float32)


PARAMETRIZATIONS = {"pixel": Pixel, "fourier": Fourier}


def get(param) -> Pixel | Fourier:
    """A parametrization object, or one built from its name ("pixel", "fourier")."""
    if isinstance(param, str):
        if param not in PARAMETRIZATIONS:
            raise ValueError(
                f"param must be one of {sorted(PARAMETRIZATIONS)} or a parametrization "
                f"object, got {param!r}"
            )
        return PARAMETRIZATIONS[param]()
    if not (hasattr(param, "initial") and hasattr(param, "images")):
        raise ValueError(
            f"param must be one of {sorted(PARAMETRIZATIONS)} or an object with initial() "
            f"and images(), got {type(param).__name__}"
        )
    return param
