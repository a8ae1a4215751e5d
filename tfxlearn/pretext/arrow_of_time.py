"""Arrow-of-time labels (Wei, Lim, Zisserman & Freeman, "Learning and Using the
Arrow of Time", CVPR 2018).

From every clip a window of `window` consecutive frames is played forward
(label 0) or backward (label 1); the network sees the window's frame
differences (the paper feeds optical flow; `tfxlearn.pretext.clips.
frame_differences` is the cheap stand-in) stacked along the channel axis,
[batch, H, W, (window - 1) * C] in time order, and predicts the direction.

Shortcuts guarded against (the paper's section 3 names black frames at clip
ends, static frames and camera artefacts as cues that give the direction away
without understanding the motion):
- Still windows. A window containing a frozen step (two identical
  consecutive frames, motion energy below `min_motion`) shows a blank
  difference channel whose position in the stack differs between the forward
  and the reversed version - e.g. static frames padding a clip's end. Windows
  are drawn only among those whose every step moves; a clip without any such
  window is dropped from the batch (its label would be noise or a shortcut).
- Global brightness changes. Fades to or from black and exposure drift add a
  constant to each difference frame whose sign tells the direction; with
  `remove_mean` each difference frame has its spatial mean (per channel)
  subtracted, so only the spatial structure of the motion is left.
- Batch-statistics leaks. In `mode="both"` each window appears forward and
  reversed next to each other, so every slice of a batch holds both classes in
  equal numbers (as rotation's interleaving does).

Note that a time-symmetric world has no arrow: moving_digits' constant-speed,
elastic bounces are exactly reversible, so there a reversed window is a valid
forward one and this task stays at chance; its `*_friction` variants (sprites
slowing down) have one, and the pipeline uses them (see its docstring).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.pretext.clips import (
    clip_batches_spec,
    clips_of,
    frame_differences,
    motion_energy,
)
from tfxlearn.pretext.common import map_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

LABEL_NAMES = ("forward", "reversed")
_MODES = ("random", "both")
DEFAULT_MIN_MOTION = 0.005


def check_window(window, frames: int | None = None, op: str = "arrow_of_time") -> int:
    """`window` as an int in [2, frames], else a ValueError naming the argument."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2:
        raise ValueError(
            f"{op}: window must be an integer >= 2 (frames per window; its {window!r} - 1 "
            f"differences are the input), got {window!r}"
        )
    if frames is not None and window > frames:
        raise ValueError(
            f"{op}: clips have {frames} frames, fewer than window={window}; pass a smaller "
            "window or longer clips"
        )
    return int(window)


def stack_differences(windows: tf.Tensor, remove_mean: bool = True) -> tf.Tensor:
    """Windows [batch, K, H, W, C] -> frame differences stacked along channels
    [batch, H, W, (K - 1) * C] (time-major: difference 0's channels first), float32.
    With `remove_mean`, each difference frame's spatial mean (per channel) is
    subtracted (global brightness changes removed)."""
    return _stack(frame_differences(windows), remove_mean)


def _stack(diffs: tf.Tensor, remove_mean: bool) -> tf.Tensor:
    """Differences [batch, K - 1, H, W, C] -> [batch, H, W, (K - 1) * C]."""
    if remove_mean:
        diffs = diffs - tf.reduce_mean(diffs, axis=[2, 3], keepdims=True)
    perm = tf.transpose(diffs, [0, 2, 3, 1, 4])  # [b, H, W, K-1, C]
    shape = tf.shape(perm)
    stacked = tf.reshape(perm, tf.concat([shape[:3], [shape[3] * shape[4]]], 0))
    k, c = diffs.shape[1], diffs.shape[-1]
    if k is not None and c is not None:
        stacked = tf.ensure_shape(stacked, [None, None, None, k * c])
    return stacked


def reverse_clips(clips: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Reverses the time axis of `clips[i]` [batch, T, ...] where `labels[i]` is 1
    (0 keeps it): its own inverse, so applying it twice restores the clips."""
    clips = tf.convert_to_tensor(clips)
    flags = tf.cast(labels, tf.bool)
    flags = tf.reshape(flags, tf.concat([[-1], tf.ones([clips.shape.rank - 1], tf.int32)], 0))
    return tf.where(flags, tf.reverse(clips, axis=[1]), clips)


def moving_windows(clips: tf.Tensor, window: int, min_motion: float) -> tf.Tensor:
    """bool [batch, T - window + 1]: window starts whose every step has motion
    energy (mean absolute frame difference, frames in [0, 1]) >= min_motion."""
    return _moving(motion_energy(clips), window, min_motion)


def _moving(energy: tf.Tensor, window: int, min_motion: float) -> tf.Tensor:
    still = tf.cast(energy < min_motion, tf.float32)  # [b, T-1]
    # Frozen steps inside the window [s, s + window - 1]: a sliding sum over window-1 steps.
    counts = tf.nn.conv1d(still[:, :, None], tf.ones([window - 1, 1, 1]), 1, "VALID")[..., 0]
    return counts < 0.5


def arrow_of_time_windows(
    clips: tf.Tensor,
    seed: tf.Tensor,
    *,
    window: int = 8,
    mode: str = "random",
    min_motion: float = DEFAULT_MIN_MOTION,
    remove_mean: bool = True,
) -> dict:
    """The batch op: one moving window per clip, played forward or reversed.

    Args:
        clips: [batch, T, H, W, C] (uint8 in [0, 255] or float in [0, 1]).
        seed: shape [2] integer stateless seed.
        window: frames per window (K); the input has K - 1 difference frames.
        mode: "random" (one direction per clip, label drawn from the seed) or
            "both" (each window forward then reversed: 2 examples per clip).
        min_motion: a step whose mean absolute difference is below this is still.
        remove_mean: subtract each difference frame's spatial mean.

    Returns:
        A dict: "inputs" float32 [n, H, W, (K - 1) * C] (stacked differences),
        "labels" int32 [n] (1 = reversed), "clip" int32 [n] (index of the
        source clip in `clips`), "start" int32 [n] (first frame of the window).
        Clips without a moving window are left out, so n <= batch (<= 2 batch).
    """
    if mode not in _MODES:
        raise ValueError(f"arrow_of_time: mode must be one of {_MODES}, got {mode!r}")
    clips = tf.convert_to_tensor(clips)
    if clips.shape.rank != 5:
        raise ValueError(
            f"arrow_of_time: clips must be [batch, frames, height, width, channels], "
            f"got shape {clips.shape}"
        )
    window = check_window(window, clips.shape[1])
    if not float(min_motion) >= 0:
        raise ValueError(f"arrow_of_time: min_motion must be >= 0, got {min_motion!r}")
    tf.debugging.assert_greater_equal(
        tf.shape(clips)[1], window, message=f"arrow_of_time: clips shorter than window={window}"
    )
    seed = tf.cast(seed, tf.int32)
    start_seed, label_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    # Differences of the whole clips, once: the motion energy reads them and the
    # inputs are gathered from them (a reversed window's differences are the
    # forward ones negated in reverse order - exactly, in floating point).
    diffs = frame_differences(clips)  # [b, T-1, H, W, C]
    energy = tf.reduce_mean(
        tf.abs(tf.reshape(diffs, tf.concat([tf.shape(diffs)[:2], [-1]], 0))), -1
    )
    ok = _moving(energy, window, float(min_motion))  # [b, S]
    # Uniform among the moving windows: argmax of uniform noise over the allowed starts.
    noise = tf.random.stateless_uniform(tf.shape(ok), start_seed, minval=0.1, maxval=1.0)
    start = tf.argmax(tf.where(ok, noise, tf.zeros_like(noise)), axis=1, output_type=tf.int32)
    keep = tf.where(tf.reduce_any(ok, axis=1))[:, 0]
    clip = tf.cast(keep, tf.int32)
    start = tf.gather(start, keep)
    n = tf.shape(clip)[0]
    if mode == "random":
        labels = tf.random.stateless_uniform([n], label_seed, minval=0, maxval=2, dtype=tf.int32)
    else:  # forward and reversed interleaved: [w0 fwd, w0 rev, w1 fwd, ...]
        clip = tf.repeat(clip, 2)
        start = tf.repeat(start, 2)
        labels = tf.tile(tf.constant([0, 1], tf.int32), [n])
    steps = start[:, None] + tf.range(window - 1)[None, :]  # [n, K-1]
    flat = tf.reshape(diffs, tf.concat([[-1], tf.shape(diffs)[2:]], 0))  # [b * (T-1), H, W, C]
    window_diffs = tf.gather(flat, clip[:, None] * tf.shape(diffs)[1] + steps)
    window_diffs = tf.ensure_shape(window_diffs, [None, window - 1, *clips.shape[2:]])
    flip = tf.reshape(labels > 0, [-1, 1, 1, 1, 1])
    window_diffs = tf.where(flip, -tf.reverse(window_diffs, axis=[1]), window_diffs)
    return {
        "inputs": _stack(window_diffs, remove_mean),
        "labels": labels,
        "clip": clip,
        "start": start,
    }


@PRETEXT_OPS.register("arrow_of_time")
def arrow_of_time(
    ds: tf.data.Dataset,
    *,
    window: int = 8,
    mode: str = "random",
    min_motion: float = DEFAULT_MIN_MOTION,
    remove_mean: bool = True,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of clip batches into (stacked frame differences, direction labels).

    Args:
        ds: batched dataset of clips [batch, T, H, W, C]: dicts with the clips
            under `image_key` (the pipeline's ExampleGen), tuples (clips
            first) or tensors; uint8 or float.
        window: frames per window K (2 <= K <= T); inputs have (K - 1) * C channels.
        mode: "random" (one direction per clip) or "both" (forward and
            reversed of every window, interleaved).
        min_motion: steps with a mean absolute frame difference below this
            (frames in [0, 1]) are still; windows containing one are not used.
        remove_mean: subtract the spatial mean of every difference frame.
        seed: stateless seed; per batch `[seed, batch index]`.
        image_key: key of the clips in dict elements.

    Returns:
        A dataset of `(inputs float32 [n, H, W, (K - 1) * C], labels int32 [n])`,
        label 1 = reversed.
    """
    if mode not in _MODES:
        raise ValueError(f"arrow_of_time: mode must be one of {_MODES}, got {mode!r}")
    spec = clip_batches_spec(ds, "arrow_of_time", 2, image_key)
    check_window(window, spec.shape[1])
    if isinstance(min_motion, bool) or not float(min_motion) >= 0:
        raise ValueError(f"arrow_of_time: min_motion must be a number >= 0, got {min_motion!r}")

    def make(batch_seed, element):
        out = arrow_of_time_windows(
            clips_of(element, image_key),
            batch_seed,
            window=window,
            mode=mode,
            min_motion=min_motion,
            remove_mean=remove_mean,
        )
        return out["inputs"], out["labels"]

    return map_batches(ds, seed, make)


@PRETEXT_PLOTS.register("arrow_of_time")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 6) -> str:
    """One row per example: its difference frames (grey = 0, white = brighter
    later), titled with the label (and the model's P(reversed) if given)."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    inputs, labels = batch
    inputs = np.asarray(inputs, np.float32)[:examples]
    labels = np.asarray(labels)[: len(inputs)]
    probs = None
    if model is not None:
        probs = tf.nn.softmax(model(tf.constant(inputs), training=False)).numpy()[:, 1]
    channels = int(getattr(model, "channels", 1) or 1) if model is not None else 1
    if inputs.shape[-1] % channels:
        channels = 1
    rows = {}
    for i, (x, label) in enumerate(zip(inputs, labels)):
        steps = x.reshape(*x.shape[:2], -1, channels).transpose(2, 0, 1, 3)  # [K-1, H, W, C]
        name = f"{i}: {LABEL_NAMES[int(label)]}"
        if probs is not None:
            name += f"\nP(rev)={probs[i]:.2f}"
        rows[name] = np.clip(0.5 + 0.5 * steps, 0, 1)
    return viz.image_rows(rows, path, title=title or "arrow of time: frame differences")


arrow_of_time.label_names = LABEL_NAMES
