"""Temporal-order verification tuples (Misra, Zitnick & Hebert, "Shuffle and Learn:
Unsupervised Learning using Temporal Order Verification", ECCV 2016).

From each clip a window of `window` consecutive frames is chosen among its
high-motion windows, and five distinct frames a < b < c < d < e are drawn
from it (the paper's sampling). Each clip gives two tuples of three frames,
interleaved per clip (clip i -> examples 2i and 2i + 1):

- positive, label 1: (b, c, d) - the middle frame lies between the outer ones
  in time, the order is kept;
- negative, label 0: (b, a, d) or (b, e, d) (one of the two at random) - the
  same outer frames with the middle frame taken from OUTSIDE the interval
  (b, d).

Conventions. `shuffle_and_learn_indices` returns the clip frame index of every
slot, `indices[n] = (first, middle, last)`, with first < last always; the label
is 1 exactly when first < middle < last.

Shortcuts guarded against:
- Ambiguous orders from low motion. Where a sprite barely moves (or, in
  moving_digits, turns back at a wall bounce, where frames after the bounce
  retrace the ones before it) two frames look alike and the middle frame's
  place in time cannot be read from the pixels; the paper samples tuples only
  from high-motion windows (optical-flow magnitude). Here each clip's window
  is drawn uniformly among the windows whose motion energy
  (`tfxlearn.pretext.clips.motion_energy`, the mean absolute frame difference,
  a cheap stand-in for flow magnitude) is at least `min_motion` times the
  clip's most moving window (`min_motion=0` samples any window).
- Cues other than the middle frame. A clip's positive and negative share their
  outer frames (b, d), and every frame is a whole, untouched frame of the same
  clip, so only where the middle frame sits in time tells the labels apart.
- Batch-statistics leaks. Every clip gives one positive and one negative,
  interleaved, so each batch (and each replica's half of it) is exactly
  balanced and batch-norm statistics cannot tell the classes apart.
The paper's per-frame colour/brightness jitter is not applied: the synthetic
moving_digits frames all have the same brightness and contrast (white sprites
on black, no lighting change or camera exposure drift), so low-level frame
statistics carry no order information to remove.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.pretext.clips import (
    clip_batches_spec,
    clips_of,
    motion_energy,
    require_clip_batch,
    to_float_clips,
)
from tfxlearn.pretext.common import map_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

TUPLE_FRAMES = 3  # frames per tuple
SAMPLED_FRAMES = 5  # a < b < c < d < e drawn per clip
LABEL_NAMES = ("shuffled", "in order")


def check_window(window, min_motion, frames: int | None, op: str, needed: int) -> None:
    """ValueErrors naming the argument unless `window` frames (>= `needed`) fit the
    clips and `min_motion` is in [0, 1]."""
    if isinstance(window, bool) or not isinstance(window, int) or window < needed:
        raise ValueError(
            f"{op}: window must be an int >= {needed} (the frames drawn per clip), got {window!r}"
        )
    if frames is not None and window > frames:
        raise ValueError(
            f"{op}: window {window} is longer than the clips ({frames} frames); clips "
            f"shorter than the window cannot give a tuple - use window <= {frames}"
        )
    if isinstance(min_motion, bool) or not isinstance(min_motion, (int, float)):
        raise ValueError(f"{op}: min_motion must be a number in [0, 1], got {min_motion!r}")
    if not 0.0 <= float(min_motion) <= 1.0:
        raise ValueError(f"{op}: min_motion must be in [0, 1], got {min_motion!r}")


def check_clips(clips: tf.Tensor, op: str, min_frames: int) -> tf.Tensor:
    """`clips` as a tensor, after checking it is a batch [batch, T, H, W, C] with
    T >= `min_frames` (ValueError otherwise)."""
    clips = tf.convert_to_tensor(clips)
    require_clip_batch(tf.TensorSpec(clips.shape, clips.dtype), op, min_frames, "clips")
    return clips


def high_motion_window_starts(
    clips: tf.Tensor, seed: tf.Tensor, window: int, min_motion: float = 0.9
) -> tf.Tensor:
    """First frame of one high-motion window of `window` frames per clip.

    A window starting at s covers frames s .. s + window - 1 and its motion is
    the summed `motion_energy` of its window - 1 frame steps. Each clip's start
    is drawn uniformly (stateless, from `seed`) among the windows whose motion
    is >= `min_motion` x the clip's largest window motion (the largest one
    always qualifies, so a static clip falls back to any window).

    Args:
        clips: [batch, T, H, W, C], T >= window.
        seed: shape [2] integer seed.
        window: frames per window.
        min_motion: relative motion threshold in [0, 1].

    Returns:
        int32 [batch] window starts in [0, T - window].
    """
    energy = motion_energy(clips)  # [B, T - 1]
    steps = window - 1
    cumulative = tf.pad(tf.cumsum(energy, axis=1), [[0, 0], [1, 0]])  # [B, T]
    motion = cumulative[:, steps:] - cumulative[:, :-steps]
    # motion: [B, T - window + 1]; a tolerance keeps exact ties (constant motion) eligible.
    best = tf.reduce_max(motion, axis=1, keepdims=True)
    eligible = motion >= float(min_motion) * best - 1e-6 * (1.0 + best)
    logits = tf.where(eligible, 0.0, -1e9)
    starts = tf.random.stateless_categorical(logits, 1, seed, dtype=tf.int32)
    return starts[:, 0]


def sorted_distinct_indices(seed: tf.Tensor, shape, span: tf.Tensor | int, count: int):
    """`count` distinct integers of [0, span), sorted ascending, for every entry of
    `shape` (uniform over the subsets: the `count` largest of `span` uniform keys).

    Returns:
        int32 [*shape, count].
    """
    keys = tf.random.stateless_uniform(tf.concat([shape, [span]], 0), seed)
    chosen = tf.math.top_k(keys, k=count, sorted=False).indices
    return tf.sort(chosen, axis=-1)


def shuffle_and_learn_indices(
    clips: tf.Tensor, seed: tf.Tensor, *, window: int = 8, min_motion: float = 0.9
) -> tuple[tf.Tensor, tf.Tensor]:
    """The clip frame indices of each tuple and its label (no frames gathered).

    Args:
        clips: [batch, T, H, W, C] (uint8 or float), T >= window.
        seed: shape [2] integer seed (stateless: same seed, same tuples).
        window: frames of the high-motion window the five frames come from.
        min_motion: relative motion threshold of the eligible windows.

    Returns:
        (indices int32 [2 * batch, 3] = (first, middle, last) frame of each
        tuple, labels int32 [2 * batch]: 1 = in order, 0 = middle frame outside
        (first, last)); examples 2i (positive) and 2i + 1 (negative) come from clip i.
    """
    clips = check_clips(clips, "shuffle_and_learn", SAMPLED_FRAMES)
    check_window(window, min_motion, clips.shape[1], "shuffle_and_learn", SAMPLED_FRAMES)
    seed = tf.cast(seed, tf.int32)
    window_seed, frame_seed, side_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    batch = tf.shape(clips)[0]
    starts = high_motion_window_starts(clips, window_seed, window, min_motion)
    frames = sorted_distinct_indices(frame_seed, [batch], window, SAMPLED_FRAMES)
    frames += starts[:, None]  # a, b, c, d, e: [B, 5]
    a, b, c, d, e = tf.unstack(frames, axis=1)
    after = tf.random.stateless_uniform([batch], side_seed) < 0.5
    outside = tf.where(after, e, a)
    positive = tf.stack([b, c, d], axis=1)
    negative = tf.stack([b, outside, d], axis=1)
    indices = tf.reshape(tf.stack([positive, negative], axis=1), [-1, TUPLE_FRAMES])
    labels = tf.tile(tf.constant([1, 0], tf.int32), [batch])
    return indices, labels


def shuffle_and_learn_tuples(
    clips: tf.Tensor, seed: tf.Tensor, *, window: int = 8, min_motion: float = 0.9
) -> tuple[tf.Tensor, tf.Tensor]:
    """Frame tuples and order labels for a batch of clips.

    Returns:
        (frames float32 [2 * batch, 3, H, W, C] in [0, 1], labels int32
        [2 * batch]); see `shuffle_and_learn_indices` for the layout.
    """
    clips = check_clips(clips, "shuffle_and_learn", SAMPLED_FRAMES)
    indices, labels = shuffle_and_learn_indices(clips, seed, window=window, min_motion=min_motion)
    per_clip = tf.reshape(indices, [-1, 2 * TUPLE_FRAMES])  # [B, 6]
    frames = tf.gather(clips, per_clip, axis=1, batch_dims=1)  # [B, 6, H, W, C]
    shape = tf.shape(clips)
    frames = tf.reshape(frames, tf.concat([[-1, TUPLE_FRAMES], shape[2:]], 0))
    return to_float_clips(frames), labels


@PRETEXT_OPS.register("shuffle_and_learn")
def shuffle_and_learn(
    ds: tf.data.Dataset,
    *,
    window: int = 8,
    min_motion: float = 0.9,
    seed: int = 0,
    clip_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of clip batches into (frame tuples, order labels).

    Args:
        ds: batched dataset whose elements are dicts (clips under `clip_key`),
            tuples (clips first) or tensors, [batch, T, H, W, C] uint8 or float.
        window: frames of the high-motion window each clip's tuples come from
            (5 <= window <= T).
        min_motion: windows with at least this fraction of the clip's largest
            window motion are eligible (0: any window).
        seed: seed of the draws, combined with the batch index.
        clip_key: key of the clips in dict elements.

    Returns:
        A dataset of `(frames float32 [2 * batch, 3, H, W, C] in [0, 1],
        labels int32 [2 * batch])`, one positive (1) and one negative (0) per clip.
    """
    spec = clip_batches_spec(ds, "shuffle_and_learn", SAMPLED_FRAMES, clip_key)
    check_window(window, min_motion, spec.shape[1], "shuffle_and_learn", SAMPLED_FRAMES)

    def make(batch_seed, element):
        return shuffle_and_learn_tuples(
            clips_of(element, clip_key), batch_seed, window=window, min_motion=min_motion
        )

    return map_batches(ds, seed, make)


shuffle_and_learn.label_names = LABEL_NAMES


def plot_frame_rows(frames, titles, path: str, *, title: str | None = None) -> str:
    """Draws examples of K frames [n, K, H, W, C] as rows of a grid; `titles[i]`
    names example i (on its first frame). Returns `path`."""
    from tfxlearn import viz

    frames = np.asarray(frames)
    n, k = frames.shape[:2]
    captions = [titles[i] if s == 0 else "" for i in range(n) for s in range(k)]
    flat = frames.reshape(n * k, *frames.shape[2:])
    return viz.image_grid(flat, captions, path, columns=k, title=title)


@PRETEXT_PLOTS.register("shuffle_and_learn")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 8) -> str:
    frames, labels = (np.asarray(t)[:examples] for t in batch)
    predicted = None
    if model is not None:
        predicted = np.asarray(model(frames, training=False)).argmax(-1)
    titles = [
        LABEL_NAMES[int(label)] + ("" if predicted is None else f" / pred {predicted[i]}")
        for i, label in enumerate(labels)
    ]
    return plot_frame_rows(frames, titles, path, title=title)
