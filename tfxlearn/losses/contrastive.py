"""The contrastive loss with a margin of Hadsell, Chopra & LeCun ("Dimensionality
Reduction by Learning an Invariant Mapping", CVPR 2006, eq. 4), the loss of
Siamese networks trained on pairs (Bromley et al., "Signature Verification using
a Siamese Time Delay Neural Network", NIPS 1993):

    L(y, D) = y * D^2 / 2  +  (1 - y) * max(0, m - D)^2 / 2

for a pair of embeddings at Euclidean distance D, y = 1 for a similar pair and
y = 0 for a dissimilar one, m > 0 the margin. Similar pairs are pulled
together; dissimilar pairs are pushed apart until they are at least m apart,
beyond which they cost nothing.

Label convention: y = 1 means *similar* (distance small), the convention of
most Siamese code and of tfxlearn's `class_pairs` op. The paper writes the
same loss with the opposite label (its Y = 0 for similar pairs), i.e.
y = 1 - Y_paper.
"""

from __future__ import annotations

import keras


def contrastive_loss(y_true, y_pred, margin: float = 1.0):
    """Per-pair contrastive loss.

    Args:
        y_true: [batch] 1 for similar pairs, 0 for dissimilar ones (float or int).
        y_pred: [batch] non-negative distances D between the two embeddings.
        margin: m > 0.

    Returns:
        float [batch]: y D^2 / 2 + (1 - y) max(0, m - D)^2 / 2.
    """
    d = keras.ops.convert_to_tensor(y_pred)
    y = keras.ops.cast(keras.ops.reshape(y_true, keras.ops.shape(d)), d.dtype)
    m = keras.ops.cast(margin, d.dtype)
    similar = keras.ops.square(d)
    dissimilar = keras.ops.square(keras.ops.relu(m - d))
    return 0.5 * (y * similar + (1.0 - y) * dissimilar)


@keras.saving.register_keras_serializable(package="tfxlearn")
class ContrastiveLoss(keras.losses.Loss):
    """Contrastive loss over pair distances `y_pred` [batch] with labels `y_true`
    [batch] (1 = similar, 0 = dissimilar).

    Args:
        margin: m > 0, the distance beyond which dissimilar pairs cost nothing
            (for L2-normalized embeddings distances lie in [0, 2]).
        reduction, name, dtype: as for any `keras.losses.Loss` (the default mean
            over the batch is what Keras scales under a strategy).
    """

    def __init__(
        self,
        margin: float = 1.0,
        reduction: str = "sum_over_batch_size",
        name: str = "contrastive",
        dtype=None,
    ):
        if not float(margin) > 0:
            raise ValueError(f"ContrastiveLoss: margin must be > 0, got {margin!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = float(margin)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) != 1:
            raise ValueError(
                f"ContrastiveLoss: y_pred must be pair distances [batch], got shape {y_pred.shape}"
            )
        return contrastive_loss(y_true, y_pred, self.margin)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}
