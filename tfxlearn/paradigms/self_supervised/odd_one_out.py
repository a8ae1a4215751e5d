"""Odd-One-Out networks, O3N (Fernando, Bilen, Gavves & Gould, "Self-Supervised
Video Representation Learning With Odd-One-Out Networks", CVPR 2017).

A question made by `tfxlearn.pretext.odd_one_out` holds N subsequences of M
frames, one of them shuffled; the network answers with the position of the odd
one (an N-way softmax). As in the paper, N branches with shared weights each
encode one subsequence, and a fusion layer combines the N branch features:

- subsequence encoding, a "stack of differences": the paper stacks the
  differences of consecutive frames and feeds them to the CNN. Here the shared
  *frame* encoder embeds every frame and the differences are taken between
  consecutive frame features, stacked (concatenated) in order
  [f(x2) - f(x1), ..., f(xM) - f(xM-1)] and passed through a shared branch
  layer. Differences in feature space keep what the paper's encoding is for
  (the branch sees how the content changes from frame to frame, not one
  frame's appearance) while the encoder stays a frame encoder - the one the
  evaluation protocols probe, on raw frames, as for the other temporal-order
  paradigms;
- fusion: the N branch features are concatenated in subsequence order and a
  linear layer gives the N logits.

Evaluation: `evaluation_encoder` wraps the frame encoder as a clip encoder
(`tfxlearn.nets.clip_encoder`).

Serving signature: `images` (float32 frames [batch, H, W, C] in [0, 1]) ->
`embedding`: the frame encoder's features.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets.video import FrameEncoderClips, encode_frames
from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_classifier import EncoderFeaturesServing, GeneratedLabelClassifier
from tfxlearn.pretext.odd_one_out import check_sizes
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("odd_one_out")
@keras.saving.register_keras_serializable(package="tfxlearn")
class OddOneOut(FrameEncoderClips, EncoderFeaturesServing, GeneratedLabelClassifier):
    """Finds the shuffled subsequence among N.

    Args:
        encoder: the shared frame encoder, frames [n, H, W, C] -> features.
        num_subsequences: N (must match the pretext op), the number of classes.
        subsequence_length: M frames per subsequence (must match the op).
        hidden: width of the shared branch layer (ReLU) on each subsequence's
            stack of feature differences.
        branch: a model mapping [..., (M - 1) * features] to branch features;
            Dense(hidden, relu) if omitted.
        head: a model mapping the N concatenated branch features to N logits;
            linear if omitted.

    Inputs of `call`: float [batch, N, M, H, W, C].
    """

    pretext = "odd_one_out"
    sub_models = (*GeneratedLabelClassifier.sub_models, "branch")
    derived_arguments = ("num_classes",)

    def __init__(
        self,
        encoder: keras.Model,
        num_subsequences: int = 6,
        subsequence_length: int = 4,
        hidden: int = 256,
        branch: keras.Model | None = None,
        head: keras.Model | None = None,
        **kwargs,
    ):
        check_sizes(num_subsequences, subsequence_length, None)
        if int(hidden) < 1:
            raise ValueError(f"hidden must be >= 1, got {hidden!r}")
        super().__init__(encoder=encoder, num_classes=int(num_subsequences), head=head, **kwargs)
        self.num_subsequences = int(num_subsequences)
        self.subsequence_length = int(subsequence_length)
        self.hidden = int(hidden)
        self.branch = (
            branch
            if branch is not None
            else keras.Sequential(
                [keras.layers.Dense(self.hidden, activation="relu", name="branch_dense")],
                name="branch",
            )
        )

    def check_questions(self, frames, argument: str = "frames") -> None:
        """Clear ValueErrors unless `frames` is [batch, N, M, H, W, C] for this model."""
        shape = tuple(frames.shape)
        n, m = self.num_subsequences, self.subsequence_length
        if len(shape) != 6:
            raise ValueError(
                f"OddOneOut takes {argument} of rank 6 [batch, {n} (subsequences), {m} "
                f"(frames), height, width, {self.image_shape[-1]}], got shape {shape}"
            )
        for axis, (name, want) in enumerate((("subsequence", n), ("frame", m)), start=1):
            if shape[axis] is not None and shape[axis] != want:
                raise ValueError(
                    f"OddOneOut: {argument} {name} count must be {want} (axis {axis}), "
                    f"got shape {shape}"
                )
        check_images(frames[:, 0, 0], self.image_shape, argument)

    def call(self, frames, training=False):
        self.check_questions(frames)
        features = encode_frames(self.encoder, frames, training=training)  # [B, N, M, D]
        differences = features[:, :, 1:] - features[:, :, :-1]  # [B, N, M - 1, D]
        stacked = tf.reshape(
            differences,
            [-1, self.num_subsequences, (self.subsequence_length - 1) * features.shape[-1]],
        )
        branches = self.branch(stacked, training=training)  # [B, N, hidden]
        fused = tf.reshape(branches, [-1, self.num_subsequences * branches.shape[-1]])
        return self.head(fused, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "num_subsequences": self.num_subsequences,
            "subsequence_length": self.subsequence_length,
            "hidden": self.hidden,
        }
