"""Shared parts of the frame-prediction paradigms (composite_lstm,
next_frame_prediction): clips of `context` frames in, the following `future`
frames out (`tfxlearn.pretext.frame_prediction`).

`FramePredictor` gives them their common hooks: the `clips` serving input, the
checked clip input of their evaluation encoders and the pipeline's figure of
predicted frames (`frame_prediction_png`).
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.nets.video import TakeFrames
from tfxlearn.paradigms.base import check_images


def check_clips(clips: tf.Tensor, frame_shape: tuple, argument: str = "clips") -> None:
    """Clear errors for inputs that are not [batch, T, H, W, C] of `frame_shape` frames."""
    shape = tuple(clips.shape)
    if len(shape) != 5:
        raise ValueError(
            f"{argument} must be a batch of clips of rank 5 [batch, frames, "
            f"{', '.join(map(str, frame_shape))}], got shape {shape}"
        )
    check_images(clips, (None, *frame_shape), argument)


def float_clips(clips) -> np.ndarray:
    """Clips as float32 NumPy in [0, 1] (uint8 clips are divided by 255)."""
    clips = np.asarray(clips)
    if clips.dtype == np.uint8:
        return clips.astype(np.float32) / 255.0
    return clips.astype(np.float32)


def frame_prediction_png(model, clips, plot_dir: str, count: int = 4) -> str:
    """`viz.frame_prediction_strip` of `model.predict_frames` on the first `count`
    clips [n, T, H, W, C]: context = the model's first `context` frames, the
    truth = the next `min(future, T - context)` frames."""
    from tfxlearn import viz  # plotting only when asked

    clips = float_clips(np.asarray(clips)[: int(count)])
    if clips.ndim != 5 or clips.shape[1] <= model.context:
        raise ValueError(
            f"clips must be [n, T, H, W, C] with T > context={model.context}, got {clips.shape}"
        )
    context = clips[:, : model.context]
    truth = clips[:, model.context : model.context + model.future]
    predicted = model.predict_frames(context, truth.shape[1])
    return viz.frame_prediction_strip(
        context,
        truth,
        os.path.join(plot_dir, "frame_prediction.png"),
        predicted=predicted,
        title=f"{type(model).__name__}: context | true (top) vs predicted (bottom) future",
    )


class FramePredictor:
    """Mixin of a paradigm predicting frames: it has `context`, `future`,
    `image_shape` (per frame, (H, W, C)) and `predict_frames(clips, future)`."""

    def context_input(self, input_shape: tuple) -> tuple:
        """(clips input, its first `context` frames) for a functional evaluation encoder
        of clips of per-example shape `input_shape` (T >= context, H, W, C)."""
        input_shape = tuple(input_shape)
        if len(input_shape) != 4 or tuple(input_shape[1:]) != self.image_shape:
            raise ValueError(
                f"input_shape must be clips (frames, {', '.join(map(str, self.image_shape))}), "
                f"got {input_shape}"
            )
        if input_shape[0] is None or int(input_shape[0]) < self.context:
            raise ValueError(
                f"input_shape has {input_shape[0]} frames, fewer than context={self.context}"
            )
        clips = keras.Input(input_shape, name="clips")
        return clips, TakeFrames(range(self.context), name="context_frames")(clips)

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's paradigm figure: context | true vs predicted future frames
        of the first test clips (`images`: clips [n, T, H, W, C] in [0, 1])."""
        del labels, class_names
        return {"frame_prediction": frame_prediction_png(self, images, plot_dir)}

    def serving_input_specs(self):
        shape = (None, self.context, *self.image_shape)
        return {"clips": tf.TensorSpec(shape, tf.float32, name="clips")}
