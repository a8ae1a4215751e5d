"""CIE Lab colour conversion (sRGB, D65 white) in TensorFlow, for any leading shape.

Used by the colorization pretext op (`tfxlearn.pretext.colorization`) and by
the `skimage_photos` dataset, whose lightness feature is the Lab L channel.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data.images import to_float_images

# sRGB (D65) linear RGB -> XYZ. The reference white is the image of RGB white,
# (0.95047, 1.0, 1.08883), so white maps exactly to a = b = 0.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    dtype=np.float64,
)
_WHITE = _RGB_TO_XYZ.sum(axis=1)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_DELTA = 6.0 / 29.0


def _check_channels(x: tf.Tensor, argument: str) -> None:
    channels = x.shape[-1]
    if x.shape.rank is None or x.shape.rank < 1 or (channels is not None and channels != 3):
        raise ValueError(f"{argument} must have 3 channels in its last axis, got shape {x.shape}")


def rgb_to_lab(rgb: tf.Tensor) -> tf.Tensor:
    """sRGB in [0, 1] -> CIE Lab (D65 white), any leading shape.

    Args:
        rgb: float [..., 3] (uint8 is scaled by 1/255 first).

    Returns:
        float32 [..., 3]: L in [0, 100], a and b roughly in [-110, 110].
    """
    rgb = to_float_images(tf.convert_to_tensor(rgb))
    _check_channels(rgb, "rgb")
    rgb = tf.clip_by_value(rgb, 0.0, 1.0)
    linear = tf.where(
        rgb <= 0.04045, rgb / 12.92, tf.pow((tf.maximum(rgb, 0.04045) + 0.055) / 1.055, 2.4)
    )
    xyz = tf.linalg.matvec(tf.constant(_RGB_TO_XYZ / _WHITE[:, None], tf.float32), linear)
    f = tf.where(
        xyz > _DELTA**3,
        tf.pow(tf.maximum(xyz, _DELTA**3), 1.0 / 3.0),
        xyz / (3 * _DELTA**2) + 4.0 / 29.0,
    )
    fx, fy, fz = tf.unstack(f, axis=-1)
    return tf.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def lab_to_rgb(lab: tf.Tensor) -> tf.Tensor:
    """CIE Lab (D65 white) -> sRGB float32 in [0, 1], any leading shape.

    Out-of-gamut colours are clipped to the RGB cube.
    """
    lab = tf.cast(tf.convert_to_tensor(lab), tf.float32)
    _check_channels(lab, "lab")
    lightness, a, b = tf.unstack(lab, axis=-1)
    fy = (lightness + 16.0) / 116.0
    f = tf.stack([fy + a / 500.0, fy, fy - b / 200.0], axis=-1)
    xyz = tf.where(f > _DELTA, tf.pow(f, 3.0), 3 * _DELTA**2 * (f - 4.0 / 29.0))
    linear = tf.linalg.matvec(tf.constant(_XYZ_TO_RGB * _WHITE[None, :], tf.float32), xyz)
    linear = tf.clip_by_value(linear, 0.0, 1.0)
    rgb = tf.where(
        linear <= 0.0031308,
        12.92 * linear,
        1.055 * tf.pow(tf.maximum(linear, 0.0031308), 1.0 / 2.4) - 0.055,
    )
    return tf.clip_by_value(rgb, 0.0, 1.0)
