"""Helpers shared by the clip (video) pretext ops: validation and frame utilities.

Clips arrive from ExampleGen as batches [batch, T, H, W, C] (uint8 or float)
under the element's "image" key (a dict from TFDS), or as the first entry of a
tuple, or as a bare tensor (see `tfxlearn.pretext.common.images_of`).
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.pretext.common import images_of


def clips_of(element, clip_key: str = "image") -> tf.Tensor:
    """The clips of a dataset element (dict, tuple with clips first, or tensor)."""
    return images_of(element, clip_key)


def require_clip_batch(spec: tf.TensorSpec, op: str, min_frames: int = 1, argument: str = "ds"):
    """Raises a clear ValueError unless `spec` describes clip batches
    [batch, T, H, W, C] with at least `min_frames` frames (when T is known)."""
    rank = spec.shape.rank
    if rank == 4:
        raise ValueError(
            f"{op}: {argument} yields tensors of shape {spec.shape}: single clips "
            f"[T, H, W, C] or image batches; clip pretext ops are vectorized and expect "
            f"batches of clips [batch, T, H, W, C] - call {argument}.batch(n) on a clip dataset"
        )
    if rank != 5:
        raise ValueError(
            f"{op}: {argument} must yield clip batches of rank 5 [batch, frames, height, "
            f"width, channels], got shape {spec.shape}"
        )
    if not (spec.dtype.is_floating or spec.dtype.is_integer):
        raise ValueError(f"{op}: clips must be numeric, got dtype {spec.dtype.name}")
    frames = spec.shape[1]
    if frames is not None and frames < min_frames:
        raise ValueError(
            f"{op}: clips have {frames} frames, fewer than the {min_frames} this op needs "
            f"(shape {spec.shape})"
        )


def clip_batches_spec(ds, op: str, min_frames: int = 1, clip_key: str = "image") -> tf.TensorSpec:
    """The clip spec of a clip pretext op's input, after checking that `ds` is a
    tf.data.Dataset of clip batches with at least `min_frames` frames."""
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{op}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = clips_of(ds.element_spec, clip_key)
    require_clip_batch(spec, op, min_frames)
    return spec


def to_float_clips(clips: tf.Tensor) -> tf.Tensor:
    """uint8 clips in [0, 255] -> float32 in [0, 1]; float clips pass through as float32."""
    if clips.dtype == tf.uint8:
        return tf.cast(clips, tf.float32) / 255.0
    return tf.cast(clips, tf.float32)


def frame_differences(clips: tf.Tensor) -> tf.Tensor:
    """[batch, T, H, W, C] -> [batch, T - 1, H, W, C]: frame t+1 minus frame t (float)."""
    clips = to_float_clips(clips)
    return clips[:, 1:] - clips[:, :-1]


def motion_energy(clips: tf.Tensor) -> tf.Tensor:
    """[batch, T, ...] -> [batch, T - 1]: mean absolute difference between consecutive
    frames (a cheap stand-in for optical-flow magnitude, to find high-motion windows)."""
    diffs = tf.abs(frame_differences(clips))
    return tf.reduce_mean(tf.reshape(diffs, tf.concat([tf.shape(diffs)[:2], [-1]], 0)), -1)
