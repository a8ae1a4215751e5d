"""Sequence sorting labels (Lee, Huang, Singh & Yang, "Unsupervised Representation
Learning by Sorting Sequences", ICCV 2017 - the Order Prediction Network, OPN).

Four distinct frames are drawn (sorted in time) from a high-motion window of
each clip and shown in a shuffled order; the label is the class of the shuffle.
A shuffle and its time reversal share a class, as in the paper: a clip played
backwards is as plausible as forwards (a digit moving left reversed is a digit
moving right), so (a, b, c, d) and (d, c, b, a) are one class, and so are
(b, a, c, d) and (c, d, b, a): 4! / 2 = 12 classes.

Conventions. `order[s]` is the rank in time (0 = earliest of the four) of the
frame shown in slot s: `frames[:, s] == sorted_frames[:, order[s]]`. Class k
holds `PERMUTATION_CLASSES[k]` (the member whose first slot shows one of the
two earliest frames) and its time reversal `3 - PERMUTATION_CLASSES[k]` (the
same slots read against the reversed clip). `unsort(frames, labels)` applies
the inverse of the class representative: it restores the temporal order, or
its exact reversal.

Shortcuts guarded against:
- Ambiguous orders from low motion: the four frames come from a window drawn
  among the clip's high-motion windows (see
  `tfxlearn.pretext.shuffle_and_learn.high_motion_window_starts`; the paper
  samples windows with large optical-flow magnitude). At a wall bounce a
  sprite retraces its path and the frames either side of it cannot be ordered.
- Unanswerable labels: forward/backward pairs share a class (above), so no
  label asks for the arrow of time, which moving digits does not show.
- Batch-statistics leaks: classes are drawn uniformly per clip; all four frames
  are whole untouched frames of the same clip.
The paper's channel splitting and spatial jittering fight chromatic and
low-level cues of real video; they are not applied here: moving_digits frames
are single-channel renders of the same sprite at sub-pixel-rounded positions,
with no colour, lens or compression artefacts that would leak the order.
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf

from tfxlearn.pretext.clips import clip_batches_spec, clips_of, to_float_clips
from tfxlearn.pretext.common import map_batches
from tfxlearn.pretext.shuffle_and_learn import (
    check_clips,
    check_window,
    high_motion_window_starts,
    plot_frame_rows,
    sorted_distinct_indices,
)
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

SORT_FRAMES = 4
# One member per {order, 3 - order} pair: the one whose first slot shows frame 0 or 1.
PERMUTATION_CLASSES = np.array(
    [p for p in itertools.permutations(range(SORT_FRAMES)) if p[0] < SORT_FRAMES / 2], np.int32
)
PERMUTATION_CLASSES.setflags(write=False)
NUM_CLASSES = len(PERMUTATION_CLASSES)  # 12
LABEL_NAMES = tuple("".join("abcd"[i] for i in p) for p in PERMUTATION_CLASSES)


def class_of(order) -> int:
    """The class of a slot order (a permutation of 0..3, either member of its pair)."""
    order = tuple(int(i) for i in order)
    if sorted(order) != list(range(SORT_FRAMES)):
        raise ValueError(f"order must be a permutation of 0..3, got {order}")
    if order[0] >= SORT_FRAMES / 2:
        order = tuple(SORT_FRAMES - 1 - i for i in order)
    return [tuple(p) for p in PERMUTATION_CLASSES.tolist()].index(order)


def sequence_sorting_indices(
    clips: tf.Tensor, seed: tf.Tensor, *, window: int = 8, min_motion: float = 0.9
) -> tuple[tf.Tensor, tf.Tensor]:
    """The clip frame index shown in each slot, and the shuffle class.

    Args:
        clips: [batch, T, H, W, C] (uint8 or float), T >= window.
        seed: shape [2] integer seed (stateless: same seed, same shuffles).
        window: frames of the high-motion window the four frames come from.
        min_motion: relative motion threshold of the eligible windows.

    Returns:
        (indices int32 [batch, 4]: clip frame shown in each slot, labels int32
        [batch] in 0..11).
    """
    clips = check_clips(clips, "sequence_sorting", SORT_FRAMES)
    check_window(window, min_motion, clips.shape[1], "sequence_sorting", SORT_FRAMES)
    seed = tf.cast(seed, tf.int32)
    window_seed, frame_seed, class_seed, flip_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 4)
    )
    batch = tf.shape(clips)[0]
    starts = high_motion_window_starts(clips, window_seed, window, min_motion)
    frames = sorted_distinct_indices(frame_seed, [batch], window, SORT_FRAMES) + starts[:, None]
    labels = tf.random.stateless_uniform(
        [batch], class_seed, minval=0, maxval=NUM_CLASSES, dtype=tf.int32
    )
    order = tf.gather(tf.constant(PERMUTATION_CLASSES), labels)  # [B, 4]
    reverse = tf.random.stateless_uniform([batch, 1], flip_seed) < 0.5
    order = tf.where(reverse, SORT_FRAMES - 1 - order, order)
    return tf.gather(frames, order, batch_dims=1), labels


def sequence_sorting_frames(
    clips: tf.Tensor, seed: tf.Tensor, *, window: int = 8, min_motion: float = 0.9
) -> tuple[tf.Tensor, tf.Tensor]:
    """Shuffled frames and their classes: (float32 [batch, 4, H, W, C] in [0, 1],
    labels int32 [batch]); see `sequence_sorting_indices`."""
    clips = check_clips(clips, "sequence_sorting", SORT_FRAMES)
    indices, labels = sequence_sorting_indices(clips, seed, window=window, min_motion=min_motion)
    return to_float_clips(tf.gather(clips, indices, axis=1, batch_dims=1)), labels


def unsort(frames, labels) -> tf.Tensor:
    """Applies the inverse of each label's class representative to [n, 4, ...]
    slots: the frames come back in temporal order or in exactly reversed order."""
    inverse = tf.argsort(tf.gather(tf.constant(PERMUTATION_CLASSES), tf.cast(labels, tf.int32)))
    return tf.gather(tf.convert_to_tensor(frames), inverse, axis=1, batch_dims=1)


@PRETEXT_OPS.register("sequence_sorting")
def sequence_sorting(
    ds: tf.data.Dataset,
    *,
    window: int = 8,
    min_motion: float = 0.9,
    seed: int = 0,
    clip_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of clip batches into (shuffled 4-frame sequences, classes).

    Args:
        ds: batched dataset whose elements are dicts (clips under `clip_key`),
            tuples (clips first) or tensors, [batch, T, H, W, C] uint8 or float.
        window: frames of the high-motion window (4 <= window <= T).
        min_motion: windows with at least this fraction of the clip's largest
            window motion are eligible (0: any window).
        seed: seed of the draws, combined with the batch index.
        clip_key: key of the clips in dict elements.

    Returns:
        A dataset of `(frames float32 [batch, 4, H, W, C] in [0, 1], labels
        int32 [batch] in 0..11)`.
    """
    spec = clip_batches_spec(ds, "sequence_sorting", SORT_FRAMES, clip_key)
    check_window(window, min_motion, spec.shape[1], "sequence_sorting", SORT_FRAMES)

    def make(batch_seed, element):
        return sequence_sorting_frames(
            clips_of(element, clip_key), batch_seed, window=window, min_motion=min_motion
        )

    return map_batches(ds, seed, make)


sequence_sorting.label_names = LABEL_NAMES


@PRETEXT_PLOTS.register("sequence_sorting")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 8) -> str:
    frames, labels = (np.asarray(t)[:examples] for t in batch)
    predicted = None
    if model is not None:
        predicted = np.asarray(model(frames, training=False)).argmax(-1)
    titles = [
        f"class {int(label)} ({LABEL_NAMES[int(label)]})"
        + ("" if predicted is None else f" / pred {predicted[i]}")
        for i, label in enumerate(labels)
    ]
    return plot_frame_rows(frames, titles, path, title=title)
