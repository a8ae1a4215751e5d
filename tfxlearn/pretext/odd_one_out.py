"""Odd-one-out questions (Fernando, Bilen, Gavves & Gould, "Self-Supervised Video
Representation Learning With Odd-One-Out Networks", CVPR 2017).

From each clip, `num_subsequences` (N) subsequences of `subsequence_length`
(M) frames are drawn; N - 1 keep their temporal order and one - the odd one,
at a uniformly drawn position, the label - has its frames shuffled by a
permutation that is never the identity. The network must find which.

Conventions. `odd_one_out_indices` returns the clip frame index shown in each
slot, `indices[i, n, m]`; every subsequence n != labels[i] is strictly
increasing, and sorting the odd one's indices gives an increasing sequence
that its slots did not show.

Shortcuts guarded against:
- Set cues: every subsequence, odd or not, is drawn the same way (M distinct
  frames of the clip, uniform over the subsets, then sorted), and the odd one
  only permutes its slots afterwards - its frames, their spread in time and
  their pixels follow the same distribution as the others', so only the order
  tells it apart.
- Unanswerable questions: the odd permutation is drawn uniformly among the
  M! - 1 non-identity permutations, so the odd subsequence is never in order
  (distinct frame indices: it really is out of order). Its exact reversal is
  allowed: the N - 1 others, from the same clip, show which way the clip runs.
- Position bias: the odd position is uniform over 0..N-1 per clip.
The paper's per-frame colour/brightness jitter is not applied: moving_digits
frames are synthetic renders with constant brightness and contrast, so frame
statistics carry no order information.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import tensorflow as tf

from tfxlearn.pretext.clips import clip_batches_spec, clips_of, to_float_clips
from tfxlearn.pretext.common import map_batches
from tfxlearn.pretext.shuffle_and_learn import check_clips, plot_frame_rows, sorted_distinct_indices
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

MAX_SUBSEQUENCE_LENGTH = 7  # 7! = 5040 permutations in the shuffle table


def check_sizes(num_subsequences, subsequence_length, frames: int | None) -> None:
    """ValueErrors naming the argument for bad N / M, or clips shorter than M."""
    op = "odd_one_out"
    for name, value, low in (
        ("num_subsequences", num_subsequences, 2),
        ("subsequence_length", subsequence_length, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{op}: {name} must be an int >= {low}, got {value!r}")
    if subsequence_length > MAX_SUBSEQUENCE_LENGTH:
        raise ValueError(
            f"{op}: subsequence_length must be <= {MAX_SUBSEQUENCE_LENGTH}, "
            f"got {subsequence_length}"
        )
    if frames is not None and frames < subsequence_length:
        raise ValueError(
            f"{op}: clips have {frames} frames, fewer than subsequence_length "
            f"{subsequence_length} (the frames of one subsequence)"
        )


def shuffles(subsequence_length: int) -> np.ndarray:
    """The M! - 1 non-identity permutations of M slots, int32 [M! - 1, M]."""
    perms = list(itertools.permutations(range(subsequence_length)))[1:]  # [0] is the identity
    assert len(perms) == math.factorial(subsequence_length) - 1
    return np.array(perms, np.int32)


def odd_one_out_indices(
    clips: tf.Tensor,
    seed: tf.Tensor,
    *,
    num_subsequences: int = 6,
    subsequence_length: int = 4,
) -> tuple[tf.Tensor, tf.Tensor]:
    """The clip frame index shown in every slot, and the odd subsequence's position.

    Args:
        clips: [batch, T, H, W, C] (uint8 or float), T >= subsequence_length.
        seed: shape [2] integer seed (stateless: same seed, same questions).
        num_subsequences: N, subsequences per question (classes).
        subsequence_length: M, frames per subsequence.

    Returns:
        (indices int32 [batch, N, M], labels int32 [batch] in 0..N-1).
    """
    clips = check_clips(clips, "odd_one_out", 2)
    check_sizes(num_subsequences, subsequence_length, clips.shape[1])
    n, m = int(num_subsequences), int(subsequence_length)
    seed = tf.cast(seed, tf.int32)
    frame_seed, odd_seed, perm_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    shape = tf.shape(clips)
    batch, frames = shape[0], shape[1]
    tf.debugging.assert_greater_equal(
        frames, m, message="odd_one_out: clips are shorter than subsequence_length"
    )
    indices = sorted_distinct_indices(frame_seed, [batch, n], frames, m)  # [B, N, M]
    labels = tf.random.stateless_uniform([batch], odd_seed, minval=0, maxval=n, dtype=tf.int32)
    table = tf.constant(shuffles(m))
    perms = tf.gather(
        table,
        tf.random.stateless_uniform(
            [batch], perm_seed, minval=0, maxval=table.shape[0], dtype=tf.int32
        ),
    )  # [B, M]
    odd = tf.one_hot(labels, n, on_value=True, off_value=False)[:, :, None]  # [B, N, 1]
    identity = tf.range(m, dtype=tf.int32)[None, None, :]
    slots = tf.where(odd, perms[:, None, :], identity)  # [B, N, M]
    return tf.gather(indices, slots, batch_dims=2), labels


def odd_one_out_frames(
    clips: tf.Tensor,
    seed: tf.Tensor,
    *,
    num_subsequences: int = 6,
    subsequence_length: int = 4,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Subsequence frames and the odd position: (float32 [batch, N, M, H, W, C] in
    [0, 1], labels int32 [batch]); see `odd_one_out_indices`."""
    clips = check_clips(clips, "odd_one_out", 2)
    indices, labels = odd_one_out_indices(
        clips, seed, num_subsequences=num_subsequences, subsequence_length=subsequence_length
    )
    n, m = int(num_subsequences), int(subsequence_length)
    shape = tf.shape(clips)
    flat = tf.reshape(indices, [-1, n * m])
    frames = tf.gather(clips, flat, axis=1, batch_dims=1)  # [B, N * M, H, W, C]
    frames = tf.reshape(frames, tf.concat([[shape[0], n, m], shape[2:]], 0))
    return to_float_clips(frames), labels


@PRETEXT_OPS.register("odd_one_out")
def odd_one_out(
    ds: tf.data.Dataset,
    *,
    num_subsequences: int = 6,
    subsequence_length: int = 4,
    seed: int = 0,
    clip_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of clip batches into (N subsequences, position of the odd one).

    Args:
        ds: batched dataset whose elements are dicts (clips under `clip_key`),
            tuples (clips first) or tensors, [batch, T, H, W, C] uint8 or float.
        num_subsequences: N (the paper's default 6), the number of classes.
        subsequence_length: M frames per subsequence (2..7, <= T; default 4).
        seed: seed of the draws, combined with the batch index.
        clip_key: key of the clips in dict elements.

    Returns:
        A dataset of `(frames float32 [batch, N, M, H, W, C] in [0, 1], labels
        int32 [batch] in 0..N-1)`.
    """
    check_sizes(num_subsequences, subsequence_length, None)
    clip_batches_spec(ds, "odd_one_out", int(subsequence_length), clip_key)
    options = dict(num_subsequences=num_subsequences, subsequence_length=subsequence_length)

    def make(batch_seed, element):
        return odd_one_out_frames(clips_of(element, clip_key), batch_seed, **options)

    return map_batches(ds, seed, make)


@PRETEXT_PLOTS.register("odd_one_out")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 4) -> str:
    frames, labels = (np.asarray(t)[:examples] for t in batch)
    predicted = None
    if model is not None:
        predicted = np.asarray(model(frames, training=False)).argmax(-1)
    n, k = frames.shape[:2]
    rows = frames.reshape(n * k, *frames.shape[2:])  # one row per subsequence
    titles = []
    for i, label in enumerate(labels):
        for s in range(k):
            mark = "odd" if s == label else f"{s}"
            if s == 0 and predicted is not None:
                mark += f" / pred {predicted[i]}"
            titles.append(mark)
    return plot_frame_rows(rows, titles, path, title=title)
