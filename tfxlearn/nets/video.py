"""Video building blocks: layers that select and stack the frames of a clip, frame
encoding of frame sets, and clip-level models built from a frame encoder (for
evaluating video paradigms)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def sampled_frame_indices(frames: int, sample_frames: int) -> list[int]:
    """`sample_frames` evenly spaced frame indices of a `frames`-frame clip,
    first and last included, in time order."""
    if isinstance(frames, bool) or int(frames) < 1:
        raise ValueError(f"frames must be a positive int, got {frames!r}")
    if isinstance(sample_frames, bool) or not 1 <= int(sample_frames) <= int(frames):
        raise ValueError(f"sample_frames must be in [1, frames={frames}], got {sample_frames!r}")
    if int(sample_frames) == 1:
        return [0]
    return [int(i) for i in np.round(np.linspace(0, int(frames) - 1, int(sample_frames)))]


@keras.saving.register_keras_serializable(package="tfxlearn")
class TakeFrames(keras.layers.Layer):
    """Selects frames `indices` (axis 1) of a clip batch [batch, T, ...]."""

    def __init__(self, indices, **kwargs):
        super().__init__(**kwargs)
        self.indices = [int(i) for i in indices]

    def call(self, clips):
        return keras.ops.take(clips, self.indices, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.indices), *input_shape[2:])

    def get_config(self):
        return {**super().get_config(), "indices": self.indices}


@keras.saving.register_keras_serializable(package="tfxlearn")
class StackFrames(keras.layers.Layer):
    """Clips [batch, T, H, W, C] -> frames stacked along channels [batch, H, W, T * C]
    (frame t occupies channels t * C ... t * C + C - 1): the early fusion of
    SyncNet and of the next-frame predictors."""

    def call(self, clips):
        shape = keras.ops.shape(clips)
        moved = keras.ops.transpose(clips, (0, 2, 3, 1, 4))
        return keras.ops.reshape(moved, (-1, shape[2], shape[3], shape[1] * shape[4]))

    def compute_output_shape(self, input_shape):
        b, t, h, w, c = input_shape
        return (b, h, w, None if t is None or c is None else t * c)


def unstack_frames(stacked: tf.Tensor, frames: int) -> tf.Tensor:
    """The inverse of `StackFrames`: [batch, H, W, frames * C] -> [batch, frames, H, W, C]."""
    shape = tf.shape(stacked)
    channels = stacked.shape[-1] // frames
    split = tf.reshape(stacked, [shape[0], shape[1], shape[2], frames, channels])
    return tf.transpose(split, [0, 3, 1, 2, 4])


def encode_frames(encoder: keras.Model, frames: tf.Tensor, training=False) -> tf.Tensor:
    """[batch, *slots, H, W, C] -> [batch, *slots, features]: all frames through
    the encoder as one batch (batch norm sees every slot together)."""
    shape = tf.shape(frames)
    slots = frames.shape.rank - 4
    features = encoder(tf.reshape(frames, tf.concat([[-1], shape[-3:]], 0)), training=training)
    return tf.reshape(features, tf.concat([shape[: 1 + slots], [features.shape[-1]]], 0))


def clip_encoder(
    frame_encoder: keras.Model, frames: int, sample_frames: int = 4, name: str = "clip_encoder"
) -> keras.Model:
    """Clip features from a frame encoder: the features of `sample_frames`
    evenly spaced frames (first and last included), concatenated in time order.

    Concatenating (rather than averaging) keeps the order of the frames, so a
    linear probe can read motion (e.g. the direction a digit moves) from how a
    frame encoder's features change over the clip, as well as appearance.

    Args:
        frame_encoder: a Keras model mapping frames [batch, H, W, C] to features.
        frames: frames per clip (the model takes [batch, frames, H, W, C]).
        sample_frames: frames encoded per clip.
        name: the Keras model name.

    Returns:
        A functional model [batch, frames, H, W, C] -> [batch, sample_frames * D].
    """
    if not isinstance(frame_encoder, keras.Model):
        raise TypeError(f"frame_encoder must be a keras.Model, got {type(frame_encoder).__name__}")
    indices = sampled_frame_indices(frames, sample_frames)
    frame_shape = tuple(frame_encoder.input_shape[1:])
    if len(frame_shape) != 3:
        raise ValueError(
            f"frame_encoder must take frames [batch, H, W, C], got input shape "
            f"{frame_encoder.input_shape}"
        )
    clips = keras.Input((int(frames), *frame_shape), name="clips")
    taken = TakeFrames(indices, name="take_frames")(clips)
    features = keras.layers.TimeDistributed(frame_encoder, name="frame_features")(taken)
    flat = keras.layers.Flatten(name="clip_features")(features)
    return keras.Model(clips, flat, name=name)


class FrameEncoderClips:
    """Mixin for a model with a shared frame encoder `self.encoder`: frozen-feature
    evaluation sees whole clips. Paradigms combine it with
    `paradigms.base_classifier.EncoderFeaturesServing`, so serving gives the
    features of single frames."""

    def evaluation_encoder(self, input_shape: tuple, **options) -> keras.Model:
        """The frame encoder applied to evenly spaced frames of a clip
        [frames, H, W, C], features concatenated in time order (options: those of
        `clip_encoder`, e.g. `sample_frames`)."""
        return clip_encoder(self.encoder, frames=input_shape[0], **options)
