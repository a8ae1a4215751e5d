"""Total variation of images (Rudin, Osher & Fatemi, "Nonlinear total variation
based noise removal algorithms", Physica D 1992; as an image prior with an
exponent beta, Mahendran & Vedaldi, "Understanding Deep Image Representations
by Inverting Them", CVPR 2015, eq. 3):

    TV_beta(x) = mean_{i,j,c} |x[i+1,j,c] - x[i,j,c]|^beta
               + mean_{i,j,c} |x[i,j+1,c] - x[i,j,c]|^beta

per image [H, W, C]: the anisotropic form, each mean over the differences of
neighbouring pixels along one axis (H-1 x W x C and H x W-1 x C of them), so the
value does not grow with the image size. beta = 1 (the default) is the L1 total
variation (edges cost their height once, noise costs a lot); beta = 2 is the
smooth squared form. A constant image has total variation 0.

Used as a smoothness penalty by feature visualization (`tfxlearn.visualize`)
and by style transfer (Gatys et al., CVPR 2016; Johnson et al., ECCV 2016,
"total variation regularization", both through `PerceptualLoss`).
"""

from __future__ import annotations

import keras
import tensorflow as tf


def total_variation(images, beta: float = 1.0) -> tf.Tensor:
    """Per-image total variation, float32 [batch] (see the module docstring).

    Args:
        images: [batch, height, width, channels], height and width >= 2.
        beta: exponent of the absolute differences, > 0 (1: L1, 2: squared).
    """
    images = tf.convert_to_tensor(images)
    if not images.dtype.is_floating:
        images = tf.cast(images, tf.float32)
    if images.shape.rank != 4:
        raise ValueError(
            f"total_variation: images must be [batch, height, width, channels], got shape "
            f"{tuple(images.shape)}"
        )
    if isinstance(beta, bool) or not float(beta) > 0:
        raise ValueError(f"total_variation: beta must be > 0, got {beta!r}")
    dy = tf.abs(images[:, 1:] - images[:, :-1])
    dx = tf.abs(images[:, :, 1:] - images[:, :, :-1])
    if float(beta) != 1.0:
        dy, dx = tf.pow(dy, float(beta)), tf.pow(dx, float(beta))
    return tf.reduce_mean(dy, axis=[1, 2, 3]) + tf.reduce_mean(dx, axis=[1, 2, 3])


@keras.saving.register_keras_serializable(package="tfxlearn")
class TotalVariation(keras.losses.Loss):
    """Total variation of `y_pred` as a Keras loss (`y_true` is ignored); see the module doc.

    Args:
        beta: exponent of the neighbour differences, > 0.
    """

    def __init__(self, beta: float = 1.0, name: str = "total_variation", **kwargs):
        if isinstance(beta, bool) or not float(beta) > 0:
            raise ValueError(f"TotalVariation: beta must be > 0, got {beta!r}")
        super().__init__(name=name, **kwargs)
        self.beta = float(beta)

    def call(self, y_true, y_pred):
        del y_true
        return total_variation(y_pred, self.beta)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}
