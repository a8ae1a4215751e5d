"""InfoNCE, the contrastive loss of contrastive predictive coding (van den Oord,
Li & Vinyals, "Representation Learning with Contrastive Predictive Coding",
arXiv:1807.03748) as used by momentum contrast (He et al., CVPR 2020, eq. 1)
and SimCLR (Chen et al., ICML 2020, "NT-Xent"):

    L = -log( exp(s+ / t) / sum_j exp(s_j / t) )

for one query with similarity s+ to its positive and s_j to every candidate
(the positive and the negatives), t the temperature: a softmax cross-entropy
that classifies the positive among the candidates.
"""

from __future__ import annotations

import keras


def info_nce(y_true, y_pred, temperature: float = 0.1):
    """Per-example InfoNCE.

    Args:
        y_true: int [batch], the column of each row's positive (0 in MoCo's
            layout [positive, negatives...]).
        y_pred: float [batch, candidates], similarities (e.g. cosine) of each
            query to every candidate.
        temperature: the softmax temperature t > 0.

    Returns:
        float [batch], -log softmax(y_pred / t)[y_true].
    """
    logits = keras.ops.divide(y_pred, keras.ops.cast(temperature, y_pred.dtype))
    return keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)


@keras.saving.register_keras_serializable(package="tfxlearn")
class InfoNCE(keras.losses.Loss):
    """InfoNCE over similarities `y_pred` [batch, candidates]; `y_true` gives the
    positive's column per row (MoCo: zeros, the positive comes first).

    Args:
        temperature: t > 0; smaller values sharpen the softmax over candidates
            (MoCo v1 0.07, MoCo v2 0.2).
        reduction, name, dtype: as for any `keras.losses.Loss` (the default mean
            over the batch is what Keras scales under a strategy).
    """

    def __init__(
        self,
        temperature: float = 0.1,
        reduction: str = "sum_over_batch_size",
        name: str = "info_nce",
        dtype=None,
    ):
        if not float(temperature) > 0:
            raise ValueError(f"InfoNCE: temperature must be > 0, got {temperature!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = float(temperature)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) != 2:
            raise ValueError(
                "InfoNCE: y_pred must be similarities [batch, candidates], "
                f"got shape {y_pred.shape}"
            )
        return info_nce(y_true, y_pred, self.temperature)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
