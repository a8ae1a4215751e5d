"""Rotation prediction (Gidaris, Singh & Komodakis, "Unsupervised Representation
Learning by Predicting Image Rotations", ICLR 2018).

A 4-way classifier over the quarter turns made by `tfxlearn.pretext.rotation`;
the encoder learns object shape and orientation cues. Serving signature:
`images` (float32 [batch, H, W, C] in [0, 1]) -> `embedding`, `logits`
(the 4 rotation logits).
"""

from __future__ import annotations

import keras

from tfxlearn.paradigms.base_classifier import GeneratedLabelClassifier
from tfxlearn.pretext.rotation import NUM_ROTATIONS
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("rotation")
@keras.saving.register_keras_serializable(package="tfxlearn")
class Rotation(GeneratedLabelClassifier):
    """Predicts which of 4 rotations (0, 90, 180, 270 degrees) an image underwent.

    Args:
        encoder: a Keras model mapping images to a feature vector.
        head: a model mapping features to 4 logits; linear if omitted.
    """

    pretext = "rotation"
    derived_arguments = ("num_classes",)
    mixed_precision = True

    def __init__(self, encoder: keras.Model, head: keras.Model | None = None, **kwargs):
        super().__init__(encoder=encoder, num_classes=NUM_ROTATIONS, head=head, **kwargs)
