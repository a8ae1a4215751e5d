"""Shuffle and Learn (Misra, Zitnick & Hebert, "Shuffle and Learn: Unsupervised
Learning using Temporal Order Verification", ECCV 2016).

A triplet siamese network: one shared frame encoder embeds each of the three
frames of a tuple made by `tfxlearn.pretext.shuffle_and_learn`, the three
feature vectors are concatenated in slot order and an MLP head says whether
the tuple is in temporal order (label 1) or its middle frame comes from
outside the interval of the outer two (label 0). Telling them apart needs to
know where the moving object is in each frame, which the frame encoder must
learn to represent.

Evaluation: `evaluation_encoder` wraps the frame encoder as a clip encoder
(`tfxlearn.nets.clip_encoder`: the features of evenly spaced frames,
concatenated in time order), so frozen-feature probes see appearance and motion.

Serving signature: `images` (float32 frames [batch, H, W, C] in [0, 1]) ->
`embedding`: the frame encoder's features.
"""

from __future__ import annotations

import keras

from tfxlearn.nets.video import FrameEncoderClips
from tfxlearn.paradigms.base_classifier import PatchSetClassifier
from tfxlearn.pretext.shuffle_and_learn import TUPLE_FRAMES
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("shuffle_and_learn")
@keras.saving.register_keras_serializable(package="tfxlearn")
class ShuffleAndLearn(FrameEncoderClips, PatchSetClassifier):
    """Binary temporal-order verification of 3-frame tuples.

    Args:
        encoder: the shared frame encoder, a Keras model mapping frames
            [n, H, W, C] to features.
        hidden: width of the head's hidden layer (the paper's fc8 on the
            concatenated fc7 features; 0: a linear head).
        head: a model mapping [batch, 3 * features] to 2 logits; an MLP with
            `hidden` units if omitted.

    Inputs of `call`: float [batch, 3, H, W, C], the tuple's frames in slot order.
    """

    pretext = "shuffle_and_learn"
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
            num_patches=TUPLE_FRAMES,
            num_classes=2,
            hidden=hidden,
            head=head,
            **kwargs,
        )
