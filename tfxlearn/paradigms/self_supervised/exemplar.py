"""Exemplar networks (Dosovitskiy, Springenberg, Riedmiller & Brox,
"Discriminative Unsupervised Feature Learning with Convolutional Neural
Networks", NIPS 2014).

An N-way classifier over surrogate classes, each class the set of heavily
augmented views of one seed image (`tfxlearn.pretext.exemplar`): the encoder
learns features invariant to the augmentations yet discriminative between
images. Serving signature: `images` (float32 [batch, H, W, C] in [0, 1]) ->
`embedding`, `logits` (the `num_classes` surrogate-class logits).
"""

from __future__ import annotations

import keras

from tfxlearn.paradigms.base_classifier import GeneratedLabelClassifier
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("exemplar")
@keras.saving.register_keras_serializable(package="tfxlearn")
class Exemplar(GeneratedLabelClassifier):
    """Predicts which seed image (surrogate class) an augmented view comes from.

    Args:
        encoder: a Keras model mapping images to a feature vector.
        num_classes: number of surrogate classes (seed images); must equal the
            pretext op's `num_classes`.
        head: a model mapping features to `num_classes` logits; linear if omitted.
    """

    pretext = "exemplar"

    def __init__(
        self,
        encoder: keras.Model,
        num_classes: int,
        head: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(encoder=encoder, num_classes=num_classes, head=head, **kwargs)
