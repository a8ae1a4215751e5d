"""Frame tuples for slow and steady feature learning (Goroshin, Bruna, Tompson,
Eigen & LeCun, "Unsupervised Learning of Spatiotemporally Coherent Metrics",
ICCV 2015; Jayaraman & Grauman, "Slow and Steady Feature Analysis: Higher
Order Temporal Coherence in Video", CVPR 2016).

From each clip: three consecutive frames (t, t+1, t+2) - the positives of the
slowness term (near frames close) and of the steadiness term (the second
difference of their embeddings small) - and one *far* frame, the negative:
a frame at least `min_gap` frames away from the triplet in time, taken from
the same clip ("same_clip"), from another clip of the batch ("other_clip") or
either with equal probability ("mixed", default). Output per tuple:
float32 frames [4, H, W, C] in the order (t, t+1, t+2, far).

Shortcuts guarded against:
- Near "negatives". A far frame sampled anywhere in the clip could be the
  neighbour of the triplet and look the same; pushing such pairs apart fights
  the slowness term and teaches noise. The far frame is always outside
  [t - min_gap + 1, t + 2 + min_gap - 1], in the other-clip case too.
- Trivially distinct negatives only. Negatives from other clips differ in the
  object and can be told apart by appearance without encoding motion;
  same-clip negatives share the object and differ only by where it moved, so
  they force the embedding to encode position and motion - at the price of
  pushing apart views of one object (on moving_digits, "same_clip"/"mixed"
  help the direction probe and cost digit identity, "other_clip" keeps the
  digit: see `pipelines/slow_steady_moving_digits.py`).
- Batch-statistics leaks. The four frames of all tuples go through the
  encoder as one batch (see the paradigm), so batch norm cannot tell the far
  frame's slot from the others.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

from tfxlearn.pretext.clips import clip_batches_spec, clips_of, to_float_clips
from tfxlearn.pretext.common import map_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

SLOT_NAMES = ("t", "t+1", "t+2", "far")
_FAR = ("mixed", "same_clip", "other_clip")


def _check_int(op: str, name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{op}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


@functools.lru_cache(maxsize=64)
def valid_pairs(frames: int, min_gap: int) -> np.ndarray:
    """int32 [P, 2]: every (t, far) with 0 <= t <= frames - 3 and the far frame at
    least `min_gap` frames from the triplet: far <= t - min_gap or
    far >= t + 2 + min_gap. Raises a ValueError when there is none."""
    frames = _check_int("slow_steady", "frames", frames, 1)
    min_gap = _check_int("slow_steady", "min_gap", min_gap, 1)
    if frames < 3 + min_gap:
        raise ValueError(
            f"slow_steady: clips have {frames} frames; a triplet (t, t+1, t+2) and a far "
            f"frame at least min_gap={min_gap} frames away need at least {3 + min_gap} "
            f"(pass a smaller min_gap or longer clips)"
        )
    pairs = [
        (t, f)
        for t in range(frames - 2)
        for f in range(frames)
        if f <= t - min_gap or f >= t + 2 + min_gap
    ]
    out = np.asarray(pairs, np.int32)
    out.flags.writeable = False
    return out


def slow_steady_tuples(
    clips: tf.Tensor,
    seed: tf.Tensor,
    *,
    far: str = "mixed",
    min_gap: int = 4,
    tuples_per_clip: int = 1,
) -> dict:
    """The batch op: `tuples_per_clip` tuples (t, t+1, t+2, far) per clip.

    Args:
        clips: [batch, T, H, W, C] (uint8 in [0, 255] or float in [0, 1]); T static.
        seed: shape [2] integer stateless seed.
        far: where the far frame comes from: "same_clip", "other_clip" (another
            clip of the batch; the same clip only if the batch has one clip)
            or "mixed" (a fair coin per tuple).
        min_gap: the far frame is at least this many frames before t or after t+2.
        tuples_per_clip: tuples drawn independently from every clip (clip-major order).

    Returns:
        A dict: "frames" float32 [n, 4, H, W, C] (n = batch * tuples_per_clip),
        "source" int32 [n, 4, 2]: (clip index in `clips`, frame index) of each slot.
    """
    if far not in _FAR:
        raise ValueError(f"slow_steady: far must be one of {_FAR}, got {far!r}")
    clips = tf.convert_to_tensor(clips)
    if clips.shape.rank != 5:
        raise ValueError(
            f"slow_steady: clips must be [batch, frames, height, width, channels], "
            f"got shape {clips.shape}"
        )
    if clips.shape[1] is None:
        raise ValueError("slow_steady: the clips' frame count (axis 1) must be static")
    repeats = _check_int("slow_steady", "tuples_per_clip", tuples_per_clip, 1)
    pairs = valid_pairs(int(clips.shape[1]), min_gap)
    frames = int(clips.shape[1])
    b = tf.shape(clips)[0]
    n = b * repeats
    home = tf.repeat(tf.range(b), repeats)  # clip of each tuple
    # One draw for all choices: (pair, other-clip shift, coin) per tuple.
    u = tf.random.stateless_uniform([3, n], tf.cast(seed, tf.int32))
    pick = tf.minimum(tf.cast(u[0] * len(pairs), tf.int32), len(pairs) - 1)
    t, f = tf.unstack(tf.gather(pairs, pick), axis=1)
    # Another clip: a shift in [1, b - 1] (0 when the batch holds one clip).
    others = tf.maximum(b - 1, 1)
    shift = tf.minimum(tf.cast(u[1] * tf.cast(others, tf.float32), tf.int32), others - 1)
    other = (home + tf.where(b > 1, shift + 1, 0)) % b
    if far == "same_clip":
        far_clip = home
    elif far == "other_clip":
        far_clip = other
    else:
        far_clip = tf.where(u[2] < 0.5, other, home)
    clip_index = tf.stack([home, home, home, far_clip], axis=1)
    time_index = tf.stack([t, t + 1, t + 2, f], axis=1)
    source = tf.stack([clip_index, time_index], axis=-1)  # [n, 4, 2]
    # Gather in the clips' dtype (one flat gather), then convert only the frames used.
    flat = tf.reshape(clips, tf.concat([[-1], tf.shape(clips)[2:]], 0))  # [b * T, H, W, C]
    tuples = tf.gather(flat, clip_index * frames + time_index)  # [n, 4, H, W, C]
    return {"frames": to_float_clips(tuples), "source": source}


@PRETEXT_OPS.register("slow_steady")
def slow_steady(
    ds: tf.data.Dataset,
    *,
    far: str = "mixed",
    min_gap: int = 4,
    tuples_per_clip: int = 1,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of clip batches into frame tuples (t, t+1, t+2, far).

    Args:
        ds: batched dataset of clips [batch, T, H, W, C] (T static): dicts
            with the clips under `image_key` (the pipeline's ExampleGen),
            tuples (clips first) or tensors; uint8 or float.
        far: "mixed", "same_clip" or "other_clip" (see `slow_steady_tuples`).
        min_gap: frames between the triplet and the far frame, at least.
        tuples_per_clip: tuples per clip per epoch.
        seed: stateless seed; per batch `[seed, batch index]`.
        image_key: key of the clips in dict elements.

    Returns:
        A dataset of float32 frame tuples [n, 4, H, W, C] in [0, 1] (no labels:
        the slot order is the supervision).
    """
    if far not in _FAR:
        raise ValueError(f"slow_steady: far must be one of {_FAR}, got {far!r}")
    spec = clip_batches_spec(ds, "slow_steady", 3, image_key)
    if spec.shape[1] is None:
        raise ValueError("slow_steady: the clips' frame count (axis 1) must be static")
    valid_pairs(int(spec.shape[1]), min_gap)  # clear error for too-short clips / bad gap
    _check_int("slow_steady", "tuples_per_clip", tuples_per_clip, 1)

    def make(batch_seed, element):
        return slow_steady_tuples(
            clips_of(element, image_key),
            batch_seed,
            far=far,
            min_gap=min_gap,
            tuples_per_clip=tuples_per_clip,
        )["frames"]

    return map_batches(ds, seed, make)


@PRETEXT_PLOTS.register("slow_steady")
def plot(batch, path: str, *, title: str | None = None, model=None, tuples: int = 6) -> str:
    """One column per slot (t, t+1, t+2, far), one row per tuple; with a model,
    row titles give the embedding distances d(t, t+1) and d(t, far)."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    frames = np.asarray(batch[0] if isinstance(batch, (tuple, list)) else batch, np.float32)
    frames = frames[:tuples]
    distances = None
    if model is not None:
        z = np.asarray(model(tf.constant(frames), training=False))
        distances = np.linalg.norm(z[:, [1, 3]] - z[:, :1], axis=-1)
    rows = {}
    for i, tuple_frames in enumerate(frames):
        name = f"tuple {i}"
        if distances is not None:
            name += f"\nd(t,t+1)={distances[i, 0]:.2f}\nd(t,far)={distances[i, 1]:.2f}"
        rows[name] = tuple_frames
    return viz.image_rows(
        rows, path, title=title or "slow and steady tuples: t, t+1, t+2, far frame"
    )
