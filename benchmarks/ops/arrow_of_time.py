"""arrow_of_time (Wei et al. forward/reversed windows) on moving_digits/small clips
(16 frames 32x32): the vectorized op against the same work per clip in NumPy
(motion energy per step, a random moving window, reversal, frame differences,
mean removal, stacking along the channels)."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.arrow_of_time import DEFAULT_MIN_MOTION, arrow_of_time_windows

CLIPS = 4000  # the whole training split: 66 MB of uint8 frames
WINDOW = 8


def moving_digit_clips(n: int) -> np.ndarray:
    """uint8 [n, 16, 32, 32, 1] training clips of moving_digits/small (n <= 4000)."""
    ds = tfxlearn.data.load("moving_digits/small", "train").take(min(int(n), CLIPS))
    return np.concatenate(list(ds.map(lambda ex: ex["video"]).batch(500).as_numpy_iterator()))


def _example(clip, start, label, window=WINDOW):
    frames = clip[start : start + window].astype(np.float32) / 255.0
    if label:
        frames = frames[::-1]
    diffs = np.diff(frames, axis=0)
    diffs -= diffs.mean(axis=(1, 2), keepdims=True)
    return np.concatenate(list(diffs), axis=-1)


def numpy_per_sample(clips: np.ndarray, batch: int, seed: int = 0, given=None):
    """Per clip: moving windows, one drawn, a coin for the direction, the stacked
    differences; `given` ((clip, start, label) arrays of the op) replaces the draws."""
    rng = np.random.default_rng(seed)
    for first in range(0, len(clips) - batch + 1, batch):
        inputs, labels = [], []
        for i in range(first, first + batch):
            clip = clips[i]
            if given is None:
                floats = clip.astype(np.float32) / 255.0
                energy = np.abs(np.diff(floats, axis=0)).reshape(len(clip) - 1, -1).mean(-1)
                still = energy < DEFAULT_MIN_MOTION
                ok = [
                    s for s in range(len(clip) - WINDOW + 1) if not still[s : s + WINDOW - 1].any()
                ]
                if not ok:
                    continue
                start, label = rng.choice(ok), int(rng.integers(0, 2))
            else:
                keep = np.flatnonzero(given[0] == i - first)
                if not len(keep):
                    continue
                start, label = given[1][keep[0]], given[2][keep[0]]
            inputs.append(_example(clip, start, label))
            labels.append(label)
        yield np.stack(inputs), np.array(labels, np.int32)


def check(clips):
    small = clips[:32]
    out = arrow_of_time_windows(tf.constant(small), tf.constant([0, 0]), window=WINDOW)
    given = (out["clip"].numpy(), out["start"].numpy(), out["labels"].numpy())
    want, want_labels = next(numpy_per_sample(small, 32, given=given))
    np.testing.assert_array_equal(out["labels"], want_labels)
    np.testing.assert_allclose(out["inputs"], want, atol=1e-5)
    got, _ = next(numpy_per_sample(small, 32))
    assert got.shape[1:] == tuple(out["inputs"].shape[1:])


def build_model():
    model = tfxlearn.paradigms.get("arrow_of_time")(
        encoder=tfxlearn.nets.conv_encoder((32, 32, WINDOW - 1), widths=(32, 64, 128)),
        window=WINDOW,
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "arrow_of_time",
    "op_args": {"window": WINDOW},
    "images": moving_digit_clips,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
