"""The semantic-consistency loss of CyCADA (Hoffman, Tzeng, Park, Zhu, Isola,
Saenko, Efros & Darrell, "CyCADA: Cycle-Consistent Adversarial Domain
Adaptation", ICML 2018, eq. 4): a translation should keep what a fixed
classifier f sees in an image. The classifier's own label of the original image,
p(f, x) = argmax_k f(x)_k, is the target of a cross-entropy on its logits of the
translation G(x):

    L_sem(G, f, x) = - log softmax(f(G(x)))_{argmax_k f(x)_k}

per image (the paper sums it over the source images translated to the target,
with f = f_S, and over the target images translated back, with f_S as the
stand-in for the unknown target classifier). `semantic_consistency_values(
reference_logits, translated_logits)` is that term per image, from f's logits of
the originals and of their translations.

The argmax carries no gradient: only the translation is pushed towards the
original's class, never the original towards anything. The loss is the
cross-entropy of the translation's prediction against a one-hot label, so it is
0 exactly when f puts all its mass on the original's label for the translation
(a translation that keeps a decisive classifier's labels), log K for a
translation f finds uniform over K classes, and large when the translation
changes the label.
"""

from __future__ import annotations

import tensorflow as tf


def semantic_consistency_values(
    reference_logits: tf.Tensor, translated_logits: tf.Tensor
) -> tf.Tensor:
    """Per-image -log softmax(translated_logits)[argmax reference_logits].

    Args:
        reference_logits: [batch, K] the classifier's logits of the original images.
        translated_logits: [batch, K] its logits of their translations, row by row.

    Returns:
        float [batch].

    Raises:
        ValueError: the two are not [batch, K] logits of one shape.
    """
    reference = tf.cast(tf.convert_to_tensor(reference_logits), tf.float32)
    translated = tf.cast(tf.convert_to_tensor(translated_logits), tf.float32)
    if reference.shape.rank != 2 or not reference.shape.is_compatible_with(translated.shape):
        raise ValueError(
            "reference_logits and translated_logits must be logits [batch, K] of one shape, "
            f"got {reference.shape} and {translated.shape}"
        )
    labels = tf.stop_gradient(tf.argmax(reference, axis=-1, output_type=tf.int32))
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=translated)
