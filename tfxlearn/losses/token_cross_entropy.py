"""Token cross-entropy with ignored positions: the loss of language models
(next-token prediction, Bengio, Ducharme, Vincent & Jauvin, "A Neural
Probabilistic Language Model", JMLR 2003; masked-token prediction, Devlin et
al., "BERT", NAACL 2019) on padded batches of sequences:

    L = (1 / |T|) sum_{(i, t) in T} -log softmax(z_{i,t})[y_{i,t}],
    T = {(i, t) : y_{i,t} >= 0}

over the positions whose target id y is not `IGNORE` (-1: padding, or an
unmasked token of a masked LM), z the logits. The mean is over target tokens,
not over rows or padded positions, so a padded position changes nothing and a
batch of long sequences weighs as many tokens as it holds.

Under a tf.distribute strategy the replicas hold different numbers of target
tokens; `TokenCrossEntropy` returns each replica's share of the GLOBAL token
mean (sum of its token losses / all-reduced token count,
`tfxlearn.distribute.subset_mean`), so the shares sum to the one-device loss
and the gradients summed by the optimizer are the one-device gradients.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.distribute import subset_mean

#: Target id of a position that is not scored.
IGNORE = -1


def token_cross_entropy(targets, logits):
    """Per-position cross-entropy, 0 at ignored positions.

    Args:
        targets: int [..., length], class ids in [0, classes) or `IGNORE` (< 0).
        logits: float [..., length, classes].

    Returns:
        float [..., length], -log softmax(logits)[target] (0 where target < 0).
    """
    targets = tf.convert_to_tensor(targets)
    logits = tf.convert_to_tensor(logits)
    scored = targets >= 0
    values = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.where(scored, tf.cast(targets, tf.int32), 0), logits=logits
    )
    return tf.where(scored, values, tf.zeros_like(values))


@keras.saving.register_keras_serializable(package="tfxlearn")
class TokenCrossEntropy(keras.losses.Loss):
    """The mean cross-entropy over the target tokens of the global batch (this
    replica's share; see the module doc). `y_true`: int target ids with
    `IGNORE` (-1) at unscored positions; `y_pred`: logits [..., classes].

    The reduction is done here (the global token count is not a per-replica
    quantity Keras could divide by), so `reduction` is fixed to "sum" of the
    already-normalized shares.
    """

    def __init__(self, name: str = "token_cross_entropy", dtype=None):
        super().__init__(name=name, reduction="sum", dtype=dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("TokenCrossEntropy takes no sample_weight: mark positions with -1")
        return self.call(y_true, y_pred)

    def call(self, y_true, y_pred):
        y_true = tf.convert_to_tensor(y_true)
        if not y_true.dtype.is_integer or len(y_pred.shape) != len(y_true.shape) + 1:
            raise ValueError(
                "TokenCrossEntropy: y_true must be integer ids [..., length] and y_pred "
                f"logits [..., length, classes], got {y_true.dtype.name} {y_true.shape} and "
                f"{y_pred.shape}"
            )
        return subset_mean(token_cross_entropy(y_true, y_pred), y_true >= 0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
