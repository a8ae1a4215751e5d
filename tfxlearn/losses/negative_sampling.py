"""Negative sampling, the loss of skip-gram and CBOW word2vec (Mikolov, Sutskever,
Chen, Corrado & Dean, "Distributed Representations of Words and Phrases and their
Compositionality", NIPS 2013, eq. 4):

    L = -log sigma(s+) - sum_{j=1..k} log sigma(-s_j)
      = softplus(-s+) + sum_j softplus(s_j)

for one (input word, true context word) pair with score s+ = v_in . v'_out and
the scores s_j of its k noise words drawn from the unigram^0.75 distribution: a
logistic regression telling the true context from the noise. (softplus(x) =
log(1 + e^x) = -log sigma(-x), computed stably.)
"""

from __future__ import annotations

import keras


def negative_sampling(y_true, y_pred):
    """Per-pair negative-sampling loss.

    Args:
        y_true: ignored (the layout says which score is the positive); may be None.
        y_pred: float [batch, 1 + k], column 0 the score of the true context
            word, columns 1..k the scores of the noise words.

    Returns:
        float [batch], softplus(-y_pred[:, 0]) + sum_j softplus(y_pred[:, j]).
    """
    del y_true
    positive, noise = y_pred[:, 0], y_pred[:, 1:]
    return keras.ops.softplus(-positive) + keras.ops.sum(keras.ops.softplus(noise), axis=-1)


@keras.saving.register_keras_serializable(package="tfxlearn")
class NegativeSampling(keras.losses.Loss):
    """Negative sampling over scores `y_pred` [batch, 1 + k] (positive first);
    `y_true` is not read (pass zeros [batch]). The default reduction, the mean
    over the batch, is what Keras scales under a tf.distribute strategy."""

    def __init__(
        self, reduction: str = "sum_over_batch_size", name: str = "negative_sampling", dtype=None
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) != 2 or (y_pred.shape[1] is not None and y_pred.shape[1] < 2):
            raise ValueError(
                "NegativeSampling: y_pred must be scores [batch, 1 + k] with k >= 1 noise "
                f"words, got shape {y_pred.shape}"
            )
        return negative_sampling(y_true, y_pred)
