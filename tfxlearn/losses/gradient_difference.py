"""Image gradient difference loss, GDL (Mathieu, Couprie & LeCun, "Deep multi-scale
video prediction beyond mean square error", ICLR 2016, eq. 5):

    L_gdl(P, Y) = sum_{i,j} | |Y[i,j] - Y[i-1,j]| - |P[i,j] - P[i-1,j]| |^alpha
                          + | |Y[i,j-1] - Y[i,j]| - |P[i,j-1] - P[i,j]| |^alpha

for a prediction P and a target Y. It compares the *magnitudes* of the
vertical and horizontal intensity differences of neighbouring pixels, so a
blurry prediction (small gradients where the target has sharp edges) is
penalized even where an L2 loss is content with the average of the possible
futures. It is blind to a constant offset of either image (gradients do not
change), which is why the paper adds it to an Lp loss (lambda_gdl = 1, alpha = 1
or 2) rather than using it alone.

Here the sum is divided by the number of pixel values of each example (so a
weight lambda_gdl means the same thing as for a per-pixel mean L2 next to it,
whatever the image size); the images' last three axes are (height, width,
channels), any axes between the batch and them (e.g. the frames of a clip) are
summed over like pixels.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def gradient_difference(y_true, y_pred, alpha: float = 1.0) -> tf.Tensor:
    """Per-example gradient difference loss.

    Args:
        y_true: target images [batch, ..., H, W, C].
        y_pred: predicted images, the same shape.
        alpha: exponent (the paper uses 1 or 2), > 0.

    Returns:
        float [batch]: the eq. 5 sum divided by the number of pixel values per
        example (the product of all non-batch dimensions).
    """
    y_true = tf.convert_to_tensor(y_true)
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(y_true, y_pred.dtype)
    alpha = float(alpha)
    if not alpha > 0:
        raise ValueError(f"gradient_difference: alpha must be > 0, got {alpha!r}")

    def term(axis):
        n = tf.shape(y_pred)[axis]
        rank = y_pred.shape.rank
        begin = [0] * rank
        size = [-1] * rank
        size[axis] = n - 1
        first = lambda x: tf.slice(x, begin, size)  # noqa: E731
        begin_next = list(begin)
        begin_next[axis] = 1
        second = lambda x: tf.slice(x, begin_next, size)  # noqa: E731
        true_grad = tf.abs(second(y_true) - first(y_true))
        pred_grad = tf.abs(second(y_pred) - first(y_pred))
        difference = tf.abs(true_grad - pred_grad)
        if alpha == 1.0:
            values = difference
        elif alpha == 2.0:
            values = tf.square(difference)
        else:
            values = tf.pow(difference, tf.cast(alpha, difference.dtype))
        return tf.reduce_sum(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)

    rank = y_pred.shape.rank
    total = term(rank - 3) + term(rank - 2)
    pixels = tf.cast(tf.reduce_prod(tf.shape(y_pred)[1:]), y_pred.dtype)
    return total / pixels


@keras.saving.register_keras_serializable(package="tfxlearn")
class GradientDifferenceLoss(keras.losses.Loss):
    """Image gradient difference loss (Mathieu et al., ICLR 2016), see the module doc.

    Args:
        alpha: exponent of the gradient differences, > 0 (paper: 1 or 2).
        reduction, name, dtype: as for any `keras.losses.Loss` (the default
            mean over the batch is what Keras scales under a strategy).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        reduction: str = "sum_over_batch_size",
        name: str = "gradient_difference",
        dtype=None,
    ):
        if isinstance(alpha, bool) or not float(alpha) > 0:
            raise ValueError(f"GradientDifferenceLoss: alpha must be > 0, got {alpha!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.alpha = float(alpha)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) < 4:
            raise ValueError(
                "GradientDifferenceLoss: y_pred must be images [batch, ..., height, width, "
                f"channels] (rank >= 4), got shape {y_pred.shape}"
            )
        if tuple(y_true.shape) != tuple(y_pred.shape):
            raise ValueError(
                f"GradientDifferenceLoss: y_true shape {tuple(y_true.shape)} must equal y_pred "
                f"shape {tuple(y_pred.shape)}"
            )
        for axis, name in ((-3, "height"), (-2, "width")):
            if y_pred.shape[axis] is not None and y_pred.shape[axis] < 2:
                raise ValueError(
                    f"GradientDifferenceLoss: images need a {name} of at least 2 pixels, got "
                    f"shape {y_pred.shape}"
                )
        return gradient_difference(y_true, y_pred, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
