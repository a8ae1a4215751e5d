"""Relative patch location (Doersch, Gupta & Efros, "Unsupervised Visual
Representation Learning by Context Prediction", ICCV 2015).

A siamese network: one shared encoder embeds the centre patch and a neighbour
patch made by `tfxlearn.pretext.relative_patch_location`, the two feature
vectors are concatenated (centre first) and an MLP head predicts which of the 8
grid positions the neighbour came from (the paper's "late fusion"
architecture). Recognising that a patch shows, say, the left sleeve of a shirt
relative to its chest needs object parts, which is what the encoder learns.

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1], whole images)
-> `embedding`: the shared encoder's features, e.g. for a linear probe.
"""

from __future__ import annotations

import keras

from tfxlearn.paradigms.base_classifier import PatchSetClassifier
from tfxlearn.pretext.relative_patch_location import NUM_POSITIONS
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("relative_patch_location")
@keras.saving.register_keras_serializable(package="tfxlearn")
class RelativePatchLocation(PatchSetClassifier):
    """Predicts the position (8 classes) of a neighbour patch relative to the centre.

    Args:
        encoder: the shared patch encoder, a Keras model mapping [n, h, w, C]
            patches to features; `conv_encoder(input_shape=(None, None, C))`
            also encodes whole images.
        hidden: width of the fused head's hidden layer (0: linear head).
        head: a model mapping the concatenated [batch, 2 * features] to 8
            logits; an MLP with `hidden` units if omitted.

    Inputs of `call`: float [batch, 2, patch, patch, C], the centre patch first.
    """

    pretext = "relative_patch_location"
    derived_arguments = ("num_classes", "num_patches")

    def __init__(
        self,
        encoder: keras.Model,
        hidden: int = 256,
        head: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(
            encoder=encoder,
            num_patches=2,
            num_classes=NUM_POSITIONS,
            hidden=hidden,
            head=head,
            **kwargs,
        )
