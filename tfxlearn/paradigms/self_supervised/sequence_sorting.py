"""Sequence sorting with the Order Prediction Network (Lee, Huang, Singh & Yang,
"Unsupervised Representation Learning by Sorting Sequences", ICCV 2017).

One shared frame encoder embeds each of the four shuffled frames made by
`tfxlearn.pretext.sequence_sorting`; every pair of frames (i < j, 6 pairs) is
concatenated and passed through a shared pairwise layer (the paper's fc7 on
pairs of fc6 features), the 6 pair features are concatenated and a linear
layer predicts which of the 12 shuffle classes (a permutation and its time
reversal share a class) was applied.

Evaluation: `evaluation_encoder` wraps the frame encoder as a clip encoder
(`tfxlearn.nets.clip_encoder`).

Serving signature: `images` (float32 frames [batch, H, W, C] in [0, 1]) ->
`embedding`: the frame encoder's features.
"""

from __future__ import annotations

import itertools

import keras
import tensorflow as tf

from tfxlearn.nets.video import FrameEncoderClips, encode_frames
from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_classifier import EncoderFeaturesServing, GeneratedLabelClassifier
from tfxlearn.pretext.sequence_sorting import NUM_CLASSES, SORT_FRAMES
from tfxlearn.registry import PARADIGMS

PAIRS = tuple(itertools.combinations(range(SORT_FRAMES), 2))


def check_frame_sets(model, frames, count: int, argument: str = "frames") -> None:
    """Clear ValueErrors unless `frames` is [batch, count, H, W, C] matching the encoder."""
    shape = tuple(frames.shape)
    channels = model.image_shape[-1]
    if len(shape) != 5:
        raise ValueError(
            f"{type(model).__name__} takes {argument} of rank 5 [batch, {count} (frames), "
            f"height, width, {channels}], got shape {shape}"
        )
    if shape[1] is not None and shape[1] != count:
        raise ValueError(
            f"{type(model).__name__}: {argument} frame count must be {count} (axis 1), "
            f"got shape {shape}"
        )
    check_images(frames[:, 0], model.image_shape, argument)


@PARADIGMS.register("sequence_sorting")
@keras.saving.register_keras_serializable(package="tfxlearn")
class SequenceSorting(FrameEncoderClips, EncoderFeaturesServing, GeneratedLabelClassifier):
    """Predicts the shuffle class (12) of four frames with pairwise feature fusion.

    Args:
        encoder: the shared frame encoder, frames [n, H, W, C] -> features.
        hidden: width of the shared pairwise layer (ReLU).
        pair: a model mapping concatenated pair features [..., 2 * features] to
            pair features; a Dense(hidden, relu) layer if omitted.
        head: a model mapping the 6 concatenated pair features to 12 logits;
            linear if omitted.

    Inputs of `call`: float [batch, 4, H, W, C], frames in slot order.
    """

    pretext = "sequence_sorting"
    sub_models = (*GeneratedLabelClassifier.sub_models, "pair")
    derived_arguments = ("num_classes",)

    def __init__(
        self,
        encoder: keras.Model,
        hidden: int = 256,
        pair: keras.Model | None = None,
        head: keras.Model | None = None,
        **kwargs,
    ):
        if int(hidden) < 1:
            raise ValueError(f"hidden must be >= 1, got {hidden!r}")
        super().__init__(encoder=encoder, num_classes=NUM_CLASSES, head=head, **kwargs)
        self.hidden = int(hidden)
        self.pair = (
            pair
            if pair is not None
            else keras.Sequential(
                [keras.layers.Dense(self.hidden, activation="relu", name="pair_dense")],
                name="pair",
            )
        )

    def call(self, frames, training=False):
        check_frame_sets(self, frames, SORT_FRAMES)
        features = encode_frames(self.encoder, frames, training=training)  # [B, 4, D]
        pairs = tf.stack(
            [tf.concat([features[:, i], features[:, j]], axis=-1) for i, j in PAIRS], axis=1
        )  # [B, 6, 2D]
        fused = self.pair(pairs, training=training)  # [B, 6, hidden]
        flat = tf.reshape(fused, [-1, len(PAIRS) * fused.shape[-1]])
        return self.head(flat, training=training)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}
